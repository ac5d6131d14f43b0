package creem

import (
	"bytes"
	"encoding/json"
	"net/http"
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
