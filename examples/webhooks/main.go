// Command webhooks is a webhook endpoint built on creem.WebhookHandler: it grants access when
// a checkout completes or a subscription becomes active, and revokes it when a subscription is
// canceled or expires, or a payment is refunded.
//
// Without CREEM_WEBHOOK_SECRET it runs offline: it starts creemtest, registers the endpoint
// with it, buys a subscription, cancels it and refunds the payment, and prints what the
// endpoint did with each event:
//
//	go run ./examples/webhooks
//
// With CREEM_WEBHOOK_SECRET it serves POST /webhooks/creem on port $PORT (default 8080) for
// Creem to call; expose it with a tunnel and register the URL in Creem's dashboard.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// access is the shop's record of who may use what: customer ID → product ID.
type access struct {
	mu     sync.Mutex
	grants map[string]string
	out    io.Writer
}

func (a *access) grant(customerID, productID, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.grants[customerID] = productID
	fmt.Fprintf(a.out, "   granted %s access to %s (%s)\n", customerID, productID, why)
}

func (a *access) revoke(customerID, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.grants, customerID)
	fmt.Fprintf(a.out, "   revoked %s's access (%s)\n", customerID, why)
}

func (a *access) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var parts []string
	for c, p := range a.grants {
		parts = append(parts, c+"→"+p)
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// newHandler builds the endpoint: one function per event type it cares about.
func newHandler(secret string, acc *access) *creem.WebhookHandler {
	h := creem.NewWebhookHandler(secret)
	h.On(creem.EventCheckoutCompleted, func(_ context.Context, e *creem.Event) error {
		ch, err := e.Checkout()
		if err != nil {
			return err
		}
		acc.grant(ch.Customer.ID, ch.Product.ID, "checkout "+ch.ID+" completed")
		return nil
	})
	h.On(creem.EventSubscriptionActive, func(_ context.Context, e *creem.Event) error {
		sub, err := e.Subscription()
		if err != nil {
			return err
		}
		acc.grant(sub.Customer.ID, sub.Product.ID, "subscription "+sub.ID+" active")
		return nil
	})
	revokeSubscription := func(_ context.Context, e *creem.Event) error {
		sub, err := e.Subscription()
		if err != nil {
			return err
		}
		acc.revoke(sub.Customer.ID, "subscription "+sub.ID+" "+string(sub.Status))
		return nil
	}
	h.On(creem.EventSubscriptionCanceled, revokeSubscription)
	h.On(creem.EventSubscriptionExpired, revokeSubscription)
	h.On(creem.EventRefundCreated, func(_ context.Context, e *creem.Event) error {
		ref, err := e.Refund()
		if err != nil {
			return err
		}
		if ref.Customer == nil {
			return errors.New("refund without a customer")
		}
		acc.revoke(ref.Customer.ID, fmt.Sprintf("refund of %d.%02d %s", ref.RefundAmount/100, ref.RefundAmount%100, ref.RefundCurrency))
		return nil
	})
	h.OnAny(func(_ context.Context, e *creem.Event) error {
		fmt.Fprintf(acc.out, "   (nothing to do for %s)\n", e.Type)
		return nil
	})
	return h
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	acc := &access{grants: map[string]string{}, out: out}
	if secret := getenv("CREEM_WEBHOOK_SECRET"); secret != "" {
		port := getenv("PORT")
		if port == "" {
			port = "8080"
		}
		ln, err := net.Listen("tcp", ":"+port)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Listening for Creem webhooks on http://%s/webhooks/creem\n", ln.Addr())
		return serve(ctx, ln, newHandler(secret, acc))
	}
	return offline(ctx, out, acc)
}

// serve runs the endpoint on ln until ctx is done.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/creem", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		<-errc
		return nil
	}
}

// offline plays a subscription's life against creemtest and shows the endpoint at work.
func offline(ctx context.Context, out io.Writer, acc *access) error {
	fake := creemtest.NewServer()
	defer fake.Close()
	fmt.Fprintf(out, "No CREEM_WEBHOOK_SECRET set: using creemtest at %s\n", fake.URL)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, newHandler(fake.WebhookSecret, acc)) }()
	defer func() { cancel(); <-served }()
	endpoint := "http://" + ln.Addr().String() + "/webhooks/creem"
	fake.AddWebhookEndpoint(endpoint)
	fmt.Fprintf(out, "Webhook endpoint: %s\n", endpoint)

	client, err := fake.Client()
	if err != nil {
		return err
	}
	step := func(what string, f func() error) error {
		fmt.Fprintln(out, what)
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		wait, done := context.WithTimeout(ctx, 10*time.Second)
		defer done()
		return fake.WaitForDeliveries(wait)
	}

	var product *creem.Product
	var checkout *creem.Checkout
	if err := step("1. a buyer subscribes", func() error {
		if product, err = client.Products.Create(ctx, &creem.CreateProductParams{
			Name: "Pro monthly", Price: creem.Int64(1500), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeRecurring,
		}); err != nil {
			return err
		}
		if checkout, err = client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID}); err != nil {
			return err
		}
		_, err := fake.Pay(ctx, checkout.ID, "buyer@example.com")
		return err
	}); err != nil {
		return err
	}
	done, err := client.Checkouts.Get(ctx, checkout.ID)
	if err != nil {
		return err
	}
	if err := step("2. the subscription is canceled", func() error {
		_, err := client.Subscriptions.Cancel(ctx, done.Subscription.ID, nil)
		return err
	}); err != nil {
		return err
	}
	if err := step("3. the payment is refunded", func() error {
		_, err := client.Transactions.Refund(ctx, *done.Order.Transaction)
		return err
	}); err != nil {
		return err
	}

	ok := 0
	for _, d := range fake.Deliveries() {
		if d.OK() {
			ok++
		}
	}
	fmt.Fprintf(out, "%d events delivered, all signed and verified; access now: %s\n", ok, acc)
	return nil
}
