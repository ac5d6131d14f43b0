package creem_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// An endpoint the SDK does not model goes through the same request path as every method.
func TestRawCallsAnUnmodelledEndpoint(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{"id":"th_1","object":"thing","size":3}`)))
	c := newClient(t, srv.URL)
	var thing struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
	}
	var raw []byte
	err := c.Raw(context.Background(), &creem.RawRequest{Method: "get", Path: "/v1/things/th%2F1", Query: url.Values{"email": {"a+b@example.com"}}}, &thing, creem.WithRawResponseBody(&raw))
	require.NoError(t, err)
	assert.Equal(t, "th_1", thing.ID)
	assert.Equal(t, 3, thing.Size)
	assert.JSONEq(t, `{"id":"th_1","object":"thing","size":3}`, string(raw))

	got := rec.all()[0]
	assert.Equal(t, http.MethodGet, got.Method)
	assert.Equal(t, "/v1/things/th%2F1", got.Path)
	assert.Equal(t, "email=a%2Bb%40example.com", got.RawQuery)
	assert.Equal(t, testKey, got.Header.Get("x-api-key"))
	assert.Contains(t, got.Header.Get("User-Agent"), "creem-go/")
	assert.Empty(t, got.Body)

	// A JSON body, sent as given; nothing decoded when out is nil.
	srv, rec = newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	c = newClient(t, srv.URL)
	err = c.Raw(context.Background(), &creem.RawRequest{Method: http.MethodPost, Path: "/v1/things", Body: json.RawMessage(`{"name": "x", "tags": ["a"]}`)}, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"name":"x","tags":["a"]}`, string(rec.all()[0].Body))
	assert.Equal(t, "application/json", rec.all()[0].Header.Get("Content-Type"))
}

// A raw call is unsafe unless it is a read or the caller says so.
func TestRawRetryRule(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      creem.RawRequest
		attempts int
	}{
		{"POST is unsafe", creem.RawRequest{Method: http.MethodPost, Path: "/v1/things", Body: map[string]string{"a": "b"}}, 1},
		{"DELETE is unsafe", creem.RawRequest{Method: http.MethodDelete, Path: "/v1/things/th_1"}, 1},
		{"GET is safe", creem.RawRequest{Method: http.MethodGet, Path: "/v1/things"}, 2},
		{"POST declared safe", creem.RawRequest{Method: http.MethodPost, Path: "/v1/things/preview", Body: map[string]string{"a": "b"}, Safe: true}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "maintenance"))
					return
				}
				writeJSON(w, http.StatusOK, []byte(`{}`))
			})
			err := newClient(t, srv.URL).Raw(context.Background(), &tc.req, nil)
			assert.Equal(t, tc.attempts, rec.count())
			if tc.attempts == 1 {
				var apiErr *creem.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
				assert.Equal(t, tc.req.Path, apiErr.Path)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestRawRefusesPathsThatLeaveTheAPI(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for _, p := range []string{"", "v1/x", "//evil.example.com/v1/x", "http://evil.example.com/v1/x", "/v1/../admin", "/v1/./x",
		"/v1/x?y=1", "/v1/x#f", "/v1/x y", "/v1/x\n", `/v1\x`, "/v1/%zz"} {
		err := c.Raw(context.Background(), &creem.RawRequest{Method: http.MethodGet, Path: p}, nil)
		assert.ErrorIs(t, err, creem.ErrInvalidParams, "%q", p)
	}
	for _, m := range []string{"", "GE T", "G\nET"} {
		err := c.Raw(context.Background(), &creem.RawRequest{Method: m, Path: "/v1/x"}, nil)
		assert.ErrorIs(t, err, creem.ErrInvalidParams, "%q", m)
	}
	assert.ErrorIs(t, c.Raw(context.Background(), nil, nil), creem.ErrInvalidParams)
	assert.Zero(t, rec.count())
}

// Extra fields reach the body of a modelled call next to the fields the params set.
func TestWithExtraFields(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "checkout_pending.json")))
	c := newClient(t, srv.URL)
	ctx := context.Background()
	_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1"},
		creem.WithExtraFields(map[string]any{"theme": "dark", "a_list": []int{1, 2}}))
	require.NoError(t, err)
	assert.Equal(t, `{"product_id":"prod_1","a_list":[1,2],"theme":"dark"}`, string(rec.all()[0].Body))

	// Into a raw call's empty object too.
	require.NoError(t, c.Raw(ctx, &creem.RawRequest{Method: http.MethodPost, Path: "/v1/x", Body: struct{}{}}, nil, creem.WithExtraFields(map[string]any{"k": "v&<"})))
	assert.Equal(t, `{"k":"v&<"}`, string(rec.all()[1].Body))

	// A name the params already send, or a call without a body, is refused before sending.
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1"}, creem.WithExtraFields(map[string]any{"product_id": "prod_2"}))
	assert.ErrorIs(t, err, creem.ErrInvalidParams)
	_, err = c.Products.Get(ctx, "prod_1", creem.WithExtraFields(map[string]any{"x": 1}))
	assert.ErrorIs(t, err, creem.ErrInvalidParams)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_1"}, creem.WithExtraFields(map[string]any{"bad": func() {}}))
	assert.ErrorIs(t, err, creem.ErrInvalidParams)
	assert.Equal(t, 2, rec.count())
}

// The raw bytes of a modelled call: the decoded value and what it came from, errors included.
func TestWithRawResponseBody(t *testing.T) {
	body := fixture(t, "product.json")
	srv, _ := newServer(t, serveJSON(http.StatusOK, body))
	var raw []byte
	p, err := newClient(t, srv.URL).Products.Get(context.Background(), "prod_1", creem.WithRawResponseBody(&raw))
	require.NoError(t, err)
	assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", p.ID)
	assert.Equal(t, string(body), string(raw))

	notFound := readTestdata(t, "errors", "error-404-not-found.docs.json")
	srv, _ = newServer(t, serveJSON(http.StatusNotFound, notFound))
	raw = nil
	_, err = newClient(t, srv.URL).Products.Get(context.Background(), "prod_1", creem.WithRawResponseBody(&raw))
	assert.ErrorIs(t, err, creem.ErrNotFound)
	assert.Equal(t, string(notFound), string(raw))
}

// A bad out is refused before the request goes out: after a write took effect, an error would
// invite a second attempt.
func TestRawChecksOutBeforeSending(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{"id":"x"}`)))
	c := newClient(t, srv.URL)
	var thing struct{ ID string }
	var nilPtr *struct{ ID string }
	for _, out := range []any{thing, nilPtr, 42} {
		err := c.Raw(context.Background(), &creem.RawRequest{Method: http.MethodPost, Path: "/v1/things", Body: map[string]string{}}, out)
		assert.ErrorIs(t, err, creem.ErrInvalidParams, "%T", out)
	}
	assert.Zero(t, rec.count())
}
