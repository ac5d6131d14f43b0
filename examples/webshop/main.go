// Command webshop is a small web shop selling one product through Creem: a product page with a
// Buy button, Creem's payment page, a success page that verifies the signed redirect and says
// "confirming" until the webhook marks the order paid, and an orders page.
//
// By default it runs against creemtest, an in-process fake Creem, and prints the URL to open:
//
//	go run ./examples/webshop
//
// With CREEM_API_KEY and CREEM_WEBHOOK_SECRET it runs against Creem's test mode (set
// CREEM_PRODUCT_ID to sell an existing product, and SHOP_URL to the public URL Creem should
// redirect to and post webhooks to). SHOP_ADDR sets the listen address (127.0.0.1:8000).
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
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
	"github.com/creem-go/creem/examples/webshop/shop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "webshop:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	addr := getenv("SHOP_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8000"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	shopURL := getenv("SHOP_URL")
	if shopURL == "" {
		shopURL = "http://" + ln.Addr().String()
	}

	cfg := shop.Config{APIKey: getenv("CREEM_API_KEY"), WebhookSecret: getenv("CREEM_WEBHOOK_SECRET"), ProductID: getenv("CREEM_PRODUCT_ID"), BaseURL: shopURL}
	var opts []creem.Option
	if cfg.APIKey == "" {
		fake := creemtest.NewServer()
		defer fake.Close()
		cfg.APIKey, cfg.WebhookSecret = fake.APIKey, fake.WebhookSecret
		opts = append(opts, creem.WithBaseURL(fake.URL))
		fake.AddWebhookEndpoint(shopURL + "/webhooks/creem")
		fmt.Fprintf(out, "No CREEM_API_KEY set: Creem is played by creemtest at %s\n", fake.URL)
	} else if cfg.WebhookSecret == "" {
		return errors.New("CREEM_WEBHOOK_SECRET is required with CREEM_API_KEY")
	}
	if cfg.Client, err = creem.NewClient(cfg.APIKey, opts...); err != nil {
		return err
	}
	if cfg.ProductID == "" {
		p, err := cfg.Client.Products.Create(ctx, &creem.CreateProductParams{
			Name: "The Go Payments Handbook", Description: "An e-book about taking money safely",
			Price: creem.Int64(2400), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
		})
		if err != nil {
			return fmt.Errorf("creating the product: %w", err)
		}
		cfg.ProductID = p.ID
	}
	s, err := shop.New(ctx, cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "Shop running: open %s in a browser (Ctrl-C stops it)\n", shopURL)
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
