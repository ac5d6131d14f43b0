package creem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creem-go/creem/internal/retry"
)

// Defaults of ListenerConfig.
const (
	DefaultListenPollInterval = time.Second      // wait between polls of an empty feed
	DefaultListenMaxBackoff   = 30 * time.Second // longest wait after repeated failures
	DefaultListenTimeout      = 30 * time.Second // per local delivery, response body included
)

const (
	listenPageSize     = 100              // events fetched per poll
	listenCleanup      = 10 * time.Second // budget for deleting the temporary endpoint
	listenFinalAck     = 5 * time.Second  // budget for an ack when the caller's context ended
	listenRemembered   = 10000            // delivered event IDs kept to never deliver one twice
	localResponseLimit = 4 * MaxAckResponseBody
)

// ListenerConfig configures NewListener.
type ListenerConfig struct {
	// ForwardTo is the URL each event is POSTed to, e.g. "http://localhost:8080/webhooks".
	// Required.
	ForwardTo string
	// Events are the event types the temporary endpoint subscribes to; empty means every type.
	Events []EventType
	// EndpointID, when set, forwards the feed of this existing cli endpoint instead of creating
	// a temporary one; the endpoint is left in place afterwards. Events must then be empty.
	EndpointID string
	// Name labels the temporary endpoint in the dashboard; it defaults to "creem listen".
	Name string
	// PollInterval is the wait between polls of an empty feed and the first wait after a
	// failure; zero means DefaultListenPollInterval.
	PollInterval time.Duration
	// MaxBackoff caps the growing wait after repeated failures; zero means DefaultListenMaxBackoff.
	MaxBackoff time.Duration
	// Timeout limits each local delivery, reading the response included; zero means
	// DefaultListenTimeout.
	Timeout time.Duration
	// HTTPClient sends the local deliveries. Nil means a client of the Listener's own, which
	// uses no proxy and follows no redirect. A client given here should not follow redirects
	// either: a 301 would turn the POST into a GET.
	HTTPClient *http.Client
	// OnDelivery, when set, is called after each local delivery, from the goroutine running Run.
	OnDelivery func(ForwardedEvent)
	// OnError, when set, is called with each failure Run keeps going through (an API call that
	// failed and will be retried), from the goroutine running Run.
	OnError func(error)
}

// ForwardedEvent reports one local delivery of a Listener.
type ForwardedEvent struct {
	At        time.Time     // when the local delivery started
	EventID   string        // the event's ID (evt_…)
	EventType EventType     // the event's type
	Duration  time.Duration // from sending the request to reading the (capped) response
	// StatusCode is what the local server answered; 0 when it did not answer.
	StatusCode int
	// Err is why the local server did not answer (a refused connection, a timeout, …).
	Err error
	// Retry is true when the local server could not even be reached: the event was not
	// acknowledged and is delivered again later, before any newer event.
	Retry bool
	// Acked is true when the delivery was acknowledged: with StatusCode, or with 504 (timeout)
	// or 502 (another failure after connecting) when the local server did not answer.
	Acked bool
	// AckErr is why the acknowledgment failed, when it did.
	AckErr error
}

// Listener forwards the events of a cli webhook endpoint to a local URL: what `creem listen`
// does, without a tunnel. Create one with NewListener, give Secret to the local server so it
// verifies signatures exactly as in production, then call Run:
//
//	l, err := creem.NewListener(ctx, client, creem.ListenerConfig{ForwardTo: "http://localhost:8080/webhooks"})
//	if err != nil { … }
//	handler := creem.NewWebhookHandler(string(l.Secret()))
//	…
//	err = l.Run(ctx) // until ctx is cancelled; then deletes the temporary endpoint
//
// Run polls the endpoint's pending feed and POSTs each event's body byte for byte, with its
// headers (creem-signature, …; hop-by-hop headers and Host excepted), oldest first, one at a
// time. It acknowledges each with the local status and the first MaxAckResponseBody characters
// of the response body, once. An event the local server could not even be connected to is not
// acknowledged and is tried again (before any newer one) after a growing wait. (Creem's docs
// suggest acknowledging such an event with 503; the Listener does not, because an acknowledged
// event leaves the feed for good and a developer restarting a local server would lose it.)
// Failed API calls (429, 5xx, network) are retried with backoff; an error the API will repeat
// (401, 403, 404) ends Run.
//
// The Listener never shows its secret in formatted output, logs or JSON. It starts no goroutine of its
// own, and closes the connections it opened to the local server when Run returns: nothing
// outlives Run.
type Listener struct {
	client     *Client
	cfg        ListenerConfig
	forwardTo  string
	endpointID string
	secret     WebhookSecret
	created    bool // the endpoint is temporary: delete it when done
	http       *http.Client
	transport  *http.Transport // our own, closed when Run ends; nil with cfg.HTTPClient

	mu      sync.Mutex
	started bool
	closed  bool

	done      map[string]AckWebhookEventParams // delivered event → what was acknowledged
	doneOrder []string
	skip      map[string]bool // events whose acknowledgment the API refused for good
}

// NewListener prepares to forward a cli endpoint's events to cfg.ForwardTo. It creates a
// temporary cli endpoint for cfg.Events (needs the webhooks:write scope), or, with
// cfg.EndpointID, checks that endpoint is a cli one and fetches its secret (webhooks:read).
// Errors of the API are returned wrapped: a wrong key or a missing scope matches ErrUnauthorized.
//
// Run it, or Close it to delete the temporary endpoint.
func NewListener(ctx context.Context, c *Client, cfg ListenerConfig) (*Listener, error) {
	const op = "NewListener"
	if c == nil {
		return nil, invalid(op, "client", "is required")
	}
	u, err := url.Parse(cfg.ForwardTo)
	if cfg.ForwardTo == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalid(op, "forward_to", "must be an absolute http(s) URL")
	}
	if cfg.EndpointID != "" && len(cfg.Events) > 0 {
		return nil, invalid(op, "events", "cannot be chosen for an existing endpoint")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultListenPollInterval
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultListenMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.PollInterval)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultListenTimeout
	}
	if cfg.Name == "" {
		cfg.Name = "creem listen"
	}
	cfg.Events = append([]EventType(nil), cfg.Events...)
	l := &Listener{client: c, cfg: cfg, forwardTo: u.String(), done: map[string]AckWebhookEventParams{}, skip: map[string]bool{}}

	if cfg.EndpointID != "" {
		ep, err := c.Webhooks.Get(ctx, cfg.EndpointID)
		if err != nil {
			return nil, fmt.Errorf("creem: NewListener: reading endpoint %s: %w", cfg.EndpointID, err)
		}
		if ep.DeliveryMode != WebhookDeliveryCLI {
			return nil, invalid(op, "endpoint_id", "is not a cli endpoint (delivery_mode "+strconv.Quote(string(ep.DeliveryMode))+")")
		}
		sec, err := c.Webhooks.Secret(ctx, ep.ID)
		if err != nil {
			return nil, fmt.Errorf("creem: NewListener: reading the secret of endpoint %s: %w", ep.ID, err)
		}
		l.endpointID, l.secret = ep.ID, sec.Secret
	} else {
		ep, err := c.Webhooks.Create(ctx, &CreateWebhookEndpointParams{DeliveryMode: WebhookDeliveryCLI, Name: cfg.Name, Events: cfg.Events})
		if err != nil {
			return nil, fmt.Errorf("creem: NewListener: creating a cli endpoint: %w", err)
		}
		l.endpointID, l.secret, l.created = ep.ID, ep.Secret, true
		if ep.Secret == "" { // not expected; the secret endpoint has it
			sec, err := c.Webhooks.Secret(ctx, ep.ID)
			if err != nil {
				return nil, errors.Join(fmt.Errorf("creem: NewListener: reading the secret of endpoint %s: %w", ep.ID, err), l.Close())
			}
			l.secret = sec.Secret
		}
	}

	if cfg.HTTPClient != nil {
		l.http = cfg.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil                       // local deliveries go straight to the local server
		t.MaxResponseHeaderBytes = 64 << 10 // a broken local server cannot make us buffer megabytes
		l.transport = t
		l.http = &http.Client{
			Transport:     t,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return l, nil
}

// Secret returns the signing secret of the endpoint: verify the forwarded deliveries with it
// (creem.NewWebhookHandler(string(l.Secret()))), exactly as production deliveries.
func (l *Listener) Secret() WebhookSecret { return l.secret }

// EndpointID returns the ID of the cli endpoint whose feed is forwarded.
func (l *Listener) EndpointID() string { return l.endpointID }

// Temporary reports whether the endpoint was created by NewListener and is deleted by Run or Close.
func (l *Listener) Temporary() bool { return l.created }

// ForwardTo returns the URL events are forwarded to.
func (l *Listener) ForwardTo() string { return l.forwardTo }

// String describes the Listener without its secret.
func (l *Listener) String() string {
	if l == nil {
		return "creem.Listener(nil)"
	}
	return fmt.Sprintf("creem.Listener{endpoint: %s, forward_to: %s, secret: %s}", l.endpointID, redactedURL(l.forwardTo), l.secret)
}

// GoString describes the Listener without its secret.
func (l *Listener) GoString() string { return l.String() }

// Format prints the String form for every verb (quoted for %q), never the secret.
func (l *Listener) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = f.Write([]byte(strconv.Quote(l.String())))
		return
	}
	_, _ = f.Write([]byte(l.String()))
}

// LogValue logs the endpoint and the forwarding URL, never the secret.
func (l *Listener) LogValue() slog.Value {
	if l == nil {
		return slog.AnyValue(nil)
	}
	return slog.GroupValue(slog.String("endpoint", l.endpointID), slog.String("forward_to", redactedURL(l.forwardTo)),
		slog.String("secret", l.secret.String()))
}

// MarshalJSON encodes the endpoint and the forwarding URL, never the secret.
func (l *Listener) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Endpoint  string `json:"endpoint"`
		ForwardTo string `json:"forward_to"`
		Secret    string `json:"secret"`
	}{l.endpointID, redactedURL(l.forwardTo), secretMark(string(l.secret))})
}

// redactedURL drops user information from a URL.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return retry.RedactURL(raw)
	}
	return u.Redacted()
}

// Run forwards events until ctx is cancelled, then deletes the temporary endpoint (with a
// context of its own, since ctx is done) and returns nil, or the deletion's error. It returns
// early with an error when the API refuses the feed for good (401, 403, 404: a wrong key, a
// missing scope, a deleted endpoint), deleting the temporary endpoint too. Run may be called once.
//
// An event being delivered when ctx is cancelled is not acknowledged: an existing endpoint's
// feed offers it again next time; a temporary endpoint's goes with the endpoint.
func (l *Listener) Run(ctx context.Context) (err error) {
	l.mu.Lock()
	switch {
	case l.started:
		l.mu.Unlock()
		return errors.New("creem: Listener.Run called twice")
	case l.closed:
		l.mu.Unlock()
		return errors.New("creem: Listener.Run called after Close")
	}
	l.started = true
	l.mu.Unlock()
	defer func() {
		if cerr := l.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if l.transport != nil {
			l.transport.CloseIdleConnections()
		}
	}()

	failures := 0 // consecutive failures, for the backoff
	for ctx.Err() == nil {
		page, err := l.client.Webhooks.ListPending(ctx, l.endpointID, &ListPendingWebhookEventsParams{Limit: listenPageSize})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !transient(err) {
				return fmt.Errorf("creem: Listener: reading the pending feed of %s: %w", l.endpointID, err)
			}
			l.reportError(err)
			failures++
			sleep(ctx, l.backoff(failures))
			continue
		}
		progress, stalled := l.forwardAll(ctx, page.Items)
		switch {
		case stalled: // the local server is unreachable: wait longer each time
			failures++
			sleep(ctx, l.backoff(failures))
		case progress && len(page.Items) == listenPageSize:
			failures = 0 // more may be waiting: poll again at once
		default:
			failures = 0
			sleep(ctx, l.cfg.PollInterval)
		}
	}
	return nil
}

// forwardAll delivers a page of the feed in order. progress tells whether any event left the
// feed; stalled that the local server could not be reached and the rest of the page waits.
func (l *Listener) forwardAll(ctx context.Context, items []PendingWebhookEvent) (progress, stalled bool) {
	for i := range items {
		if ctx.Err() != nil {
			return progress, false
		}
		ev := &items[i]
		if l.skip[ev.ID] {
			continue
		}
		if prev, ok := l.done[ev.ID]; ok {
			// Delivered and acknowledged before, yet still in the feed: acknowledge again (Creem
			// keeps the first result) rather than deliver twice.
			if err := l.ack(ctx, ev.ID, prev); err != nil {
				l.ackFailed(ev.ID, err)
			}
			progress = true
			continue
		}
		fe, ackParams := l.forward(ctx, ev)
		if ctx.Err() != nil && !fe.Acked && fe.StatusCode == 0 {
			return progress, false // cancelled mid-delivery: not acknowledged
		}
		if fe.Retry {
			l.reportDelivery(fe)
			return progress, true
		}
		fe.AckErr = l.ack(ctx, ev.ID, ackParams)
		fe.Acked = fe.AckErr == nil
		if fe.AckErr != nil {
			l.ackFailed(ev.ID, fe.AckErr)
		}
		l.remember(ev.ID, ackParams)
		l.reportDelivery(fe)
		progress = true
	}
	return progress, false
}

// forward POSTs one event to the local server and returns the report and what to acknowledge.
func (l *Listener) forward(ctx context.Context, ev *PendingWebhookEvent) (ForwardedEvent, AckWebhookEventParams) {
	fe := ForwardedEvent{EventID: ev.ID, EventType: ev.EventType, At: time.Now()}
	dctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(dctx, http.MethodPost, l.forwardTo, strings.NewReader(ev.Body))
	if err != nil { // the URL was checked by NewListener
		fe.Err = err
		return fe, AckWebhookEventParams{StatusCode: http.StatusBadGateway, ResponseBody: "creem listen: " + err.Error()}
	}
	for k, v := range ev.Headers {
		if forwardableHeader(k, v) {
			req.Header[k] = append(req.Header[k], v) // as given: the local server sees the delivery's headers
		}
	}
	resp, err := l.http.Do(req)
	if err != nil {
		fe.Duration = time.Since(fe.At)
		fe.Err = retry.Redact(err)
		if retry.NotSent(err) {
			fe.Retry = true // never reached the local server: deliver again later
			return fe, AckWebhookEventParams{}
		}
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return fe, AckWebhookEventParams{StatusCode: http.StatusGatewayTimeout,
				ResponseBody: fmt.Sprintf("creem listen: the local server did not answer within %s", l.cfg.Timeout)}
		}
		return fe, AckWebhookEventParams{StatusCode: http.StatusBadGateway, ResponseBody: "creem listen: " + fe.Err.Error()}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, localResponseLimit)) // a timeout mid-body keeps what arrived
	_ = resp.Body.Close()
	fe.Duration = time.Since(fe.At)
	fe.StatusCode = resp.StatusCode
	return fe, AckWebhookEventParams{StatusCode: resp.StatusCode, ResponseBody: truncateUTF16(string(body), MaxAckResponseBody)}
}

// isTimeout reports a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hopByHop are the headers that describe one connection, not the delivery, and the ones the
// transport sets itself. They are not forwarded.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Host": true, "Content-Length": true, "Expect": true,
}

// forwardableHeader reports whether a header of a pending event may be sent to the local server:
// a valid name and value, and not hop-by-hop.
func forwardableHeader(name, value string) bool {
	if name == "" || hopByHop[textproto.CanonicalMIMEHeaderKey(name)] {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// ack acknowledges one event, retrying failures that may pass (Ack is safe to repeat) with
// backoff until ctx is done. When ctx ends first, one last attempt with a short context of its
// own records the result, so an event the local server handled is not offered again.
func (l *Listener) ack(ctx context.Context, eventID string, p AckWebhookEventParams) error {
	for failures := 1; ; failures++ {
		last := ctx.Err() != nil
		actx, cancel := ctx, context.CancelFunc(func() {})
		if last {
			actx, cancel = context.WithTimeout(context.WithoutCancel(ctx), listenFinalAck)
		}
		_, err := l.client.Webhooks.Ack(actx, l.endpointID, eventID, &p)
		cancel()
		switch {
		case err == nil:
			return nil
		case last:
			return err
		case ctx.Err() != nil:
			continue // cancelled meanwhile: one last attempt
		case !transient(err):
			return err
		}
		l.reportError(err)
		sleep(ctx, l.backoff(failures))
	}
}

// ackFailed remembers an event whose acknowledgment failed for good, so it is not retried on
// every poll.
func (l *Listener) ackFailed(eventID string, err error) {
	if !transient(err) {
		l.skip[eventID] = true
	}
}

// remember records a delivered event, keeping the most recent listenRemembered.
func (l *Listener) remember(eventID string, p AckWebhookEventParams) {
	if _, ok := l.done[eventID]; !ok {
		l.doneOrder = append(l.doneOrder, eventID)
	}
	l.done[eventID] = p
	for len(l.doneOrder) > listenRemembered {
		delete(l.done, l.doneOrder[0])
		l.doneOrder = l.doneOrder[1:]
	}
}

func (l *Listener) reportDelivery(fe ForwardedEvent) {
	if l.cfg.OnDelivery != nil {
		l.cfg.OnDelivery(fe)
	}
}

func (l *Listener) reportError(err error) {
	if l.cfg.OnError != nil {
		l.cfg.OnError(err)
	}
}

// backoff is the wait after n consecutive failures: from PollInterval, doubling, capped at
// MaxBackoff, with jitter.
func (l *Listener) backoff(n int) time.Duration {
	return retry.Exponential(l.cfg.PollInterval, l.cfg.MaxBackoff, n-1, rand.Float64())
}

// transient reports whether a failed API call may succeed when repeated: network failures,
// undecodable answers, 408, 429 and 5xx. Invalid parameters and other 4xx answers will repeat.
func transient(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == http.StatusRequestTimeout || apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500
	}
	return !errors.Is(err, ErrInvalidParams)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Close deletes the temporary endpoint, if the Listener created one and it was not deleted yet,
// with a context of its own (10 s). An endpoint already gone counts as deleted. Run calls it when
// it ends; call it yourself when you do not call Run. It is safe to call more than once.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	if !l.created {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), listenCleanup)
	defer cancel()
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		_, err = l.client.Webhooks.Delete(ctx, l.endpointID)
		if err == nil || errors.Is(err, ErrNotFound) {
			return nil // a repeated delete finds it gone
		}
		if !transient(err) || ctx.Err() != nil {
			break
		}
		sleep(ctx, l.backoff(attempt))
	}
	return fmt.Errorf("creem: Listener: deleting the temporary endpoint %s (delete it yourself): %w", l.endpointID, err)
}
