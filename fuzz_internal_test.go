package creem

import (
	"net/http"
	"strings"
	"testing"
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
