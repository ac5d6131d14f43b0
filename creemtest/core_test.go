package creemtest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// buy creates a checkout for productID and pays it as email; it returns the completed checkout.
func buy(t *testing.T, srv *creemtest.Server, c *creem.Client, params *creem.CreateCheckoutParams, email string) *creem.Checkout {
	t.Helper()
	ctx := context.Background()
	ch, err := c.Checkouts.Create(ctx, params)
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, email)
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	return done
}

func product(t *testing.T, c *creem.Client, name string, price int64, billing creem.BillingType) *creem.Product {
	t.Helper()
	p, err := c.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: name, Price: creem.Ptr(price), Currency: creem.CurrencyEUR, BillingType: billing,
	})
	require.NoError(t, err)
	return p
}

func TestCustomers(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	cu, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "Ada@Example.com", Name: "Ada", Metadata: creem.Metadata{"tier": "gold"}, ExternalID: "u_1"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(cu.ID, "cust_"))
	assert.Equal(t, "ada@example.com", cu.Email, "stored lowercased")

	byID, err := c.Customers.Get(ctx, cu.ID)
	require.NoError(t, err)
	byEmail, err := c.Customers.GetByEmail(ctx, "ADA@example.com")
	require.NoError(t, err)
	assert.Equal(t, byID.ID, byEmail.ID)
	_, err = c.Customers.GetByEmail(ctx, "nobody@example.com")
	assert.ErrorIs(t, err, creem.ErrNotFound)

	_, err = c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Other"})
	assert.ErrorIs(t, err, creem.ErrConflict)

	up, err := c.Customers.Update(ctx, cu.ID, &creem.UpdateCustomerParams{Name: creem.Ptr("Ada King"), Metadata: creem.Metadata{}, ExternalID: creem.Null[string]()})
	require.NoError(t, err)
	assert.Equal(t, "Ada King", *up.Name)
	assert.Empty(t, up.Metadata, "an empty map clears the metadata")
	assert.Nil(t, up.ExternalID)
	assert.Equal(t, "ada@example.com", up.Email, "omitted stays")

	links, err := c.Customers.BillingPortal(ctx, cu.ID)
	require.NoError(t, err)
	resp, err := http.Get(links.CustomerPortalLink)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "ada@example.com")
	_, err = c.Customers.BillingPortal(ctx, "cust_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)

	for i := 0; i < 3; i++ {
		_, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "c" + string(rune('a'+i)) + "@example.com", Name: "C"})
		require.NoError(t, err)
	}
	n := 0
	for _, err := range c.Customers.All(ctx, &creem.ListCustomersParams{ListParams: creem.ListParams{PageSize: 3}}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 4, n)
}

func TestCustomerListsAfterPurchases(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	monthly := product(t, c, "Monthly", 1000, creem.BillingTypeRecurring)
	book := product(t, c, "Book", 1500, creem.BillingTypeOnetime)
	require.NoError(t, srv.EnableLicenseKeys(book.ID, 1))

	first := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: monthly.ID}, "grace@example.com")
	buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: book.ID}, "grace@example.com")
	custID := first.Customer.ID

	var orders []string
	for o, err := range c.Customers.AllOrders(ctx, custID, &creem.ListParams{PageSize: 1}) {
		require.NoError(t, err)
		orders = append(orders, o.Product)
	}
	assert.Equal(t, []string{monthly.ID, book.ID}, orders)

	subs, err := c.Customers.ListSubscriptions(ctx, custID, nil)
	require.NoError(t, err)
	require.Len(t, subs.Items, 1)
	assert.Equal(t, monthly.ID, subs.Items[0].Product.ID)

	lics, err := c.Customers.ListLicenses(ctx, custID, nil)
	require.NoError(t, err)
	require.Len(t, lics.Items, 1)
	assert.Equal(t, book.ID, lics.Items[0].ProductID)
	_, err = c.Customers.ListOrders(ctx, "cust_missing", nil)
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestSubscriptionStateMachine(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	team := product(t, c, "Team", 1000, creem.BillingTypeRecurring)
	enterprise := product(t, c, "Enterprise", 5000, creem.BillingTypeRecurring)
	ch := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: team.ID, Units: 3}, "ops@example.com")
	id := ch.Subscription.ID

	sub, err := c.Subscriptions.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusActive, sub.Status)
	assert.Equal(t, "Team", sub.Product.Name, "retrieve expands the product")
	assert.Equal(t, "ops@example.com", sub.Customer.Email)
	require.Len(t, sub.Items, 1)
	assert.Equal(t, 3, *sub.Items[0].Units)
	require.NotNil(t, sub.LastTransaction)
	assert.Equal(t, int64(3000), sub.LastTransaction.Amount)

	// Seats.
	sub, err = c.Subscriptions.Update(ctx, id, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: sub.Items[0].ID, Units: creem.Ptr(5)}}})
	require.NoError(t, err)
	assert.Equal(t, 5, *sub.Items[0].Units)
	_, err = c.Subscriptions.Update(ctx, id, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: "sitem_missing", Units: creem.Ptr(1)}}})
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// Pause and resume.
	sub, err = c.Subscriptions.Pause(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusPaused, sub.Status)
	_, err = c.Subscriptions.Pause(ctx, id)
	assert.ErrorIs(t, err, creem.ErrBadRequest, "paused ↛ paused")
	sub, err = c.Subscriptions.Resume(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusActive, sub.Status)
	_, err = c.Subscriptions.Resume(ctx, id)
	assert.ErrorIs(t, err, creem.ErrBadRequest, "active ↛ resumed")

	// Upgrade charges the difference now.
	sub, err = c.Subscriptions.Upgrade(ctx, id, &creem.UpgradeSubscriptionParams{ProductID: enterprise.ID})
	require.NoError(t, err)
	assert.Equal(t, enterprise.ID, sub.Product.ID)
	assert.Equal(t, enterprise.ID, sub.Items[0].ProductID)
	assert.Equal(t, int64(4000), sub.LastTransaction.Amount)
	_, err = c.Subscriptions.Upgrade(ctx, id, &creem.UpgradeSubscriptionParams{ProductID: enterprise.ID})
	assert.ErrorIs(t, err, creem.ErrBadRequest)

	// Scheduled cancel, undone by resume, then an immediate cancel.
	sub, err = c.Subscriptions.Cancel(ctx, id, &creem.CancelSubscriptionParams{Mode: creem.CancelModeScheduled})
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusScheduledCancel, sub.Status)
	sub, err = c.Subscriptions.Resume(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusActive, sub.Status)
	assert.Nil(t, sub.CanceledAt)
	sub, err = c.Subscriptions.Cancel(ctx, id, nil)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusCanceled, sub.Status)
	assert.NotNil(t, sub.CanceledAt)
	for _, call := range []func() error{
		func() error { _, err := c.Subscriptions.Pause(ctx, id); return err },
		func() error { _, err := c.Subscriptions.Resume(ctx, id); return err },
		func() error { _, err := c.Subscriptions.Cancel(ctx, id, nil); return err },
		func() error {
			_, err := c.Subscriptions.Update(ctx, id, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: sub.Items[0].ID, Units: creem.Ptr(1)}}})
			return err
		},
	} {
		assert.ErrorIs(t, call(), creem.ErrBadRequest, "a canceled subscription stays canceled")
	}

	page, err := c.Subscriptions.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	_, err = c.Subscriptions.Get(ctx, "sub_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestLicenses(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	app := product(t, c, "Desktop app", 4900, creem.BillingTypeOnetime)
	require.NoError(t, srv.EnableLicenseKeys(app.ID, 2))
	assert.Error(t, srv.EnableLicenseKeys("prod_missing", 1))

	ch := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: app.ID}, "dev@example.com")
	require.Len(t, ch.LicenseKeys, 1, "paying for a product with a license feature issues a key")
	key := ch.LicenseKeys[0].Key
	assert.Equal(t, creem.LicenseStatusInactive, ch.LicenseKeys[0].Status)
	assert.Equal(t, 2, *ch.LicenseKeys[0].ActivationLimit)

	a, err := c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "laptop"})
	require.NoError(t, err)
	assert.Equal(t, creem.LicenseStatusActive, a.Status)
	assert.Equal(t, 1, a.Activation)
	require.Len(t, a.Instances, 1)
	laptop := a.Instances[0].ID
	_, err = c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "desktop"})
	require.NoError(t, err)
	_, err = c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "third"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr, "the activation limit is enforced")
	assert.Equal(t, []string{"License key has reached its activation limit of 2"}, apiErr.Messages)

	v, err := c.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: key, InstanceID: laptop})
	require.NoError(t, err)
	assert.Equal(t, laptop, v.Instances[0].ID)
	assert.Equal(t, creem.LicenseInstanceStatusActive, v.Instances[0].Status)

	d, err := c.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{Key: key, InstanceID: laptop})
	require.NoError(t, err)
	assert.Equal(t, 1, d.Activation)
	assert.Equal(t, creem.LicenseInstanceStatusDeactivated, d.Instances[0].Status)
	_, err = c.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{Key: key, InstanceID: laptop})
	assert.ErrorIs(t, err, creem.ErrBadRequest)
	_, err = c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "new laptop"})
	require.NoError(t, err, "a freed activation can be used again")

	var names []string
	for inst, err := range c.Licenses.AllInstances(ctx, ch.LicenseKeys[0].ID, &creem.ListParams{PageSize: 2}) {
		require.NoError(t, err)
		names = append(names, inst.Name+":"+string(inst.Status))
	}
	assert.Equal(t, []string{"laptop:deactivated", "desktop:active", "new laptop:active"}, names)

	_, err = c.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: "NOPE", InstanceID: laptop})
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: key, InstanceID: "lki_missing"})
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestDiscountsAppliedAtCheckout(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	course := product(t, c, "Course", 10000, creem.BillingTypeOnetime)
	other := product(t, c, "Other", 5000, creem.BillingTypeOnetime)

	pct, err := c.Discounts.Create(ctx, &creem.CreateDiscountParams{
		Name: "Launch", Code: "launch20", Type: creem.DiscountTypePercentage, Percentage: 20,
		Duration: creem.DiscountDurationOnce, MaxRedemptions: 1, AppliesToProducts: []string{course.ID},
	})
	require.NoError(t, err)
	assert.Equal(t, "LAUNCH20", pct.Code)
	assert.Equal(t, creem.DiscountStatusActive, pct.Status)
	_, err = c.Discounts.Create(ctx, &creem.CreateDiscountParams{Name: "Dup", Code: "LAUNCH20", Type: creem.DiscountTypePercentage, Percentage: 5, Duration: creem.DiscountDurationOnce})
	assert.ErrorIs(t, err, creem.ErrBadRequest)

	byCode, err := c.Discounts.GetByCode(ctx, "launch20")
	require.NoError(t, err)
	assert.Equal(t, pct.ID, byCode.ID)

	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: other.ID, DiscountCode: "LAUNCH20"})
	assert.ErrorIs(t, err, creem.ErrBadRequest, "the code applies to another product")
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: course.ID, DiscountCode: "NOPE"})
	assert.ErrorIs(t, err, creem.ErrBadRequest)

	ch := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: course.ID, DiscountCode: "LAUNCH20"}, "student@example.com")
	require.NotNil(t, ch.Discount)
	assert.Equal(t, "LAUNCH20", ch.Discount.DiscountCode)
	assert.Equal(t, int64(10000), ch.Order.SubTotal)
	assert.Equal(t, int64(2000), ch.Order.DiscountAmount)
	assert.Equal(t, int64(8000), ch.Order.AmountPaid)
	assert.Equal(t, pct.ID, *ch.Order.Discount)

	got, err := c.Discounts.Get(ctx, pct.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.RedeemCount)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: course.ID, DiscountCode: "LAUNCH20"})
	assert.ErrorIs(t, err, creem.ErrBadRequest, "max_redemptions reached")

	fixed, err := c.Discounts.Create(ctx, &creem.CreateDiscountParams{Name: "Five off", Type: creem.DiscountTypeFixed, Amount: 500, Currency: creem.CurrencyEUR, Duration: creem.DiscountDurationForever})
	require.NoError(t, err)
	assert.NotEmpty(t, fixed.Code, "a code is generated")
	ch = buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: other.ID, DiscountCode: fixed.Code}, "student@example.com")
	assert.Equal(t, int64(4500), ch.Order.AmountPaid)

	deleted, err := c.Discounts.Delete(ctx, fixed.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.DiscountStatusDeleted, deleted.Status)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: other.ID, DiscountCode: fixed.Code})
	assert.ErrorIs(t, err, creem.ErrBadRequest)

	var codes []string
	for d, err := range c.Discounts.All(ctx, &creem.ListDiscountsParams{Status: creem.DiscountStatusActive, Type: creem.DiscountTypePercentage, CreatedAfter: time.Now().Add(-time.Hour)}) {
		require.NoError(t, err)
		codes = append(codes, d.Code)
	}
	assert.Equal(t, []string{"LAUNCH20"}, codes)
	page, err := c.Discounts.List(ctx, &creem.ListDiscountsParams{ProductID: other.ID})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "the deleted fixed discount applies to every product")
	page, err = c.Discounts.List(ctx, &creem.ListDiscountsParams{CreatedBefore: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

func TestTransactionsRefundsAndStats(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := start
	srv, c := newServer(t, creemtest.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	monthly := product(t, c, "Monthly", 1000, creem.BillingTypeRecurring)
	book := product(t, c, "Book", 2500, creem.BillingTypeOnetime)

	subCh := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: monthly.ID, Units: 2}, "a@example.com")
	now = now.Add(24 * time.Hour)
	bookCh := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: book.ID}, "b@example.com")

	tranID := *bookCh.Order.Transaction
	tr, err := c.Transactions.Get(ctx, tranID)
	require.NoError(t, err)
	assert.Equal(t, creem.TransactionStatusPaid, tr.Status)
	assert.Equal(t, int64(2500), tr.Amount)
	assert.True(t, tr.CreatedAt.IsMillis(), "transactions carry epoch milliseconds")

	byProduct, err := c.Transactions.List(ctx, &creem.ListTransactionsParams{ProductID: monthly.ID})
	require.NoError(t, err)
	require.Len(t, byProduct.Items, 1)
	assert.Equal(t, subCh.Subscription.ID, *byProduct.Items[0].Subscription)
	byCustomer, err := c.Transactions.List(ctx, &creem.ListTransactionsParams{CustomerID: bookCh.Customer.ID})
	require.NoError(t, err)
	require.Len(t, byCustomer.Items, 1)
	byOrder, err := c.Transactions.List(ctx, &creem.ListTransactionsParams{OrderID: bookCh.Order.ID})
	require.NoError(t, err)
	assert.Equal(t, tranID, byOrder.Items[0].ID)

	res, err := c.Transactions.Refund(ctx, tranID)
	require.NoError(t, err)
	assert.Equal(t, creem.RefundStatusSucceeded, res.Status)
	tr, err = c.Transactions.Get(ctx, tranID)
	require.NoError(t, err)
	assert.Equal(t, creem.TransactionStatusRefunded, tr.Status)
	assert.Equal(t, int64(2500), *tr.RefundedAmount)
	_, err = c.Transactions.Refund(ctx, tranID)
	assert.ErrorIs(t, err, creem.ErrBadRequest, "a refunded transaction cannot be refunded again")
	_, err = c.Transactions.Refund(ctx, "tran_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)

	st, err := c.Stats.Summary(ctx, &creem.StatsSummaryParams{Currency: creem.CurrencyEUR})
	require.NoError(t, err)
	assert.Equal(t, creem.StatsTotals{
		TotalProducts: 2, TotalSubscriptions: 1, TotalCustomers: 2, TotalPayments: 2, ActiveSubscriptions: 1,
		TotalRevenue: 4500, TotalNetRevenue: 2000, NetMonthlyRecurringRevenue: 2000, MonthlyRecurringRevenue: 2000,
	}, st.Totals)
	assert.Empty(t, st.Periods)

	st, err = c.Stats.Summary(ctx, &creem.StatsSummaryParams{
		Currency: creem.CurrencyEUR, Interval: creem.StatsIntervalDay,
		Start: start.Add(-48 * time.Hour), End: start.Add(72 * time.Hour),
	})
	require.NoError(t, err)
	require.Len(t, st.Periods, 4, "from the first transaction's day to the end date")
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli(), st.Periods[0].Timestamp.UnixMilli())
	assert.Equal(t, int64(2000), st.Periods[0].GrossRevenue)
	assert.Equal(t, int64(2500), st.Periods[1].GrossRevenue)
	assert.Equal(t, int64(0), st.Periods[1].NetRevenue, "refunded")

	st, err = c.Stats.Summary(ctx, &creem.StatsSummaryParams{Currency: creem.CurrencyUSD})
	require.NoError(t, err)
	assert.Zero(t, st.Totals.TotalRevenue, "other currency")
}
