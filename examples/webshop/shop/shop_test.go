package shop_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
	"github.com/creem-go/creem/examples/webshop/shop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The exact wording of the success page's two states.
const (
	pendingWording = "Payment received — confirming…"
	paidWording    = "Paid"
)

type world struct {
	fake    *creemtest.Server
	shop    *shop.Shop
	srv     *httptest.Server
	browser *http.Client // follows redirects, keeps cookies
}

// start runs creemtest and the shop, wired together as main does; configure may adjust the
// shop's configuration.
func start(t *testing.T, configure ...func(*creemtest.Server, *shop.Config)) *world {
	t.Helper()
	fake := creemtest.NewServer()
	t.Cleanup(fake.Close)
	client, err := fake.Client()
	require.NoError(t, err)
	p, err := client.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "Handbook", Description: "An e-book", Price: creem.Int64(2400), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	require.NoError(t, err)
	cfg := shop.Config{Client: client, APIKey: fake.APIKey, WebhookSecret: fake.WebhookSecret, ProductID: p.ID}
	for _, c := range configure {
		c(fake, &cfg)
	}
	s, err := shop.New(context.Background(), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	fake.AddWebhookEndpoint(srv.URL + "/webhooks/creem")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	t.Cleanup(browser.CloseIdleConnections)
	return &world{fake: fake, shop: s, srv: srv, browser: browser}
}

type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL // where the client landed
}

func (w *world) get(t *testing.T, u string) page {
	t.Helper()
	resp, err := w.browser.Get(u)
	require.NoError(t, err)
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), url: resp.Request.URL}
}

// buyAndPay clicks Buy, pays on creemtest's page and returns the success page it lands on.
func (w *world) buyAndPay(t *testing.T) page {
	t.Helper()
	resp, err := w.browser.Post(w.srv.URL+"/buy", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	pay := read(t, resp)
	require.Equal(t, http.StatusOK, pay.status, pay.body)
	require.True(t, strings.HasPrefix(pay.url.String(), w.fake.URL+"/checkout/ch_"), pay.url.String())
	require.Contains(t, pay.body, `id="pay"`)
	resp, err = w.browser.PostForm(pay.url.String(), url.Values{"email": {"zoe@example.com"}})
	require.NoError(t, err)
	success := read(t, resp)
	require.Equal(t, "/success", success.url.Path)
	return success
}

func (w *world) waitForWebhooks(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, w.fake.WaitForDeliveries(ctx))
}

// textOf returns the unescaped text of the element with this id (which holds no other tags).
func textOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	require.NotNil(t, m, "no #%s in:\n%s", id, body)
	return html.UnescapeString(m[1])
}

// has and hasNot check a page for a snippet, naming the snippet rather than printing the page.
func has(t *testing.T, body, snippet string, msg ...any) {
	t.Helper()
	if !strings.Contains(body, snippet) {
		t.Errorf("the page lacks %q %v", snippet, msg)
	}
}

func hasNot(t *testing.T, body, snippet string, msg ...any) {
	t.Helper()
	if strings.Contains(body, snippet) {
		t.Errorf("the page has %q %v", snippet, msg)
	}
}

const refresh = `<meta http-equiv="refresh" content="2">`

// assertErrorPage checks the shop's styled error page: the status, a title, the layout and the
// link back to the shop.
func assertErrorPage(t *testing.T, p page, status int, title string) {
	t.Helper()
	assert.Equal(t, status, p.status)
	assert.Equal(t, "text/html; charset=utf-8", p.header.Get("Content-Type"))
	assert.Equal(t, title, textOf(t, p.body, "error-title"))
	has(t, p.body, `<a id="back" class="button" href="/">Back to the shop</a>`)
	has(t, p.body, `<header class="site">`, "the shop's layout")
	has(t, p.body, ">Error "+strconv.Itoa(status)+"<")
}

// The product page shows the formatted price and a Buy button, and no field for the buyer to
// fill in: the shop names orders itself.
func TestProductPage(t *testing.T) {
	w := start(t)
	p := w.get(t, w.srv.URL+"/")
	assert.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "Handbook", textOf(t, p.body, "name"))
	assert.Equal(t, "€24.00", textOf(t, p.body, "price"))
	assert.Equal(t, "Buy now", textOf(t, p.body, "buy"))
	hasNot(t, p.body, "<input")
	hasNot(t, p.body, "<textarea")
	hasNot(t, strings.ToLower(p.body), "reference")
	has(t, p.body, `<a href="/" aria-current="page">Shop</a>`)
}

// The whole purchase over plain HTTP, the way a browser makes it: the success page says
// "confirming" and reloads itself until the webhook marks the order paid, then says "Paid".
func TestPurchasePendingThenPaid(t *testing.T) {
	w := start(t)
	release := w.fake.HoldWebhooks()

	success := w.buyAndPay(t)
	require.Equal(t, http.StatusOK, success.status, success.body)
	assert.Equal(t, "WS-1001", success.url.Query().Get("request_id"))
	assert.Equal(t, "WS-1001", textOf(t, success.body, "order-id"))
	assert.Equal(t, pendingWording, textOf(t, success.body, "status"))
	has(t, success.body, `class="state pending"`)
	has(t, success.body, refresh)
	assert.Equal(t, "no-store", success.header.Get("Cache-Control"))
	assert.Equal(t, "Handbook", textOf(t, success.body, "product"))
	assert.Equal(t, "€24.00", textOf(t, success.body, "amount"))
	hasNot(t, success.body, ">Paid<")
	o, ok := w.shop.Order("WS-1001")
	require.True(t, ok)
	assert.Equal(t, shop.StatusPending, o.Status)
	orders := w.get(t, w.srv.URL+"/orders")
	has(t, orders.body, `<span class="badge pending">Pending</span>`)

	// The page asks again: still pending while the webhook is held.
	again := w.get(t, success.url.String())
	assert.Equal(t, pendingWording, textOf(t, again.body, "status"))

	release()
	w.waitForWebhooks(t)
	o, ok = w.shop.Order("WS-1001")
	require.True(t, ok)
	assert.Equal(t, shop.StatusPaid, o.Status)
	assert.True(t, strings.HasPrefix(o.CreemOrderID, "ord_"), o.CreemOrderID)
	assert.Equal(t, int64(2400), o.Amount)
	assert.Equal(t, creem.CurrencyEUR, o.Currency)

	paid := w.get(t, success.url.String())
	require.Equal(t, http.StatusOK, paid.status)
	assert.Equal(t, paidWording, textOf(t, paid.body, "status"))
	has(t, paid.body, `class="state paid"`)
	hasNot(t, paid.body, "confirming")
	hasNot(t, paid.body, `http-equiv="refresh"`)
	assert.Equal(t, "€24.00", textOf(t, paid.body, "amount"))

	orders = w.get(t, w.srv.URL+"/orders")
	has(t, orders.body, `<th scope="col">Date (UTC)</th><th scope="col">Order</th><th scope="col">Product</th><th scope="col" class="num">Amount</th><th scope="col">Status</th>`)
	has(t, orders.body, `<td class="order-id">WS-1001</td><td class="product">Handbook</td><td class="amount num">€24.00</td><td class="status"><span class="badge paid">Paid</span></td>`)
	hasNot(t, orders.body, o.CheckoutID, "developer fields stay off the page")
	hasNot(t, orders.body, o.CreemOrderID, "developer fields stay off the page")
}

// A webhook that never comes: after ConfirmationWait the page stops reloading and says so, still
// without claiming the payment is confirmed.
func TestSuccessPageStopsReloadingAfterConfirmationWait(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 14, 10, 4, 0, 0, time.UTC)
	w := start(t, func(_ *creemtest.Server, c *shop.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	w.fake.HoldWebhooks() // never released: the page stays pending
	success := w.buyAndPay(t)
	has(t, success.body, refresh)
	has(t, success.body, `<time datetime="2026-05-14T10:04:00Z">14 May 2026, 10:04 UTC</time>`)

	mu.Lock()
	now = now.Add(shop.ConfirmationWait)
	mu.Unlock()
	late := w.get(t, success.url.String())
	assert.Equal(t, http.StatusOK, late.status)
	assert.Equal(t, pendingWording, textOf(t, late.body, "status"))
	assert.Contains(t, textOf(t, late.body, "status-detail"), "taking longer than usual")
	hasNot(t, late.body, `http-equiv="refresh"`)
}

// A success URL that does not verify gets the shop's 401 page, which shows nothing from the
// unverified query.
func TestUnverifiedSuccessURL(t *testing.T) {
	w := start(t)
	success := w.buyAndPay(t)
	require.Equal(t, http.StatusOK, success.status)
	landed := success.url.String()

	tampered := strings.Replace(landed, "order_id=ord_", "order_id=ord_X", 1)
	require.NotEqual(t, landed, tampered)
	p := w.get(t, tampered)
	assertErrorPage(t, p, http.StatusUnauthorized, "We couldn't verify this link")
	assert.Contains(t, textOf(t, p.body, "error"), "changed or cut short")
	hasNot(t, p.body, "ord_X", "unverified values are not shown")
	hasNot(t, p.body, "WS-1001", "unverified values are not shown")

	unsigned := regexp.MustCompile(`&signature=[^&]*`).ReplaceAllString(landed, "")
	require.NotEqual(t, landed, unsigned)
	p = w.get(t, unsigned)
	assertErrorPage(t, p, http.StatusUnauthorized, "We couldn't verify this link")
	assert.Contains(t, textOf(t, p.body, "error"), "has no signature")

	p = w.get(t, w.srv.URL+"/success")
	assertErrorPage(t, p, http.StatusUnauthorized, "We couldn't verify this link")
}

// A redirect that verifies but names no order of this shop (or another checkout than the
// order's) gets a 404 page, not someone else's order.
func TestVerifiedRedirectForAnotherOrder(t *testing.T) {
	w := start(t)
	success := w.buyAndPay(t)
	require.Equal(t, http.StatusOK, success.status)

	for _, params := range []creem.RedirectParams{
		{RequestID: "WS-9999", CheckoutID: "ch_1", OrderID: "ord_1", CustomerID: "cust_1", ProductID: "prod_1"},
		{RequestID: "WS-1001", CheckoutID: "ch_other", OrderID: "ord_2", CustomerID: "cust_1", ProductID: "prod_1"},
	} {
		raw := "request_id=" + url.QueryEscape(params.RequestID) + "&checkout_id=" + params.CheckoutID + "&order_id=" + params.OrderID +
			"&customer_id=" + params.CustomerID + "&product_id=" + params.ProductID + "&signature=" + creem.SignRedirect(params, w.fake.APIKey)
		p := w.get(t, w.srv.URL+"/success?"+raw)
		assertErrorPage(t, p, http.StatusNotFound, "Order not found")
		assert.Contains(t, textOf(t, p.body, "error"), "quote Creem order "+params.OrderID)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	w := start(t)
	p := w.get(t, w.srv.URL+"/no/such/page")
	assertErrorPage(t, p, http.StatusNotFound, "Page not found")
	hasNot(t, p.body, "404 page not found", "the mux's plain text is replaced")

	p = w.get(t, w.srv.URL+"/buy")
	assertErrorPage(t, p, http.StatusMethodNotAllowed, "This page can't be opened this way")
	assert.Equal(t, "POST", p.header.Get("Allow"))
	assert.Empty(t, p.header.Get("X-Content-Type-Options"))
}

// When Creem is down, Buy answers 502 with the shop's page, and no order is recorded.
func TestBuyWhenCreemIsUnavailable(t *testing.T) {
	w := start(t, func(fake *creemtest.Server, c *shop.Config) {
		client, err := fake.Client(creem.WithRetryMax(0))
		require.NoError(t, err)
		c.Client = client
	})
	w.fake.FailNext("POST /v1/checkouts", 1, creemtest.Fault{Status: http.StatusServiceUnavailable})
	resp, err := w.browser.Post(w.srv.URL+"/buy", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	p := read(t, resp)
	assertErrorPage(t, p, http.StatusBadGateway, "Payments are unavailable right now")
	assert.Contains(t, textOf(t, p.body, "error"), "You have not been charged")
	assert.Empty(t, w.shop.Orders())

	// Creem is back: the next order works.
	success := w.buyAndPay(t)
	assert.Equal(t, http.StatusOK, success.status)
}

// The shop numbers its orders; a "reference" field posted by hand changes nothing.
func TestShopNamesOrders(t *testing.T) {
	w := start(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer noFollow.CloseIdleConnections()
	for range 2 {
		resp, err := noFollow.PostForm(w.srv.URL+"/buy", url.Values{"reference": {"mine"}, "request_id": {"mine"}})
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), w.fake.URL+"/checkout/ch_"))
	}
	var ids []string
	for _, o := range w.shop.Orders() {
		ids = append(ids, o.ID)
		assert.Equal(t, shop.StatusPending, o.Status)
	}
	assert.Equal(t, []string{"WS-1002", "WS-1001"}, ids, "newest first")
	_, ok := w.shop.Order("mine")
	assert.False(t, ok)
}

// A shop's own naming scheme with spaces, reserved and non-ASCII characters: the order ID goes
// to Creem as request_id, comes back percent-encoded on the signed redirect, and arrives
// unchanged on the success page and in the webhook.
func TestOrderIDWithSpacesAndNonASCIISurvives(t *testing.T) {
	const want = "Bestellung für Zoë & Co / Nr. 1? ü€"
	w := start(t, func(_ *creemtest.Server, c *shop.Config) {
		c.NewOrderID = func(n int) string { return "Bestellung für Zoë & Co / Nr. " + strconv.Itoa(n) + "? ü€" }
	})
	success := w.buyAndPay(t)
	require.Equal(t, http.StatusOK, success.status, success.body)
	assert.Equal(t, want, success.url.Query().Get("request_id"))
	assert.Equal(t, want, textOf(t, success.body, "order-id"))
	w.waitForWebhooks(t)
	o, ok := w.shop.Order(want)
	require.True(t, ok)
	assert.Equal(t, shop.StatusPaid, o.Status)
	assert.Equal(t, paidWording, textOf(t, w.get(t, success.url.String()).body, "status"))
}

// Order IDs the redirect could not carry, or that repeat, stop the purchase before any checkout.
func TestUnusableOrderIDs(t *testing.T) {
	for name, newID := range map[string]func(int) string{
		"pipe":      func(int) string { return "a|b" },
		"empty":     func(int) string { return "" },
		"duplicate": func(int) string { return "same" },
	} {
		t.Run(name, func(t *testing.T) {
			w := start(t, func(_ *creemtest.Server, c *shop.Config) { c.NewOrderID = newID })
			attempts := 1
			if name == "duplicate" {
				w.buyAndPay(t)
				attempts = 2
			}
			resp, err := w.browser.Post(w.srv.URL+"/buy", "application/x-www-form-urlencoded", nil)
			require.NoError(t, err)
			assertErrorPage(t, read(t, resp), http.StatusInternalServerError, "Something went wrong on our side")
			assert.Equal(t, attempts-1, w.fake.Calls("POST /v1/checkouts"))
		})
	}
}

// A checkout.completed for another checkout carrying the same request_id (from an earlier run
// of the shop, say) does not mark this order paid.
func TestWebhookForAnotherCheckoutIsIgnored(t *testing.T) {
	w := start(t)
	resp, err := w.browser.Post(w.srv.URL+"/buy", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	read(t, resp)
	object, err := json.Marshal(map[string]any{"id": "ch_other", "object": "checkout", "request_id": "WS-1001", "status": "completed", "product": "prod_x"})
	require.NoError(t, err)
	body, err := json.Marshal(creem.Event{ID: "evt_1", Type: creem.EventCheckoutCompleted, Object: object})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/webhooks/creem", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("creem-signature", creem.SignWebhook(body, w.fake.WebhookSecret))
	resp, err = w.browser.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	o, ok := w.shop.Order("WS-1001")
	require.True(t, ok)
	assert.Equal(t, shop.StatusPending, o.Status)
}

func TestOrdersPageEmpty(t *testing.T) {
	w := start(t)
	p := w.get(t, w.srv.URL+"/orders")
	assert.Equal(t, http.StatusOK, p.status)
	has(t, p.body, "No orders yet.")
	has(t, p.body, `<a href="/orders" aria-current="page">Orders</a>`)
}
