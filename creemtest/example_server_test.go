package creemtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// Pay completes a checkout without a browser and returns the signed success URL Creem would
// redirect the buyer to, so a test can drive the redirect handler and the webhooks that follow.
func ExampleServer_Pay() {
	// In a test, srv := creemtest.New(t) starts it and closes it when the test ends.
	srv := creemtest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(2900), Currency: creem.CurrencyEUR,
		BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodEveryMonth,
	})
	if err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
		ProductID: product.ID, RequestID: "order-1001", SuccessURL: "https://shop.example.com/thanks",
	})
	if err != nil {
		log.Fatal(err)
	}

	redirect, err := srv.Pay(ctx, checkout.ID, "buyer@example.com")
	if err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(redirect)
	if err != nil {
		log.Fatal(err)
	}
	params, err := creem.VerifyRedirect(u.RawQuery, srv.APIKey) // signed as Creem signs it
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Host+u.Path, params.RequestID, params.SubscriptionID != "")

	checkout, err = client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(checkout.Status, checkout.Order.Amount, checkout.Customer.Email)
	for _, e := range srv.Events() { // what a registered webhook endpoint receives, in order
		fmt.Println(e.Type)
	}

	// A declined test card pays nothing and leaves the checkout pending.
	again, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if err != nil {
		log.Fatal(err)
	}
	_, err = srv.PayWith(ctx, again.ID, creemtest.Payment{Email: "buyer@example.com", Card: creemtest.CardDeclined})
	fmt.Println(errors.Is(err, creemtest.ErrCardDeclined))
	// Output:
	// shop.example.com/thanks order-1001 true
	// completed 2900 buyer@example.com
	// checkout.completed
	// subscription.active
	// subscription.paid
	// true
}

// FailNext makes the next calls to a route misbehave, to test what your code does when Creem or
// the network fails.
func ExampleServer_FailNext() {
	srv := creemtest.NewServer()
	defer srv.Close()
	// Short waits between retries keep the test fast.
	client, err := srv.Client(creem.WithRetryWait(time.Millisecond, 10*time.Millisecond))
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

	// A read: Creem is unavailable once. The SDK retries reads, so the caller sees only success.
	srv.FailNext("GET /v1/products/{id}", 1, creemtest.Fault{Status: 503, RetryAfter: "1"})
	p, err := client.Products.Get(ctx, product.ID)
	fmt.Println(p.Name, err, "after", srv.Calls("GET /v1/products/{id}"), "attempts")

	// A write whose answer is lost after Creem handled it: the customer exists, but the caller
	// sees a 500. The SDK does not repeat such a write (it could create a second customer);
	// look the object up before creating it again.
	srv.FailNext("POST /v1/customers", 1, creemtest.Fault{Status: 500, AfterHandling: true})
	_, err = client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	fmt.Println(errors.Is(err, creem.ErrServer), "after", srv.Calls("POST /v1/customers"), "attempt")
	customer, err := client.Customers.GetByEmail(ctx, "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created anyway:", *customer.Name)
	// Output:
	// Pro plan <nil> after 2 attempts
	// true after 1 attempt
	// created anyway: Ada
}
