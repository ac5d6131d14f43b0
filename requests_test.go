package creem_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// wireCase is one call and what must go over the wire for it.
type wireCase struct {
	name     string
	call     func(ctx context.Context, c *creem.Client) (any, error)
	method   string
	path     string
	rawQuery string
	golden   string // expected body; "" means no body
	fixture  string // response body
	check    func(t *testing.T, out any)
}

func wireCases() []wireCase {
	return []wireCase{
		{
			name: "Checkouts.Create full",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
					RequestID:     "order-42",
					ProductID:     "prod_d1AY2Sadk9YAvLI0pj97f",
					Units:         2,
					CustomPrice:   1500,
					DiscountCode:  "LAUNCH10",
					AffiliateCode: "aff_abc123",
					Customer:      &creem.CheckoutCustomer{Email: "buyer@example.com", Name: "Ada Lovelace"},
					CustomFields: []creem.CustomFieldParams{{
						Type: creem.CustomFieldTypeText, Key: "companyName", Label: "Company name",
						Optional: creem.Ptr(false), Text: &creem.TextFieldConfig{MaxLength: 200},
					}},
					SuccessURL: "https://shop.example.com/thanks?from=creem&lang=en",
					Metadata:   creem.Metadata{"userId": "user_123", "visitCount": 42},
				})
			},
			method: http.MethodPost, path: "/v1/checkouts", golden: "checkouts_create.json", fixture: "checkout.json",
			check: func(t *testing.T, out any) {
				ch := out.(*creem.Checkout)
				assert.Equal(t, "ch_4l0N34kxo16AhRKUHFUuXr", ch.ID)
				assert.Equal(t, creem.CheckoutStatusCompleted, ch.Status)
				assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", ch.Product.ID)
				assert.Equal(t, "Monthly", ch.Product.Name)
				assert.Equal(t, int64(3330), ch.Order.AmountPaid)
			},
		},
		{
			name: "Checkouts.Create minimal",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_d1AY2Sadk9YAvLI0pj97f"})
			},
			method: http.MethodPost, path: "/v1/checkouts", golden: "checkouts_create_minimal.json", fixture: "checkout_pending.json",
			check: func(t *testing.T, out any) {
				ch := out.(*creem.Checkout)
				assert.Equal(t, creem.CheckoutStatusPending, ch.Status)
				assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", ch.Product.ID, "a bare product ID fills Product.ID")
				assert.Empty(t, ch.Product.Name)
				assert.Nil(t, ch.SuccessURL)
			},
		},
		{
			name: "Checkouts.Get",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Checkouts.Get(ctx, "ch_4l0N34kxo16AhRKUHFUuXr")
			},
			method: http.MethodGet, path: "/v1/checkouts", rawQuery: "checkout_id=ch_4l0N34kxo16AhRKUHFUuXr", fixture: "checkout.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "https://checkout.creem.io/ch_4l0N34kxo16AhRKUHFUuXr", out.(*creem.Checkout).CheckoutURL)
			},
		},
		{
			name: "Products.Create full",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Create(ctx, &creem.CreateProductParams{
					Name: "Pro plan", Description: "Everything in Pro",
					ImageURLs:   []string{"https://cdn.example.com/pro.png"},
					Price:       creem.Int64(2900),
					Currency:    creem.CurrencyUSD,
					BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodCustom,
					RecurringInterval: creem.RecurringIntervalMonth, RecurringIntervalCount: creem.Ptr(3),
					TaxMode: creem.TaxModeExclusive, BusinessNetPricing: creem.Ptr(false), TaxCategory: creem.TaxCategorySaaS,
					TrialPeriodDays: creem.Ptr(14), TrialPrice: creem.Int64(100),
					DefaultSuccessURL: "https://shop.example.com/thanks",
					CustomFields: []creem.CustomFieldParams{{
						Type: creem.CustomFieldTypeCheckbox, Key: "terms", Label: "Terms",
						Checkbox: &creem.CheckboxFieldConfig{Label: "I accept the terms"},
					}},
					AbandonedCartRecoveryEnabled: creem.Ptr(true),
					UsagePrices: []creem.UsagePriceParams{{
						MeterID: "meter_2kL9pQ", UnitPrice: 0.25, FreeAllowance: creem.Int64(1000),
						SettlementMode: creem.SettlementModePostpaid,
					}},
					Features: []creem.ProductFeatureParams{{
						Type: creem.FeatureTypeCustomerCredits, Description: "10,000 AI tokens",
						CustomerCredits: creem.CustomerCreditsFeature{Amount: "10000", UnitLabel: creem.Ptr("tokens")},
					}},
				})
			},
			method: http.MethodPost, path: "/v1/products", golden: "products_create.json", fixture: "product.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", out.(*creem.Product).ID)
			},
		},
		{
			name: "Products.Create free product sends price 0",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Create(ctx, &creem.CreateProductParams{
					Name: "Free guide", Price: creem.Int64(0), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
				})
			},
			method: http.MethodPost, path: "/v1/products", golden: "products_create_free.json", fixture: "product.json",
		},
		{
			name: "Products.Get",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Get(ctx, "prod_6tW66i0oZM7w1qXReHJrwg")
			},
			method: http.MethodGet, path: "/v1/products/prod_6tW66i0oZM7w1qXReHJrwg", fixture: "product.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "Pro plan", out.(*creem.Product).Name)
			},
		},
		{
			name: "Products.Get escapes the ID",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Get(ctx, "prod/../x")
			},
			method: http.MethodGet, path: "/v1/products/prod%2F..%2Fx", fixture: "product.json",
		},
		{
			name: "Products.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.List(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageNumber: 2, PageSize: 2}, Status: creem.ProductStatusActive})
			},
			method: http.MethodGet, path: "/v1/products/search", rawQuery: "page_number=2&page_size=2&status=active", fixture: "product_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.Page[creem.Product])
				require.Len(t, page.Items, 2)
				assert.Equal(t, "prod_2", page.Items[1].ID)
				assert.Equal(t, creem.ProductStatusArchived, page.Items[1].Status)
				assert.Equal(t, creem.Pagination{TotalRecords: 12, TotalPages: 6, CurrentPage: 2, NextPage: creem.Ptr(3), PrevPage: creem.Ptr(1)}, page.Pagination)
			},
		},
		{
			name: "Products.List without params",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.List(ctx, nil)
			},
			method: http.MethodGet, path: "/v1/products/search", fixture: "product_list.json",
		},
		{
			name: "Products.Update",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Update(ctx, "prod_6tW66i0oZM7w1qXReHJrwg", &creem.UpdateProductParams{
					Name:            creem.Ptr("Pro plan (2026)"),
					Price:           creem.Int64(3900),
					TrialPeriodDays: creem.Null[int](),
					SuggestedPrice:  creem.Int64(500),
					UsagePrices:     []creem.UsagePriceParams{},
				})
			},
			method: http.MethodPatch, path: "/v1/products/prod_6tW66i0oZM7w1qXReHJrwg", golden: "products_update.json", fixture: "product.json",
		},
		{
			name: "Products.Archive",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Products.Archive(ctx, "prod_6tW66i0oZM7w1qXReHJrwg")
			},
			method: http.MethodDelete, path: "/v1/products/prod_6tW66i0oZM7w1qXReHJrwg", fixture: "product.json",
		},
	}
}

// familyWireCases are added by the test files of the newer API families, in init functions.
var familyWireCases []func() []wireCase

func allWireCases() []wireCase {
	out := append(wireCases(), coreWireCases()...)
	for _, f := range familyWireCases {
		out = append(out, f()...)
	}
	return out
}

func TestRequestsOnTheWire(t *testing.T) {
	for _, tc := range allWireCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, fixture(t, tc.fixture))
			})
			c := newClient(t, srv.URL)
			out, err := tc.call(context.Background(), c)
			require.NoError(t, err)

			reqs := rec.all()
			require.Len(t, reqs, 1)
			got := reqs[0]
			assert.Equal(t, tc.method, got.Method)
			assert.Equal(t, tc.path, got.Path)
			assert.Equal(t, tc.rawQuery, got.RawQuery)
			assert.Equal(t, testKey, got.Header.Get("x-api-key"))
			assert.Equal(t, "application/json", got.Header.Get("Accept"))
			assert.Contains(t, got.Header.Get("User-Agent"), "creem-go/"+creem.Version)
			if tc.golden == "" {
				assert.Empty(t, got.Body)
				assert.Empty(t, got.Header.Get("Content-Type"))
			} else {
				assert.Equal(t, string(golden(t, tc.golden)), string(got.Body))
				assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			}
			if tc.method == http.MethodPost && tc.path == "/v1/products" {
				assert.Regexp(t, uuidV4, got.Header.Get("Idempotency-Key"))
			} else {
				assert.Empty(t, got.Header.Get("Idempotency-Key"))
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// Every method turns an error status into *APIError and a dead server into a wrapped
// transport error.
func TestRequestsFailures(t *testing.T) {
	for _, tc := range allWireCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newServer(t, serveJSON(http.StatusNotFound, readTestdata(t, "errors", "error-404-not-found.docs.json")))
			c := newClient(t, srv.URL, creem.WithRetryMax(0))
			_, err := tc.call(context.Background(), c)
			var apiErr *creem.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
			assert.Equal(t, tc.method, apiErr.Method)
			assert.Equal(t, []string{"Product not found"}, apiErr.Messages)
			assert.ErrorIs(t, err, creem.ErrNotFound)

			dead := newClient(t, "http://127.0.0.1:1", creem.WithRetryMax(0))
			_, err = tc.call(context.Background(), dead)
			require.Error(t, err)
			assert.False(t, errors.As(err, &apiErr))
			assert.Contains(t, err.Error(), "creem: "+tc.method+" "+tc.path)
		})
	}
}

func TestProductsCreateCallerIdempotencyKeyWins(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	c := newClient(t, srv.URL)
	_, err := c.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "x", Price: creem.Int64(100), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	}, creem.WithIdempotencyKey("my-key-1"))
	require.NoError(t, err)
	assert.Equal(t, "my-key-1", rec.all()[0].Header.Get("Idempotency-Key"))
}

func TestIdempotencyKeyRefusedWhereTheAPIIgnoresIt(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "checkout.json")))
	c := newClient(t, srv.URL)
	_, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"}, creem.WithIdempotencyKey("k"))
	require.ErrorContains(t, err, "does not honour idempotency keys")
	assert.Zero(t, rec.count(), "nothing may be sent")
}

func TestWithHTTPResponse(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Request-Id", "req_77")
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	c := newClient(t, srv.URL)
	var resp *http.Response
	_, err := c.Products.Get(context.Background(), "prod_1", creem.WithHTTPResponse(&resp))
	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, "req_77", resp.Header.Get("X-Request-Id"))
}

// Input the API would certainly reject is refused before anything is sent, naming the field.
func TestInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	valid := func() *creem.CreateProductParams {
		return &creem.CreateProductParams{Name: "n", Price: creem.Int64(100), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime}
	}
	cases := []struct {
		field string
		call  func(ctx context.Context, c *creem.Client) error
	}{
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Checkouts.Create(ctx, nil); return err }},
		{"product_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{SuccessURL: "https://x"})
			return err
		}},
		{"request_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "p", RequestID: "cart-1|product_id=prod_premium"})
			return err
		}},
		{"request_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "p", RequestID: "null"})
			return err
		}},
		{"units", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "p", Units: -1})
			return err
		}},
		{"customer", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "p", Customer: &creem.CheckoutCustomer{ID: "cust_1", Email: "a@b.c"}})
			return err
		}},
		{"checkout_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Checkouts.Get(ctx, ""); return err }},
		{"checkout_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Checkouts.Get(ctx, "  "); return err }},
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Products.Create(ctx, nil); return err }},
		{"name", func(ctx context.Context, c *creem.Client) error {
			p := valid()
			p.Name = ""
			_, err := c.Products.Create(ctx, p)
			return err
		}},
		{"price", func(ctx context.Context, c *creem.Client) error {
			p := valid()
			p.Price = nil
			_, err := c.Products.Create(ctx, p)
			return err
		}},
		{"price", func(ctx context.Context, c *creem.Client) error {
			p := valid()
			p.Price = creem.Int64(-1)
			_, err := c.Products.Create(ctx, p)
			return err
		}},
		{"currency", func(ctx context.Context, c *creem.Client) error {
			p := valid()
			p.Currency = ""
			_, err := c.Products.Create(ctx, p)
			return err
		}},
		{"billing_type", func(ctx context.Context, c *creem.Client) error {
			p := valid()
			p.BillingType = ""
			_, err := c.Products.Create(ctx, p)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Products.Get(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Products.Update(ctx, "", &creem.UpdateProductParams{})
			return err
		}},
		{"params", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Products.Update(ctx, "prod_1", nil)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Products.Archive(ctx, ""); return err }},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for _, tc := range cases {
		err := tc.call(context.Background(), c)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, tc.field)
		assert.Equal(t, tc.field, pe.Field)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
		assert.Contains(t, err.Error(), tc.field)
	}
	assert.Zero(t, rec.count(), "no request may reach the server")
}

func TestNilContextIsAnError(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	c := newClient(t, srv.URL)
	//lint:ignore SA1012 the nil context is the point of this test
	_, err := c.Products.Get(nil, "prod_1") //nolint:staticcheck
	require.Error(t, err)
	assert.Zero(t, rec.count())
}

func TestTimeoutPerAttempt(t *testing.T) {
	release := make(chan struct{})
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	defer close(release)
	c := newClient(t, srv.URL, creem.WithTimeout(100*time.Millisecond))
	// A read is retried after its attempt timed out.
	p, err := c.Products.Get(context.Background(), "prod_1")
	require.NoError(t, err)
	assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", p.ID)
	assert.Equal(t, 2, rec.count())
}
