package creemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/creem-go/creem"
)

// DefaultWebhookRetrySchedule is Creem's retry schedule for failed deliveries (30 s, 1 min,
// 5 min, 1 h) compressed a thousandfold, so tests see retries in milliseconds.
var DefaultWebhookRetrySchedule = []time.Duration{30 * time.Millisecond, 60 * time.Millisecond, 300 * time.Millisecond, 3600 * time.Millisecond}

// WithWebhookRetrySchedule sets the waits before each redelivery of a failed webhook; after the
// last one the delivery is given up. No delays means no retries.
func WithWebhookRetrySchedule(delays ...time.Duration) Option {
	return func(s *Server) { s.retrySchedule = append([]time.Duration(nil), delays...) }
}

// WithStandardWebhooks makes the server sign deliveries with Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature) as well as creem-signature.
func WithStandardWebhooks() Option { return func(s *Server) { s.standardWebhooks = true } }

// Delivery is one attempt to deliver an event to an endpoint.
type Delivery struct {
	EventID   string
	EventType creem.EventType
	Endpoint  string
	Attempt   int       // 1 for the first try
	Status    int       // the endpoint's HTTP status; 0 when the request failed
	Err       string    // the transport error, if any
	At        time.Time // when the attempt started
}

// OK reports whether the endpoint accepted the delivery (a 2xx answer).
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status <= 299 }

// outgoing is an event queued for one endpoint: the exact body and its signature headers.
type outgoing struct {
	eventID   string
	eventType creem.EventType
	body      []byte
	header    http.Header
}

// endpoint is a registered webhook URL with its own ordered queue and worker.
type endpoint struct {
	url    string
	queue  []outgoing
	notify chan struct{}
}

// AddWebhookEndpoint registers url to receive every event the server emits from now on, signed
// with WebhookSecret. Events go to each endpoint in the order they happened, one at a time: a
// failed delivery (no 2xx answer) is retried on the retry schedule before the next event goes
// out, and given up after the last retry.
func (s *Server) AddWebhookEndpoint(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := &endpoint{url: url, notify: make(chan struct{}, 1)}
	s.endpoints = append(s.endpoints, ep)
	s.workers.Add(1)
	go s.deliverLoop(ep)
}

// Events returns every event the server emitted so far, oldest first.
func (s *Server) Events() []creem.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]creem.Event(nil), s.events...)
}

// Deliveries returns every delivery attempt so far, in the order they were made.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// WaitForDeliveries blocks until every queued event was delivered or given up, or ctx is done.
// After Close it returns an error: undelivered events were dropped.
func (s *Server) WaitForDeliveries(ctx context.Context) error {
	for {
		select {
		case <-s.closing:
			return errors.New("creemtest: server closed")
		default:
		}
		s.mu.Lock()
		if s.pending == 0 {
			s.mu.Unlock()
			return nil
		}
		idle := s.idle
		s.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return errors.New("creemtest: server closed")
		}
	}
}

// emit records an event and queues it for every endpoint. The object is serialised now, so the
// event shows the state at the time it happened. s.mu must be held.
func (s *Server) emit(t creem.EventType, object any) {
	raw, err := json.Marshal(object)
	if err != nil {
		panic("creemtest: encoding a webhook object: " + err.Error())
	}
	now := s.now()
	e := creem.Event{ID: newID("evt"), Type: t, CreatedAt: creem.TimestampFromMillis(now.UnixMilli()), Object: raw}
	body, err := json.Marshal(e)
	if err != nil {
		panic("creemtest: encoding a webhook: " + err.Error())
	}
	s.events = append(s.events, e)
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", "creemtest-webhooks")
	header.Set("creem-signature", creem.SignWebhook(body, s.WebhookSecret))
	if s.standardWebhooks {
		for k, v := range creem.SignStandardWebhook("msg_"+e.ID, now, body, s.WebhookSecret) {
			header[k] = v
		}
	}
	for _, ep := range s.endpoints {
		ep.queue = append(ep.queue, outgoing{eventID: e.ID, eventType: t, body: body, header: header})
		if s.pending == 0 {
			s.idle = make(chan struct{})
		}
		s.pending++
		select {
		case ep.notify <- struct{}{}:
		default:
		}
	}
}

// deliverLoop sends ep's queue in order until the server closes.
func (s *Server) deliverLoop(ep *endpoint) {
	defer s.workers.Done()
	for {
		select {
		case <-s.closing:
			return
		default:
		}
		s.mu.Lock()
		var next *outgoing
		if len(ep.queue) > 0 {
			next = &ep.queue[0]
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-ep.notify:
				continue
			case <-s.closing:
				return
			}
		}
		s.deliver(ep, *next)
		s.mu.Lock()
		ep.queue = ep.queue[1:]
		s.pending--
		if s.pending == 0 {
			close(s.idle)
		}
		s.mu.Unlock()
	}
}

// deliver posts one event, retrying on the schedule. It returns early when the server closes.
func (s *Server) deliver(ep *endpoint, o outgoing) {
	for attempt := 1; ; attempt++ {
		d := Delivery{EventID: o.eventID, EventType: o.eventType, Endpoint: ep.url, Attempt: attempt, At: s.now()}
		d.Status, d.Err = s.post(ep.url, o)
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		if d.OK() || attempt > len(s.retrySchedule) {
			return
		}
		timer := time.NewTimer(s.retrySchedule[attempt-1])
		select {
		case <-timer.C:
		case <-s.closing:
			timer.Stop()
			return
		}
	}
}

// post sends one delivery attempt and returns the status or the transport error.
func (s *Server) post(url string, o outgoing) (int, string) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(o.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = o.header.Clone()
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

// webhookState is the part of Server that sends webhooks.
type webhookState struct {
	endpoints        []*endpoint
	events           []creem.Event
	deliveries       []Delivery
	pending          int           // deliveries queued or in progress
	idle             chan struct{} // closed when pending drops to zero
	retrySchedule    []time.Duration
	standardWebhooks bool
	workers          sync.WaitGroup
	webhookClient    *http.Client
	ctx              context.Context // cancelled by Close, ending deliveries in flight
	cancel           context.CancelFunc
}

// refundJSON renders a refund with its related objects expanded, as refund.created carries it.
type refundJSON struct {
	*creem.Refund
	Checkout     any `json:"checkout,omitempty"`
	Order        any `json:"order,omitempty"`
	Subscription any `json:"subscription,omitempty"`
	Customer     any `json:"customer,omitempty"`
}

// refundView expands a stored refund's references. s.mu must be held.
func (s *Server) refundView(ref *creem.Refund) *refundJSON {
	v := &refundJSON{Refund: ref}
	if ref.Order != nil {
		v.Order = s.st.orders.byID[ref.Order.ID]
		if ch, ok := s.st.checkouts.find(func(c *creem.Checkout) bool { return c.Order != nil && c.Order.ID == ref.Order.ID }); ok {
			v.Checkout = s.checkoutView(ch, false)
		}
	}
	if ref.Subscription != nil {
		if sub, ok := s.st.subscriptions.get(ref.Subscription.ID); ok {
			v.Subscription = s.subscriptionView(sub, false)
		}
	}
	if ref.Customer != nil {
		v.Customer = s.st.customers.byID[ref.Customer.ID]
	}
	return v
}
