package creem_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// Every answer outside 2xx is an *APIError: match its kind with errors.Is and the sentinels,
// read the details with errors.As. Input Creem would certainly reject fails earlier, with an
// *InvalidParamsError, before anything is sent.
func ExampleAPIError() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The core API's errors carry a status and messages.
	_, err = client.Products.Get(ctx, "prod_missing")
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, creem.ErrNotFound), apiErr.Messages)
	}

	// The newer families' errors also carry a machine-readable Code and the Param at fault.
	customer, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	images := &creem.CreateCreditAccountParams{CustomerID: customer.ID, Name: "images"}
	if _, err := client.Credits.CreateAccount(ctx, images); err != nil {
		log.Fatal(err)
	}
	_, err = client.Credits.CreateAccount(ctx, images) // the customer has an "images" account now
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, creem.ErrConflict), apiErr.Code, apiErr.Param)
	}
	// The other sentinels: ErrBadRequest (400, 422), ErrUnauthorized (401, 403: a wrong key or a
	// missing scope), ErrRateLimited (429; apiErr.RetryAfter says how long to wait), ErrServer (5xx).

	// A product without a price is refused before sending: no APIError, nothing reached Creem.
	_, err = client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	fmt.Println(errors.Is(err, creem.ErrInvalidParams), errors.As(err, &apiErr))
	fmt.Println(err)
	// Output:
	// 404 true [Product not found]
	// 409 true account_exists name
	// true false
	// creem: Products.Create: price is required (0 makes a free product)
}

// Raw reaches endpoints and fields this version of the SDK does not model, through the same
// authentication, retries and errors as every method.
func ExampleClient_Raw() {
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

	// Decode into a type of your own, e.g. to read a field Creem added after this release.
	var p struct {
		Name  string `json:"name"`
		Price int64  `json:"price"`
	}
	err = client.Raw(ctx, &creem.RawRequest{Method: http.MethodGet, Path: "/v1/products/" + url.PathEscape(product.ID)}, &p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.Price)

	// A query, decoded into the SDK's own types.
	var page creem.Page[creem.Product]
	err = client.Raw(ctx, &creem.RawRequest{
		Method: http.MethodGet, Path: "/v1/products/search", Query: url.Values{"page_size": {"1"}},
	}, &page)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Items[0].Name, page.Pagination.TotalRecords)

	// Failures are *APIError values, as from every method.
	err = client.Raw(ctx, &creem.RawRequest{Method: http.MethodGet, Path: "/v1/things/th_1"}, nil)
	fmt.Println(errors.Is(err, creem.ErrNotFound))
	// Output:
	// Pro plan 2900
	// Pro plan 1
	// true
}
