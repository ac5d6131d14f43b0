package creem_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/internal/testutil"
)

// customerEmail is personal data: it travels in the safe call's query and the write's body, and
// must appear in no log line and no error string.
const customerEmail = "jane.doe+vip@example.com"

// countingTransport counts dials and response bodies opened and closed.
type countingTransport struct {
	dials, opened, closed atomic.Int32
	inner                 *http.Transport
}

func newCountingTransport() *countingTransport {
	ct := &countingTransport{}
	d := &net.Dialer{}
	ct.inner = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		ct.dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	return ct
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := ct.inner.RoundTrip(r)
	if resp != nil {
		ct.opened.Add(1)
		resp.Body = &countingBody{ReadCloser: resp.Body, closed: &ct.closed}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	closed *atomic.Int32
	once   sync.Once
}

func (b *countingBody) Close() error {
	b.once.Do(func() { b.closed.Add(1) })
	return b.ReadCloser.Close()
}

// errKind is what the caller gets.
type errKind int

const (
	kindAPI       errKind = iota + 1 // *APIError with status and body
	kindTransport                    // a wrapped transport error
	kindInvalid                      // ErrInvalidResponse on a 2xx
)

// outcome is what one call must end with.
type outcome struct {
	attempts int
	kind     errKind
	status   int // for kindAPI
}

// faultScenario is one line of the fault matrix.
type faultScenario struct {
	name string
	// start returns the base URL of a misbehaving server and a counter of attempts reaching it.
	start       func(t *testing.T) (string, func() int32)
	safe, write outcome
	maxTime     time.Duration // for the whole call, retries included
	timeout     time.Duration // per attempt, when not matrixTimeout
}

// handlerServer serves h and counts the requests it received.
func handlerServer(h func(w http.ResponseWriter, r *http.Request)) func(t *testing.T) (string, func() int32) {
	return func(t *testing.T) (string, func() int32) {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			h(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv.URL, n.Load
	}
}

// resetConn closes c with SO_LINGER 0, so the peer sees a TCP reset.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// rawServer accepts connections and hands each to handle; it counts connections.
func rawServer(handle func(c net.Conn)) func(t *testing.T) (string, func() int32) {
	return func(t *testing.T) (string, func() int32) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var n atomic.Int32
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				handle(c)
			}
		}()
		t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
		return "http://" + ln.Addr().String(), n.Load
	}
}

func jsonError(status int) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, status, errorBody(status, http.StatusText(status)))
	}
}

func withRetryAfter(v string, status int) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", v)
		jsonError(status)(w, r)
	}
}

const (
	matrixRetries = 2 // three attempts at most
	matrixTimeout = 250 * time.Millisecond
)

func faultMatrix(okBody []byte) []faultScenario {
	retryAll := outcome{attempts: 1 + matrixRetries}
	api := func(o outcome, status int) outcome { o.kind, o.status = kindAPI, status; return o }
	transport := func(o outcome) outcome { o.kind = kindTransport; return o }
	once := outcome{attempts: 1}
	return []faultScenario{
		{
			name: "connection refused",
			start: func(t *testing.T) (string, func() int32) {
				return "http://" + closedPort(t), nil // attempts are counted as dials
			},
			safe: transport(retryAll), write: transport(retryAll), // never reached the server: safe to repeat
			maxTime: time.Second,
		},
		{
			// The server resets as soon as the request starts arriving: the client had connected
			// and begun to write, so the request may count as received.
			name: "connection reset before any response",
			start: rawServer(func(c net.Conn) {
				var first [1]byte
				_, _ = c.Read(first[:])
				resetConn(c)
			}),
			safe: transport(retryAll), write: transport(once),
			maxTime: time.Second,
		},
		{
			name: "connection reset after the request was written",
			start: rawServer(func(c net.Conn) {
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err == nil {
					_, _ = io.Copy(io.Discard, req.Body)
				}
				resetConn(c)
			}),
			safe: transport(retryAll), write: transport(once),
			maxTime: time.Second,
		},
		{name: "500", start: handlerServer(jsonError(500)), safe: api(retryAll, 500), write: api(once, 500), maxTime: time.Second},
		{
			name: "502 with an HTML body",
			start: handlerServer(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			}),
			safe: api(retryAll, 502), write: api(once, 502), maxTime: time.Second,
		},
		{name: "503 with Retry-After in seconds", start: handlerServer(withRetryAfter("120", 503)), safe: api(retryAll, 503), write: api(once, 503), maxTime: time.Second},
		{
			name:  "503 with Retry-After as an HTTP date",
			start: handlerServer(withRetryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 503)),
			safe:  api(retryAll, 503), write: api(once, 503), maxTime: time.Second,
		},
		{name: "504", start: handlerServer(jsonError(504)), safe: api(retryAll, 504), write: api(once, 504), maxTime: time.Second},
		{name: "429 with Retry-After", start: handlerServer(withRetryAfter("30", 429)), safe: api(retryAll, 429), write: api(retryAll, 429), maxTime: time.Second},
		{name: "429 without Retry-After", start: handlerServer(jsonError(429)), safe: api(retryAll, 429), write: api(retryAll, 429), maxTime: time.Second},
		{
			name: "a stall past the per-attempt timeout",
			start: handlerServer(func(_ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}),
			safe: transport(retryAll), write: transport(once),
			maxTime: 3*matrixTimeout + time.Second,
		},
		{
			name: "a body cut off mid-JSON",
			start: handlerServer(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "4096")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(okBody[:len(okBody)/2])
				w.(http.Flusher).Flush()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			}),
			// The body is read within the attempt, so a connection lost mid-body is a failed
			// attempt: a safe call is repeated, a write is not.
			safe: outcome{attempts: 1 + matrixRetries, kind: kindInvalid}, write: outcome{attempts: 1, kind: kindInvalid}, maxTime: time.Second,
		},
		{
			name: "an empty 200 body",
			start: handlerServer(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
			}),
			safe: outcome{attempts: 1, kind: kindInvalid}, write: outcome{attempts: 1, kind: kindInvalid}, maxTime: time.Second,
		},
		{
			name: "a 200 that is not JSON",
			start: handlerServer(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<html>maintenance</html>")
			}),
			safe: outcome{attempts: 1, kind: kindInvalid}, write: outcome{attempts: 1, kind: kindInvalid}, maxTime: time.Second,
		},
		{
			name: "a body larger than the cap",
			start: handlerServer(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"id":"`)
				chunk := bytes.Repeat([]byte("a"), 1<<20)
				for i := 0; i < 17; i++ {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				_, _ = io.WriteString(w, `"}`)
			}),
			// Reading 16 MiB under -race can outlast matrixTimeout, and a timeout mid-body is a
			// failed attempt that a safe call repeats; this line is about the cap, so it gets time.
			safe: outcome{attempts: 1, kind: kindInvalid}, write: outcome{attempts: 1, kind: kindInvalid}, maxTime: 6 * time.Second, timeout: 3 * time.Second,
		},
	}
}

// safeCall reads a customer by e-mail: the address is in the query string.
func safeCall(ctx context.Context, c *creem.Client) error {
	_, err := c.Customers.GetByEmail(ctx, customerEmail)
	return err
}

// writeCall creates a checkout: not idempotent; the address is in the body.
func writeCall(ctx context.Context, c *creem.Client) error {
	_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1", Customer: &creem.CheckoutCustomer{Email: customerEmail}})
	return err
}

// TestFaultMatrix runs every fault against a safe call and a non-idempotent write, end to end over
// loopback, and checks the attempts made, what the caller gets and how long it takes. The
// property: a write is never sent twice unless the first attempt certainly did not reach the
// server (refused connection) or the server refused it (429). It also checks that every
// response body is closed and that nothing secret or personal reaches a log line or an error.
func TestFaultMatrix(t *testing.T) {
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	okBody := fixture(t, "checkout.json")
	var errs []string
	for _, sc := range faultMatrix(okBody) {
		for _, call := range []struct {
			name string
			do   func(context.Context, *creem.Client) error
			want outcome
		}{{"safe", safeCall, sc.safe}, {"write", writeCall, sc.write}} {
			t.Run(sc.name+"/"+call.name, func(t *testing.T) {
				base, served := sc.start(t)
				ct := newCountingTransport()
				defer ct.inner.CloseIdleConnections()
				timeout := matrixTimeout
				if sc.timeout != 0 {
					timeout = sc.timeout
				}
				c := newClient(t, base, creem.WithHTTPClient(&http.Client{Transport: ct}), creem.WithLogger(logger),
					creem.WithRetryMax(matrixRetries), creem.WithRetryWait(20*time.Millisecond, 50*time.Millisecond), creem.WithTimeout(timeout))
				start := time.Now()
				err := call.do(context.Background(), c)
				took := time.Since(start)
				require.Error(t, err)
				errs = append(errs, err.Error())

				attempts := ct.dials.Load()
				if served != nil {
					attempts = served()
				}
				assert.Equal(t, int32(call.want.attempts), attempts, "attempts")
				assert.Less(t, took, sc.maxTime, "total time")

				var apiErr *creem.APIError
				switch call.want.kind {
				case kindAPI:
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, call.want.status, apiErr.StatusCode)
					assert.NotEmpty(t, apiErr.Body)
				case kindTransport:
					assert.False(t, errors.As(err, &apiErr), "no response, so no APIError: %v", err)
					assert.NotErrorIs(t, err, creem.ErrInvalidResponse)
				case kindInvalid:
					assert.ErrorIs(t, err, creem.ErrInvalidResponse)
				}
				assert.Equal(t, ct.opened.Load(), ct.closed.Load(), "every response body is closed")
			})
		}
	}
	out := logs.String()
	require.NotEmpty(t, out, "the logger saw the matrix")
	for _, secret := range []string{testKey, customerEmail, url.QueryEscape(customerEmail), "jane.doe"} {
		assert.NotContains(t, out, secret, "a log line leaks %q", secret)
		for _, e := range errs {
			assert.NotContains(t, e, secret, "an error string leaks %q", secret)
		}
	}
}

// A redirect to another host is not followed: the API key stays with the API.
func TestFaultRedirectToAnotherHost(t *testing.T) {
	for _, call := range []func(context.Context, *creem.Client) error{safeCall, writeCall} {
		var stolen atomic.Int32
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stolen.Add(1)
			writeJSON(w, http.StatusOK, []byte(`{}`))
		}))
		base, served := handlerServer(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		})(t)
		ct := newCountingTransport()
		c := newClient(t, base, creem.WithHTTPClient(&http.Client{Transport: ct}))
		err := call(context.Background(), c)
		var apiErr *creem.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
		assert.Equal(t, int32(1), served())
		assert.Zero(t, stolen.Load(), "nothing, and so no API key, reaches the other host")
		assert.Equal(t, ct.opened.Load(), ct.closed.Load())
		ct.inner.CloseIdleConnections()
		other.Close()
	}
}

// Cancelling returns within 100 ms with the context's error: during a request, during a backoff
// wait, and during an All iteration.
func TestCancellationIsPrompt(t *testing.T) {
	const prompt = 100 * time.Millisecond
	hang := func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
	cases := map[string]func(t *testing.T, ctx context.Context) error{
		"during a request": func(t *testing.T, ctx context.Context) error {
			srv, _ := newServer(t, hang)
			return writeCall(ctx, newClient(t, srv.URL))
		},
		"during a backoff wait": func(t *testing.T, ctx context.Context) error {
			srv, _ := newServer(t, serveJSON(http.StatusServiceUnavailable, errorBody(503, "Unavailable")))
			return safeCall(ctx, newClient(t, srv.URL, creem.WithRetryWait(time.Minute, time.Minute)))
		},
		"during an All iteration": func(t *testing.T, ctx context.Context) error {
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					writeJSON(w, http.StatusOK, []byte(`{"items":[{"id":"cust_1"}],"pagination":{"total_records":2,"total_pages":2,"current_page":1,"next_page":2,"prev_page":null}}`))
					return
				}
				<-r.Context().Done()
			})
			for _, err := range newClient(t, srv.URL).Customers.All(ctx, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var cancelledAt atomic.Int64
			time.AfterFunc(50*time.Millisecond, func() { cancelledAt.Store(time.Now().UnixNano()); cancel() })
			err := call(t, ctx)
			returned := time.Now()
			require.ErrorIs(t, err, context.Canceled)
			assert.Less(t, returned.Sub(time.Unix(0, cancelledAt.Load())), prompt)
		})
	}
}

// One Client shared by 64 goroutines doing mixed calls: no race, every call answered, and the
// connections are reused.
func TestConcurrentUseReusesConnections(t *testing.T) {
	var conns atomic.Int32
	fixtureBytes := map[string][]byte{}
	for _, f := range []string{"product_list.json", "product.json", "customer.json", "checkout.json"} {
		fixtureBytes[f] = fixture(t, f)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/products/search"):
			writeJSON(w, http.StatusOK, fixtureBytes["product_list.json"])
		case strings.HasPrefix(r.URL.Path, "/v1/products"):
			writeJSON(w, http.StatusOK, fixtureBytes["product.json"])
		case r.URL.Path == "/v1/customers":
			writeJSON(w, http.StatusOK, fixtureBytes["customer.json"])
		default:
			writeJSON(w, http.StatusOK, fixtureBytes["checkout.json"])
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newClient(t, srv.URL)

	const workers, calls = 64, 20
	var wg sync.WaitGroup
	var failures atomic.Int32
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < calls; i++ {
				var err error
				switch (w + i) % 4 {
				case 0:
					_, err = c.Products.Get(ctx, "prod_1")
				case 1:
					_, err = c.Products.List(ctx, nil)
				case 2:
					_, err = c.Customers.Get(ctx, "cust_1")
				case 3:
					_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1"})
				}
				if err != nil {
					failures.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	// Without reuse every request would open a connection (1,280). With it, about one per
	// goroutine; a few more appear when a request starts before the previous connection is back
	// in the pool.
	assert.LessOrEqual(t, conns.Load(), int32(2*workers), "%d connections for %d requests", conns.Load(), workers*calls)
}

// The webhook secret appears in no log line, no error string and no response of the handler.
func TestWebhookSecretIsNeverLeaked(t *testing.T) {
	var logs testutil.SyncBuffer
	h := creem.NewWebhookHandler(webhookSecret)
	h.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.OnAny(func(context.Context, *creem.Event) error { return errors.New("database is down") })
	body := readTestdata(t, "webhooks", "checkout.completed.json")
	var responses []string
	for _, header := range []http.Header{
		{"Creem-Signature": {"00"}},
		{"Creem-Signature": {hexHMAC(webhookSecret+"x", body)}},
		{"Webhook-Id": {"m"}, "Webhook-Timestamp": {"1"}, "Webhook-Signature": {"v1,AAAA"}},
		signed(body),
	} {
		rec := delivery(h, body, header)
		responses = append(responses, rec.Body.String())
		err := creem.VerifyWebhook(body, header, webhookSecret)
		responses = append(responses, errString(err))
	}
	_, err := creem.ParseWebhook(body, http.Header{}, "")
	responses = append(responses, errString(err))
	require.Contains(t, logs.String(), "creem: webhook rejected")
	require.Contains(t, logs.String(), "creem: webhook handler failed")
	for _, s := range append(responses, logs.String()) {
		assert.NotContains(t, s, webhookSecret)
		assert.NotContains(t, s, strings.TrimPrefix(webhookSecret, "whsec_"))
		assert.NotContains(t, s, "customer@emaildomain", "the payload's e-mail is not logged")
	}
}
