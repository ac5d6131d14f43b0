package creem_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// coreWireCases cover the resources beyond checkouts and products.
func coreWireCases() []wireCase {
	const custID, subID, licID = "cust_1OcIK1GEuVvXZwD19tjq2z", "sub_6pC2lNB6joCRQIZ1aMrTpi", "lic_7Fa9Kq2"
	page2 := &creem.ListParams{PageNumber: 2, PageSize: 25}
	return []wireCase{
		// Customers
		{
			name:   "Customers.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Customers.Get(ctx, custID) },
			method: http.MethodGet, path: "/v1/customers", rawQuery: "customer_id=" + custID, fixture: "customer.json",
			check: func(t *testing.T, out any) {
				cu := out.(*creem.Customer)
				assert.Equal(t, "ada@example.com", cu.Email)
				assert.Equal(t, "Ada Lovelace", *cu.Name)
				assert.Equal(t, creem.Metadata{"plan": "pro", "seats": float64(5)}, cu.Metadata)
			},
		},
		{
			name: "Customers.GetByEmail",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.GetByEmail(ctx, "ada+shop@example.com")
			},
			method: http.MethodGet, path: "/v1/customers", rawQuery: "email=ada%2Bshop%40example.com", fixture: "customer.json",
		},
		{
			name: "Customers.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.List(ctx, &creem.ListCustomersParams{ListParams: creem.ListParams{PageSize: 50}})
			},
			method: http.MethodGet, path: "/v1/customers/list", rawQuery: "page_size=50", fixture: "customer_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.Page[creem.Customer])
				require.Len(t, page.Items, 1)
				assert.Nil(t, page.Items[0].Name)
				assert.Nil(t, page.Pagination.NextPage)
			},
		},
		{
			name: "Customers.Create",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada Lovelace", Metadata: creem.Metadata{"plan": "pro"}, ExternalID: "user_981"})
			},
			method: http.MethodPost, path: "/v1/customers", golden: "customers_create.json", fixture: "customer.json",
		},
		{
			name: "Customers.Update",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.Update(ctx, custID, &creem.UpdateCustomerParams{
					Name: creem.Ptr("Ada King"), Metadata: creem.Metadata{}, ExternalID: creem.Value("user_982"),
				})
			},
			method: http.MethodPatch, path: "/v1/customers", golden: "customers_update.json", fixture: "customer.json",
		},
		{
			name:   "Customers.BillingPortal",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Customers.BillingPortal(ctx, custID) },
			method: http.MethodPost, path: "/v1/customers/billing", golden: "customers_billing.json", fixture: "customer_links.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "https://creem.io/my-orders/login/xxxxxxxxxx", out.(*creem.CustomerLinks).CustomerPortalLink)
			},
		},
		{
			name: "Customers.ListOrders",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.ListOrders(ctx, custID, page2)
			},
			method: http.MethodGet, path: "/v1/customers/" + custID + "/orders", rawQuery: "page_number=2&page_size=25", fixture: "order_list.json",
			check: func(t *testing.T, out any) {
				o := out.(*creem.Page[creem.Order]).Items[0]
				assert.Equal(t, "aff_7Qp", *o.Affiliate)
				assert.Nil(t, o.FxRate)
			},
		},
		{
			name: "Customers.ListSubscriptions",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.ListSubscriptions(ctx, custID, nil)
			},
			method: http.MethodGet, path: "/v1/customers/" + custID + "/subscriptions", fixture: "subscription_list.json",
			check: func(t *testing.T, out any) {
				items := out.(*creem.Page[creem.Subscription]).Items
				assert.Equal(t, "prod_2", items[1].Product.ID)
				assert.Equal(t, creem.SubscriptionStatusPaused, items[1].Status)
			},
		},
		{
			name: "Customers.ListLicenses",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Customers.ListLicenses(ctx, custID, nil)
			},
			method: http.MethodGet, path: "/v1/customers/" + custID + "/licenses", fixture: "license_list.json",
			check: func(t *testing.T, out any) {
				assert.Empty(t, out.(*creem.Page[creem.License]).Items[0].Instances)
			},
		},
		// Subscriptions
		{
			name:   "Subscriptions.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Subscriptions.Get(ctx, subID) },
			method: http.MethodGet, path: "/v1/subscriptions", rawQuery: "subscription_id=" + subID, fixture: "subscription.json",
			check: func(t *testing.T, out any) {
				s := out.(*creem.Subscription)
				assert.Equal(t, "Team", s.Product.Name)
				assert.Equal(t, "ada@example.com", s.Customer.Email)
				assert.Equal(t, creem.SubscriptionStatusScheduledCancel, s.Status)
				assert.Equal(t, 5, *s.Items[0].Units)
			},
		},
		{
			name: "Subscriptions.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Subscriptions.List(ctx, &creem.ListSubscriptionsParams{ListParams: creem.ListParams{PageNumber: 3}})
			},
			method: http.MethodGet, path: "/v1/subscriptions/search", rawQuery: "page_number=3", fixture: "subscription_list.json",
		},
		{
			name: "Subscriptions.Update",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Subscriptions.Update(ctx, subID, &creem.UpdateSubscriptionParams{
					Items: []creem.SubscriptionItemParams{
						{ID: "sitem_3l7Qk", Units: creem.Ptr(7)},
						{ProductID: "prod_addon", PriceID: "pprice_9"},
					},
					UpdateBehavior: creem.UpdateBehaviorProrationCharge,
				})
			},
			method: http.MethodPost, path: "/v1/subscriptions/" + subID, golden: "subscriptions_update.json", fixture: "subscription.json",
		},
		{
			name: "Subscriptions.Upgrade",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Subscriptions.Upgrade(ctx, subID, &creem.UpgradeSubscriptionParams{ProductID: "prod_enterprise", UpdateBehavior: creem.UpdateBehaviorProrationNone})
			},
			method: http.MethodPost, path: "/v1/subscriptions/" + subID + "/upgrade", golden: "subscriptions_upgrade.json", fixture: "subscription.json",
		},
		{
			name: "Subscriptions.Cancel",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Subscriptions.Cancel(ctx, subID, &creem.CancelSubscriptionParams{Mode: creem.CancelModeScheduled, OnExecute: creem.CancelActionPause})
			},
			method: http.MethodPost, path: "/v1/subscriptions/" + subID + "/cancel", golden: "subscriptions_cancel.json", fixture: "subscription.json",
		},
		{
			name: "Subscriptions.Cancel with the store's defaults",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Subscriptions.Cancel(ctx, subID, nil)
			},
			method: http.MethodPost, path: "/v1/subscriptions/" + subID + "/cancel", golden: "subscriptions_cancel_default.json", fixture: "subscription.json",
		},
		{
			name:   "Subscriptions.Pause",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Subscriptions.Pause(ctx, subID) },
			method: http.MethodPost, path: "/v1/subscriptions/" + subID + "/pause", fixture: "subscription.json",
		},
		{
			name:   "Subscriptions.Resume",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Subscriptions.Resume(ctx, subID) },
			method: http.MethodPost, path: "/v1/subscriptions/" + subID + "/resume", fixture: "subscription.json",
		},
		// Licenses
		{
			name: "Licenses.Activate",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: "ABC12-DEF34-GHI56-JKL78", InstanceName: "ada-laptop"})
			},
			method: http.MethodPost, path: "/v1/licenses/activate", golden: "licenses_activate.json", fixture: "license.json",
			check: func(t *testing.T, out any) {
				l := out.(*creem.License)
				require.Len(t, l.Instances, 1)
				assert.Equal(t, "lici_2Bx", l.Instances[0].ID)
				assert.Equal(t, 3, *l.ActivationLimit)
			},
		},
		{
			name: "Licenses.Validate",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: "ABC12-DEF34-GHI56-JKL78", InstanceID: "lici_2Bx"})
			},
			method: http.MethodPost, path: "/v1/licenses/validate", golden: "licenses_instance.json", fixture: "license.json",
		},
		{
			name: "Licenses.Deactivate",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{Key: "ABC12-DEF34-GHI56-JKL78", InstanceID: "lici_2Bx"})
			},
			method: http.MethodPost, path: "/v1/licenses/deactivate", golden: "licenses_instance.json", fixture: "license_docs_array.json",
			check: func(t *testing.T, out any) {
				l := out.(*creem.License)
				require.Len(t, l.Instances, 2, "the docs' array form decodes too")
				assert.Equal(t, creem.LicenseInstanceStatusDeactivated, l.Instances[0].Status)
				assert.Nil(t, l.ActivationLimit)
			},
		},
		{
			name: "Licenses.ListInstances",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Licenses.ListInstances(ctx, licID, page2)
			},
			method: http.MethodGet, path: "/v1/licenses/" + licID + "/instances", rawQuery: "page_number=2&page_size=25", fixture: "license_instance_list.json",
		},
		// Discounts
		{
			name: "Discounts.Get",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.Get(ctx, "dis_3e6Z6TzvHKdsjEgXnGDEp0")
			},
			method: http.MethodGet, path: "/v1/discounts", rawQuery: "discount_id=dis_3e6Z6TzvHKdsjEgXnGDEp0", fixture: "discount.json",
			check: func(t *testing.T, out any) {
				d := out.(*creem.Discount)
				assert.Equal(t, 20.0, *d.Percentage)
				assert.Nil(t, d.Currency)
				assert.Equal(t, 3, *d.DurationInMonths)
				assert.Equal(t, 7, d.RedeemCount)
			},
		},
		{
			name: "Discounts.GetByCode",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.GetByCode(ctx, "LAUNCH 20")
			},
			method: http.MethodGet, path: "/v1/discounts", rawQuery: "discount_code=LAUNCH+20", fixture: "discount.json",
		},
		{
			name: "Discounts.Create percentage",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.Create(ctx, &creem.CreateDiscountParams{
					Name: "Launch week", Code: "LAUNCH20", Type: creem.DiscountTypePercentage, Percentage: 12.5,
					ExpiryDate: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), MaxRedemptions: 100,
					Duration: creem.DiscountDurationRepeating, DurationInMonths: 3, AppliesToProducts: []string{"prod_d1AY2Sadk9YAvLI0pj97f"},
				})
			},
			method: http.MethodPost, path: "/v1/discounts", golden: "discounts_create_percentage.json", fixture: "discount.json",
		},
		{
			name: "Discounts.Create fixed",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.Create(ctx, &creem.CreateDiscountParams{
					Name: "Ten off", Type: creem.DiscountTypeFixed, Amount: 1000, Currency: creem.CurrencyEUR, Duration: creem.DiscountDurationOnce,
				})
			},
			method: http.MethodPost, path: "/v1/discounts", golden: "discounts_create_fixed.json", fixture: "discount.json",
		},
		{
			name: "Discounts.Delete",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.Delete(ctx, "dis_3e6Z6TzvHKdsjEgXnGDEp0")
			},
			method: http.MethodDelete, path: "/v1/discounts/dis_3e6Z6TzvHKdsjEgXnGDEp0/delete", fixture: "discount.json",
		},
		{
			name: "Discounts.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Discounts.List(ctx, &creem.ListDiscountsParams{
					ListParams: creem.ListParams{PageSize: 5}, ProductID: "prod_1", Status: creem.DiscountStatusActive, Type: creem.DiscountTypeFixed,
					CreatedAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), CreatedBefore: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
				})
			},
			method: http.MethodGet, path: "/v1/discounts/search",
			rawQuery: "created_after=2026-01-01T00%3A00%3A00Z&created_before=2026-12-31T23%3A59%3A59Z&page_size=5&product_id=prod_1&status=active&type=fixed",
			fixture:  "discount_list.json",
			check: func(t *testing.T, out any) {
				d := out.(*creem.Page[creem.Discount]).Items[0]
				assert.Equal(t, 1000.0, d.Amount)
				assert.Equal(t, creem.CurrencyEUR, *d.Currency)
			},
		},
		// Transactions and refunds
		{
			name: "Transactions.Get",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Transactions.Get(ctx, "tran_5yMaWzAl3jxuGJMCOrYWwk")
			},
			method: http.MethodGet, path: "/v1/transactions", rawQuery: "transaction_id=tran_5yMaWzAl3jxuGJMCOrYWwk", fixture: "transaction.json",
			check: func(t *testing.T, out any) {
				tr := out.(*creem.Transaction)
				assert.Equal(t, creem.TransactionStatusPartialRefund, tr.Status)
				assert.Equal(t, int64(1000), *tr.RefundedAmount)
				assert.Equal(t, int64(1768219127355), tr.CreatedAt.UnixMilli())
				assert.Nil(t, tr.Subscription)
			},
		},
		{
			name: "Transactions.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Transactions.List(ctx, &creem.ListTransactionsParams{CustomerID: "cust_1", OrderID: "ord_1", ProductID: "prod_1", ListParams: creem.ListParams{PageNumber: 2}})
			},
			method: http.MethodGet, path: "/v1/transactions/search", rawQuery: "customer_id=cust_1&order_id=ord_1&page_number=2&product_id=prod_1", fixture: "transaction_list.json",
		},
		{
			name: "Transactions.Refund",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Transactions.Refund(ctx, "tran_5yMaWzAl3jxuGJMCOrYWwk")
			},
			method: http.MethodPost, path: "/v1/refunds", golden: "refunds_create.json", fixture: "refund_result.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, creem.RefundStatusPending, out.(*creem.RefundResult).Status)
			},
		},
		// Stats
		{
			name: "Stats.Summary",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Stats.Summary(ctx, &creem.StatsSummaryParams{
					Start: time.UnixMilli(1767225600000), End: time.UnixMilli(1772150400000), Interval: creem.StatsIntervalMonth, Currency: creem.CurrencyEUR,
				})
			},
			method: http.MethodGet, path: "/v1/stats/summary", rawQuery: "currency=EUR&endDate=1772150400000&interval=month&startDate=1767225600000", fixture: "stats.json",
			check: func(t *testing.T, out any) {
				st := out.(*creem.StatsSummary)
				assert.Equal(t, int64(1284500), st.Totals.TotalRevenue)
				assert.Equal(t, int64(112500), st.Totals.MonthlyRecurringRevenue)
				require.Len(t, st.Periods, 2)
				assert.Equal(t, int64(1769904000000), st.Periods[1].Timestamp.UnixMilli())
			},
		},
		{
			name: "Stats.Summary totals only",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Stats.Summary(ctx, &creem.StatsSummaryParams{Currency: creem.CurrencyUSD})
			},
			method: http.MethodGet, path: "/v1/stats/summary", rawQuery: "currency=USD", fixture: "stats.json",
		},
	}
}

func TestDecodeCoreFixtures(t *testing.T) {
	decodeStrict[creem.Customer](t, fixture(t, "customer.json"))
	decodeStrict[creem.Page[creem.Customer]](t, fixture(t, "customer_list.json"))
	decodeStrict[creem.CustomerLinks](t, fixture(t, "customer_links.json"))
	decodeStrict[creem.Page[creem.Order]](t, fixture(t, "order_list.json"))
	s := decodeStrict[creem.Subscription](t, fixture(t, "subscription.json"))
	assert.Equal(t, 2026, s.CanceledAt.Year())
	assert.Equal(t, creem.DiscountTypeFixed, s.Discount.Type)
	decodeStrict[creem.Page[creem.Subscription]](t, fixture(t, "subscription_list.json"))
	l := decodeStrict[creem.License](t, fixture(t, "license.json"))
	assert.Equal(t, 2027, l.ExpiresAt.Year())
	decodeStrict[creem.License](t, fixture(t, "license_docs_array.json"))
	decodeStrict[creem.Page[creem.License]](t, fixture(t, "license_list.json"))
	decodeStrict[creem.Page[creem.LicenseInstance]](t, fixture(t, "license_instance_list.json"))
	d := decodeStrict[creem.Discount](t, fixture(t, "discount.json"))
	assert.Equal(t, []string{"prod_d1AY2Sadk9YAvLI0pj97f"}, d.AppliesToProducts)
	decodeStrict[creem.Page[creem.Discount]](t, fixture(t, "discount_list.json"))
	tr := decodeStrict[creem.Transaction](t, fixture(t, "transaction.json"))
	assert.Equal(t, int64(609), *tr.TaxAmount)
	decodeStrict[creem.Page[creem.Transaction]](t, fixture(t, "transaction_list.json"))
	decodeStrict[creem.RefundResult](t, fixture(t, "refund_result.json"))
	decodeStrict[creem.StatsSummary](t, fixture(t, "stats.json"))
}

// Input that is certainly invalid is refused before anything is sent, naming the field.
func TestCoreInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	pct := func(mod func(*creem.CreateDiscountParams)) func(ctx context.Context, c *creem.Client) error {
		return func(ctx context.Context, c *creem.Client) error {
			p := &creem.CreateDiscountParams{Name: "n", Type: creem.DiscountTypePercentage, Percentage: 10, Duration: creem.DiscountDurationOnce}
			mod(p)
			_, err := c.Discounts.Create(ctx, p)
			return err
		}
	}
	cases := []struct {
		field string
		call  func(ctx context.Context, c *creem.Client) error
	}{
		{"customer_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Customers.Get(ctx, ""); return err }},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.GetByEmail(ctx, "")
			return err
		}},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.GetByEmail(ctx, "nobody")
			return err
		}},
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Customers.Create(ctx, nil); return err }},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Name: "Ada"})
			return err
		}},
		{"name", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "a@b.c"})
			return err
		}},
		{"customer_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.Update(ctx, "", &creem.UpdateCustomerParams{})
			return err
		}},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.Update(ctx, "cust_1", &creem.UpdateCustomerParams{Email: creem.Ptr("@")})
			return err
		}},
		{"customer_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.BillingPortal(ctx, " ")
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.ListOrders(ctx, "", nil)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.ListSubscriptions(ctx, "", nil)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Customers.ListLicenses(ctx, "", nil)
			return err
		}},
		{"subscription_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Subscriptions.Get(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Update(ctx, "", &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: "x"}}})
			return err
		}},
		{"items", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Update(ctx, "sub_1", &creem.UpdateSubscriptionParams{})
			return err
		}},
		{"items.units", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Update(ctx, "sub_1", &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: "x", Units: creem.Ptr(-2)}}})
			return err
		}},
		{"product_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Upgrade(ctx, "sub_1", &creem.UpgradeSubscriptionParams{})
			return err
		}},
		{"onExecute", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Cancel(ctx, "sub_1", &creem.CancelSubscriptionParams{Mode: creem.CancelModeImmediate, OnExecute: creem.CancelActionPause})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Cancel(ctx, "", nil)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Subscriptions.Pause(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Subscriptions.Resume(ctx, "")
			return err
		}},
		{"key", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{InstanceName: "x"})
			return err
		}},
		{"instance_name", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: "k"})
			return err
		}},
		{"instance_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: "k"})
			return err
		}},
		{"key", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{InstanceID: "i"})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Licenses.ListInstances(ctx, "", nil)
			return err
		}},
		{"discount_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Discounts.Get(ctx, ""); return err }},
		{"discount_code", func(ctx context.Context, c *creem.Client) error { _, err := c.Discounts.GetByCode(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Discounts.Delete(ctx, ""); return err }},
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Discounts.Create(ctx, nil); return err }},
		{"name", pct(func(p *creem.CreateDiscountParams) { p.Name = "" })},
		{"type", pct(func(p *creem.CreateDiscountParams) { p.Type = "" })},
		{"percentage", pct(func(p *creem.CreateDiscountParams) { p.Percentage = 0 })},
		{"percentage", pct(func(p *creem.CreateDiscountParams) { p.Percentage = 120 })},
		{"amount", pct(func(p *creem.CreateDiscountParams) { p.Type = creem.DiscountTypeFixed; p.Currency = creem.CurrencyEUR })},
		{"currency", pct(func(p *creem.CreateDiscountParams) { p.Type = creem.DiscountTypeFixed; p.Amount = 500 })},
		{"duration", pct(func(p *creem.CreateDiscountParams) { p.Duration = "" })},
		{"duration_in_months", pct(func(p *creem.CreateDiscountParams) { p.Duration = creem.DiscountDurationRepeating })},
		{"transaction_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Transactions.Get(ctx, ""); return err }},
		{"transaction_id", func(ctx context.Context, c *creem.Client) error { _, err := c.Transactions.Refund(ctx, ""); return err }},
		{"currency", func(ctx context.Context, c *creem.Client) error { _, err := c.Stats.Summary(ctx, nil); return err }},
		{"currency", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Stats.Summary(ctx, &creem.StatsSummaryParams{Interval: creem.StatsIntervalDay})
			return err
		}},
		{"interval", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Stats.Summary(ctx, &creem.StatsSummaryParams{Currency: creem.CurrencyEUR, Interval: creem.StatsIntervalDay, Start: time.Now()})
			return err
		}},
		{"endDate", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Stats.Summary(ctx, &creem.StatsSummaryParams{Currency: creem.CurrencyEUR, Start: time.Now(), End: time.Now().Add(-time.Hour)})
			return err
		}},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for i, tc := range cases {
		err := tc.call(context.Background(), c)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, "case %d (%s)", i, tc.field)
		assert.Equal(t, tc.field, pe.Field, "case %d", i)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
		assert.NotContains(t, err.Error(), "nobody", "an e-mail address never goes into an error")
	}
	assert.Zero(t, rec.count(), "no request may reach the server")
}

// License validation is a read: it is retried after a 503; activation is not.
func TestLicenseRetrySafety(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Unavailable"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "license.json"))
	})
	c := newClient(t, srv.URL)
	_, err := c.Licenses.Validate(context.Background(), &creem.ValidateLicenseParams{Key: "k", InstanceID: "i"})
	require.NoError(t, err)
	assert.Equal(t, 2, rec.count())

	srv2, rec2 := newServer(t, serveJSON(http.StatusServiceUnavailable, errorBody(503, "Unavailable")))
	c2 := newClient(t, srv2.URL)
	_, err = c2.Licenses.Activate(context.Background(), &creem.ActivateLicenseParams{Key: "k", InstanceName: "n"})
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, rec2.count(), "an activation may have used up a seat; it is not repeated")

	_, err = c2.Transactions.Refund(context.Background(), "tran_1")
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 2, rec2.count(), "a refund answered 503 is sent once")
}
