package creem_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// errorBody is a realistic Creem error envelope for status.
func errorBody(status int, msg string) []byte {
	return []byte(`{"trace_id":"7f1c7b9e-2d1a-4c55-9a47-0b8f4d0c2e11","status":` + strconv.Itoa(status) +
		`,"error":"` + http.StatusText(status) + `","message":["` + msg + `"],"timestamp":1706889600000}`)
}

func validProduct() *creem.CreateProductParams {
	return &creem.CreateProductParams{Name: "Pro", Price: creem.Int64(1000), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime}
}

func TestRetryGETAfter503Twice(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n <= 2 {
			writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Service temporarily unavailable"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	c := newClient(t, srv.URL)
	p, err := c.Products.Get(context.Background(), "prod_6tW66i0oZM7w1qXReHJrwg")
	require.NoError(t, err)
	assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", p.ID)
	assert.Equal(t, 3, rec.count())
}

func TestRetryGETGivesUpWithLastResponse(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusBadGateway, errorBody(502, "Bad gateway")))
	c := newClient(t, srv.URL, creem.WithRetryMax(2))
	_, err := c.Products.Get(context.Background(), "prod_1")
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Equal(t, []string{"Bad gateway"}, apiErr.Messages)
	assert.Equal(t, "7f1c7b9e-2d1a-4c55-9a47-0b8f4d0c2e11", apiErr.TraceID)
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 3, rec.count())
}

func TestCheckoutPOSTAnswered500IsSentOnce(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		srv, rec := newServer(t, serveJSON(status, errorBody(status, "Internal server error")))
		c := newClient(t, srv.URL)
		_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"})
		var apiErr *creem.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		assert.Equal(t, errorBody(status, "Internal server error"), apiErr.Body)
		assert.Equal(t, 1, rec.count(), "status %d: a checkout must never be sent twice", status)
	}
}

func TestPOSTAnswered429IsResentWithIdenticalBytes(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "checkout.json"))
	})
	c := newClient(t, srv.URL)
	ch, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1", RequestID: "r-1", Metadata: creem.Metadata{"a": 1, "b": "two"}})
	require.NoError(t, err)
	assert.Equal(t, "ch_4l0N34kxo16AhRKUHFUuXr", ch.ID)
	reqs := rec.all()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body)
	assert.NotEmpty(t, reqs[0].Body)
}

func TestProductCreateIsRetriedWithTheSameIdempotencyKey(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusInternalServerError, errorBody(500, "Internal server error"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	c := newClient(t, srv.URL)
	_, err := c.Products.Create(context.Background(), validProduct())
	require.NoError(t, err)
	reqs := rec.all()
	require.Len(t, reqs, 2)
	key := reqs[0].Header.Get("Idempotency-Key")
	assert.Regexp(t, uuidV4, key)
	assert.Equal(t, key, reqs[1].Header.Get("Idempotency-Key"))
	assert.Equal(t, reqs[0].Body, reqs[1].Body)

	// The next call gets a key of its own.
	_, err = c.Products.Create(context.Background(), validProduct())
	require.NoError(t, err)
	assert.NotEqual(t, key, rec.all()[2].Header.Get("Idempotency-Key"))
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// countingClient dials through a counter, so attempts that never connect can be counted.
func countingClient(dials *atomic.Int32) *http.Client {
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}
}

func TestPOSTToAClosedPortIsRetried(t *testing.T) {
	var dials atomic.Int32
	c := newClient(t, "http://"+closedPort(t), creem.WithHTTPClient(countingClient(&dials)), creem.WithRetryMax(2))
	_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"})
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Equal(t, int32(3), dials.Load(), "a refused connection never reached Creem, so it is retried")
	assert.Contains(t, err.Error(), "giving up after 3 attempts")
}

// hangUpAfterRequest reads the request, then drops the connection without answering.
func hangUpAfterRequest(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestResetAfterWriteRetriesOnlySafeCalls(t *testing.T) {
	t.Run("POST checkout is not repeated", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { hangUpAfterRequest(w) })
		c := newClient(t, srv.URL)
		_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"})
		require.Error(t, err)
		var apiErr *creem.APIError
		assert.False(t, errors.As(err, &apiErr))
		assert.Equal(t, 1, rec.count())
	})
	t.Run("GET is repeated", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				hangUpAfterRequest(w)
				return
			}
			writeJSON(w, http.StatusOK, fixture(t, "product.json"))
		})
		c := newClient(t, srv.URL)
		_, err := c.Products.Get(context.Background(), "prod_1")
		require.NoError(t, err)
		assert.Equal(t, 2, rec.count())
	})
}

func TestRetryAfterIsClampedToTheMaxWait(t *testing.T) {
	for _, retryAfter := range []string{"3600", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", retryAfter)
				writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
				return
			}
			writeJSON(w, http.StatusOK, fixture(t, "product.json"))
		})
		c := newClient(t, srv.URL, creem.WithRetryWait(10*time.Millisecond, 100*time.Millisecond))
		start := time.Now()
		_, err := c.Products.Get(context.Background(), "prod_1")
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 2*time.Second, "Retry-After %q must be clamped to the 100ms max wait", retryAfter)
		assert.Equal(t, 2, rec.count())
	}
}

func TestRetryAfterIsHonouredUpToTheMax(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	c := newClient(t, srv.URL, creem.WithRetryWait(time.Millisecond, 300*time.Millisecond))
	start := time.Now()
	_, err := c.Products.Get(context.Background(), "prod_1")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "Retry-After: 1 asks for a wait, clamped to 300ms")
}

func TestRateLimitErrorCarriesRetryAfter(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
	})
	c := newClient(t, srv.URL, creem.WithRetryMax(0))
	_, err := c.Checkouts.Get(context.Background(), "ch_1")
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
	assert.ErrorIs(t, err, creem.ErrRateLimited)
}

func TestCancelledContextReturnsPromptly(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }

	t.Run("cancel during the request", func(t *testing.T) {
		srv, _ := newServer(t, hang)
		c := newClient(t, srv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Products.Get(ctx, "prod_1")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), time.Second)
	})
	t.Run("deadline during the request", func(t *testing.T) {
		srv, _ := newServer(t, hang)
		c := newClient(t, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1"})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
	})
	t.Run("cancel during the backoff wait", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Down for maintenance"))
		})
		c := newClient(t, srv.URL, creem.WithRetryWait(time.Minute, time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Products.Get(ctx, "prod_1")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, 1, rec.count())
	})
	t.Run("already cancelled", func(t *testing.T) {
		srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
		c := newClient(t, srv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Products.Get(ctx, "prod_1")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, rec.count())
	})
}

func TestLoggerGetsRedactedLines(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Unavailable"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "checkout.json"))
	})
	c := newClient(t, srv.URL, creem.WithLogger(logger))
	_, err := c.Checkouts.Get(context.Background(), "ch_secret_query_value")
	require.NoError(t, err)

	dead := newClient(t, "http://"+closedPort(t), creem.WithLogger(logger), creem.WithRetryMax(1))
	_, err = dead.Checkouts.Get(context.Background(), "ch_secret_query_value")
	require.Error(t, err)

	out := buf.String()
	assert.Contains(t, out, "creem: request")
	assert.Contains(t, out, "creem: attempt failed, retrying")
	assert.Contains(t, out, "status=503")
	assert.NotContains(t, out, testKey)
	assert.NotContains(t, out, "ch_secret_query_value", "query strings never reach the log")
	assert.NotContains(t, err.Error(), "ch_secret_query_value", "nor an error string")
}
