package creem

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzAPIErrorBody: no error body panics the decoder, the message is well formed, and the body
// is kept as it came.
func FuzzAPIErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"trace_id":"t","status":400,"error":"Bad Request","message":["a","b"],"timestamp":1706889600000}`,
		`{"trace_id":"t","status":403,"error":"Forbidden","timestamp":1706889600000}`,
		`{"message":"single"}`,
		`{"error":{"type":"api_error","code":null,"message":"m","param":null,"request_id":"r"}}`,
		`{"message":[null,1,{"a":2}]}`,
		`<html>502</html>`,
		``,
	} {
		f.Add([]byte(s), 400, "3")
	}
	f.Fuzz(func(t *testing.T, body []byte, status int, retryAfter string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		e := newAPIError(http.MethodPost, "/v1/checkouts", status, h, body)
		msg := e.Error()
		if !strings.HasPrefix(msg, "creem: POST /v1/checkouts: ") {
			t.Fatalf("malformed message %q", msg)
		}
		if string(e.Body) != string(body) {
			t.Fatal("the body was altered")
		}
		if e.RetryAfter < 0 {
			t.Fatal("negative Retry-After")
		}
		_ = e.Is(ErrServer)
	})
}

// FuzzCreemISO: the allocation-free parser agrees with time.Parse on everything it accepts.
func FuzzCreemISO(f *testing.F) {
	for _, s := range []string{"2024-10-12T11:58:33.097Z", "2024-02-29T23:59:59.999Z", "2023-02-29T00:00:00.000Z",
		"2024-13-01T00:00:00.000Z", "2024-01-01T24:00:00.000Z", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2024-1x-01T00:00:00.000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseCreemISO([]byte(`"` + s + `"`))
		want, err := time.Parse(time.RFC3339Nano, s)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("%q: fast %v, time.Parse %v (%v)", s, got, want, err)
		}
		if !ok && err == nil && len(s) == 24 && s[23] == 'Z' && s[19] == '.' {
			t.Fatalf("%q: time.Parse accepts what the fast path refused", s)
		}
	})
}

// FuzzWholeNumbers: the rewriter of whole floats never panics, leaves invalid JSON invalid and
// valid JSON valid, changes no string, and keeps every number's value.
func FuzzWholeNumbers(f *testing.F) {
	for _, s := range []string{`{"a":1900.0}`, `[1.9e3,-0.0,"1.0",1.5]`, `{"s":"x\"1.0\"","n":1e400}`, `1.0`, `"\\"`, `{"a":9007199254740993.0}`, ``,
		`[01.0,-.5e1,1.00000000000000001,4503599627370496.4,1e-400,19000e-1,1E+3]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, changed := wholeNumbers(data)
		if !changed {
			if !bytes.Equal(out, data) {
				t.Fatal("unchanged input came back different")
			}
			return
		}
		if json.Valid(out) != json.Valid(data) {
			t.Fatalf("validity changed: %q became %q", data, out)
		}
		var before, after any
		if json.Unmarshal(data, &before) != nil {
			return
		}
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("valid %s became invalid %s: %v", data, out, err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("%s decoded differently after the rewrite %s", data, out)
		}
	})
}

// Only valid JSON numbers whose exact decimal value is whole are rewritten; rounding through
// float64 never turns a fraction into an integer.
func TestExactWhole(t *testing.T) {
	for in, want := range map[string]int64{
		"1900.0": 1900, "1.9e3": 1900, "19000e-1": 1900, "1E+3": 1000, "-2.50e1": -25, "-0.0": 0, "0.000": 0,
		"9007199254740992.0": 1 << 53, "1e15": 1e15,
	} {
		got, ok := exactWhole([]byte(in))
		if !ok || got != want {
			t.Errorf("exactWhole(%s) = %d, %t; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"1900", "-7", "1.5", "1.00000000000000001", "0.99999999999999999", "4503599627370496.4",
		"9007199254740993.0", "1e-400", "1e31", "01.0", "-.5e1", ".5", "1.", "1.0e", "1e+", "--1.0", "1.0.0", "1e5e5",
	} {
		if got, ok := exactWhole([]byte(in)); ok {
			t.Errorf("exactWhole(%s) = %d, true; want it left alone", in, got)
		}
	}
}

// sameDecoding decodes data into a T with decodeFresh, and with encoding/json alone (the fast
// decoder off, nested fields too), and fails unless both give the same value and the same error.
func sameDecoding[T any](t *testing.T, data []byte) {
	t.Helper()
	var fast, slow T
	fastErr := decodeFresh(data, &fast)
	prev := slowDecodeOnly.Swap(true)
	slowErr := json.Unmarshal(data, &slow)
	slowDecodeOnly.Store(prev)
	if (fastErr == nil) != (slowErr == nil) || fastErr != nil && fastErr.Error() != slowErr.Error() {
		t.Fatalf("%T from %q: error %v, encoding/json's %v", fast, data, fastErr, slowErr)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%T from %q:\n fast %+v\n json %+v", fast, data, fast, slow)
	}
}

// FuzzFastDecodeMatchesEncodingJSON: for any input, the one-pass decoder of the two-shape fields
// gives exactly what encoding/json gives, value and error, for every entity those fields hold,
// on its own and nested in a response.
func FuzzFastDecodeMatchesEncodingJSON(f *testing.F) {
	files, err := filepath.Glob("testdata/fixtures/*.json")
	if err != nil || len(files) == 0 {
		f.Fatal("no fixtures", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id":"prod_1","ID":"prod_2"}`, `{"Id":"x"}`, `{"id":"a","id":"b"}`, `{"name":"\u00e9\n"}`,
		"{\"name\":\"\xff\"}", `{"price":1900.0}`, `{"price":1e3}`, `{"price":99999999999999999999}`,
		`{"price":-0}`, `{"price":"5"}`, `{"trial_period_days":null,"features":[null,{"id":1}]}`,
		`{"features":[]}`, `{"features":{}}`, `{"metadata":{"a":[1,{"b":null}]},"x":[[[]]]}`,
		`{"created_at":"2024-01-02T03:04:05.000Z","updated_at":1706889600000}`, `{"created_at":"soon"}`,
		`{"product":"prod_1","customer":{"id":"c","email":"e"}}`, `{"product":{"id":"p"},}`,
		`{"instance":{"id":"i"}}`, `{"instance":[{"id":"i"},{"id":"j"}]}`, `[{"id":"i"}]`, `null`,
		` {"id" : "p" } `, `{"id":"p"} x`, `{"\u0069d":"p"}`, `{"id":"p"`, `{"id":tru}`, `{"id":-}`,
		`{"unknown":"\ud800","n":01}`, `{"feature":{"type":"file","file":{"files":[{"id":"f"}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecoding[Product](t, data)
		sameDecoding[Customer](t, data)
		sameDecoding[Subscription](t, data)
		sameDecoding[Checkout](t, data)
		sameDecoding[Order](t, data)
		sameDecoding[License](t, data)
		sameDecoding[[]LicenseInstance](t, data)
		sameDecoding[[]CheckoutFeature](t, data)
		sameDecoding[Refund](t, data)
		sameDecoding[Dispute](t, data)
		// The same input as a field of a response, where encoding/json calls the Refs' methods.
		for _, field := range []string{"product", "customer", "subscription", "order", "checkout", "feature"} {
			doc := append(append([]byte(`{"`+field+`":`), data...), '}')
			sameDecoding[Checkout](t, doc)
			sameDecoding[Refund](t, doc)
		}
	})
}
