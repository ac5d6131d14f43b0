package creem_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func ExampleNewClient() {
	// In production: creem.NewClient(os.Getenv("CREEM_API_KEY")).
	// A creem_test_ key selects Creem's test environment.
	client, err := creem.NewClient("creem_test_example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL(), client.TestMode())

	// A live key with WithTestMode(true) is a mistake NewClient refuses.
	_, err = creem.NewClient("creem_live_example", creem.WithTestMode(true))
	fmt.Println(err)
	// Output:
	// https://test-api.creem.io true
	// creem: NewClient: WithTestMode(true) contradicts a live API key
}

func ExampleCheckoutsService_Create() {
	// creemtest stands in for Creem, so this runs offline.
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := creem.NewClient(fake.APIKey, creem.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(2900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeRecurring,
	})
	if err != nil {
		log.Fatal(err)
	}

	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
		ProductID:  product.ID,
		RequestID:  "order-1001",
		SuccessURL: "https://shop.example.com/thanks",
	})
	if err != nil {
		log.Fatal(err)
	}
	// In an http.Handler: http.Redirect(w, r, checkout.CheckoutURL, http.StatusSeeOther)
	fmt.Println(checkout.Status, checkout.Product.ID == product.ID, strings.HasPrefix(checkout.CheckoutURL, fake.URL))

	// Errors from Creem are *APIError values that match the sentinels.
	_, err = client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: "prod_missing"})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) && errors.Is(err, creem.ErrNotFound) {
		fmt.Println(apiErr.StatusCode, apiErr.Messages)
	}
	// Output:
	// pending true true
	// 404 [Product not found]
}

func ExampleVerifyRedirect() {
	apiKey := "creem_test_example"
	// In your success-URL handler, r.URL.RawQuery holds what Creem appended.
	rawQuery := "request_id=order-1001&checkout_id=ch_1&order_id=ord_1&customer_id=cust_1&product_id=prod_1&signature=" +
		creem.SignRedirect(creem.RedirectParams{RequestID: "order-1001", CheckoutID: "ch_1", OrderID: "ord_1", CustomerID: "cust_1", ProductID: "prod_1"}, apiKey)

	params, err := creem.VerifyRedirect(rawQuery, apiKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(params.CheckoutID, params.OrderID, params.RequestID)

	// A changed parameter fails verification.
	_, err = creem.VerifyRedirect(strings.Replace(rawQuery, "ord_1", "ord_2", 1), apiKey)
	fmt.Println(errors.Is(err, creem.ErrInvalidSignature))
	// Output:
	// ch_1 ord_1 order-1001
	// true
}

func ExampleVerifyRedirectHandler() {
	apiKey := "creem_test_example"
	thanks := creem.VerifyRedirectHandler(apiKey, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params, _ := creem.RedirectParamsFromContext(r.Context())
		fmt.Fprintf(w, "Thanks for order %s", params.OrderID)
	}))
	// mux.Handle("GET /thanks", thanks) in your app; here one forged redirect is served.
	rec := httptest.NewRecorder()
	thanks.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thanks?checkout_id=ch_1&order_id=ord_1&signature=forged", nil))
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// 401 Invalid signature
}
