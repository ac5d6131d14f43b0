package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOfflineRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }), out.String())
	text := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`No CREEM_WEBHOOK_SECRET set: using creemtest at http://127\.0\.0\.1:\d+`),
		regexp.MustCompile(`1\. a buyer subscribes\n   granted cust_\w+ access to prod_\w+ \(checkout ch_\w+ completed\)\n   granted cust_\w+ access to prod_\w+ \(subscription sub_\w+ active\)\n   \(nothing to do for subscription\.paid\)\n`),
		regexp.MustCompile(`2\. the subscription is canceled\n   revoked cust_\w+'s access \(subscription sub_\w+ canceled\)\n`),
		regexp.MustCompile(`3\. the payment is refunded\n   revoked cust_\w+'s access \(refund of 15\.00 EUR\)\n`),
		regexp.MustCompile(`5 events delivered, all signed and verified; access now: \[\]`),
	} {
		assert.Regexp(t, want, text)
	}
}

// With a secret, the example serves the endpoint; a signed delivery grants access, a forged one
// is refused.
func TestServe(t *testing.T) {
	const secret = "whsec_example"
	out := &testutil.SyncBuffer{}
	acc := &access{grants: map[string]string{}, out: out}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, newHandler(secret, acc)) }()

	body := []byte(`{"id":"evt_1","eventType":"subscription.active","created_at":1758096000000,"object":{"id":"sub_1","object":"subscription","product":"prod_1","customer":"cust_1","status":"active"}}`)
	post := func(signature string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/webhooks/creem", bytes.NewReader(body))
		req.Header.Set("creem-signature", signature)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, post(strings.Repeat("0", 64)))
	assert.Equal(t, http.StatusOK, post(creem.SignWebhook(body, secret)))
	assert.Contains(t, out.String(), "granted cust_1 access to prod_1 (subscription sub_1 active)")
	assert.Equal(t, "[cust_1→prod_1]", acc.String())

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
	http.DefaultClient.CloseIdleConnections()
}
