package creem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creem-go/creem/internal/retry"
)

// Sentinel errors matched by *APIError through errors.Is, keyed on the HTTP status.
var (
	// ErrBadRequest matches 400 and 422: Creem rejected the request's content.
	ErrBadRequest = errors.New("creem: bad request")
	// ErrUnauthorized matches 401 and 403: the API key is missing, wrong, or lacks access.
	ErrUnauthorized = errors.New("creem: unauthorized")
	// ErrNotFound matches 404.
	ErrNotFound = errors.New("creem: not found")
	// ErrConflict matches 409.
	ErrConflict = errors.New("creem: conflict")
	// ErrRateLimited matches 429.
	ErrRateLimited = errors.New("creem: rate limited")
	// ErrServer matches every 5xx status.
	ErrServer = errors.New("creem: server error")
	// ErrInvalidParams matches the *InvalidParamsError returned, before anything is sent, for
	// input the API would certainly reject.
	ErrInvalidParams = errors.New("creem: invalid parameters")
	// ErrInvalidResponse matches errors for a 2xx response the SDK could not decode: an empty
	// or truncated body, a body that is not JSON, or one larger than the SDK reads. For a write,
	// Creem may still have done the work.
	ErrInvalidResponse = errors.New("creem: invalid response")
)

// maxErrorBody caps how much of an error response is read and kept.
const maxErrorBody = 1 << 20

// APIError is returned for every response outside 2xx. It carries what Creem said in either of
// its error envelopes:
//
//	{"trace_id": "…", "status": 400, "error": "Bad Request", "message": ["…"], "timestamp": 1706889600000}
//	{"error": {"type": "…", "code": "…", "message": "…", "param": "…", "details": {…}, "request_id": "…"}}
//
// The newer envelope is what the usage, credits and webhook-endpoint families answer with; match
// its machine-readable codes on Code (e.g. CodeInsufficientBalance, CodeMeterNameTaken):
//
//	var apiErr *creem.APIError
//	if errors.As(err, &apiErr) && apiErr.Code == creem.CodeInsufficientBalance { … }
//
// A body that is neither (an HTML page from a proxy) still gives an APIError with the status and
// the raw body. Match the kind of failure with errors.Is and the sentinels (ErrNotFound, …).
type APIError struct {
	StatusCode int    // HTTP status code
	Method     string // HTTP method of the request
	Path       string // URL path of the request, without the query string
	TraceID    string // trace_id of the classic envelope
	RequestID  string // request_id of the newer envelope
	Type       string // error.type of the newer envelope, e.g. "invalid_request_error"
	Code       string // error.code of the newer envelope, a machine-readable code
	Param      string // error.param of the newer envelope: the parameter at fault, e.g. "events[3].customer_id"
	// Details is error.details of the newer envelope: structured context for some codes, e.g.
	// {"archived_holder": true, "archived_holder_id": "mtr_…"} on meter_name_taken. Nil when absent;
	// unknown keys are to be ignored.
	Details map[string]any
	// Messages are the human-readable messages: the classic envelope's message (a list, a single
	// string, or absent) or the newer envelope's error.message.
	Messages []string
	// RetryAfter is the delay the Retry-After header asked for, zero when absent.
	RetryAfter time.Duration
	// Body is the raw response body, at most 1 MiB of it.
	Body []byte
}

// Error reads "creem: POST /v1/checkouts: 400 Bad Request: product_id must be a string (trace 550e…)".
// E-mail addresses in Creem's messages are masked; the full messages stay in Messages.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("creem: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteByte(' ')
		b.WriteString(text)
	}
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(maskEmails(strings.Join(e.Messages, "; ")))
	}
	switch {
	case e.TraceID != "":
		fmt.Fprintf(&b, " (trace %s)", e.TraceID)
	case e.RequestID != "":
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Is matches the sentinel errors by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// errorEnvelope covers both of Creem's error bodies: in the classic one "error" is a string
// (the status text), in the newer one an object.
type errorEnvelope struct {
	TraceID   string          `json:"trace_id"`
	RequestID string          `json:"request_id"`
	Message   json.RawMessage `json:"message"`
	Error     json.RawMessage `json:"error"`
}

type errorDetail struct {
	Type      string         `json:"type"`
	Code      *string        `json:"code"`
	Message   string         `json:"message"`
	Param     *string        `json:"param"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"request_id"`
}

// newAPIError builds the error for a non-2xx response, decoding body as far as it can.
func newAPIError(method, path string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path, Body: body}
	if d, ok := retry.RetryAfter(header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	var env errorEnvelope
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &env) != nil {
		return e
	}
	e.TraceID, e.RequestID = env.TraceID, env.RequestID
	e.Messages = decodeMessages(env.Message)
	if trimmed := bytes.TrimSpace(env.Error); len(trimmed) > 0 && trimmed[0] == '{' {
		var d errorDetail
		if json.Unmarshal(trimmed, &d) == nil {
			e.Type = d.Type
			if d.Code != nil {
				e.Code = *d.Code
			}
			if d.Param != nil {
				e.Param = *d.Param
			}
			e.Details = d.Details
			if d.RequestID != "" {
				e.RequestID = d.RequestID
			}
			if d.Message != "" {
				e.Messages = append(e.Messages, d.Message)
			}
		}
	}
	return e
}

// decodeMessages accepts a list of strings, a single string, or nothing.
func decodeMessages(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '[':
		var list []any
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		out := make([]string, 0, len(list))
		for _, m := range list {
			switch v := m.(type) {
			case string:
				out = append(out, v)
			case nil:
			default:
				if b, err := json.Marshal(v); err == nil {
					out = append(out, string(b))
				}
			}
		}
		return out
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return []string{s}
		}
	}
	return nil
}

// maskEmails replaces e-mail addresses in s so that error strings, which end up in logs, carry
// no customer's address.
func maskEmails(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		at := strings.IndexByte(s, '@')
		if at < 0 {
			b.WriteString(s)
			break
		}
		start := at
		for start > 0 && isEmailByte(s[start-1]) {
			start--
		}
		end := at + 1
		for end < len(s) && isEmailByte(s[end]) {
			end++
		}
		if start == at || end == at+1 {
			b.WriteString(s[:at+1])
			s = s[at+1:]
			continue
		}
		b.WriteString(s[:start])
		b.WriteString("[email]")
		s = s[end:]
	}
	return b.String()
}

func isEmailByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0 || c >= utf8.RuneSelf
}

// InvalidParamsError is returned before anything is sent when the parameters of a call are
// certainly invalid. It matches ErrInvalidParams.
type InvalidParamsError struct {
	Op     string // the method, e.g. "Products.Create"
	Field  string // the JSON name of the field at fault, e.g. "product_id"
	Reason string // what is wrong, e.g. "is required"
}

// Error reads "creem: Checkouts.Create: product_id is required".
func (e *InvalidParamsError) Error() string {
	return "creem: " + e.Op + ": " + e.Field + " " + e.Reason
}

// Is matches ErrInvalidParams.
func (e *InvalidParamsError) Is(target error) bool { return target == ErrInvalidParams }

func invalid(op, field, reason string) error {
	return &InvalidParamsError{Op: op, Field: field, Reason: reason}
}

// requireID refuses an empty ID.
func requireID(op, field, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid(op, field, "is required")
	}
	return nil
}

// pathID refuses an ID that cannot stand as one path segment and returns it escaped. Besides
// an empty ID it refuses "." and "..": url.PathEscape leaves them as they are, and a URL such as
// /v1/subscriptions/../cancel would reach another endpoint than the one called.
func pathID(op, field, id string) (string, error) {
	if err := requireID(op, field, id); err != nil {
		return "", err
	}
	if id == "." || id == ".." {
		return "", invalid(op, field, "must not be a dot segment")
	}
	return url.PathEscape(id), nil
}
