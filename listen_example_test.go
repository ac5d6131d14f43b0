package creem_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"sync"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func ExampleWebhooksService_Create() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	ep, err := client.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{
		URL:    "https://shop.example.com/webhooks/creem",
		Name:   "Shop",
		Events: []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionPaid},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Store the secret now: only Create returns it (Webhooks.Secret fetches it again). It is
	// redacted when formatted, logged or encoded; string(ep.Secret) is the value.
	secret := string(ep.Secret)
	fmt.Println(ep.Status, ep.Events, ep.Secret, len(secret) > len("whsec_"))

	// Pause deliveries and clear the name; omitted fields stay as they are.
	ep, err = client.Webhooks.Update(ctx, ep.ID, &creem.UpdateWebhookEndpointParams{
		Status: creem.WebhookStatusDisabled, Name: creem.Null[string](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ep.Status, ep.Name == nil, ep.Events)
	// Output:
	// enabled [checkout.completed subscription.paid] [redacted] true
	// disabled true [checkout.completed subscription.paid]
}

func ExampleNewListener() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	// Your local server, not started yet: it needs the secret of the endpoint NewListener creates.
	local := httptest.NewUnstartedServer(nil)
	defer local.Close()
	listener, err := creem.NewListener(ctx, client, creem.ListenerConfig{
		ForwardTo: "http://" + local.Listener.Addr().String() + "/webhooks/creem",
		Events:    []creem.EventType{creem.EventCheckoutCompleted},
		OnDelivery: func(fe creem.ForwardedEvent) {
			fmt.Println("forwarded", fe.EventType, "->", fe.StatusCode, "acknowledged:", fe.Acked)
			stop() // one is enough for this example
		},
	})
	if err != nil {
		log.Fatal(err) // a wrong key or a missing webhooks:write scope matches creem.ErrUnauthorized
	}

	// The handler verifies forwarded deliveries exactly as production ones.
	var wg sync.WaitGroup
	wg.Add(1)
	handler := creem.NewWebhookHandler(string(listener.Secret()))
	handler.On(creem.EventCheckoutCompleted, func(_ context.Context, e *creem.Event) error {
		defer wg.Done()
		checkout, err := e.Checkout()
		if err != nil {
			return err
		}
		fmt.Println("paid:", checkout.Product.Name)
		return nil
	})
	local.Config.Handler = handler
	local.Start()

	// Someone pays.
	product, _ := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(2900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	checkout, _ := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	if _, err := fake.Pay(ctx, checkout.ID, "buyer@example.com"); err != nil {
		log.Fatal(err)
	}

	// Run forwards until ctx is cancelled, then deletes its temporary endpoint.
	if err := listener.Run(ctx); err != nil {
		log.Fatal(err)
	}
	wg.Wait()
	endpoints, _ := client.Webhooks.List(context.Background(), nil)
	fmt.Println("endpoints left:", len(endpoints.Items))
	// Output:
	// paid: Pro plan
	// forwarded checkout.completed -> 200 acknowledged: true
	// endpoints left: 0
}
