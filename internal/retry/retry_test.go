package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDecide(t *testing.T) {
	status := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	dns := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x"}}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	eof := &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}
	timeout := &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}
	scheme := &url.Error{Op: "Get", URL: "x://y", Err: errors.New("unsupported protocol scheme \"x\"")}

	cases := []struct {
		name        string
		resp        *http.Response
		err         error
		safe, write bool
	}{
		{"429", status(429), nil, true, true},
		{"500", status(500), nil, true, false},
		{"502", status(502), nil, true, false},
		{"503", status(503), nil, true, false},
		{"504", status(504), nil, true, false},
		{"501", status(501), nil, false, false},
		{"400", status(400), nil, false, false},
		{"404", status(404), nil, false, false},
		{"409", status(409), nil, false, false},
		{"200", status(200), nil, false, false},
		{"connection refused", nil, refused, true, true},
		{"DNS failure", nil, dns, true, true},
		{"reset after write", nil, reset, true, false},
		{"EOF after write", nil, eof, true, false},
		{"timeout", nil, timeout, true, false},
		{"bad scheme", nil, scheme, false, false},
		{"cancelled", nil, &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, false, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.safe, Decide(true, tc.resp, tc.err), "safe call, %s", tc.name)
		assert.Equal(t, tc.write, Decide(false, tc.resp, tc.err), "write, %s", tc.name)
	}
}

func TestCheckRetryStopsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(WithCall(context.Background(), &Call{Safe: true}))
	cancel()
	again, err := CheckRetry(ctx, &http.Response{StatusCode: 503}, nil)
	assert.False(t, again)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCheckRetryReadsSafetyFromTheContext(t *testing.T) {
	resp := &http.Response{StatusCode: 500}
	again, _ := CheckRetry(WithCall(context.Background(), &Call{Safe: true}), resp, nil)
	assert.True(t, again)
	again, _ = CheckRetry(WithCall(context.Background(), &Call{Safe: false}), resp, nil)
	assert.False(t, again)
	again, _ = CheckRetry(context.Background(), resp, nil)
	assert.False(t, again, "without a call description the policy assumes an unsafe write")
}

func TestExponential(t *testing.T) {
	min, max := 100*time.Millisecond, 2*time.Second
	for attempt, want := range []time.Duration{100, 200, 400, 800, 1600, 2000, 2000} {
		want *= time.Millisecond
		assert.InDelta(t, float64(want), float64(Exponential(min, max, attempt, 0.999999999)), float64(time.Microsecond), "attempt %d, top of the jitter", attempt)
		low := Exponential(min, max, attempt, 0)
		assert.Equal(t, max2(want/2, min), low, "attempt %d, bottom of the jitter", attempt)
	}
	assert.InDelta(t, float64(2*time.Second), float64(Exponential(min, max, 1000, 0.99999999)), float64(time.Microsecond), "no overflow on many attempts")
}

func max2(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-5", 0, true},
		{"Sat, 21 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 21 Nov 2026 11:00:00 GMT", 0, true},
		{"99999999999999", 24 * time.Hour, true},
		{"Fri, 21 Nov 2036 12:00:00 GMT", 24 * time.Hour, true}, // a date ten years out is clamped like seconds
		{"-1", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range cases {
		got, ok := RetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestBackoffClampsRetryAfter(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Retry-After": {"3600"}}}
	assert.Equal(t, 5*time.Second, Backoff(time.Second, 5*time.Second, 0, resp))
	resp.Header.Set("Retry-After", "2")
	assert.Equal(t, 2*time.Second, Backoff(time.Second, 5*time.Second, 0, resp))
	// A negative, zero or past Retry-After never removes the minimum wait.
	for _, v := range []string{"-1", "0", "Sat, 21 Nov 2020 11:00:00 GMT"} {
		resp.Header.Set("Retry-After", v)
		assert.Equal(t, time.Second, Backoff(time.Second, 5*time.Second, 3, resp), v)
	}
	resp.Header.Set("Retry-After", time.Now().Add(10*365*24*time.Hour).UTC().Format(http.TimeFormat))
	assert.Equal(t, 5*time.Second, Backoff(time.Second, 5*time.Second, 0, resp))
}

func TestRedact(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://user:pw@api.creem.io/v1/customers?email=jane%40example.com#x", Err: syscall.ECONNREFUSED}
	red := Redact(err)
	assert.Equal(t, `Get "https://api.creem.io/v1/customers": connection refused`, red.Error())
	assert.ErrorIs(t, red, syscall.ECONNREFUSED)

	wrapped := fmt.Errorf("outer: %w", err)
	red = Redact(wrapped)
	assert.NotContains(t, red.Error(), "jane")
	assert.True(t, strings.HasPrefix(red.Error(), "outer: "))
	assert.ErrorIs(t, red, syscall.ECONNREFUSED)

	plain := errors.New("x")
	assert.Equal(t, plain, Redact(plain))
}
