package creemtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, opts ...creemtest.Option) (*creemtest.Server, *creem.Client) {
	t.Helper()
	srv := creemtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(creem.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	return srv, c
}

func createProduct(t *testing.T, c *creem.Client, billing creem.BillingType) *creem.Product {
	t.Helper()
	p, err := c.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "Pro plan", Description: "All the things", Price: creem.Int64(2900),
		Currency: creem.CurrencyEUR, BillingType: billing,
	})
	require.NoError(t, err)
	return p
}

// clock is a settable clock for WithClock, shared by the tests of every family.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// browser is an HTTP client that stops at redirects, so tests can look at each hop.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestPayFlowThroughTheHostedPage(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := createProduct(t, c, creem.BillingTypeRecurring)
	assert.True(t, strings.HasPrefix(prod.ID, "prod_"))
	assert.Equal(t, creem.ModeTest, prod.Mode)
	assert.Equal(t, creem.BillingPeriodEveryMonth, prod.BillingPeriod)

	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
		ProductID: prod.ID, RequestID: "cart 7/8 & ü", SuccessURL: "https://shop.example.com/thanks?lang=de",
		Metadata: creem.Metadata{"user": "u_1"},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(ch.ID, "ch_"))
	assert.Equal(t, creem.CheckoutStatusPending, ch.Status)
	assert.Equal(t, prod.ID, ch.Product.ID)
	assert.Equal(t, srv.URL+"/checkout/"+ch.ID, ch.CheckoutURL)

	// The hosted page shows the product, the price, an e-mail field and a Pay button.
	resp, err := browser.Get(ch.CheckoutURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Pro plan")
	assert.Contains(t, string(page), "€29.00")
	assert.Contains(t, string(page), `name="email"`)
	assert.Contains(t, string(page), `id="pay"`)

	// Paying answers 303 to the success URL with Creem-signed parameters.
	resp, err = browser.PostForm(ch.CheckoutURL, url.Values{"email": {"ada@example.com"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "shop.example.com", loc.Host)
	assert.Equal(t, "/thanks", loc.Path)
	assert.True(t, strings.HasPrefix(loc.RawQuery, "lang=de&request_id="), "the merchant's parameters come first, then Creem's: %s", loc.RawQuery)

	params, err := creem.VerifyRedirect(loc.RawQuery, srv.APIKey)
	require.NoError(t, err)
	assert.Equal(t, "cart 7/8 & ü", params.RequestID)
	assert.Equal(t, ch.ID, params.CheckoutID)
	assert.Equal(t, prod.ID, params.ProductID)
	assert.True(t, strings.HasPrefix(params.OrderID, "ord_"))
	assert.True(t, strings.HasPrefix(params.CustomerID, "cust_"))
	assert.True(t, strings.HasPrefix(params.SubscriptionID, "sub_"))
	_, err = creem.VerifyRedirect(loc.RawQuery, "creem_test_wrong")
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)

	// The checkout is completed, with everything it created expanded.
	got, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CheckoutStatusCompleted, got.Status)
	assert.Equal(t, "Pro plan", got.Product.Name)
	assert.Equal(t, params.OrderID, got.Order.ID)
	assert.Equal(t, int64(2900), got.Order.AmountPaid)
	assert.Equal(t, creem.OrderTypeRecurring, got.Order.Type)
	assert.Equal(t, "ada@example.com", got.Customer.Email)
	assert.Equal(t, params.SubscriptionID, got.Subscription.ID)
	assert.Equal(t, creem.SubscriptionStatusActive, got.Subscription.Status)
	assert.Equal(t, prod.ID, got.Subscription.Product.ID)
	assert.Equal(t, creem.Metadata{"user": "u_1"}, got.Metadata)

	// A second payment is refused.
	resp, err = browser.PostForm(ch.CheckoutURL, url.Values{"email": {"ada@example.com"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

func TestPayProgrammatically(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, Units: 3, SuccessURL: "http://127.0.0.1:1/done"})
	require.NoError(t, err)

	redirect, err := srv.Pay(ctx, ch.ID, "grace@example.com")
	require.NoError(t, err)
	u, err := url.Parse(redirect)
	require.NoError(t, err)
	params, err := creem.VerifyRedirect(u.RawQuery, srv.APIKey)
	require.NoError(t, err)
	assert.Empty(t, params.SubscriptionID, "one-time products have no subscription")
	assert.Empty(t, params.RequestID)
	assert.NotContains(t, u.RawQuery, "subscription_id")

	got, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3*2900), got.Order.Amount)
	assert.Equal(t, creem.OrderTypeOnetime, got.Order.Type)
	assert.Nil(t, got.Subscription)

	_, err = srv.Pay(ctx, ch.ID, "grace@example.com")
	assert.ErrorContains(t, err, "409")
	_, err = srv.Pay(ctx, "ch_unknown", "grace@example.com")
	assert.ErrorContains(t, err, "404")
}

func TestPayWithoutSuccessURLLandsOnTheFakesPage(t *testing.T) {
	srv, c := newServer(t)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	redirect, err := srv.Pay(context.Background(), ch.ID, "x@example.com")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(redirect, srv.URL+"/checkout/"+ch.ID+"/complete?"))
	resp, err := http.Get(redirect)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Payment successful")

	resp, err = http.Get(strings.Replace(redirect, "order_id=ord_", "order_id=ord_X", 1))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestPayValidatesTheEmail(t *testing.T) {
	srv, c := newServer(t)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	resp, err := browser.PostForm(ch.CheckoutURL, url.Values{"email": {"not an email"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "email must be an email")
	_, err = srv.Pay(context.Background(), ch.ID, "")
	assert.ErrorContains(t, err, "email must be an email")
}

// rawCall sends a request with plain HTTP and decodes Creem's error envelope.
func rawCall(t *testing.T, method, u, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestForbiddenWithoutTheAPIKey(t *testing.T) {
	srv, _ := newServer(t)
	for _, key := range []string{"", "creem_test_wrong"} {
		status, body := rawCall(t, http.MethodGet, srv.URL+"/v1/products/search", key, "")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, float64(403), body["status"])
		assert.Equal(t, "Forbidden", body["error"])
		assert.NotEmpty(t, body["trace_id"])
		assert.NotZero(t, body["timestamp"])
		assert.NotContains(t, body, "message", "like Creem's 403, no message")
	}
	wrong, err := creem.NewClient("creem_test_wrong", creem.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = wrong.Products.Get(context.Background(), "prod_1")
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.ErrorIs(t, err, creem.ErrUnauthorized)
	assert.NotEmpty(t, apiErr.TraceID)
}

func TestValidationLikeCreem(t *testing.T) {
	srv, _ := newServer(t)
	cases := []struct {
		name, method, path, body string
		want                     []string
	}{
		{"unknown field", "POST", "/v1/checkouts", `{"product_id":"prod_1","bogus":1}`, []string{"property bogus should not exist"}},
		{"missing field", "POST", "/v1/checkouts", `{"units":1}`, []string{"The 'product_id' field is required."}},
		{"wrong type", "POST", "/v1/checkouts", `{"product_id":42}`, []string{"product_id must be a string"}},
		{"nested unknown field", "POST", "/v1/checkouts", `{"product_id":"p","customer":{"emial":"a@b.c"}}`, []string{"property customer.emial should not exist"}},
		{"several at once", "POST", "/v1/products", `{"name":"x","price":"10","currency":"GBP","billing_type":"onetime","colour":"red"}`,
			[]string{"The 'description' field is required.", "currency must be one of the following values: EUR, USD", "price must be an integer number", "property colour should not exist"}},
		{"not an object", "POST", "/v1/checkouts", `[1,2]`, []string{"request body must be a JSON object"}},
		{"not JSON", "POST", "/v1/checkouts", `{`, []string{"request body is not valid JSON"}},
		{"array item", "POST", "/v1/checkouts", `{"product_id":"p","custom_fields":[{"type":"radio","key":"k","label":"l"}]}`,
			[]string{"custom_fields[0].type must be one of the following values: text, checkbox"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawCall(t, tc.method, srv.URL+tc.path, srv.APIKey, tc.body)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "Bad Request", body["error"])
			var msgs []string
			for _, m := range body["message"].([]any) {
				msgs = append(msgs, m.(string))
			}
			assert.Equal(t, tc.want, msgs)
		})
	}
}

func TestBadRequestThroughTheSDK(t *testing.T) {
	_, c := newServer(t)
	_, err := c.Products.Create(context.Background(), &creem.CreateProductParams{Name: "x", Price: creem.Int64(50), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"price must be 0 or at least 100"}, apiErr.Messages)
	assert.ErrorIs(t, err, creem.ErrBadRequest)
}

func TestNotFound(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	_, err := c.Products.Get(ctx, "prod_missing")
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"Product not found"}, apiErr.Messages)
	assert.ErrorIs(t, err, creem.ErrNotFound)

	_, err = c.Checkouts.Get(ctx, "ch_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_missing"})
	assert.ErrorIs(t, err, creem.ErrNotFound)

	status, body := rawCall(t, http.MethodGet, srv.URL+"/v1/nothing-here", srv.APIKey, "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, []any{"Cannot GET /v1/nothing-here"}, body["message"])
}

func TestProductsLifecycle(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	p, err := c.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Trial plan", Price: creem.Int64(1000), Currency: creem.CurrencyUSD, BillingType: creem.BillingTypeRecurring,
		TrialPeriodDays: creem.Ptr(14), DefaultSuccessURL: "https://shop.example.com/ok",
	})
	require.NoError(t, err)
	assert.Equal(t, 14, *p.TrialPeriodDays)

	got, err := c.Products.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.ID, got.ID)
	assert.Equal(t, "https://shop.example.com/ok", *got.DefaultSuccessURL)

	up, err := c.Products.Update(ctx, p.ID, &creem.UpdateProductParams{Name: creem.Ptr("Trial plan v2"), TrialPeriodDays: creem.Null[int]()})
	require.NoError(t, err)
	assert.Equal(t, "Trial plan v2", up.Name)
	assert.Nil(t, up.TrialPeriodDays, "null clears")
	assert.Equal(t, int64(1000), up.Price, "omitted stays")

	archived, err := c.Products.Archive(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.ProductStatusArchived, archived.Status)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: p.ID})
	assert.ErrorIs(t, err, creem.ErrBadRequest, "archived products cannot be bought")

	for i := 0; i < 4; i++ {
		createProduct(t, c, creem.BillingTypeOnetime)
	}
	page, err := c.Products.List(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 3}, Status: creem.ProductStatusActive})
	require.NoError(t, err)
	assert.Len(t, page.Items, 3)
	assert.Equal(t, creem.Pagination{TotalRecords: 4, TotalPages: 2, CurrentPage: 1, NextPage: creem.Ptr(2)}, page.Pagination)
	n := 0
	for prod, err := range c.Products.All(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 2}}) {
		require.NoError(t, err)
		assert.NotEmpty(t, prod.ID)
		n++
	}
	assert.Equal(t, 5, n)
	assert.Equal(t, 4, srv.Calls("GET /v1/products/search"), "one List, then three pages of two over five products")
}

func TestIdempotentProductCreation(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	params := &creem.CreateProductParams{Name: "Once", Price: creem.Int64(500), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime}
	a, err := c.Products.Create(ctx, params, creem.WithIdempotencyKey("k-1"))
	require.NoError(t, err)
	b, err := c.Products.Create(ctx, params, creem.WithIdempotencyKey("k-1"))
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)
	page, err := c.Products.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)

	// A 500 after the product was stored is retried with the same key: still one product.
	srv.FailNext("POST /v1/products", 1, creemtest.Fault{Status: http.StatusBadGateway})
	_, err = c.Products.Create(ctx, params)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Calls("POST /v1/products")-2)
}

func TestFaultStatusWithRetryAfter(t *testing.T) {
	srv, c := newServer(t)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	srv.FailNext("GET /v1/products/{id}", 2, creemtest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0", Message: "maintenance"})
	got, err := c.Products.Get(context.Background(), prod.ID)
	require.NoError(t, err, "a read is retried past two 503s")
	assert.Equal(t, prod.ID, got.ID)
	assert.Equal(t, 3, srv.Calls("GET /v1/products/{id}"))

	// A checkout answered 500 is not retried; the caller sees Creem's body.
	srv.FailNext("POST /v1/checkouts", 1, creemtest.Fault{Status: http.StatusInternalServerError})
	_, err = c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"Internal Server Error"}, apiErr.Messages)
	assert.NotEmpty(t, apiErr.TraceID)
	assert.Equal(t, 1, srv.Calls("POST /v1/checkouts"))

	// 429 with Retry-After on a write is retried.
	srv.FailNext("POST /v1/checkouts", 1, creemtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
	_, err = c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Calls("POST /v1/checkouts"))
}

func TestFaultOnAConcretePath(t *testing.T) {
	srv, c := newServer(t)
	a := createProduct(t, c, creem.BillingTypeOnetime)
	b := createProduct(t, c, creem.BillingTypeOnetime)
	srv.FailNext("GET /v1/products/"+a.ID, 1, creemtest.Fault{Status: http.StatusNotFound})
	_, err := c.Products.Get(context.Background(), b.ID)
	require.NoError(t, err, "another ID is not affected")
	_, err = c.Products.Get(context.Background(), a.ID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Products.Get(context.Background(), a.ID)
	require.NoError(t, err, "the fault was used up")
}

func TestFaultDelay(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client(creem.WithTimeout(100*time.Millisecond), creem.WithRetryMax(0))
	require.NoError(t, err)
	prod := createProduct(t, c, creem.BillingTypeOnetime)

	srv.FailNext("GET /v1/products/{id}", 1, creemtest.Fault{Delay: time.Hour})
	start := time.Now()
	_, err = c.Products.Get(context.Background(), prod.ID)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the per-attempt timeout fired")
	assert.Less(t, time.Since(start), 2*time.Second)

	// A short delay is just slow.
	srv.FailNext("GET /v1/products/{id}", 1, creemtest.Fault{Delay: 20 * time.Millisecond})
	start = time.Now()
	_, err = c.Products.Get(context.Background(), prod.ID)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
}

func TestFaultDrop(t *testing.T) {
	srv, c := newServer(t)
	prod := createProduct(t, c, creem.BillingTypeOnetime)

	srv.FailNext("POST /v1/checkouts", 1, creemtest.Fault{Drop: true})
	_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.Error(t, err)
	var apiErr *creem.APIError
	assert.False(t, errors.As(err, &apiErr), "no response, so no APIError")
	assert.Equal(t, 1, srv.Calls("POST /v1/checkouts"), "a dropped write is not repeated")

	srv.FailNext("GET /v1/products/{id}", 1, creemtest.Fault{Drop: true})
	_, err = c.Products.Get(context.Background(), prod.ID)
	require.NoError(t, err, "a dropped read is")
	assert.Equal(t, 2, srv.Calls("GET /v1/products/{id}"))
}

func TestCloseEndsHangingRequests(t *testing.T) {
	srv := creemtest.NewServer()
	c, err := srv.Client(creem.WithRetryMax(0))
	require.NoError(t, err)
	srv.FailNext("GET /v1/products/{id}", 1, creemtest.Fault{Delay: time.Hour})
	var done atomic.Bool
	errc := make(chan error, 1)
	go func() {
		_, err := c.Products.Get(context.Background(), "prod_1")
		done.Store(true)
		errc <- err
	}()
	require.Eventually(t, func() bool { return srv.Calls("GET /v1/products/{id}") == 1 }, time.Second, time.Millisecond)
	start := time.Now()
	srv.Close()
	assert.Less(t, time.Since(start), time.Second)
	assert.Error(t, <-errc)
	srv.Close() // a second Close is harmless
}

func TestNewServerOptions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv, c := newServer(t, creemtest.WithAPIKey("creem_test_fixed"), creemtest.WithWebhookSecret("whsec_fixed"), creemtest.WithClock(func() time.Time { return now }))
	assert.Equal(t, "creem_test_fixed", srv.APIKey)
	assert.Equal(t, "whsec_fixed", srv.WebhookSecret)
	p := createProduct(t, c, creem.BillingTypeOnetime)
	assert.True(t, p.CreatedAt.Equal(now))

	fresh := creemtest.NewServer()
	defer fresh.Close()
	assert.True(t, strings.HasPrefix(fresh.APIKey, "creem_test_"))
	assert.True(t, strings.HasPrefix(fresh.WebhookSecret, "whsec_"))
	assert.NotEqual(t, fresh.APIKey, srv.APIKey)
}

func TestResponsesAreSpecShaped(t *testing.T) {
	srv, c := newServer(t)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/products/"+prod.ID, nil)
	req.Header.Set("x-api-key", srv.APIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(bytes.NewReader(raw)).Decode(&m))
	for _, k := range []string{"id", "mode", "object", "name", "description", "price", "currency", "billing_type", "billing_period", "status", "tax_mode", "tax_category", "created_at", "updated_at"} {
		assert.Contains(t, m, k, "required property of ProductEntity")
	}
	assert.Equal(t, "product", m["object"])
	assert.Equal(t, "test", m["mode"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, m["created_at"])
}

// A fault after handling keeps the call's effect and hides it from the client: the failure mode
// that makes blind retries of writes dangerous.
func TestFaultAfterHandling(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()

	srv.FailNext("POST /v1/customers", 1, creemtest.Fault{Status: http.StatusInternalServerError, AfterHandling: true})
	_, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "late@example.com", Name: "N"})
	require.ErrorIs(t, err, creem.ErrServer)
	got, err := c.Customers.GetByEmail(ctx, "late@example.com")
	require.NoError(t, err, "the customer was created although the client saw a 500")
	assert.Equal(t, "late@example.com", got.Email)

	srv.FailNext("POST /v1/customers", 1, creemtest.Fault{Drop: true, AfterHandling: true})
	_, err = c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "dropped@example.com", Name: "N"})
	require.Error(t, err)
	assert.NotErrorAs(t, err, new(*creem.APIError), "a dropped connection is a transport error")
	_, err = c.Customers.GetByEmail(ctx, "dropped@example.com")
	require.NoError(t, err, "the customer was created although the connection dropped")
	assert.Equal(t, 2, srv.Calls("POST /v1/customers"), "writes are not retried after the request was sent")

	// Without AfterHandling, the same fault leaves no trace.
	srv.FailNext("POST /v1/customers", 1, creemtest.Fault{Status: http.StatusInternalServerError})
	_, err = c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "never@example.com", Name: "N"})
	require.ErrorIs(t, err, creem.ErrServer)
	_, err = c.Customers.GetByEmail(ctx, "never@example.com")
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestNewClosesWithTheTest(t *testing.T) {
	var srv *creemtest.Server
	t.Run("inner", func(t *testing.T) {
		srv = creemtest.New(t, creemtest.WithAPIKey("creem_test_fixed"))
		assert.Equal(t, "creem_test_fixed", srv.APIKey)
		c, err := srv.Client()
		require.NoError(t, err)
		_, err = c.Products.List(context.Background(), nil)
		require.NoError(t, err)
	})
	// The inner test ended: its server is closed and refuses connections.
	_, err := http.Get(srv.URL + "/v1/products/search")
	assert.Error(t, err)
}
