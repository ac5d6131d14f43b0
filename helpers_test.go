package creem_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testKey is a made-up test-mode key; tests that look for leaks search for it.
const testKey = "creem_test_5Hq2kX9vLmP0wR7sT3uY"

// recorded is one request as the server saw it.
type recorded struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// recorder serves canned responses and keeps every request it got.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// newServer starts an httptest server whose handler gets the 1-based number of the request.
func newServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		n := len(rec.reqs)
		rec.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// serveJSON answers every request with status and body.
func serveJSON(status int, body []byte) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newClient returns a client for srvURL with short retry waits.
func newClient(t *testing.T, srvURL string, opts ...creem.Option) *creem.Client {
	t.Helper()
	base := []creem.Option{creem.WithBaseURL(srvURL), creem.WithRetryWait(time.Millisecond, 5*time.Millisecond)}
	c, err := creem.NewClient(testKey, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func readTestdata(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	require.NoError(t, err)
	return b
}

func fixture(t *testing.T, name string) []byte { return readTestdata(t, "fixtures", name) }
func golden(t *testing.T, name string) []byte  { return readTestdata(t, "golden", name) }
