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

// A webhook endpoint granting access when a checkout is paid. creemtest delivers the event, signed
// as Creem signs it.
func ExampleNewWebhookHandler() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// In production: creem.NewWebhookHandler(os.Getenv("CREEM_WEBHOOK_SECRET")), served with
	// http.Handle("POST /webhooks/creem", h).
	h := creem.NewWebhookHandler(fake.WebhookSecret)
	h.On(creem.EventCheckoutCompleted, func(ctx context.Context, e *creem.Event) error {
		checkout, err := e.Checkout()
		if err != nil {
			return err
		}
		fmt.Println("grant", checkout.Product.Name, "to", checkout.Customer.Email)
		return nil // an error answers 500, and Creem delivers the event again later
	})
	endpoint := httptest.NewServer(h)
	defer endpoint.Close()
	fake.AddWebhookEndpoint(endpoint.URL)

	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(2900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "buyer@example.com"); err != nil {
		log.Fatal(err)
	}
	if err := fake.WaitForDeliveries(ctx); err != nil {
		log.Fatal(err)
	}
	for _, d := range fake.Deliveries() {
		fmt.Println("delivered", d.EventType, d.Status)
	}

	// A delivery without a valid signature never reaches your function.
	resp, err := endpoint.Client().Post(endpoint.URL, "application/json",
		strings.NewReader(`{"id":"evt_forged","eventType":"checkout.completed","object":{}}`))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("forged:", resp.StatusCode)
	// Output:
	// grant Pro plan to buyer@example.com
	// delivered checkout.completed 200
	// forged: 401
}

// ParseWebhook verifies and decodes a delivery without WebhookHandler, e.g. in a framework of your
// own. The delivery here is built with SignWebhook, as a test of your endpoint would build one.
func ExampleParseWebhook() {
	secret := "whsec_example"
	body := []byte(`{"id":"evt_5Xb2mQ7vN1pLk9Rt","eventType":"subscription.canceled","created_at":1767225600000,
		"object":{"id":"sub_1","object":"subscription","status":"canceled","product":"prod_1","customer":"cust_1"}}`)
	header := http.Header{}
	header.Set("creem-signature", creem.SignWebhook(body, secret))

	// In an http.Handler: body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)), then
	// creem.ParseWebhook(body, r.Header, secret), answering 401 when it fails.
	event, err := creem.ParseWebhook(body, header, secret)
	if err != nil {
		log.Fatal(err)
	}
	switch event.Type {
	case creem.EventSubscriptionCanceled:
		sub, err := event.Subscription()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(event.ID, event.Type, sub.ID, sub.Status, "customer", sub.Customer.ID)
	default:
		fmt.Println("ignored", event.Type) // event.Object holds the raw object of any type
	}

	// One changed byte, and the signature no longer matches.
	tampered := []byte(strings.Replace(string(body), "sub_1", "sub_2", 1))
	_, err = creem.ParseWebhook(tampered, header, secret)
	fmt.Println(errors.Is(err, creem.ErrInvalidSignature))
	// Output:
	// evt_5Xb2mQ7vN1pLk9Rt subscription.canceled sub_1 canceled customer cust_1
	// true
}
