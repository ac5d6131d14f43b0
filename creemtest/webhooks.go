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

// Delivery is one attempt to deliver an event to an endpoint: an HTTP post, or for a cli
// endpoint the acknowledgment its forwarder sent.
type Delivery struct {
	EventID   string
	EventType creem.EventType
	Endpoint  string // the endpoint's URL (a placeholder for cli endpoints)
	// EndpointID is the ID of an endpoint registered through the API; empty for endpoints
	// added with AddWebhookEndpoint.
	EndpointID string
	// Mode is creem.WebhookDeliveryHTTP for posts, creem.WebhookDeliveryCLI for acknowledgments.
	Mode    creem.WebhookDeliveryMode
	Attempt int       // 1 for the first try; always 1 for cli
	Status  int       // the endpoint's HTTP status (cli: the acknowledged one); 0 when the request failed
	Err     string    // the transport error, if any
	At      time.Time // when the attempt started (cli: when it was acknowledged)
	// ResponseBody is the response body a cli acknowledgment reported (at most 10,000 characters).
	ResponseBody string
}

// OK reports whether the endpoint accepted the delivery (a 2xx answer).
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status <= 299 }

// outgoing is an event queued for one endpoint: the exact body and its signature headers.
type outgoing struct {
	eventID   string
	eventType creem.EventType
	body      []byte
	secret    string    // the endpoint's signing secret
	at        time.Time // when it was queued
}

// endpoint is a webhook destination: a URL with its own ordered queue and worker, or (cli mode)
// a pending feed that a forwarder reads and acknowledges.
type endpoint struct {
	id     string // "" for endpoints added with AddWebhookEndpoint
	url    string
	secret string
	mode   creem.WebhookDeliveryMode
	status creem.WebhookStatus
	name   *string
	events []creem.EventType // empty: every type
	// queue holds, for http endpoints, the events not yet delivered or given up (the head is
	// in flight); for cli endpoints the pending feed, oldest first.
	queue  []outgoing
	acked  map[string]bool // cli: event ID → success of its first acknowledgment
	notify chan struct{}
	// gone is set and removed closed when the endpoint is deleted; ctx is then cancelled,
	// ending a delivery in flight.
	gone    bool
	removed chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
}

// wants reports whether an event of type t goes to the endpoint now.
func (ep *endpoint) wants(t creem.EventType) bool {
	if ep.status == creem.WebhookStatusDisabled {
		return false
	}
	if len(ep.events) == 0 {
		return true
	}
	for _, e := range ep.events {
		if e == t {
			return true
		}
	}
	return false
}

// AddWebhookEndpoint registers url to receive every event the server emits from now on, signed
// with WebhookSecret. Events go to each endpoint in the order they happened, one at a time: a
// failed delivery (no 2xx answer) is retried on the retry schedule before the next event goes
// out, and given up after the last retry.
//
// Endpoints can also be registered through the API (client.Webhooks.Create): those are signed
// with their own secret, honour their event filter and status, and in cli mode queue events in
// a pending feed instead of posting them.
func (s *Server) AddWebhookEndpoint(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startEndpoint(&endpoint{url: url, mode: creem.WebhookDeliveryHTTP, status: creem.WebhookStatusEnabled})
}

// startEndpoint adds ep to the endpoints receiving events and, for http endpoints, starts its
// worker. s.mu must be held.
func (s *Server) startEndpoint(ep *endpoint) {
	ep.notify = make(chan struct{}, 1)
	ep.removed = make(chan struct{})
	ep.ctx, ep.cancel = context.WithCancel(s.ctx)
	s.endpoints = append(s.endpoints, ep)
	if ep.mode == creem.WebhookDeliveryCLI {
		ep.acked = map[string]bool{}
		return
	}
	s.workers.Add(1)
	go s.deliverLoop(ep)
}

// stopEndpoint removes ep: it receives nothing more, its queue is dropped and a delivery in
// flight is cancelled. s.mu must be held.
func (s *Server) stopEndpoint(ep *endpoint) {
	for i, e := range s.endpoints {
		if e == ep {
			s.endpoints = append(s.endpoints[:i:i], s.endpoints[i+1:]...)
			break
		}
	}
	ep.gone = true
	close(ep.removed)
	ep.cancel()
	if ep.mode == creem.WebhookDeliveryCLI {
		s.settle(len(ep.queue)) // http queues are dropped by their worker, which owns the head
		ep.queue = nil
	}
}

// settle records that n queued deliveries were done, given up or dropped. s.mu must be held.
func (s *Server) settle(n int) {
	if n <= 0 {
		return
	}
	s.pending -= n
	if s.pending == 0 {
		close(s.idle)
	}
}

// HoldWebhooks makes HTTP deliveries wait, from their next attempt on, until the returned
// release is called (or the server closes): to test what your application shows before a
// webhook arrives, such as a success page still waiting for payment confirmation. Events keep
// being recorded and queued meanwhile, and go out in order once released; WaitForDeliveries
// waits for them. Calling release again does nothing.
func (s *Server) HoldWebhooks() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := make(chan struct{})
	s.hold = held
	var once sync.Once
	return func() {
		once.Do(func() {
			close(held)
			s.mu.Lock()
			if s.hold == held {
				s.hold = nil
			}
			s.mu.Unlock()
		})
	}
}

// Events returns every event the server emitted so far, oldest first.
func (s *Server) Events() []creem.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]creem.Event(nil), s.events...)
}

// Deliveries returns every delivery attempt so far, in the order they were made: HTTP posts
// (Mode http) and acknowledgments of cli endpoints' events (Mode cli).
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// WaitForDeliveries blocks until every queued event was delivered or given up, or ctx is done.
// Events in a cli endpoint's pending feed count as queued until they are acknowledged or the
// endpoint is deleted. After Close it returns an error: undelivered events were dropped.
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

// emit records an event and queues it for every enabled endpoint whose filter takes its type,
// signed with the endpoint's secret. The object is serialised now, so the event shows the state
// at the time it happened. s.mu must be held.
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
	for _, ep := range s.endpoints {
		if !ep.wants(t) {
			continue
		}
		o := outgoing{eventID: e.ID, eventType: t, body: body, at: now, secret: ep.secret}
		if ep.id == "" {
			o.secret = s.WebhookSecret // endpoints of AddWebhookEndpoint sign with the server's secret
		}
		ep.queue = append(ep.queue, o)
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

// signatureHeaders are the headers of a delivery of o made at the given time, named as Creem's
// pending feed names them. Like a real delivery, each attempt is signed when it is made: the
// Standard Webhooks timestamp is the attempt's, on the server's clock (so it stays fresh for a
// verifier reading Server.Now, however far Advance moved the clock since the event).
func (s *Server) signatureHeaders(o *outgoing, at time.Time) [][2]string {
	h := [][2]string{
		{"Content-Type", "application/json"},
		{"User-Agent", "creemtest-webhooks"},
		{"creem-signature", creem.SignWebhook(o.body, o.secret)},
	}
	if s.standardWebhooks {
		std := creem.SignStandardWebhook("msg_"+o.eventID, at, o.body, o.secret)
		for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			h = append(h, [2]string{k, std.Get(k)})
		}
	}
	return h
}

// deliverLoop sends ep's queue in order until the server closes or the endpoint is deleted.
func (s *Server) deliverLoop(ep *endpoint) {
	defer s.workers.Done()
	for {
		select {
		case <-s.closing:
			return
		default:
		}
		s.mu.Lock()
		if ep.gone {
			s.settle(len(ep.queue))
			ep.queue = nil
			s.mu.Unlock()
			return
		}
		var next *outgoing
		if len(ep.queue) > 0 {
			next = &ep.queue[0]
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-ep.notify:
			case <-ep.removed:
			case <-s.closing:
				return
			}
			continue
		}
		s.deliver(ep, *next)
		s.mu.Lock()
		if !ep.gone {
			ep.queue = ep.queue[1:]
			s.settle(1)
		}
		s.mu.Unlock()
	}
}

// deliver posts one event, retrying on the schedule. It returns early when the server closes or
// the endpoint is deleted.
func (s *Server) deliver(ep *endpoint, o outgoing) {
	for attempt := 1; ; attempt++ {
		for { // HoldWebhooks: wait until no hold is in force, however many came and went
			s.mu.Lock()
			held := s.hold
			s.mu.Unlock()
			if held == nil {
				break
			}
			select {
			case <-held:
			case <-ep.removed:
				return
			case <-s.closing:
				return
			}
		}
		s.mu.Lock()
		url, gone := ep.url, ep.gone // the URL may be changed through the API meanwhile
		s.mu.Unlock()
		if gone {
			return
		}
		d := Delivery{EventID: o.eventID, EventType: o.eventType, Endpoint: url, EndpointID: ep.id,
			Mode: creem.WebhookDeliveryHTTP, Attempt: attempt, At: s.now()}
		d.Status, d.Err = s.post(ep.ctx, url, o)
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		if d.OK() || attempt > len(s.retrySchedule) {
			return
		}
		timer := time.NewTimer(s.retrySchedule[attempt-1])
		select {
		case <-timer.C:
		case <-ep.removed:
			timer.Stop()
			return
		case <-s.closing:
			timer.Stop()
			return
		}
	}
}

// post sends one delivery attempt and returns the status or the transport error.
func (s *Server) post(ctx context.Context, url string, o outgoing) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(o.body))
	if err != nil {
		return 0, err.Error()
	}
	for _, kv := range s.signatureHeaders(&o, s.now()) {
		req.Header.Set(kv[0], kv[1])
	}
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
	endpoints        []*endpoint // every endpoint receiving events, in registration order
	events           []creem.Event
	deliveries       []Delivery
	pending          int           // deliveries queued or in progress, cli feeds included
	idle             chan struct{} // closed when pending drops to zero
	retrySchedule    []time.Duration
	standardWebhooks bool
	hold             chan struct{} // set by HoldWebhooks: deliveries wait until it is closed
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
