package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The example starts offline, prints the URL to open, serves the product page, and stops on
// cancel.
func TestRunOffline(t *testing.T) {
	out := &testutil.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	env := map[string]string{"SHOP_ADDR": "127.0.0.1:0"}
	go func() { done <- run(ctx, out, func(k string) string { return env[k] }) }()

	urlRe := regexp.MustCompile(`Shop running: open (http://127\.0\.0\.1:\d+) in a browser`)
	require.Eventually(t, func() bool { return urlRe.MatchString(out.String()) }, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, out.String(), "No CREEM_API_KEY set: Creem is played by creemtest at http://127.0.0.1:")
	shopURL := urlRe.FindStringSubmatch(out.String())[1]
	resp, err := http.Get(shopURL + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "The Go Payments Handbook")
	http.DefaultClient.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunNeedsTheWebhookSecretWithAKey(t *testing.T) {
	env := map[string]string{"SHOP_ADDR": "127.0.0.1:0", "CREEM_API_KEY": "creem_test_x"}
	err := run(context.Background(), io.Discard, func(k string) string { return env[k] })
	assert.ErrorContains(t, err, "CREEM_WEBHOOK_SECRET")
}
