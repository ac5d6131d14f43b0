// Package e2e drives the webshop example in a real headless Chromium: the percent-encoding of
// redirect parameters, 303 handling and the pages the buyer sees only show in a real browser.
package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
	"github.com/creem-go/creem/examples/webshop/shop"
)

// chromiumPath finds the browser: $CHROMIUM, or Debian's chromium on the PATH.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install it (apt-get install -y chromium) or set CHROMIUM")
	return ""
}

// browser starts a headless Chromium with a fresh profile; it is stopped when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 800),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// world is creemtest and the shop, wired together as the example's main does.
type world struct {
	fake *creemtest.Server
	shop *shop.Shop
	url  string
}

func start(t *testing.T) *world {
	t.Helper()
	fake := creemtest.NewServer()
	t.Cleanup(fake.Close)
	client, err := fake.Client()
	if err != nil {
		t.Fatal(err)
	}
	p, err := client.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "The Go Payments Handbook", Description: "An e-book", Price: creem.Int64(2400),
		Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := shop.New(context.Background(), shop.Config{Client: client, APIKey: fake.APIKey, WebhookSecret: fake.WebhookSecret, ProductID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	fake.AddWebhookEndpoint(srv.URL + "/webhooks/creem")
	return &world{fake: fake, shop: s, url: srv.URL}
}

// screenshot saves the current page as name.png in the test's temp dir (or in
// $E2E_SCREENSHOT_DIR, to keep it) and logs the path.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("E2E_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the final page: %s", path)
}

// buy goes through the shop and Creem's payment page like a buyer and returns the URL the
// browser lands on.
func buy(t *testing.T, ctx context.Context, w *world, reference string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.url+"/"),
		chromedp.WaitVisible(chromedp.ID("buy")),
		chromedp.SendKeys(chromedp.ID("reference"), reference),
		chromedp.Click(chromedp.ID("buy")),
		chromedp.WaitVisible(chromedp.ID("pay")), // creemtest's hosted payment page
		chromedp.SendKeys(chromedp.ID("email"), "zoe@example.com"),
		chromedp.Click(chromedp.ID("pay")),
	)
	if err != nil {
		t.Fatalf("buying: %v", err)
	}
	// Pay answers 303 See Other to the shop's success URL; wait until the browser is there.
	deadline := time.Now().Add(15 * time.Second)
	for {
		landed, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(landed, w.url+"/success") {
			if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
				t.Fatal(err)
			}
			return landed
		}
		if time.Now().After(deadline) {
			t.Fatalf("still on %s after paying", landed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// text reads the text of the element with this id once it is visible.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID(id))); err != nil {
		t.Fatalf("waiting for #%s: %v", id, err)
	}
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("reading #%s: %v", id, err)
	}
	return s
}

func waitForWebhooks(t *testing.T, w *world) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.fake.WaitForDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBuyPayAndGetVerified(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	landed := buy(t, ctx, w, "order-1001")
	if !strings.HasPrefix(landed, w.url+"/success?") {
		t.Fatalf("landed on %s", landed)
	}
	if heading, reference := text(t, ctx, "verified"), text(t, ctx, "reference"); heading != "Payment verified" || reference != "order-1001" {
		t.Fatalf("success page shows %q for %q", heading, reference)
	}

	waitForWebhooks(t, w)
	o, ok := w.shop.Order("order-1001")
	if !ok || o.Status != shop.StatusPaid || !strings.HasPrefix(o.CreemOrderID, "ord_") {
		t.Fatalf("the webhook did not mark the order paid: %+v", o)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/orders")); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("tr.order .status")))
	if err != nil || status != "paid" {
		t.Fatalf("the orders page says %q (%v)", status, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(landed)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "status"); got != "paid" {
		t.Fatalf("the success page, reloaded, says %q", got)
	}
	screenshot(t, ctx, "payment-verified")
}

func TestTamperedSuccessURLIsRefused(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	landed := buy(t, ctx, w, "order-2002")
	tampered := strings.Replace(landed, "order_id=ord_", "order_id=ord_forged", 1)
	if tampered == landed {
		t.Fatalf("no order_id in %s", landed)
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tampered))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 401 {
		t.Fatalf("status %d for the tampered URL, want 401", resp.Status)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(body) != "Invalid signature" {
		t.Fatalf("a tampered redirect shows %q", body)
	}
	screenshot(t, ctx, "invalid-signature")
}

// A reference with spaces, reserved and non-ASCII characters is percent-encoded by creemtest,
// carried through the browser's redirect and verified by the SDK, and arrives unchanged.
func TestRequestIDWithSpacesAndNonASCIISurvives(t *testing.T) {
	const reference = "Bestellung für Zoë & Co / Nr. 7? ü€"
	w := start(t)
	ctx := browser(t)
	landed := buy(t, ctx, w, reference)
	if shown := text(t, ctx, "reference"); shown != reference {
		t.Fatalf("the success page shows %q, want %q (landed on %s)", shown, reference, landed)
	}
	waitForWebhooks(t, w)
	if o, ok := w.shop.Order(reference); !ok || o.Status != shop.StatusPaid {
		t.Fatalf("order %q: %+v", reference, o)
	}
	screenshot(t, ctx, "request-id-round-trip")
}
