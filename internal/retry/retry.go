// Package retry is creem-go's retry policy for go-retryablehttp: which attempts may be repeated
// without risking a second checkout, charge or refund, how long to wait between them, and an error
// handler that keeps the last response so the caller still sees its status and body.
//
// Which call is safe to repeat travels in the request context as a *Call, because retryablehttp's
// CheckRetry sees the context but never the request.
package retry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Call describes one SDK call, made of one or more HTTP attempts.
type Call struct {
	Method string // HTTP method
	Path   string // URL path without the query: the query may hold personal data
	// Safe is true when repeating the call cannot have a second effect: reads, license
	// validation, and writes carrying an idempotency key the API honours.
	Safe bool
	// Attempts counts the attempts started so far; it is updated by RequestHook.
	Attempts int
	// Logger receives the debug and warning lines of this call; nil keeps it silent.
	Logger *slog.Logger
	// Body is the body of the call's successful response, read within its attempt so that a
	// connection lost mid-body fails the attempt (and a safe call is retried). Nil until then.
	Body *bytes.Buffer
}

type callKey struct{}

// WithCall returns a context carrying c for the policy functions of this package.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the *Call stored by WithCall, or nil.
func CallFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// CheckRetry is the retryablehttp.CheckRetry of the SDK. It stops at once when the context is done
// and otherwise applies Decide to the call's safety.
func CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if cerr := ctx.Err(); cerr != nil {
		return false, cerr
	}
	call := CallFrom(ctx)
	safe := call != nil && call.Safe
	again := Decide(safe, resp, err)
	if again && call != nil && call.Logger != nil {
		attrs := []any{"method", call.Method, "path", call.Path, "attempt", call.Attempts}
		if err != nil {
			attrs = append(attrs, "error", Redact(err).Error())
		} else {
			attrs = append(attrs, "status", resp.StatusCode)
		}
		call.Logger.Warn("creem: attempt failed, retrying", attrs...)
	}
	return again, nil
}

// Decide reports whether an attempt that ended with resp or err may be repeated.
//
// Safe calls are repeated after transport errors and after 429, 500, 502, 503 and 504. Other
// writes are repeated only after 429 (the request was refused, not processed) and after failures
// that certainly happened before the request left the machine (dial, DNS). A timeout, a reset or a
// 5xx after the request was written may mean Creem did the work; repeating it could create a
// second checkout or refund, so the caller gets the error instead.
func Decide(safe bool, resp *http.Response, err error) bool {
	if err != nil {
		if permanent(err) {
			return false
		}
		return safe || NotSent(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return safe
	}
	return false
}

// NotSent reports whether err certainly happened before any byte of the request was sent:
// a DNS failure or a failed dial (connection refused, unreachable host, dial timeout).
func NotSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op == "dial" || opErr.Op == "proxyconnect"
	}
	return false
}

// permanent reports transport errors that no retry can fix.
func permanent(err error) bool {
	if errors.Is(err, context.Canceled) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) {
		return true
	}
	return strings.Contains(err.Error(), "unsupported protocol scheme")
}

// Backoff is the retryablehttp.Backoff of the SDK: exponential from min with jitter, capped at max.
// A Retry-After header (seconds or an HTTP date) is honoured within [min, max]: it neither waits
// longer than max nor shorter than min, whatever the server says (a negative or past value
// included).
func Backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clamp(d, min, max)
		}
	}
	return Exponential(min, max, attempt, rand.Float64())
}

// Exponential returns min·2^attempt capped at max, scaled by a jitter factor in [0.5, 1) taken
// from r in [0, 1). The result is never below min.
func Exponential(min, max time.Duration, attempt int, r float64) time.Duration {
	if max < min {
		max = min
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min2(d, max)
	jittered := time.Duration(float64(d) * (0.5 + r/2))
	if jittered < min {
		return min
	}
	return jittered
}

// MaxRetryAfter bounds what RetryAfter reports, however far off the server's value is.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter parses a Retry-After header value: delay-seconds or an HTTP date, relative to now.
// Results are clamped to [0, MaxRetryAfter]: a negative or past value is zero.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		secs = min(max(secs, 0), int64(MaxRetryAfter/time.Second))
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return clamp(t.Sub(now), 0, MaxRetryAfter), true
	}
	return 0, false
}

// clamp returns d within [lo, hi].
func clamp(d, lo, hi time.Duration) time.Duration { return max(lo, min(d, hi)) }

func min2(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// ErrorHandler is the retryablehttp.ErrorHandler of the SDK. When the attempts ran out on a
// retryable status it returns that last response, so the caller can build an error carrying the
// status and body (retryablehttp's default drops both). Errors are returned as they are.
func ErrorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
		}
		return nil, err
	}
	return resp, nil
}

// RequestHook counts attempts and logs each one at debug level without its query string.
// Its signature is retryablehttp.RequestLogHook's.
func RequestHook(_ retryablehttp.Logger, req *http.Request, retryNumber int) {
	call := CallFrom(req.Context())
	if call == nil {
		return
	}
	call.Attempts = retryNumber + 1
	if call.Logger != nil {
		call.Logger.Debug("creem: request", "method", call.Method, "path", call.Path, "attempt", call.Attempts)
	}
}

// ResponseHook logs each response's status at debug level. Its signature is retryablehttp.ResponseLogHook's.
func ResponseHook(_ retryablehttp.Logger, resp *http.Response) {
	call := CallFrom(resp.Request.Context())
	if call == nil || call.Logger == nil {
		return
	}
	call.Logger.Debug("creem: response", "method", call.Method, "path", call.Path, "attempt", call.Attempts, "status", resp.StatusCode)
}

// Redact returns err with the query string and user information removed from the URL of a
// *url.Error, because query strings may hold personal data (GET /v1/customers?email=). The
// wrapped error is kept, so errors.Is and errors.As still see it.
func Redact(err error) error {
	var uerr *url.Error
	if !errors.As(err, &uerr) {
		return err
	}
	clean := RedactURL(uerr.URL)
	if uerr == err {
		return &url.Error{Op: uerr.Op, URL: clean, Err: uerr.Err}
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), uerr.URL, clean), err: err}
}

// redacted keeps a wrapped error reachable while replacing its message.
type redacted struct {
	msg string
	err error
}

// Error returns the message with the URL redacted.
func (r *redacted) Error() string { return r.msg }

// Unwrap returns the original error.
func (r *redacted) Unwrap() error { return r.err }

// RedactURL strips the query, fragment and user information from a URL string.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable: cut the query and fragment, and user information by hand.
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		scheme, rest, ok := strings.Cut(raw, "//")
		if !ok {
			scheme, rest = "", raw
		} else {
			scheme += "//"
		}
		authority, path, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = authority[at+1:]
		}
		if path != "" || strings.Contains(rest, "/") {
			return scheme + authority + "/" + path
		}
		return scheme + authority
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	u.ForceQuery = false
	return u.String()
}
