package creem_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerChild) != "" { // this process is BenchmarkOverhead's server
		serveBenchFixtures()
		return
	}
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

// decodeStrict decodes data into a new T and fails the test for any JSON field that T (or a
// type nested in it) has no field for. encoding/json's DisallowUnknownFields does not reach
// through custom UnmarshalJSON methods, so the check walks the JSON and the Go type itself.
func decodeStrict[T any](t *testing.T, data []byte) *T {
	t.Helper()
	out := new(T)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(out))
	var raw any
	require.NoError(t, json.Unmarshal(data, &raw))
	assert.Empty(t, unknownFields("$", raw, reflect.TypeFor[T]()), "JSON fields without a Go field")
	return out
}

var (
	timestampType = reflect.TypeFor[creem.Timestamp]()
	rawType       = reflect.TypeFor[json.RawMessage]()
)

// unknownFields lists the JSON paths in v that type t cannot hold.
func unknownFields(path string, v any, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawType || t.Kind() == reflect.Interface {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		switch {
		case t.Kind() == reflect.Map:
			return nil
		case t.Kind() == reflect.Slice: // an object decoded as a one-element list
			return unknownFields(path, val, t.Elem())
		case t.Kind() != reflect.Struct || t == timestampType:
			return []string{path + ": object for " + t.String()}
		}
		fields := jsonFields(t)
		var out []string
		for k, sub := range val {
			ft, ok := fields[k]
			if !ok {
				out = append(out, path+"."+k+" (on "+t.Name()+")")
				continue
			}
			out = append(out, unknownFields(path+"."+k, sub, ft)...)
		}
		return out
	case []any:
		if t.Kind() != reflect.Slice {
			return []string{path + ": array for " + t.String()}
		}
		var out []string
		for i, e := range val {
			out = append(out, unknownFields(fmt.Sprintf("%s[%d]", path, i), e, t.Elem())...)
		}
		return out
	}
	return nil
}

// jsonFields maps JSON names to field types, following embedded structs.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && tag == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
