// Package creemtest is an in-process fake of the Creem API for tests that need no network and
// no Creem account.
//
// A Server speaks the real API's paths, status codes, error envelope and request validation
// (unknown or missing fields and wrong types give Creem's 400 body, a wrong API key 403,
// unknown IDs 404), keeps state, and serves a small hosted payment page at each checkout's
// checkout_url. Paying it, in a browser or with Pay, completes the checkout, creates the
// customer, order and transaction (and subscription, for recurring products) and redirects to
// the success URL with parameters signed exactly as Creem signs them. Fault injection (FailNext)
// lets you test your retry and error handling.
//
//	srv := creemtest.NewServer()
//	defer srv.Close()
//	client, _ := srv.Client()
//	product, _ := client.Products.Create(ctx, &creem.CreateProductParams{…})
//
// # The payment page
//
// The page asks for an e-mail, the checkout's custom fields (those it was created with, else
// its product's: text inputs with their length limits, checkboxes with their label; a field is
// required unless optional) and a card number, prefilled with CardSucceeds. The server checks
// the answers; a missing or invalid one shows the page again with the reason in #message and
// pays nothing. The answers are stored on the checkout (custom_fields[].text.value,
// custom_fields[].checkbox.value) and appear in GET /v1/checkouts and the checkout.completed
// webhook. PayWith does the same without a browser: Payment carries the e-mail, the card and
// the answers by field key. Pay is PayWith with an e-mail alone.
//
// # Declined cards
//
// The test card numbers work as in Creem's test mode: CardSucceeds pays, CardDeclined is
// declined ("Your card was declined." on the page, an error matching ErrCardDeclined from
// PayWith; nothing is created and the checkout stays pending, so the buyer may pay again), and
// CardRenewalsDeclined pays at checkout but declines every later charge of its subscription.
// SetRenewalsFail makes any subscription's later charges fail, or succeed again.
//
// # Time: renewals, trials, past due
//
// Nothing happens on its own after checkout: the server has a clock (the real time, or
// WithClock's), and Advance moves it forward and runs what fell due meanwhile, in time order,
// each step at its own time with its webhook:
//
//   - renewals of active subscriptions at their period's end (subscription.paid, a new paid
//     transaction and period);
//   - trials ending: a paid checkout for a product with trial_period_days starts a trialing
//     subscription (subscription.trialing; the checkout charges the trial_price, if any), and
//     at the trial's end the first full charge makes it active (subscription.paid);
//   - declined charges: past_due (subscription.past_due), retried after 3, 5 and 7 days
//     (WithRenewalRetrySchedule), active again when a retry pays (subscription.paid), unpaid
//     when none does (subscription.unpaid);
//   - scheduled cancellations taking effect at the period's end (subscription.canceled).
//
// Paused subscriptions are not charged. Every event carries the subscription as it was at
// that moment. See Advance for the details and its example for a whole story.
package creemtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creem-go/creem"
)

// Server is a fake Creem API server listening on a loopback address. Create it with NewServer
// and stop it with Close. It is safe for concurrent use.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234. Pass it to creem.WithBaseURL.
	URL string
	// APIKey is the only key the server accepts (a creem_test_ key).
	APIKey string
	// WebhookSecret signs the webhooks the server sends.
	WebhookSecret string

	hs *httptest.Server
	// now is the fake's clock: clockBase (time.Now or WithClock's function) plus clockOffset,
	// how far Advance moved it. It is read without s.mu; clockOffset changes only with s.mu held.
	now         func() time.Time
	clockBase   func() time.Time
	clockOffset atomic.Int64 // nanoseconds
	closing     chan struct{}
	closeOnce   sync.Once

	mu     sync.Mutex
	st     *store
	faults []*faultRule
	calls  map[string]int
	webhookState
	renewalRetries []time.Duration // delays after a declined renewal at which it is retried
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server accept key instead of a generated one.
func WithAPIKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// WithWebhookSecret makes the server sign webhooks with secret instead of a generated one.
func WithWebhookSecret(secret string) Option { return func(s *Server) { s.WebhookSecret = secret } }

// WithClock makes the server read the time from now, for timestamps and periods, instead of
// from time.Now. Advance moves the server's clock forward on top of it; when now itself moves,
// Advance(0) runs what fell due meanwhile. now is called from several goroutines.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// NewServer starts a fake Creem server. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		APIKey:        "creem_test_" + randomID(24),
		WebhookSecret: "whsec_" + randomID(32),
		now:           time.Now,
		closing:       make(chan struct{}),
		st:            newStore(),
		calls:         map[string]int{},
	}
	s.retrySchedule = DefaultWebhookRetrySchedule
	s.renewalRetries = DefaultRenewalRetrySchedule
	s.webhookClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, opt := range opts {
		opt(s)
	}
	s.clockBase = s.now
	s.now = func() time.Time { return s.clockBase().Add(time.Duration(s.clockOffset.Load())) }
	s.hs = httptest.NewServer(s.routes())
	s.URL = s.hs.URL
	return s
}

// New starts a Server for a test and closes it when the test and its subtests end, so a test
// needs one line:
//
//	func TestCheckout(t *testing.T) {
//		fake := creemtest.New(t)
//		client, _ := fake.Client()
//		…
//	}
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(opts...)
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server: it ends pending fault delays and webhook deliveries, and waits for
// running requests. It leaves no goroutine behind. Undelivered webhooks are dropped.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.cancel()
		s.hs.CloseClientConnections()
		s.hs.Close()
		s.workers.Wait()
		s.webhookClient.CloseIdleConnections()
	})
}

// Client returns a creem.Client for this server: its API key and URL, plus opts.
func (s *Server) Client(opts ...creem.Option) (*creem.Client, error) {
	return creem.NewClient(s.APIKey, append([]creem.Option{creem.WithBaseURL(s.URL)}, opts...)...)
}

// Calls returns how many requests reached route so far, faulted ones included. route is a
// pattern as the server registers it ("POST /v1/checkouts", "GET /v1/products/{id}") or a
// method and a concrete path ("GET /v1/products/prod_123").
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// apiError is an error answer. Routes of the core API write it in Creem's classic envelope
// ({trace_id, status, error, message[], timestamp}); routes of the newer families (usage,
// credits, webhook endpoints, …) in the newer one ({error: {type, code, message, param, details,
// request_id}}).
type apiError struct {
	status   int
	messages []string
	// code, param and details fill the newer envelope; code is null there when empty.
	code    string
	param   string
	details map[string]any
}

func errorf(status int, msgs ...string) *apiError { return &apiError{status: status, messages: msgs} }

// codedError is an error with the newer envelope's machine-readable code and parameter.
func codedError(status int, code, param, msg string) *apiError {
	return &apiError{status: status, messages: []string{msg}, code: code, param: param}
}

func notFound(what string) *apiError { return errorf(http.StatusNotFound, what+" not found") }

// handler serves one API route with the store locked. body is the request body, read already.
// It returns the answer, encoded as JSON while the store is still locked, or an error. An answer
// of type status is sent with its own status code instead of 200.
type handler func(r *http.Request, body []byte) (any, *apiError)

// status is an answer with a status code other than 200, e.g. 201 or 202.
type status struct {
	code int
	body any
}

// envelope tells which error envelope a route answers with.
type envelope int

const (
	classic envelope = iota // {trace_id, status, error, message[], timestamp}
	newer                   // {error: {type, code, message, param, details, request_id}}
)

// api wraps a handler: it counts the call, applies injected faults, checks the API key, reads
// the body, runs the handler and writes the JSON answer or the route's error envelope. The
// answer is encoded before the store is unlocked: handlers return pointers into the store, and
// a concurrent update must not change (or race with) an answer being written.
func (s *Server) api(pattern string, env envelope, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		concrete := r.Method + " " + r.URL.Path
		s.mu.Lock()
		s.calls[pattern]++
		if concrete != pattern {
			s.calls[concrete]++
		}
		fault := s.takeFault(pattern, concrete)
		s.mu.Unlock()
		if fault != nil && !fault.AfterHandling && s.applyFault(w, r, env, fault) {
			return
		}
		if r.Header.Get("x-api-key") != s.APIKey {
			s.writeError(w, env, errorf(http.StatusForbidden))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			s.writeError(w, env, errorf(http.StatusBadRequest, "could not read the request body"))
			return
		}
		s.mu.Lock()
		out, aerr := h(r, body)
		code := http.StatusOK
		if st, ok := out.(status); ok {
			code, out = st.code, st.body
		}
		var answer []byte
		if aerr == nil {
			answer = encodeJSON(out)
		}
		s.mu.Unlock()
		if fault != nil && fault.AfterHandling && s.applyFault(w, r, env, fault) {
			return // the call took effect, but the client never hears of it
		}
		if aerr != nil {
			s.writeError(w, env, aerr)
			return
		}
		writeRaw(w, code, answer)
	}
}

// encodeJSON encodes v as Creem does: without HTML escaping, with a final newline.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("creemtest: encoding an answer: " + err.Error())
	}
	return buf.Bytes()
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) { writeRaw(w, status, encodeJSON(v)) }

// writeError writes e in the route's envelope. In the classic one, like Creem's 403, an error
// without messages has no message field.
func (s *Server) writeError(w http.ResponseWriter, env envelope, e *apiError) {
	if env == newer {
		writeJSON(w, e.status, s.newerErrorBody(e))
		return
	}
	body := map[string]any{
		"trace_id":  newUUID(),
		"status":    e.status,
		"error":     http.StatusText(e.status),
		"timestamp": s.now().UnixMilli(),
	}
	if len(e.messages) > 0 {
		body["message"] = e.messages
	}
	writeJSON(w, e.status, body)
}

// newerErrorBody renders e in the newer envelope; type follows from the status.
func (s *Server) newerErrorBody(e *apiError) map[string]any {
	typ := "invalid_request_error"
	switch {
	case e.status == http.StatusUnauthorized || e.status == http.StatusForbidden:
		typ = "authentication_error"
	case e.status == http.StatusTooManyRequests:
		typ = "rate_limit_error"
	case e.status >= 500:
		typ = "api_error"
	}
	msg := strings.Join(e.messages, "; ")
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	detail := map[string]any{"type": typ, "code": nil, "message": msg, "param": nil, "request_id": "req_" + randomID(16)}
	if e.code != "" {
		detail["code"] = e.code
	}
	if e.param != "" {
		detail["param"] = e.param
	}
	if len(e.details) > 0 {
		detail["details"] = e.details
	}
	return map[string]any{"error": detail}
}

// decodeBody validates body against the named request schema like Creem does, then decodes it
// into dst.
func decodeBody(body []byte, schemaName string, dst any) *apiError {
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		return errorf(http.StatusBadRequest, "request body is not valid JSON")
	}
	if msgs := validateBody(raw, schemaName); len(msgs) > 0 {
		return errorf(http.StatusBadRequest, msgs...)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return errorf(http.StatusBadRequest, "request body does not match "+schemaName)
	}
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h handler) { mux.HandleFunc(pattern, s.api(pattern, classic, h)) }
	// The newer API families answer errors in the newer envelope; each registers its routes.
	handleNewer := func(pattern string, h handler) { mux.HandleFunc(pattern, s.api(pattern, newer, h)) }
	for _, register := range familyRoutes {
		register(s, handleNewer)
	}

	handle("POST /v1/products", s.createProduct)
	handle("GET /v1/products/search", s.searchProducts)
	handle("GET /v1/products/{id}", s.getProduct)
	handle("PATCH /v1/products/{id}", s.updateProduct)
	handle("DELETE /v1/products/{id}", s.archiveProduct)
	handle("POST /v1/checkouts", s.createCheckout)
	handle("GET /v1/checkouts", s.getCheckout)
	handle("GET /v1/customers", s.getCustomer)
	handle("POST /v1/customers", s.createCustomer)
	handle("PATCH /v1/customers", s.updateCustomer)
	handle("GET /v1/customers/list", s.listCustomers)
	handle("POST /v1/customers/billing", s.customerBilling)
	handle("GET /v1/customers/{id}/orders", s.customerOrders)
	handle("GET /v1/customers/{id}/subscriptions", s.customerSubscriptions)
	handle("GET /v1/customers/{id}/licenses", s.customerLicenses)
	handle("GET /v1/subscriptions", s.getSubscription)
	handle("GET /v1/subscriptions/search", s.searchSubscriptions)
	handle("POST /v1/subscriptions/{id}", s.updateSubscription)
	handle("POST /v1/subscriptions/{id}/upgrade", s.upgradeSubscription)
	handle("POST /v1/subscriptions/{id}/cancel", s.cancelSubscription)
	handle("POST /v1/subscriptions/{id}/pause", s.pauseSubscription)
	handle("POST /v1/subscriptions/{id}/resume", s.resumeSubscription)
	handle("POST /v1/licenses/activate", s.activateLicense)
	handle("POST /v1/licenses/validate", s.validateLicense)
	handle("POST /v1/licenses/deactivate", s.deactivateLicense)
	handle("GET /v1/licenses/{id}/instances", s.licenseInstances)
	handle("POST /v1/discounts", s.createDiscount)
	handle("GET /v1/discounts", s.getDiscount)
	handle("GET /v1/discounts/search", s.searchDiscounts)
	handle("DELETE /v1/discounts/{id}/delete", s.deleteDiscount)
	handle("GET /v1/transactions", s.getTransaction)
	handle("GET /v1/transactions/search", s.searchTransactions)
	handle("POST /v1/refunds", s.refund)
	handle("GET /v1/stats/summary", s.statsSummary)

	mux.HandleFunc("GET /checkout/{id}", s.checkoutPage)
	mux.HandleFunc("POST /checkout/{id}", s.checkoutPay)
	mux.HandleFunc("GET /checkout/{id}/complete", s.checkoutComplete)
	mux.HandleFunc("GET /portal/{id}", s.portalPage)

	// Anything else gets NestJS's 404 in Creem's envelope.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, classic, errorf(http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path))
	})
	return mux
}

// familyRoutes register the routes of the newer API families, one function per family file.
var familyRoutes []func(s *Server, handle func(pattern string, h handler))

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomID returns n random base-62 characters, the shape of Creem's IDs.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// newID returns an ID with Creem's prefix for a kind of object, e.g. "prod_4l0N34kxo16AhRKUHFUuXr".
func newID(prefix string) string { return prefix + "_" + randomID(22) }

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}
