// Command checkout walks through Creem's golden path: create a product and a checkout session,
// pay on the hosted checkout page like a browser, land on the shop's success page, and verify
// the signed redirect before trusting its parameters.
//
// Without CREEM_API_KEY it runs offline against creemtest, an in-process fake Creem server:
//
//	go run ./examples/checkout
//
// With CREEM_API_KEY (a creem_test_ key) it runs against Creem's test mode and prints the
// checkout URL to open instead of paying. CREEM_PRODUCT_ID reuses a product instead of creating
// one; CREEM_SUCCESS_URL sets where Creem sends the buyer afterwards; CREEM_BASE_URL sends the
// requests to a proxy instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "checkout:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	apiKey := getenv("CREEM_API_KEY")
	offline := apiKey == ""
	var opts []creem.Option
	if offline {
		fake := creemtest.NewServer()
		defer fake.Close()
		apiKey = fake.APIKey
		opts = append(opts, creem.WithBaseURL(fake.URL))
		fmt.Fprintf(out, "No CREEM_API_KEY set: using creemtest, a fake Creem server at %s\n", fake.URL)
	}
	if base := getenv("CREEM_BASE_URL"); base != "" && !offline {
		opts = append(opts, creem.WithBaseURL(base))
	}
	client, err := creem.NewClient(apiKey, opts...)
	if err != nil {
		return err
	}
	if !offline {
		fmt.Fprintf(out, "Using Creem at %s\n", client.BaseURL())
	}

	// 1. A product to sell.
	productID := getenv("CREEM_PRODUCT_ID")
	if productID == "" {
		product, err := client.Products.Create(ctx, &creem.CreateProductParams{
			Name:        "creem-go example",
			Description: "A product created by the creem-go checkout example",
			Price:       creem.Int64(1900), // minor units: €19.00
			Currency:    creem.CurrencyEUR,
			BillingType: creem.BillingTypeOnetime,
		})
		if err != nil {
			return fmt.Errorf("creating the product: %w", err)
		}
		productID = product.ID
		fmt.Fprintf(out, "1. created product %s (%s, %d.%02d %s)\n", product.ID, product.Name, product.Price/100, product.Price%100, product.Currency)
	} else {
		fmt.Fprintf(out, "1. using product %s\n", productID)
	}

	// The shop's success page. Offline it runs here, on loopback; it verifies the redirect
	// with the SDK's middleware before it shows anything.
	successURL := getenv("CREEM_SUCCESS_URL")
	if offline {
		shop := httptest.NewServer(shopMux(apiKey))
		defer shop.Close()
		successURL = shop.URL + "/thanks?from=creem"
	}

	// 2. A checkout session for it.
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
		ProductID:  productID,
		RequestID:  "order 1001/ü", // your own reference; it comes back on the redirect
		SuccessURL: successURL,
		Metadata:   creem.Metadata{"source": "creem-go example"},
	})
	if err != nil {
		return fmt.Errorf("creating the checkout: %w", err)
	}
	fmt.Fprintf(out, "2. created checkout %s\n   checkout_url: %s\n", checkout.ID, checkout.CheckoutURL)

	if !offline {
		fmt.Fprintf(out, "3. open the checkout URL in a browser to pay with a test card.\n"+
			"   Creem then redirects to your success URL; verify it there with creem.VerifyRedirect.\n")
		return nil
	}

	// 3. Pay on the hosted page, as a browser would: fill in the e-mail, press Pay, follow
	// the 303 See Other to the success URL.
	browser := &http.Client{Timeout: 10 * time.Second}
	resp, err := browser.PostForm(checkout.CheckoutURL, url.Values{"email": {"buyer@example.com"}})
	if err != nil {
		return fmt.Errorf("paying: %w", err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the success page answered %s: %s", resp.Status, page)
	}
	landed := resp.Request.URL
	fmt.Fprintf(out, "3. paid on the hosted page as a test buyer\n")
	fmt.Fprintf(out, "4. redirected to %s?%s\n   success page says: %s\n", landed.Path, landed.RawQuery, strings.TrimSpace(string(page)))

	// 5. The same check by hand, as you would do in any handler.
	params, err := creem.VerifyRedirect(landed.RawQuery, apiKey)
	if err != nil {
		return fmt.Errorf("verifying the redirect: %w", err)
	}
	fmt.Fprintf(out, "5. redirect signature verified: checkout %s, order %s, customer %s, request %q\n",
		params.CheckoutID, params.OrderID, params.CustomerID, params.RequestID)

	// The checkout now reads as completed.
	done, err := client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		return fmt.Errorf("retrieving the checkout: %w", err)
	}
	if done.Status != creem.CheckoutStatusCompleted || done.Order == nil {
		return errors.New("the checkout is not completed")
	}
	fmt.Fprintf(out, "6. checkout %s is %s: paid %d.%02d %s\n", done.ID, done.Status, done.Order.AmountPaid/100, done.Order.AmountPaid%100, done.Order.Currency)
	return nil
}

// shopMux is the shop's web app: /thanks is the success URL, guarded by the redirect verifier.
func shopMux(apiKey string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /thanks", creem.VerifyRedirectHandler(apiKey, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := creem.RedirectParamsFromContext(r.Context())
		fmt.Fprintf(w, "Payment verified for order %s\n", p.OrderID)
	})))
	return mux
}
