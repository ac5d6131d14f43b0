package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// These tests close holes an adversarial review found (issue 11): each failed before its fix.

// formatted renders v with every fmt verb and through slog's text and JSON handlers.
func formatted(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "value", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "value", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	if b, err := json.Marshal(v); err == nil {
		out["json.Marshal"] = string(b)
	}
	return out
}

func assertNowhere(t *testing.T, what string, v any, secrets ...string) {
	t.Helper()
	for how, s := range formatted(t, v) {
		for _, secret := range secrets {
			assert.NotContains(t, s, secret, "%s printed with %s leaks %q: %s", what, how, secret, s)
		}
	}
}

func TestSecretsDoNotLeaveThroughFormatting(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	assertNowhere(t, "*Client", c, testKey)
	assertNowhere(t, "Client", *c, testKey)
	assert.Contains(t, fmt.Sprintf("%v", c), "http://127.0.0.1:1", "the Client still says where it goes")

	h := creem.NewWebhookHandler(webhookSecret)
	assertNowhere(t, "*WebhookHandler", h, webhookSecret)
	assertNowhere(t, "WebhookHandler", *h, webhookSecret)
	v := &creem.WebhookVerifier{Secret: webhookSecret, Tolerance: time.Minute}
	assertNowhere(t, "*WebhookVerifier", v, webhookSecret)
	assertNowhere(t, "WebhookVerifier", *v, webhookSecret)
	assertNowhere(t, "a struct holding a verifier", struct{ V creem.WebhookVerifier }{*v}, webhookSecret)

	// An APIError's messages and body may name a customer: masked however it is printed.
	const email = "jane.doe@example.com"
	srv, _ := newServer(t, serveJSON(http.StatusBadRequest, []byte(`{"trace_id":"t1","status":400,"error":"Bad Request","message":["Customer `+email+` already exists"],"timestamp":1}`)))
	_, err := newClient(t, srv.URL).Customers.Create(context.Background(), &creem.CreateCustomerParams{Email: "x@example.org", Name: "X"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assertNowhere(t, "*APIError", apiErr, "jane.doe", "x@example.org")
	assertNowhere(t, "the wrapped error", err, "jane.doe", "x@example.org")
	assert.Contains(t, fmt.Sprintf("%#v", apiErr), `"status_code":400`)
	assert.Equal(t, []string{"Customer " + email + " already exists"}, apiErr.Messages, "the fields keep the full text for code that needs it")
}

func TestBaseURLWithAPasswordStaysOutOfErrors(t *testing.T) {
	for _, u := range []string{"https://user:hunter2@api.example.com/%zz", "https://user:hunter2@[::1/x", "https://user:hunter2@api.example.com/?x=1"} {
		_, err := creem.NewClient(testKey, creem.WithBaseURL(u))
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), "hunter2", u)
	}
}

// IDs "." and ".." pass url.PathEscape untouched: sent, they would reach another endpoint.
func TestDotSegmentIDsAreRefused(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	ctx := context.Background()
	calls := map[string]func(id string) error{
		"Products.Get": func(id string) error { _, err := c.Products.Get(ctx, id); return err },
		"Products.Update": func(id string) error {
			_, err := c.Products.Update(ctx, id, &creem.UpdateProductParams{Name: creem.Ptr("x")})
			return err
		},
		"Products.Archive":            func(id string) error { _, err := c.Products.Archive(ctx, id); return err },
		"Customers.ListOrders":        func(id string) error { _, err := c.Customers.ListOrders(ctx, id, nil); return err },
		"Customers.ListSubscriptions": func(id string) error { _, err := c.Customers.ListSubscriptions(ctx, id, nil); return err },
		"Customers.ListLicenses":      func(id string) error { _, err := c.Customers.ListLicenses(ctx, id, nil); return err },
		"Subscriptions.Update": func(id string) error {
			_, err := c.Subscriptions.Update(ctx, id, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: "sitem_1"}}})
			return err
		},
		"Subscriptions.Upgrade": func(id string) error {
			_, err := c.Subscriptions.Upgrade(ctx, id, &creem.UpgradeSubscriptionParams{ProductID: "prod_1"})
			return err
		},
		"Subscriptions.Cancel":   func(id string) error { _, err := c.Subscriptions.Cancel(ctx, id, nil); return err },
		"Subscriptions.Pause":    func(id string) error { _, err := c.Subscriptions.Pause(ctx, id); return err },
		"Subscriptions.Resume":   func(id string) error { _, err := c.Subscriptions.Resume(ctx, id); return err },
		"Licenses.ListInstances": func(id string) error { _, err := c.Licenses.ListInstances(ctx, id, nil); return err },
		"Discounts.Delete":       func(id string) error { _, err := c.Discounts.Delete(ctx, id); return err },
	}
	for name, call := range calls {
		for _, id := range []string{".", ".."} {
			err := call(id)
			var ipe *creem.InvalidParamsError
			require.ErrorAs(t, err, &ipe, "%s(%q)", name, id)
			assert.Equal(t, "id", ipe.Field)
		}
		// A dot inside an ID is fine: it is escaped into one segment.
		require.NoError(t, call("a.b"), name)
	}
	for _, r := range rec.all() {
		assert.NotContains(t, r.Path, "/./")
		assert.NotContains(t, r.Path, "/../")
		assert.Contains(t, r.Path, "a.b")
	}
	assert.Len(t, rec.all(), len(calls), "only the a.b calls were sent")
}

// Header values a transport would refuse are refused up front: no request, no retries.
func TestBadHeaderInputIsRefused(t *testing.T) {
	for _, key := range []string{"creem_test_abc\x00", "creem_test_\x7fabc", "creem_test_ä", "creem_test_a b", "creem_test_a\tb"} {
		_, err := creem.NewClient(key)
		require.Error(t, err, "%q", key)
		assert.NotContains(t, err.Error(), "creem_test_", "the error does not repeat the key")
	}
	for _, ua := range []string{"app\x00", "app\x1b[31m", "app\r\nX-Evil: 1", "app\x7f"} {
		_, err := creem.NewClient(testKey, creem.WithUserAgent(ua))
		assert.Error(t, err, "%q", ua)
	}
	_, err := creem.NewClient(testKey, creem.WithUserAgent("shop/1.2 (+https://shop.example.com)"))
	require.NoError(t, err)

	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	c := newClient(t, srv.URL)
	params := &creem.CreateProductParams{Name: "n", Price: creem.Int64(100), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime}
	for _, key := range []string{"k\r\nX-Evil: 1", "k\n", "k\x00", "key with spaces", strings.Repeat("k", 256)} {
		start := time.Now()
		_, err := c.Products.Create(context.Background(), params, creem.WithIdempotencyKey(key))
		assert.ErrorIs(t, err, creem.ErrInvalidParams, "%q", key)
		assert.Less(t, time.Since(start), 100*time.Millisecond, "refused at once, not after retries")
	}
	assert.Zero(t, rec.count(), "nothing is sent")
	_, err = c.Products.Create(context.Background(), params, creem.WithIdempotencyKey(strings.Repeat("k", 255)))
	require.NoError(t, err)
}

// A read whose connection drops mid-body is retried; a write is not.
func TestBodyCutOffMidwayIsRetriedForReadsOnly(t *testing.T) {
	body := fixture(t, "product.json")
	cut := func(w http.ResponseWriter, n int) {
		if n == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
			return
		}
		writeJSON(w, http.StatusOK, body)
	}
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) { cut(w, n) })
	p, err := newClient(t, srv.URL).Products.Get(context.Background(), "prod_1")
	require.NoError(t, err, "the read was repeated after the cut")
	assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", p.ID)
	assert.Equal(t, 2, rec.count())

	srv, rec = newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) { cut(w, n) })
	_, err = newClient(t, srv.URL).Products.Archive(context.Background(), "prod_1")
	assert.ErrorIs(t, err, creem.ErrInvalidResponse)
	assert.Equal(t, 1, rec.count(), "an archive that may have happened is not sent again")
}

// APIError.RetryAfter is clamped however the server writes Retry-After.
func TestAPIErrorRetryAfterIsClamped(t *testing.T) {
	for _, v := range []string{"99999999999", time.Now().Add(10 * 365 * 24 * time.Hour).UTC().Format(http.TimeFormat)} {
		srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", v)
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "slow down"))
		})
		_, err := newClient(t, srv.URL, creem.WithRetryMax(0)).Products.Get(context.Background(), "prod_1")
		var apiErr *creem.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 24*time.Hour, apiErr.RetryAfter, v)
	}
}

// A delivery with both schemes that is refused as stale must not verify again once its
// webhook-* headers are dropped, when the verifier requires the timestamped scheme.
func TestWebhookRequireTimestamp(t *testing.T) {
	body := readTestdata(t, "webhooks", "subscription.paid.json")
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	stale := now.Add(-time.Hour)
	h := creem.SignStandardWebhook("msg_1", stale, body, webhookSecret)
	h.Set("creem-signature", hexHMAC(webhookSecret, body))

	loose := &creem.WebhookVerifier{Secret: webhookSecret, Now: func() time.Time { return now }}
	strict := &creem.WebhookVerifier{Secret: webhookSecret, Now: loose.Now, RequireTimestamp: true}
	assert.ErrorIs(t, loose.Verify(body, h), creem.ErrTimestampOutOfRange)
	assert.ErrorIs(t, strict.Verify(body, h), creem.ErrTimestampOutOfRange)

	stripped := h.Clone()
	for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		stripped.Del(k)
	}
	assert.NoError(t, loose.Verify(body, stripped), "creem-signature alone is what Creem sends: accepted by default")
	assert.ErrorIs(t, strict.Verify(body, stripped), creem.ErrMissingSignature)

	fresh := creem.SignStandardWebhook("msg_1", now, body, webhookSecret)
	assert.NoError(t, strict.Verify(body, fresh))

	// The handler uses its verifier's setting.
	handler := creem.NewWebhookHandler(webhookSecret)
	handler.Verifier = *strict
	handler.OnAny(func(context.Context, *creem.Event) error { return nil })
	rr := serveWebhook(handler, body, stripped)
	assert.Equal(t, http.StatusUnauthorized, rr)
}

func serveWebhook(h http.Handler, body []byte, header http.Header) int {
	req, _ := http.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return rec.status
}

type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
