package creem

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/creem-go/creem/internal/retry"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.2.0"

// Base URLs of the two Creem environments.
const (
	LiveBaseURL = "https://api.creem.io"
	TestBaseURL = "https://test-api.creem.io"
)

// testKeyPrefix marks test-mode API keys; other creem_ keys are live keys.
const testKeyPrefix = "creem_test_"

// Defaults of the transport; each has an Option to change it.
const (
	DefaultRetryMax     = 3                      // retries after the first attempt
	DefaultRetryWaitMin = 500 * time.Millisecond // first backoff wait
	DefaultRetryWaitMax = 5 * time.Second        // longest wait, including a Retry-After
	DefaultTimeout      = 30 * time.Second       // per attempt
)

const (
	maxResponseBody = 16 << 20 // largest 2xx body decoded
	drainLimit      = 64 << 10 // bytes read from an unread body so the connection can be reused
)

// Client talks to the Creem API. It is safe for concurrent use by many goroutines; create one
// and share it.
type Client struct {
	// Checkouts creates and retrieves checkout sessions.
	Checkouts *CheckoutsService
	// Products creates, retrieves, lists, updates and archives products.
	Products *ProductsService
	// Customers creates, retrieves, lists and updates customers, and opens their billing portal.
	Customers *CustomersService
	// Subscriptions retrieves, lists, updates, upgrades, cancels, pauses and resumes subscriptions.
	Subscriptions *SubscriptionsService
	// Licenses activates, validates and deactivates license keys.
	Licenses *LicensesService
	// Discounts creates, retrieves, lists and deletes discount codes.
	Discounts *DiscountsService
	// Transactions retrieves and lists transactions, and refunds them.
	Transactions *TransactionsService
	// Stats reads store metrics.
	Stats *StatsService
	// Meters defines, previews and archives usage meters, and reads a customer's consumed units.
	// It needs a key with the meters:read / meters:write scopes.
	Meters *MetersService
	// Usage ingests, previews and lists usage events. It needs a key with the events:write /
	// events:read scopes. For a steady stream of events, see NewIngester.
	Usage *UsageService
	// Credits manages customer credit accounts and their double-entry ledger.
	Credits *CreditsService
	// Webhooks manages webhook endpoints and reads the pending feed of cli-mode endpoints. It
	// needs a key with the webhooks:read / webhooks:write scopes. Verifying deliveries needs no
	// Client: see VerifyWebhook and WebhookHandler.
	Webhooks *WebhooksService
	// Affiliates invites affiliates and reads affiliates and their commissions.
	Affiliates *AffiliatesService
	// Splits creates, reads and deletes revenue splits.
	Splits *SplitsService
	// Moderation screens prompts.
	Moderation *ModerationService

	baseURL  string // scheme://host[/prefix], no trailing slash
	testMode bool
	logger   *slog.Logger
	http     *retryablehttp.Client
	headers  struct{ apiKey, accept, userAgent, contentType []string }
}

// service is the state every resource service shares: none but the client.
type service struct{ client *Client }

// Option configures a Client in NewClient. An invalid option makes NewClient return an error.
type Option func(*config) error

type config struct {
	baseURL    string
	testMode   *bool
	httpClient *http.Client
	retryMax   int
	waitMin    time.Duration
	waitMax    time.Duration
	timeout    *time.Duration
	logger     *slog.Logger
	userAgent  string
}

// WithBaseURL sends requests to baseURL instead of Creem's API, for a proxy or a creemtest
// server. It overrides the mode's base URL. The URL must be absolute http or https, without a
// query or fragment; a path prefix is kept. Over plain http the API key crosses the network
// unencrypted: use it for loopback (creemtest) or a proxy on a network you trust.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("creem: WithBaseURL: %q is not an absolute http(s) URL", retry.RedactURL(baseURL))
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("creem: WithBaseURL: %q must not carry a query, fragment or user information", retry.RedactURL(baseURL))
		}
		c.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	}
}

// WithTestMode selects Creem's test environment (true) or live environment (false) instead of
// deciding from the key's prefix. NewClient fails when the choice contradicts the key: a
// creem_test_ key with false, or another creem_ key with true.
func WithTestMode(test bool) Option {
	return func(c *config) error {
		c.testMode = &test
		return nil
	}
}

// WithHTTPClient makes the Client send its attempts with a copy of hc: its transport, proxy and
// TLS settings are used. The copy never follows redirects (so the API key stays with the host it
// was meant for), and gets the per-attempt timeout of WithTimeout, or DefaultTimeout when hc has none.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("creem: WithHTTPClient: client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithRetryMax sets how many times a failed attempt may be retried (0 disables retries).
// Whether an attempt may be retried at all depends on the call; see the package documentation.
func WithRetryMax(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("creem: WithRetryMax: %d is negative", n)
		}
		c.retryMax = n
		return nil
	}
}

// WithRetryWait sets the first and the longest wait between attempts. Waits grow exponentially
// from min with jitter; a Retry-After header is honoured but never waits longer than max.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max < min {
			return fmt.Errorf("creem: WithRetryWait: need 0 <= min <= max, got %s and %s", min, max)
		}
		c.waitMin, c.waitMax = min, max
		return nil
	}
}

// WithTimeout limits each attempt (connect, send, and read the whole response) to d; 0 removes
// the limit. The context passed to each call bounds the call as a whole, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("creem: WithTimeout: %s is negative", d)
		}
		c.timeout = &d
		return nil
	}
}

// WithLogger sends the Client's debug lines (each attempt and response) and warnings (each
// retry) to l. Without it the Client writes nothing anywhere. Lines never carry the API key,
// request bodies or query strings.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent puts ua (say "myapp/1.2") in front of the SDK's own User-Agent.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if i := strings.IndexFunc(ua, isControl); i >= 0 {
			return fmt.Errorf("creem: WithUserAgent: user agent contains the control character %U", ua[i])
		}
		c.userAgent = strings.TrimSpace(ua)
		return nil
	}
}

// NewClient returns a Client authenticating with apiKey. Keys starting with creem_test_ select
// https://test-api.creem.io, others https://api.creem.io; WithTestMode and WithBaseURL override
// that. It returns an error, never panics, for an empty key, a key whose prefix contradicts
// WithTestMode, or an invalid option.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("creem: NewClient: API key is empty")
	}
	if !isToken(apiKey) {
		// Said without the key, which is secret even when malformed.
		return nil, errors.New("creem: NewClient: API key contains white space, a control character or a non-ASCII byte")
	}
	cfg := config{retryMax: DefaultRetryMax, waitMin: DefaultRetryWaitMin, waitMax: DefaultRetryWaitMax}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}

	testKey := strings.HasPrefix(apiKey, testKeyPrefix)
	liveKey := strings.HasPrefix(apiKey, "creem_") && !testKey
	test := testKey
	if cfg.testMode != nil {
		switch {
		case *cfg.testMode && liveKey:
			return nil, errors.New("creem: NewClient: WithTestMode(true) contradicts a live API key")
		case !*cfg.testMode && testKey:
			return nil, errors.New("creem: NewClient: WithTestMode(false) contradicts a test API key (prefix creem_test_)")
		}
		test = *cfg.testMode
	}
	base := LiveBaseURL
	if test {
		base = TestBaseURL
	}
	if cfg.baseURL != "" {
		base = cfg.baseURL
	}

	ua := fmt.Sprintf("creem-go/%s (%s; %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if cfg.userAgent != "" {
		ua = cfg.userAgent + " " + ua
	}

	c := &Client{
		baseURL:  base,
		testMode: test,
		logger:   cfg.logger,
		http:     newRetryClient(&cfg),
	}
	c.headers.apiKey = []string{apiKey}
	c.headers.accept = []string{"application/json"}
	c.headers.userAgent = []string{ua}
	c.headers.contentType = []string{"application/json"}
	c.Checkouts = &CheckoutsService{client: c}
	c.Products = &ProductsService{client: c}
	c.Customers = &CustomersService{client: c}
	c.Subscriptions = &SubscriptionsService{client: c}
	c.Licenses = &LicensesService{client: c}
	c.Discounts = &DiscountsService{client: c}
	c.Transactions = &TransactionsService{client: c}
	c.Stats = &StatsService{client: c}
	c.Meters = &MetersService{client: c}
	c.Usage = &UsageService{client: c}
	c.Credits = &CreditsService{client: c}
	c.Webhooks = &WebhooksService{client: c}
	c.Affiliates = &AffiliatesService{client: c}
	c.Splits = &SplitsService{client: c}
	c.Moderation = &ModerationService{client: c}
	return c, nil
}

// newRetryClient starts from retryablehttp.NewClient and overrides what its defaults get wrong
// for payments: logging, the retry policy, the backoff and the error handler.
func newRetryClient(cfg *config) *retryablehttp.Client {
	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		hc.Transport = t
	}
	switch {
	case cfg.timeout != nil:
		hc.Timeout = *cfg.timeout
	case hc.Timeout == 0:
		hc.Timeout = DefaultTimeout
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	rc := retryablehttp.NewClient()
	rc.HTTPClient = &hc
	// retryablehttp's own logger prints whole URLs, query strings included; the SDK logs
	// through the hooks below instead, and only to the logger the user gave.
	rc.Logger = nil
	rc.RetryMax = cfg.retryMax
	rc.RetryWaitMin, rc.RetryWaitMax = cfg.waitMin, cfg.waitMax
	rc.CheckRetry = retry.CheckRetry
	rc.Backoff = retry.Backoff
	rc.ErrorHandler = retry.ErrorHandler
	rc.RequestLogHook = retry.RequestHook
	rc.ResponseLogHook = retry.ResponseHook
	return rc
}

// BaseURL returns the URL requests are sent to.
func (c *Client) BaseURL() string { return c.baseURL }

// TestMode reports whether the Client talks to Creem's test environment (from the key prefix or
// WithTestMode).
func (c *Client) TestMode() bool { return c.testMode }

// RequestOption adjusts a single call.
type RequestOption func(*requestOptions)

type requestOptions struct {
	idempotencyKey string
	response       **http.Response
	rawBody        *[]byte
	extra          map[string]any
}

// WithIdempotencyKey replaces the idempotency key the SDK generates for the calls whose endpoint
// honours one: Products.Create (its Idempotency-Key header) and Credits.Credit, Credits.Debit and
// Credits.PostTransaction (their body's idempotency_key). On other calls it is refused before
// sending, because a key the server ignores would not make a retry safe. The key must be 1 to 255
// visible ASCII characters.
func WithIdempotencyKey(key string) RequestOption {
	return func(o *requestOptions) { o.idempotencyKey = key }
}

// WithHTTPResponse stores the last *http.Response of the call in *dst, for its headers and
// status. Its body has been read and closed.
func WithHTTPResponse(dst **http.Response) RequestOption {
	return func(o *requestOptions) { o.response = dst }
}

// WithRawResponseBody stores a copy of the response body of the call in *dst, whatever its
// status: the bytes behind the decoded value, for fields the SDK does not model yet (decode them
// yourself with encoding/json). It stays nil when no response arrived.
func WithRawResponseBody(dst *[]byte) RequestOption {
	return func(o *requestOptions) { o.rawBody = dst }
}

// WithExtraFields adds fields to the JSON body of the call, for request fields the API accepts
// but the SDK does not model yet. They are added to the top-level object next to the fields the
// params set; a name the params already send, or a call without a JSON object body, is refused
// before sending. Creem refuses fields it does not know with 400.
func WithExtraFields(fields map[string]any) RequestOption {
	return func(o *requestOptions) { o.extra = fields }
}

// endpoint describes one API operation.
type endpoint struct {
	method string
	path   string // escaped path, IDs filled in
	// safe: repeating the call cannot have a second effect (reads, license validation).
	safe bool
	// idempotencyKey: the endpoint honours Idempotency-Key; one is sent on every call (generated
	// once per call unless the caller gives one), which makes the call safe to repeat.
	idempotencyKey bool
}

func get(path string) endpoint   { return endpoint{method: http.MethodGet, path: path, safe: true} }
func post(path string) endpoint  { return endpoint{method: http.MethodPost, path: path} }
func patch(path string) endpoint { return endpoint{method: http.MethodPatch, path: path} }
func del(path string) endpoint   { return endpoint{method: http.MethodDelete, path: path} }

// postSafe is a POST that repeating cannot give a second effect: it changes nothing (license
// validation, previews) or its body carries an idempotency key the API honours (credit, debit,
// usage events with event IDs). It is retried and may be replayed like a read.
func postSafe(path string) endpoint { return endpoint{method: http.MethodPost, path: path, safe: true} }

// send is the one request path: it builds the request with newRequest, runs it with do and
// returns the decoded *T. query is already encoded (url.Values.Encode, or "k=" + url.QueryEscape(v)).
func send[T any](ctx context.Context, c *Client, ep endpoint, query string, body any, opts []RequestOption) (*T, error) {
	req, cl, err := c.newRequest(ctx, ep, query, body, opts)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := c.do(req, cl, out); err != nil {
		return nil, err
	}
	return out, nil
}

// call is the state of one SDK call, in one allocation: the description the retry policy reads
// from the request context, the caller's options, and the JSON body.
type call struct {
	retry.Call
	opts    requestOptions
	payload []byte // the JSON body (nil for none)
}

// encodedJSON is a request body that a service encoded itself, as valid compact JSON (usage
// batches, whose hand-written encoder saves encoding/json's second scan of the output);
// newRequest sends it as it is.
type encodedJSON []byte

// encoder turns request bodies into JSON without escaping "&", "<" and ">" (URLs stay
// readable; the JSON means the same). Encoders and their scratch buffers are pooled; each body
// is copied out into a slice of its own, because the transport may still read a request body
// after the call returned.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

func encodeBody(body any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer func() {
		if e.buf.Cap() <= 64<<10 {
			e.buf.Reset()
			encoders.Put(e)
		}
	}()
	if err := e.enc.Encode(body); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	return append([]byte(nil), b[:len(b)-1]...), nil // without Encode's trailing newline
}

// newRequest builds the request for ep: URL, headers, the JSON body as bytes (so every attempt
// sends the same bytes) and the call description the retry policy reads from the context.
func (c *Client) newRequest(ctx context.Context, ep endpoint, query string, body any, opts []RequestOption) (*retryablehttp.Request, *call, error) {
	if ctx == nil {
		return nil, nil, errors.New("creem: nil context")
	}
	cl := &call{Call: retry.Call{Method: ep.method, Path: ep.path, Safe: ep.safe, Logger: c.logger}}
	for _, opt := range opts {
		if opt != nil {
			opt(&cl.opts)
		}
	}
	key := cl.opts.idempotencyKey
	if key != "" && !ep.idempotencyKey {
		return nil, nil, fmt.Errorf("creem: %s %s does not honour idempotency keys", ep.method, ep.path)
	}
	if key != "" && (!isToken(key) || len(key) > maxIdempotencyKey) {
		return nil, nil, &InvalidParamsError{Op: ep.method + " " + ep.path, Field: "Idempotency-Key",
			Reason: fmt.Sprintf("must be 1 to %d visible ASCII characters", maxIdempotencyKey)}
	}
	if ep.idempotencyKey && key == "" {
		key = newIdempotencyKey()
	}
	cl.Safe = ep.safe || key != ""

	var raw any // nil, the body as []byte, or the body source of an unsafe call
	switch b := body.(type) {
	case nil:
	case encodedJSON:
		raw, cl.payload = []byte(b), b
	default:
		payload, err := encodeBody(body)
		if err != nil {
			return nil, nil, fmt.Errorf("creem: %s %s: encoding request body: %w", ep.method, ep.path, err)
		}
		raw, cl.payload = payload, payload
	}
	if cl.opts.extra != nil {
		payload, err := addFields(cl.payload, cl.opts.extra)
		if err != nil {
			return nil, nil, &InvalidParamsError{Op: ep.method + " " + ep.path, Field: "WithExtraFields", Reason: err.Error()}
		}
		raw = payload
		cl.payload = payload
	}
	if !cl.Safe && raw == nil {
		// An unsafe call without a body gets an empty one: Go's HTTP/2 transport resends a
		// bodyless request by itself after some stream errors (see GetBody below).
		raw = []byte{}
	}
	u := c.baseURL + ep.path
	if query != "" {
		u = c.baseURL + ep.path + "?" + query
	}
	req, err := retryablehttp.NewRequestWithContext(retry.WithCall(ctx, &cl.Call), ep.method, u, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("creem: %s %s: %w", ep.method, ep.path, retry.Redact(err))
	}
	if !cl.Safe {
		// No layer may send an unsafe call twice. Go's HTTP/2 transport resends a request by
		// itself after some stream errors (RST_STREAM with PROTOCOL_ERROR, which may come after
		// the server read, and acted on, the whole request) when it can rewind the body with
		// GetBody, or when there is no body. go-retryablehttp sets GetBody; it goes, and every
		// unsafe call has a body (an empty one, above), so the transport cannot resend it. The
		// SDK's retry policy alone decides whether another attempt is made, with a fresh body.
		req.GetBody = nil
	}
	req.SetResponseHandler(readSuccessBody)
	// The header values are built once per Client and shared: nothing modifies them.
	h := req.Header
	h["X-Api-Key"] = c.headers.apiKey
	h["Accept"] = c.headers.accept
	h["User-Agent"] = c.headers.userAgent
	if cl.payload != nil {
		h["Content-Type"] = c.headers.contentType
	}
	if key != "" {
		h["Idempotency-Key"] = []string{key}
	}
	return req, cl, nil
}

// do runs req through the retrying client and decodes a 2xx body into out.
// Bodies are always closed; non-2xx responses become *APIError, transport failures are wrapped
// so errors.Is sees context.Canceled and friends, with query strings removed from the message.
func (c *Client) do(req *retryablehttp.Request, cl *call, out any) error {
	resp, err := c.http.Do(req)
	defer cl.releaseBody()
	if err != nil {
		var be *bodyError
		if errors.As(err, &be) {
			err = fmt.Errorf("%d %s: %w: %w", be.status, http.StatusText(be.status), ErrInvalidResponse, be.err)
		}
		if cl.Attempts > 1 {
			return fmt.Errorf("creem: %s %s: giving up after %d attempts: %w", cl.Method, cl.Path, cl.Attempts, retry.Redact(err))
		}
		return fmt.Errorf("creem: %s %s: %w", cl.Method, cl.Path, retry.Redact(err))
	}
	defer closeBody(resp.Body)
	if cl.opts.response != nil {
		*cl.opts.response = resp
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if cl.opts.rawBody != nil {
			*cl.opts.rawBody = body
		}
		apiErr := newAPIError(cl.Method, cl.Path, resp.StatusCode, resp.Header, body)
		if err != nil {
			return fmt.Errorf("%w (reading the body failed: %w)", apiErr, retry.Redact(err))
		}
		return apiErr
	}
	if cl.Body == nil { // not read within the attempt; cannot happen with go-retryablehttp v0.7.8
		if err := readSuccessBody(resp); err != nil {
			return c.invalidResponse(cl, resp, err)
		}
	}
	if cl.opts.rawBody != nil {
		*cl.opts.rawBody = bytes.Clone(cl.Body.Bytes()) // the buffer goes back to the pool
	}
	if out == nil { // a raw call that decodes nothing
		return nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return c.invalidResponse(cl, resp, fmt.Errorf("content type %q is not JSON", ct))
	}
	if err := decodeBody(cl.Body, out); err != nil {
		return c.invalidResponse(cl, resp, err)
	}
	return nil
}

// readBuffers are reused for reading response bodies: JSON is decoded from the buffer in one
// pass, and decoding copies every string out, so nothing refers to a buffer once it is back.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// bodyError is the failure to read a 2xx body to its end: the connection broke or timed out
// mid-body. It fails the attempt, so the retry policy repeats it for safe calls only.
type bodyError struct {
	status int
	err    error
}

func (e *bodyError) Error() string { return "reading the response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readSuccessBody is the go-retryablehttp response handler of every request. It reads a 2xx body
// (at most maxResponseBody+1 bytes) within its attempt into a pooled buffer on the call; other
// responses are left to do.
func readSuccessBody(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	cl := retry.CallFrom(resp.Request.Context())
	if cl == nil {
		return errors.New("creem: response without its call")
	}
	if cl.Body == nil {
		cl.Body = readBuffers.Get().(*bytes.Buffer)
	}
	buf := cl.Body
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxResponseBody {
		buf.Grow(int(n) + 1) // +1: ReadFrom stops at EOF without growing again
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody+1)); err != nil {
		return &bodyError{status: resp.StatusCode, err: err}
	}
	return nil
}

// releaseBody returns the call's response buffer to the pool.
func (cl *call) releaseBody() {
	if buf := cl.Body; buf != nil && buf.Cap() <= 1<<20 {
		cl.Body = nil
		buf.Reset()
		readBuffers.Put(buf)
	}
}

// decodeBody decodes a response body, already read, into out.
func decodeBody(buf *bytes.Buffer, out any) error {
	switch {
	case buf.Len() == 0:
		return errors.New("empty body")
	case buf.Len() > maxResponseBody:
		return errBodyTooLarge
	}
	return unmarshalLenient(buf.Bytes(), out)
}

func (c *Client) invalidResponse(cl *call, resp *http.Response, err error) error {
	return fmt.Errorf("creem: %s %s: %d %s: %w: %w", cl.Method, cl.Path, resp.StatusCode,
		http.StatusText(resp.StatusCode), ErrInvalidResponse, err)
}

// isJSON reports whether a Content-Type is application/json or a +json type, cheaply: it runs
// on every response.
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// closeBody reads a little of what is left, so the connection can be reused, and closes.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

var errBodyTooLarge = fmt.Errorf("body larger than %d bytes", maxResponseBody)

// maxIdempotencyKey is the longest Idempotency-Key accepted, as at other payment APIs.
const maxIdempotencyKey = 255

// isToken reports whether s is made of visible ASCII characters only (0x21 to 0x7E): what an API
// key or an idempotency key may hold. Anything else would make every attempt fail in the
// transport, or put a line break into a header.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// isControl reports ASCII control characters, which no header value may hold.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// newIdempotencyKey returns a random UUIDv4 string.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
