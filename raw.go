package creem

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
)

// RawRequest is a call to an endpoint the SDK does not model yet, for Client.Raw.
type RawRequest struct {
	// Method is the HTTP method: GET, POST, PATCH, DELETE, …
	Method string
	// Path is the escaped URL path below the base URL, starting with "/", e.g. "/v1/things/th_1".
	// It may not hold a query, a fragment, dot segments or control characters.
	Path string
	// Query is encoded into the URL's query string.
	Query url.Values
	// Body is encoded as the JSON body; nil sends none. Pass pre-encoded JSON as a
	// json.RawMessage ([]byte would be encoded as a base64 string).
	Body any
	// Safe declares that repeating the call cannot have a second effect, so it is retried
	// after network errors, timeouts and 5xx like a read, and may be replayed by the transport.
	// GET and HEAD are always safe. Other methods are unsafe unless Safe is set: retried only after
	// 429 or when the connection could not be made, never sent twice by any layer.
	Safe bool
}

// Raw sends req through the same request path as every method of the SDK (authentication, the
// retry policy, *APIError for non-2xx answers, redaction of query strings in errors and logs)
// and decodes a 2xx JSON answer into out, a pointer; with out nil the answer is not decoded (use
// WithRawResponseBody to keep its bytes). It is the escape hatch for endpoints and fields this
// version does not model:
//
//	var thing struct{ ID string `json:"id"` }
//	err := client.Raw(ctx, &creem.RawRequest{Method: http.MethodGet, Path: "/v1/things/th_1"}, &thing)
func (c *Client) Raw(ctx context.Context, req *RawRequest, out any, opts ...RequestOption) error {
	if req == nil {
		return invalid("Client.Raw", "req", "is required")
	}
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" || strings.IndexFunc(method, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return invalid("Client.Raw", "Method", "must be an HTTP method such as GET or POST")
	}
	if err := checkRawPath(req.Path); err != nil {
		return invalid("Client.Raw", "Path", err.Error())
	}
	if out != nil {
		// Checked now, not after a write took effect: a bad out would then report a failure
		// for a call that succeeded.
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return invalid("Client.Raw", "out", "must be nil or a non-nil pointer")
		}
	}
	ep := endpoint{method: method, path: req.Path, safe: req.Safe || method == http.MethodGet || method == http.MethodHead}
	var query string
	if len(req.Query) > 0 {
		query = req.Query.Encode()
	}
	r, cl, err := c.newRequest(ctx, ep, query, req.Body, opts)
	if err != nil {
		return err
	}
	return c.do(r, cl, out)
}

// checkRawPath accepts an escaped absolute path that stays below the base URL.
func checkRawPath(p string) error {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return errors.New(`must start with a single "/"`)
	}
	if strings.ContainsAny(p, "?#\\") || strings.IndexFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("must not hold a query, a fragment, a backslash, white space or control characters")
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return errors.New("must be an escaped URL path")
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return errors.New("must not hold dot segments")
		}
	}
	return nil
}

// addFields adds extra to the top level of the JSON object body (nil or empty for a call
// without a body, which cannot take fields). Names the body already holds are refused: JSON
// with duplicate names means different things to different parsers.
func addFields(body []byte, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return body, nil
	}
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("the call has no JSON object body to add fields to")
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(body, &present); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		if _, dup := present[name]; dup {
			return nil, fmt.Errorf("field %q is already set by the parameters", name)
		}
		names = append(names, name)
	}
	sort.Strings(names) // the same bytes on every run
	var b bytes.Buffer
	b.Write(body[:len(body)-1]) // without the closing brace
	for i, name := range names {
		v, err := encodeBody(extra[name])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		k, _ := json.Marshal(name)
		if i > 0 || len(present) > 0 {
			b.WriteByte(',')
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
