// Package e2e drives the webshop example in a real headless Chromium: the percent-encoding of
// redirect parameters, 303 handling, the page reloading itself until the webhook arrives, layout
// at desktop and phone widths: the pages the buyer sees only show in a real browser.
package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
	"github.com/creem-go/creem/examples/webshop/shop"
)

// The exact wording of the success page's two states.
const (
	pendingWording = "Payment received — confirming…"
	paidWording    = "Paid"
)

// The window of every test; phone checks narrow the viewport to phoneWidth×phoneHeight.
const (
	windowWidth, windowHeight = 1000, 800
	phoneWidth, phoneHeight   = 390, 844
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
		chromedp.WindowSize(windowWidth, windowHeight),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// world is creemtest and the shop, wired together as the example's main does.
type world struct {
	fake *creemtest.Server
	shop *shop.Shop
	url  string
}

func start(t *testing.T, configure ...func(*shop.Config)) *world {
	t.Helper()
	fake := creemtest.NewServer()
	t.Cleanup(fake.Close)
	client, err := fake.Client(creem.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p, err := client.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "The Go Payments Handbook", Description: "An e-book about taking money safely", Price: creem.Int64(2400),
		Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := shop.Config{Client: client, APIKey: fake.APIKey, WebhookSecret: fake.WebhookSecret, ProductID: p.ID}
	for _, c := range configure {
		c(&cfg)
	}
	s, err := shop.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	fake.AddWebhookEndpoint(srv.URL + "/webhooks/creem")
	return &world{fake: fake, shop: s, url: srv.URL}
}

// screenshotDirs is each running test's temp dir for screenshots, made on its first one.
var screenshotDirs = struct {
	sync.Mutex
	m map[*testing.T]string
}{m: map[*testing.T]string{}}

// screenshot saves the current page as name.png in $E2E_SCREENSHOT_DIR (to keep it) or in the
// test's temp dir, and logs the path.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("E2E_SCREENSHOT_DIR")
	if dir == "" {
		screenshotDirs.Lock()
		if screenshotDirs.m[t] == "" {
			screenshotDirs.m[t] = t.TempDir()
			t.Cleanup(func() {
				screenshotDirs.Lock()
				defer screenshotDirs.Unlock()
				delete(screenshotDirs.m, t)
			})
		}
		dir = screenshotDirs.m[t]
		screenshotDirs.Unlock()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// buy goes through the shop and Creem's payment page like a buyer and returns the URL the
// browser lands on. With shot set, it screenshots Creem's payment page under that name.
func buy(t *testing.T, ctx context.Context, w *world, shot string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.url+"/"),
		chromedp.WaitVisible(chromedp.ID("buy")),
		chromedp.Click(chromedp.ID("buy")),
		chromedp.WaitVisible(chromedp.ID("pay")), // creemtest's hosted payment page
	)
	if err != nil {
		t.Fatalf("buying: %v", err)
	}
	if shot != "" {
		screenshot(t, ctx, shot)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "zoe@example.com"),
		chromedp.Click(chromedp.ID("pay")),
	)
	if err != nil {
		t.Fatalf("paying: %v", err)
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

// text reads the text of the element with this id once it is visible (within 10 s).
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.ID(id))); err != nil {
		t.Fatalf("waiting for #%s: %v", id, err)
	}
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("reading #%s: %v", id, err)
	}
	return s
}

// eval evaluates a script on the page, waiting through a reload that destroys its context.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	var err error
	for range 50 {
		var v T
		if v, err = chromedp.Run(ctx, chromedp.Evaluate[T](script)); err == nil {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("evaluating %s: %v", script, err)
	panic("unreachable")
}

// textNow is the trimmed text of the element with this id on whatever page is loaded ("" when
// there is none), read without waiting: the page may be reloading.
func textNow(ctx context.Context, id string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`((document.getElementById(%q)||{}).textContent||"").trim()`, id)))
}

// waitUntil polls cond every 50 ms until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitForWebhooks(t *testing.T, w *world) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.fake.WaitForDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
}

func navigate(t *testing.T, ctx context.Context, u string) int64 {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	return resp.Status
}

// layout is what the browser measured of the page's width.
type layout struct {
	Inner, Client, Scroll, Widest int
	Clipped                       []string // table cells whose content is wider than the cell
	Broken                        []string // words of the page broken across two lines
	Narrowest                     int      // the narrowest table cell, in CSS pixels
}

const measure = `(() => {
	const d = document.documentElement;
	let widest = 0;
	for (const el of document.body.querySelectorAll('*')) widest = Math.max(widest, el.getBoundingClientRect().right);
	const clipped = [...document.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth).map(c => c.className + ': ' + c.textContent);
	const broken = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n; (n = walker.nextNode());) {
		for (const m of n.data.matchAll(/\S+/g)) {
			const r = document.createRange();
			r.setStart(n, m.index);
			r.setEnd(n, m.index + m[0].length);
			const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.bottom)));
			if (lines.size > 1) broken.push(m[0]);
		}
	}
	const cells = [...document.querySelectorAll('td')].map(c => c.getBoundingClientRect().width);
	return {inner: window.innerWidth, client: d.clientWidth, scroll: d.scrollWidth, widest: Math.ceil(widest),
		clipped, broken, narrowest: cells.length ? Math.floor(Math.min(...cells)) : 0};
})()`

// assertFits checks that nothing on the page is wider than a viewport of the given width: no
// horizontal scrolling, no element past the right edge, no table cell clipping its text, no word
// broken across lines, and table cells no narrower than minCell.
func assertFits(t *testing.T, ctx context.Context, width, minCell int) {
	t.Helper()
	l := eval[layout](t, ctx, measure)
	if l.Inner != width {
		t.Fatalf("the viewport is %d px wide, want %d", l.Inner, width)
	}
	if l.Scroll > l.Client || l.Widest > l.Client {
		t.Errorf("the page overflows a %d px viewport: scrollWidth %d, clientWidth %d, widest element ends at %d", width, l.Scroll, l.Client, l.Widest)
	}
	if len(l.Clipped) > 0 {
		t.Errorf("table cells clip their text at %d px: %q", width, l.Clipped)
	}
	if len(l.Broken) > 0 {
		t.Errorf("words broken across lines at %d px: %q", width, l.Broken)
	}
	if l.Narrowest > 0 && l.Narrowest < minCell {
		t.Errorf("a table cell is %d px wide at %d px, want at least %d", l.Narrowest, width, minCell)
	}
	t.Logf("at %d px: scrollWidth %d, clientWidth %d, widest element ends at %d, narrowest table cell %d px", width, l.Scroll, l.Client, l.Widest, l.Narrowest)
}

func phone(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight)); err != nil {
		t.Fatal(err)
	}
}

// The golden path, state by state: product page, Creem's page, the success page saying
// "confirming" and reloading itself while the webhook is held, then "Paid" once it arrives
// (without the buyer doing anything), and the orders table.
func TestBuyPayAndGetVerified(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	release := w.fake.HoldWebhooks()

	if status := navigate(t, ctx, w.url+"/"); status != http.StatusOK {
		t.Fatalf("product page: status %d", status)
	}
	if name, price := text(t, ctx, "name"), text(t, ctx, "price"); name != "The Go Payments Handbook" || price != "€24.00" {
		t.Fatalf("the product page shows %q at %q", name, price)
	}
	if fields := eval[int](t, ctx, `document.querySelectorAll('input, textarea, select').length`); fields != 0 {
		t.Fatalf("the product page asks the buyer for %d fields, want none", fields)
	}
	assertFits(t, ctx, windowWidth, 0)
	screenshot(t, ctx, "01-product")

	landed := buy(t, ctx, w, "02-creem-payment-page")
	u, err := url.Parse(landed)
	if err != nil || !strings.HasPrefix(landed, w.url+"/success?") {
		t.Fatalf("landed on %s", landed)
	}
	orders := w.shop.Orders()
	if len(orders) != 1 || orders[0].ID != "WS-1001" || u.Query().Get("request_id") != orders[0].ID {
		t.Fatalf("the shop's orders %+v, the redirect's request_id %q", orders, u.Query().Get("request_id"))
	}
	if status, id := text(t, ctx, "status"), text(t, ctx, "order-id"); status != pendingWording || id != "WS-1001" {
		t.Fatalf("before the webhook the success page shows %q for %q", status, id)
	}
	if amount := text(t, ctx, "amount"); amount != "€24.00" {
		t.Fatalf("the success page shows the amount %q", amount)
	}
	assertFits(t, ctx, windowWidth, 0)
	screenshot(t, ctx, "03-success-pending")

	// Held webhook: the page reloads itself and stays honest.
	eval[bool](t, ctx, `window.sameDocument = true`)
	waitUntil(t, 10*time.Second, "the pending page to reload itself", func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.sameDocument === true`))
		return err == nil && !v
	})
	if status, err := textNow(ctx, "status"); err != nil || status != pendingWording {
		t.Fatalf("reloaded before the webhook, the success page says %q (%v)", status, err)
	}
	if o, _ := w.shop.Order("WS-1001"); o.Status != shop.StatusPending {
		t.Fatalf("the order is %s before its webhook", o.Status)
	}

	// The webhook arrives; the buyer does nothing and the page turns to "Paid".
	eval[bool](t, ctx, `window.sameDocument = true`)
	release()
	waitUntil(t, 15*time.Second, "the success page to say Paid", func() bool {
		s, err := textNow(ctx, "status")
		return err == nil && s == paidWording
	})
	if same := eval[bool](t, ctx, `window.sameDocument === true`); same {
		t.Fatal(`"Paid" appeared without a reload`)
	}
	if now := eval[string](t, ctx, `location.href`); now != landed {
		t.Fatalf("the page moved to %s", now)
	}
	if refresh := eval[int](t, ctx, `document.querySelectorAll('meta[http-equiv="refresh"]').length`); refresh != 0 {
		t.Fatal("the paid page still reloads itself")
	}
	assertFits(t, ctx, windowWidth, 0)
	screenshot(t, ctx, "04-success-paid")

	waitForWebhooks(t, w)
	o, ok := w.shop.Order("WS-1001")
	if !ok || o.Status != shop.StatusPaid || !strings.HasPrefix(o.CreemOrderID, "ord_") {
		t.Fatalf("the webhook did not mark the order paid: %+v", o)
	}

	// A second order, abandoned on Creem's page, stays pending.
	if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/"), chromedp.Click(chromedp.ID("buy")), chromedp.WaitVisible(chromedp.ID("pay"))); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, w.url+"/orders")
	rows := eval[[][]string](t, ctx, `[...document.querySelectorAll('#orders tr')].map(r => [...r.cells].map(c => c.innerText.trim()))`)
	if len(rows) != 3 ||
		strings.Join(rows[0], "|") != "Date (UTC)|Order|Product|Amount|Status" ||
		strings.Join(rows[1][1:], "|") != "WS-1002|The Go Payments Handbook|€24.00|Pending" ||
		strings.Join(rows[2][1:], "|") != "WS-1001|The Go Payments Handbook|€24.00|Paid" {
		t.Fatalf("the orders table reads %q", rows)
	}
	if date := rows[2][0]; date != o.Created.UTC().Format("2 Jan 2006, 15:04") {
		t.Fatalf("the order's date reads %q", date)
	}
	if status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("tr.order:last-child .status"))); err != nil || status != "Paid" {
		t.Fatalf("the orders page says %q (%v)", status, err)
	}
	assertFits(t, ctx, windowWidth, 64)
	screenshot(t, ctx, "05-orders")
	phone(t, ctx)
	navigate(t, ctx, w.url+"/orders")
	assertFits(t, ctx, phoneWidth, 48)
	screenshot(t, ctx, "06-orders-phone")

	navigate(t, ctx, landed)
	if got := text(t, ctx, "status"); got != paidWording {
		t.Fatalf("the success page, reloaded, says %q", got)
	}
	assertFits(t, ctx, phoneWidth, 0)
	screenshot(t, ctx, "07-success-paid-phone")
}

// A tampered success URL gets 401 and the shop's page with a way back, showing nothing of the
// forged values.
func TestTamperedSuccessURLIsRefused(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	landed := buy(t, ctx, w, "")
	tampered := strings.Replace(landed, "order_id=ord_", "order_id=ord_forged", 1)
	if tampered == landed {
		t.Fatalf("no order_id in %s", landed)
	}
	if status := navigate(t, ctx, tampered); status != http.StatusUnauthorized {
		t.Fatalf("status %d for the tampered URL, want 401", status)
	}
	if title := text(t, ctx, "error-title"); title != "We couldn't verify this link" {
		t.Fatalf("a tampered redirect shows %q", title)
	}
	if msg := text(t, ctx, "error"); !strings.Contains(msg, "changed or cut short") {
		t.Fatalf("a tampered redirect explains %q", msg)
	}
	if body := eval[string](t, ctx, `document.body.innerText`); strings.Contains(body, "forged") || strings.Contains(body, "WS-1001") {
		t.Fatalf("the 401 page shows unverified values: %q", body)
	}
	if back := text(t, ctx, "back"); back != "Back to the shop" {
		t.Fatalf("the way back reads %q", back)
	}
	assertFits(t, ctx, windowWidth, 0)
	screenshot(t, ctx, "08-tampered-401")
	phone(t, ctx)
	assertFits(t, ctx, phoneWidth, 0)
	screenshot(t, ctx, "09-tampered-401-phone")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("back")), chromedp.WaitVisible(chromedp.ID("buy"))); err != nil {
		t.Fatalf("following the way back: %v", err)
	}
	if now := eval[string](t, ctx, `location.href`); now != w.url+"/" {
		t.Fatalf("the way back leads to %s", now)
	}
}

// An order ID with spaces, reserved and non-ASCII characters (a shop's own naming scheme, set
// through Config.NewOrderID) is sent as request_id, percent-encoded by creemtest, carried through
// the browser's redirect, verified by the SDK, and arrives unchanged on the page and in the
// webhook.
func TestRequestIDWithSpacesAndNonASCIISurvives(t *testing.T) {
	const orderID = "Bestellung für Zoë & Co / Nr. 7? ü€"
	w := start(t, func(c *shop.Config) {
		c.NewOrderID = func(n int) string { return fmt.Sprintf("Bestellung für Zoë & Co / Nr. %d? ü€", n+6) }
	})
	ctx := browser(t)
	landed := buy(t, ctx, w, "")
	if u, err := url.Parse(landed); err != nil || u.Query().Get("request_id") != orderID {
		t.Fatalf("landed on %s", landed)
	}
	if shown := text(t, ctx, "order-id"); shown != orderID {
		t.Fatalf("the success page shows %q, want %q (landed on %s)", shown, orderID, landed)
	}
	waitForWebhooks(t, w)
	if o, ok := w.shop.Order(orderID); !ok || o.Status != shop.StatusPaid {
		t.Fatalf("order %q: %+v", orderID, o)
	}
	navigate(t, ctx, landed)
	if got := text(t, ctx, "status"); got != paidWording {
		t.Fatalf("the success page, reloaded, says %q", got)
	}
	screenshot(t, ctx, "10-order-id-round-trip")
	navigate(t, ctx, w.url+"/orders")
	if shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("tr.order .order-id"))); err != nil || shown != orderID {
		t.Fatalf("the orders page shows %q (%v)", shown, err)
	}
	phone(t, ctx)
	navigate(t, ctx, w.url+"/orders")
	assertFits(t, ctx, phoneWidth, 48)
	screenshot(t, ctx, "11-order-id-orders-phone")
}

// An unknown address gets the shop's 404 page with a way back.
func TestNotFoundPage(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	if status := navigate(t, ctx, w.url+"/no/such/page"); status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", status)
	}
	if title := text(t, ctx, "error-title"); title != "Page not found" {
		t.Fatalf("the 404 page says %q", title)
	}
	assertFits(t, ctx, windowWidth, 0)
	screenshot(t, ctx, "12-not-found-404")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("back")), chromedp.WaitVisible(chromedp.ID("buy"))); err != nil {
		t.Fatalf("following the way back: %v", err)
	}
}

// With Creem down, Buy lands on the shop's 502 page, and the product page stays usable at a
// phone's width.
func TestCreemUnavailable(t *testing.T) {
	w := start(t)
	ctx := browser(t)
	phone(t, ctx)
	navigate(t, ctx, w.url+"/")
	assertFits(t, ctx, phoneWidth, 0)
	screenshot(t, ctx, "13-product-phone")

	w.fake.FailNext("POST /v1/checkouts", 20, creemtest.Fault{Status: http.StatusServiceUnavailable})
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("buy")))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusBadGateway {
		t.Fatalf("Buy with Creem down: status %d, want 502", resp.Status)
	}
	if title := text(t, ctx, "error-title"); title != "Payments are unavailable right now" {
		t.Fatalf("the 502 page says %q", title)
	}
	assertFits(t, ctx, phoneWidth, 0)
	screenshot(t, ctx, "14-creem-unavailable-502-phone")
	if len(w.shop.Orders()) != 0 {
		t.Fatalf("orders after a failed Buy: %+v", w.shop.Orders())
	}
}
