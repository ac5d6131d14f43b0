package creem_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// apiErrorFor serves one response and returns the error a checkout creation gets.
func apiErrorFor(t *testing.T, status int, contentType string, body []byte) *creem.APIError {
	t.Helper()
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	c := newClient(t, srv.URL, creem.WithRetryMax(0))
	_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, err.Error(), testKey)
	return apiErr
}

func TestDocsErrorBodies(t *testing.T) {
	const trace = "550e8400-e29b-41d4-a716-446655440000"
	cases := []struct {
		file     string
		status   int
		messages []string
		sentinel error
		text     string
	}{
		{"error-400-duplicate.docs.json", 400, []string{"A resource with this identifier already exists"}, creem.ErrBadRequest,
			"creem: POST /v1/checkouts: 400 Bad Request: A resource with this identifier already exists (trace " + trace + ")"},
		{"error-400-required-field.docs.json", 400, []string{"The 'product_id' field is required."}, creem.ErrBadRequest,
			"creem: POST /v1/checkouts: 400 Bad Request: The 'product_id' field is required. (trace " + trace + ")"},
		{"error-400-validation-multi.docs.json", 400, []string{"product_id must be a string", "success_url must be a valid URL"}, creem.ErrBadRequest,
			"creem: POST /v1/checkouts: 400 Bad Request: product_id must be a string; success_url must be a valid URL (trace " + trace + ")"},
		{"error-403-forbidden-no-message.docs.json", 403, nil, creem.ErrUnauthorized,
			"creem: POST /v1/checkouts: 403 Forbidden (trace " + trace + ")"},
		{"error-404-not-found.docs.json", 404, []string{"Product not found"}, creem.ErrNotFound,
			"creem: POST /v1/checkouts: 404 Not Found: Product not found (trace " + trace + ")"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			body := readTestdata(t, "errors", tc.file)
			e := apiErrorFor(t, tc.status, "application/json", body)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, http.MethodPost, e.Method)
			assert.Equal(t, "/v1/checkouts", e.Path)
			assert.Equal(t, trace, e.TraceID)
			assert.Equal(t, tc.messages, e.Messages)
			assert.Equal(t, body, e.Body)
			assert.Equal(t, tc.text, e.Error())
			assert.ErrorIs(t, e, tc.sentinel)
			for _, other := range []error{creem.ErrBadRequest, creem.ErrUnauthorized, creem.ErrNotFound, creem.ErrConflict, creem.ErrRateLimited, creem.ErrServer} {
				if other != tc.sentinel {
					assert.NotErrorIs(t, e, other)
				}
			}
		})
	}
}

func TestSentinelsByStatus(t *testing.T) {
	cases := map[int]error{
		400: creem.ErrBadRequest, 422: creem.ErrBadRequest, 401: creem.ErrUnauthorized, 403: creem.ErrUnauthorized,
		404: creem.ErrNotFound, 409: creem.ErrConflict, 429: creem.ErrRateLimited,
		500: creem.ErrServer, 502: creem.ErrServer, 503: creem.ErrServer, 504: creem.ErrServer, 599: creem.ErrServer,
	}
	for status, want := range cases {
		e := &creem.APIError{StatusCode: status}
		assert.ErrorIs(t, e, want, "status %d", status)
		wrapped := errors.Join(errors.New("context"), e)
		assert.ErrorIs(t, wrapped, want, "status %d wrapped", status)
	}
	assert.NotErrorIs(t, &creem.APIError{StatusCode: 418}, creem.ErrBadRequest)
	assert.NotErrorIs(t, &creem.APIError{StatusCode: 302}, creem.ErrServer)
}

func TestNewerErrorEnvelope(t *testing.T) {
	body := []byte(`{"error":{"type":"invalid_request_error","code":"insufficient_balance","message":"Account balance is too low","param":"amount","request_id":"req_8Hn2"}}`)
	e := apiErrorFor(t, 422, "application/json", body)
	assert.Equal(t, "invalid_request_error", e.Type)
	assert.Equal(t, "insufficient_balance", e.Code)
	assert.Equal(t, "amount", e.Param)
	assert.Equal(t, "req_8Hn2", e.RequestID)
	assert.Equal(t, []string{"Account balance is too low"}, e.Messages)
	assert.Equal(t, "creem: POST /v1/checkouts: 422 Unprocessable Entity: Account balance is too low (request req_8Hn2)", e.Error())
	assert.ErrorIs(t, e, creem.ErrBadRequest)
}

func TestNewerErrorEnvelopeDetails(t *testing.T) {
	body := []byte(`{"error":{"type":"invalid_request_error","code":"meter_name_taken","message":"A meter named \"Images\" already exists in this store","param":"name","details":{"archived_holder":true,"archived_holder_id":"mtr_abc123","later":{"x":1}},"request_id":"req_9"}}`)
	e := apiErrorFor(t, 409, "application/json", body)
	assert.Equal(t, "meter_name_taken", e.Code)
	assert.Equal(t, "name", e.Param)
	assert.Equal(t, map[string]any{"archived_holder": true, "archived_holder_id": "mtr_abc123", "later": map[string]any{"x": float64(1)}}, e.Details)
	assert.ErrorIs(t, e, creem.ErrConflict)

	e = apiErrorFor(t, 422, "application/json", []byte(`{"error":{"type":"invalid_request_error","code":"x","message":"m","param":"events[3].customer_id","request_id":"r"}}`))
	assert.Equal(t, "events[3].customer_id", e.Param)
	assert.Nil(t, e.Details, "details is omitted when there is none")
}

func TestNewerErrorEnvelopeWithNulls(t *testing.T) {
	body := []byte(`{"error":{"type":"api_error","code":null,"message":"Something broke","param":null,"request_id":"req_1"}}`)
	e := apiErrorFor(t, 500, "application/json", body)
	assert.Equal(t, "api_error", e.Type)
	assert.Empty(t, e.Code)
	assert.Empty(t, e.Param)
	assert.Equal(t, []string{"Something broke"}, e.Messages)
}

func TestErrorMessageAsStringOrAbsent(t *testing.T) {
	e := apiErrorFor(t, 400, "application/json", []byte(`{"trace_id":"t1","status":400,"error":"Bad Request","message":"units must be positive","timestamp":1706889600000}`))
	assert.Equal(t, []string{"units must be positive"}, e.Messages)
	assert.Equal(t, "t1", e.TraceID)

	e = apiErrorFor(t, 401, "application/json", []byte(`{"trace_id":"t2","status":401,"error":"Unauthorized","timestamp":1706889600000}`))
	assert.Nil(t, e.Messages)
	assert.ErrorIs(t, e, creem.ErrUnauthorized)
	assert.Equal(t, "creem: POST /v1/checkouts: 401 Unauthorized (trace t2)", e.Error())
}

func TestNonJSONErrorBody(t *testing.T) {
	html := []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
	e := apiErrorFor(t, 502, "text/html", html)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, html, e.Body)
	assert.Empty(t, e.Messages)
	assert.ErrorIs(t, e, creem.ErrServer)
	assert.Equal(t, "creem: POST /v1/checkouts: 502 Bad Gateway", e.Error())

	e = apiErrorFor(t, 500, "application/json", nil)
	assert.Equal(t, 500, e.StatusCode)
	assert.Empty(t, e.Body)
}

func TestErrorBodyIsCappedAt1MiB(t *testing.T) {
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = 'x'
	}
	e := apiErrorFor(t, 500, "text/plain", big)
	assert.Len(t, e.Body, 1<<20)
}

func TestErrorStringMasksEmails(t *testing.T) {
	body := []byte(`{"trace_id":"t3","status":409,"error":"Conflict","message":["Customer jane.doe+shop@example.co.uk already exists"],"timestamp":1706889600000}`)
	e := apiErrorFor(t, 409, "application/json", body)
	assert.Equal(t, "creem: POST /v1/checkouts: 409 Conflict: Customer [email] already exists (trace t3)", e.Error())
	assert.Equal(t, []string{"Customer jane.doe+shop@example.co.uk already exists"}, e.Messages, "the raw message stays available")
	assert.ErrorIs(t, e, creem.ErrConflict)
}

func TestInvalidSuccessResponses(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
	}{
		{"empty body", "application/json", ""},
		{"cut off mid-JSON", "application/json", `{"id":"ch_1","status":"pen`},
		{"not JSON", "text/html", "<html>hello</html>"},
		{"wrong types", "application/json", `{"id":42}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(tc.body))
			})
			c := newClient(t, srv.URL)
			_, err := c.Checkouts.Get(context.Background(), "ch_1")
			require.ErrorIs(t, err, creem.ErrInvalidResponse)
			assert.Contains(t, err.Error(), "creem: GET /v1/checkouts: 200 OK")
			assert.Equal(t, 1, rec.count(), "a 200 is not retried")
		})
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	other, otherRec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+"/v1/products/prod_1", http.StatusFound)
	})
	c := newClient(t, srv.URL)
	_, err := c.Products.Get(context.Background(), "prod_1")
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusFound, apiErr.StatusCode)
	assert.Zero(t, otherRec.count(), "the API key must not follow a redirect to another host")
}
