package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
	"github.com/creem-go/creem/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCLI runs the program in-process with env and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, nil, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "creem listen --forward-to URL")
	assert.Contains(t, out, "CREEM_API_KEY")
	assert.Contains(t, out, "CREEM_BASE_URL")

	code, out, errOut := runCLI(t, nil, "listen", "--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.Equal(t, 1, strings.Count(out, "Usage:"), "printed once")
	for _, want := range []string{"-forward-to URL", "-events types", "-endpoint ID", "-base-url URL", "Ctrl-C", "webhooks:write"} {
		assert.Contains(t, out, want)
	}

	code, _, errOut = runCLI(t, nil)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "Usage:")
	code, _, errOut = runCLI(t, nil, "creem_live_PASTEDKEY")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown command")
	assert.NotContains(t, errOut, "PASTEDKEY", "a key pasted as a command is not echoed")
}

// Usage errors are one line each, exit code 2, and nothing reaches the API.
func TestUsageErrors(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	env := map[string]string{"CREEM_API_KEY": srv.APIKey, "CREEM_BASE_URL": srv.URL}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env, []string{"listen"}, "--forward-to is required"},
		{nil, []string{"listen", "--forward-to", "http://localhost:8080/hook"}, "set CREEM_API_KEY"},
		{env, []string{"listen", "--forward-to", "http://localhost:8080/hook", "creem_live_PASTEDKEY"}, "unexpected argument after the flags"},
		{env, []string{"listen", "--forward-to", "localhost:8080/hook"}, "forward_to must be an absolute http(s) URL"},
		{env, []string{"listen", "--forward-to", "http://localhost:8080/hook", "--base-url", "not a url"}, "WithBaseURL"},
		{env, []string{"listen", "--no-such-flag"}, "flag provided but not defined"},
	} {
		code, out, errOut := runCLI(t, tc.env, tc.args...)
		assert.NotZero(t, code, tc.args)
		assert.Empty(t, out, tc.args)
		assert.Contains(t, errOut, tc.want, tc.args)
		assert.NotContains(t, errOut, "PASTEDKEY", "stray arguments are not echoed")
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	}
	assert.Zero(t, srv.Calls("POST /v1/webhooks"))
}

// A wrong key and a key without the webhooks:write scope get one line saying so, and exit 1.
func TestKeyErrorsAreExplained(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	args := []string{"listen", "--forward-to", "http://localhost:8080/hook"}

	code, out, errOut := runCLI(t, map[string]string{"CREEM_API_KEY": "creem_test_wrong", "CREEM_BASE_URL": srv.URL}, args...)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	assert.Contains(t, errOut, "Creem refused the API key (403 Forbidden): check CREEM_API_KEY")

	srv.FailNext("POST /v1/webhooks", 1, creemtest.Fault{Status: http.StatusForbidden, Message: "Insufficient scope: this key lacks webhooks:write"})
	code, _, errOut = runCLI(t, map[string]string{"CREEM_API_KEY": srv.APIKey, "CREEM_BASE_URL": srv.URL}, args...)
	assert.Equal(t, 1, code)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	assert.Contains(t, errOut, "the API key lacks the webhooks:write scope")

	code, _, errOut = runCLI(t, map[string]string{"CREEM_API_KEY": srv.APIKey, "CREEM_BASE_URL": "http://127.0.0.1:1"}, args...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "cannot reach the Creem API at http://127.0.0.1:1")
	assert.NotContains(t, errOut, srv.APIKey)
}

// deliveryLineRE matches a delivery line: time, event type, event ID, status, duration.
var deliveryLineRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  (\S+)\s+(evt_\w+)  (\d{3})  (\d+(\.\d+)?(µs|ms|s))$`)

// The CLI end to end: build it, run it against creemtest, pay a checkout, read its lines, stop
// it with SIGINT and find its endpoint deleted.
func TestListenBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "creem")
	gobin, err := exec.LookPath("go")
	require.NoError(t, err)
	build := exec.Command(gobin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	// The local server verifies with the secret the CLI prints.
	var mu sync.Mutex
	var secret string
	var handled []creem.EventType
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := creem.NewWebhookHandler(secret)
		mu.Unlock()
		h.OnAny(func(_ context.Context, e *creem.Event) error {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, e.Type)
			return nil
		})
		h.ServeHTTP(w, r)
	}))
	defer local.Close()

	cmd := exec.Command(bin, "listen", "--forward-to", local.URL+"/webhooks", "--events",
		"checkout.completed, subscription.active,subscription.paid", "--poll-interval", "10ms")
	cmd.Env = append(os.Environ(), "CREEM_API_KEY="+srv.APIKey, "CREEM_BASE_URL="+srv.URL)
	var stderr testutil.SyncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the CLI ended early: %s", stderr.String())
			return l
		case <-time.After(20 * time.Second):
			t.Fatalf("no output from the CLI; stderr: %s", stderr.String())
		}
		return ""
	}

	first := next()
	require.Regexp(t, `^Forwarding checkout.completed, subscription.active,subscription.paid of endpoint wh_\w+ to `+regexp.QuoteMeta(local.URL)+`/webhooks$`, first)
	endpointID := strings.Fields(first)[len(strings.Fields(first))-3]
	secretLine := next()
	require.True(t, strings.HasPrefix(secretLine, "Webhook signing secret: whsec_"), secretLine)
	got, err := c.Webhooks.Secret(ctx, endpointID)
	require.NoError(t, err)
	require.Equal(t, "Webhook signing secret: "+string(got.Secret), secretLine, "the secret of the endpoint it created")
	mu.Lock()
	secret = strings.TrimPrefix(secretLine, "Webhook signing secret: ")
	mu.Unlock()
	assert.Contains(t, next(), "Press Ctrl-C to stop")
	ep, err := c.Webhooks.Get(ctx, endpointID)
	require.NoError(t, err)
	assert.Equal(t, creem.WebhookDeliveryCLI, ep.DeliveryMode)
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid}, ep.Events)

	// A paid subscription: three events.
	p, err := c.Products.Create(ctx, &creem.CreateProductParams{Name: "CLI plan", Price: creem.Int64(900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodEveryMonth})
	require.NoError(t, err)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: p.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "cli@example.com")
	require.NoError(t, err)
	events := srv.Events()
	require.Len(t, events, 3)
	for i := range 3 {
		line := next()
		m := deliveryLineRE.FindStringSubmatch(line)
		require.NotNil(t, m, "a delivery line: %q", line)
		at, err := time.ParseInLocation("2006-01-02 15:04:05", m[1], time.Local)
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), at, time.Minute)
		assert.Equal(t, string(events[i].Type), m[2])
		assert.Equal(t, events[i].ID, m[3])
		assert.Equal(t, "200", m[4], "the signature verified with the printed secret")
	}
	mu.Lock()
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid}, handled)
	mu.Unlock()

	// Ctrl-C: the endpoint is deleted, the CLI says so and exits 0.
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	assert.Equal(t, "Stopped; deleted endpoint "+endpointID+".", next())
	for range lines { // until the CLI closes stdout
	}
	exited = true
	require.NoError(t, cmd.Wait(), "exit code 0; stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	_, err = c.Webhooks.Get(ctx, endpointID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	assert.Equal(t, 1, srv.Calls("DELETE /v1/webhooks/{id}"))

	// The same binary with a wrong key: one line on stderr, exit code 1.
	bad := exec.Command(bin, "listen", "--forward-to", local.URL)
	bad.Env = append(os.Environ(), "CREEM_API_KEY=creem_test_wrong", "CREEM_BASE_URL="+srv.URL)
	var badOut, badErr bytes.Buffer
	bad.Stdout, bad.Stderr = &badOut, &badErr
	err = bad.Run()
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "%v", err)
	assert.Equal(t, 1, exitErr.ExitCode())
	assert.Empty(t, badOut.String())
	assert.Equal(t, 1, strings.Count(badErr.String(), "\n"))
	assert.Contains(t, badErr.String(), "Creem refused the API key")
}

// While the local server is down the CLI says so once per event, then delivers the event when
// the server comes up.
func TestListenReportsADownServerOnce(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		env := map[string]string{"CREEM_API_KEY": srv.APIKey, "CREEM_BASE_URL": srv.URL}
		done <- run(ctx, []string{"listen", "--forward-to", "http://" + addr, "--poll-interval", "1ms"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "Press Ctrl-C") }, 10*time.Second, time.Millisecond)
	p, err := c.Products.Create(ctx, &creem.CreateProductParams{Name: "Once", Price: creem.Int64(900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime})
	require.NoError(t, err)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: p.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "down@example.com")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "could not connect") }, 10*time.Second, time.Millisecond)
	time.Sleep(200 * time.Millisecond) // several retries

	ln, err = net.Listen("tcp", addr)
	require.NoError(t, err)
	local := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})}}
	local.Start()
	defer local.Close()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "  204  ") }, 10*time.Second, time.Millisecond)
	cancel()
	require.Equal(t, 0, <-done)

	id := srv.Events()[0].ID
	var mentions []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(line, id) {
			mentions = append(mentions, line)
		}
	}
	require.Len(t, mentions, 2, stdout.String())
	assert.Contains(t, mentions[0], "could not connect to your server (dial tcp "+addr)
	assert.Contains(t, mentions[0], "retrying until it is up")
	assert.Regexp(t, deliveryLineRE, mentions[1])
	assert.Empty(t, stderr.String())
}

// A password in the forwarding URL is not printed.
func TestForwardURLPasswordIsNotPrinted(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	env := map[string]string{"CREEM_API_KEY": srv.APIKey, "CREEM_BASE_URL": srv.URL}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"listen", "--forward-to", "http://dev:hunter2@127.0.0.1:1/hook"}, func(k string) string { return env[k] }, &out, &errOut)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Forwarding") }, 10*time.Second, 10*time.Millisecond)
	cancel()
	assert.Equal(t, 0, <-done)
	assert.NotContains(t, out.String()+errOut.String(), "hunter2")
	assert.Contains(t, out.String(), "http://dev:xxxxx@127.0.0.1:1/hook")
}
