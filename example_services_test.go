package creem_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// All walks a list page by page, holding one page at a time; the loop asks for the next page
// only when it needs it.
func ExampleProductsService_All() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"Starter", "Pro", "Team"} {
		if _, err := client.Products.Create(ctx, &creem.CreateProductParams{
			Name: name, Price: creem.Int64(1900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
		}); err != nil {
			log.Fatal(err)
		}
	}

	// Two per page, to show the paging; the zero ListParams asks for Creem's default size.
	params := &creem.ListProductsParams{Status: creem.ProductStatusActive, ListParams: creem.ListParams{PageSize: 2}}
	for p, err := range client.Products.All(ctx, params) {
		if err != nil {
			log.Fatal(err) // the error of the page that failed; the loop ends after it
		}
		fmt.Println(p.Name, p.Price, p.Currency)
	}
	fmt.Println("pages fetched:", fake.Calls("GET /v1/products/search"))
	// Output:
	// Starter 1900 EUR
	// Pro 1900 EUR
	// Team 1900 EUR
	// pages fetched: 2
}

func ExampleCustomersService_Create() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	customer, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{
		Email:      "ada@example.com",
		Name:       "Ada Lovelace",
		ExternalID: "user-42", // your own ID: usage events can name the customer by it
		Metadata:   creem.Metadata{"plan": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}
	found, err := client.Customers.GetByEmail(ctx, "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*found.Name, *found.ExternalID, found.ID == customer.ID)

	// An e-mail address belongs to one customer: a second Create is a conflict.
	_, err = client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	fmt.Println(errors.Is(err, creem.ErrConflict))
	// Output:
	// Ada Lovelace user-42 true
	// true
}

// A scheduled cancellation keeps the subscription until the end of the period the customer paid
// for. creemtest's clock (Advance) stands in for the month passing.
func ExampleSubscriptionsService_Cancel() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro", Price: creem.Int64(1500), Currency: creem.CurrencyEUR,
		BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodEveryMonth,
	})
	if err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	checkout, err = client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		log.Fatal(err)
	}

	sub, err := client.Subscriptions.Cancel(ctx, checkout.Subscription.ID, &creem.CancelSubscriptionParams{
		Mode: creem.CancelModeScheduled, // creem.CancelModeImmediate ends it now
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Status)

	fake.Advance(32 * 24 * time.Hour) // the period ends
	sub, err = client.Subscriptions.Get(ctx, sub.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sub.Status)
	// Output:
	// scheduled_cancel
	// canceled
}

// A license key moves between machines: activate it on each, and deactivate the old one to free
// an activation.
func ExampleLicensesService_Activate() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Desktop app", Price: creem.Int64(4900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Creem turns license keys on in its dashboard; in creemtest this line does it: one activation.
	if err := fake.EnableLicenseKeys(product.ID, 1); err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	checkout, err = client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		log.Fatal(err)
	}
	key := checkout.LicenseKeys[0].Key // what the buyer types into your app

	lic, err := client.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "laptop"})
	if err != nil {
		log.Fatal(err)
	}
	laptop := lic.Instances[0].ID // keep it with the installation, to validate it later
	fmt.Println(lic.Status, lic.Activation, "of", *lic.ActivationLimit)

	_, err = client.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "desktop"})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Messages[0])
	}

	if _, err := client.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{Key: key, InstanceID: laptop}); err != nil {
		log.Fatal(err)
	}
	lic, err = client.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "desktop"})
	if err != nil {
		log.Fatal(err)
	}
	lic, err = client.Licenses.Validate(ctx, &creem.ValidateLicenseParams{Key: key, InstanceID: lic.Instances[0].ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lic.Instances[0].Name, lic.Instances[0].Status)
	// Output:
	// active 1 of 1
	// 403 License key has reached its activation limit of 1
	// desktop active
}

func ExampleDiscountsService_Create() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(2900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}

	discount, err := client.Discounts.Create(ctx, &creem.CreateDiscountParams{
		Name:              "Launch week",
		Code:              "LAUNCH20",
		Type:              creem.DiscountTypePercentage,
		Percentage:        20,
		Duration:          creem.DiscountDurationOnce,
		AppliesToProducts: []string{product.ID},
		MaxRedemptions:    100,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(discount.Code, discount.Status, *discount.Percentage)

	// A buyer uses the code.
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID, DiscountCode: "LAUNCH20"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	checkout, err = client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		log.Fatal(err)
	}
	discount, err = client.Discounts.GetByCode(ctx, "LAUNCH20")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("paid", checkout.Order.Amount, "after", checkout.Order.DiscountAmount, "off; redeemed", discount.RedeemCount)
	// Output:
	// LAUNCH20 active 20
	// paid 2320 after 580 off; redeemed 1
}

// Refund moves money, so the SDK never repeats it after the request may have reached Creem.
func ExampleTransactionsService_Refund() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "E-book", Price: creem.Int64(1900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "ada@example.com"); err != nil {
		log.Fatal(err)
	}
	checkout, err = client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		log.Fatal(err)
	}
	transactionID := *checkout.Order.Transaction

	refund, err := client.Transactions.Refund(ctx, transactionID)
	if err != nil {
		// On a timeout or a 5xx, Get the transaction to learn whether the refund happened
		// before trying again.
		log.Fatal(err)
	}
	tx, err := client.Transactions.Get(ctx, transactionID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(refund.Status, tx.Status, *tx.RefundedAmount, tx.Currency)

	// A refunded transaction cannot be refunded again.
	_, err = client.Transactions.Refund(ctx, transactionID)
	fmt.Println(errors.Is(err, creem.ErrBadRequest))
	// Output:
	// succeeded refunded 1900 EUR
	// true
}

func ExampleStatsService_Summary() {
	// A fixed clock makes the periods predictable.
	start := time.Date(2026, time.January, 15, 9, 0, 0, 0, time.UTC)
	fake := creemtest.NewServer(creemtest.WithClock(func() time.Time { return start }))
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro", Price: creem.Int64(1500), Currency: creem.CurrencyEUR,
		BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodEveryMonth,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, email := range []string{"ada@example.com", "grace@example.com"} {
		checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := fake.Pay(ctx, checkout.ID, email); err != nil {
			log.Fatal(err)
		}
	}
	fake.Advance(31 * 24 * time.Hour) // both renew on February 15

	summary, err := client.Stats.Summary(ctx, &creem.StatsSummaryParams{
		Currency: creem.CurrencyEUR,
		Interval: creem.StatsIntervalMonth, // a time series needs Start and End
		Start:    time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC),
		End:      time.Date(2026, time.February, 28, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	t := summary.Totals
	fmt.Println("customers:", t.TotalCustomers, "active subscriptions:", t.ActiveSubscriptions, "MRR:", t.MonthlyRecurringRevenue)
	fmt.Println("payments:", t.TotalPayments, "revenue:", t.TotalRevenue)
	for _, p := range summary.Periods {
		fmt.Println(p.Timestamp.UTC().Format("2006-01"), p.GrossRevenue)
	}
	// Output:
	// customers: 2 active subscriptions: 2 MRR: 3000
	// payments: 4 revenue: 6000
	// 2026-01 3000
	// 2026-02 3000
}
