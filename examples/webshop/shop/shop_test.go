package shop_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
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

// start runs creemtest and the shop, wired together as main does.
func start(t *testing.T) (*creemtest.Server, *shop.Shop, *httptest.Server) {
	t.Helper()
	fake := creemtest.NewServer()
	t.Cleanup(fake.Close)
	client, err := fake.Client()
	require.NoError(t, err)
	p, err := client.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "Handbook", Description: "An e-book", Price: creem.Int64(2400), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	require.NoError(t, err)
	s, err := shop.New(context.Background(), shop.Config{Client: client, APIKey: fake.APIKey, WebhookSecret: fake.WebhookSecret, ProductID: p.ID})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	fake.AddWebhookEndpoint(srv.URL + "/webhooks/creem")
	return fake, s, srv
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The whole purchase over plain HTTP, the way a browser makes it.
func TestPurchase(t *testing.T) {
	fake, s, srv := start(t)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	defer browser.CloseIdleConnections()

	status, page := get(t, browser, srv.URL+"/")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Handbook")
	assert.Contains(t, page, "24.00 EUR")

	// Buy: 303 to the fake's payment page, which the client follows.
	resp, err := browser.PostForm(srv.URL+"/buy", url.Values{"reference": {"Bestellung Nr. 7 für Zoë & Co"}})
	require.NoError(t, err)
	payPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Request.URL.String(), fake.URL+"/checkout/ch_"))
	assert.Contains(t, string(payPage), `id="pay"`)

	// Pay: 303 to the shop's success page, verified.
	resp, err = browser.PostForm(resp.Request.URL.String(), url.Values{"email": {"zoe@example.com"}})
	require.NoError(t, err)
	success, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(success))
	assert.Equal(t, "/success", resp.Request.URL.Path)
	assert.Contains(t, string(success), "Payment verified")
	assert.Contains(t, string(success), "Bestellung Nr. 7 für Zoë &amp; Co")

	// The webhook marks the order paid.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, fake.WaitForDeliveries(ctx))
	o, ok := s.Order("Bestellung Nr. 7 für Zoë & Co")
	require.True(t, ok)
	assert.Equal(t, shop.StatusPaid, o.Status)
	assert.True(t, strings.HasPrefix(o.CreemOrderID, "ord_"))
	_, orders := get(t, browser, srv.URL+"/orders")
	assert.Contains(t, orders, "paid")

	// A tampered success URL is refused.
	tampered := strings.Replace(resp.Request.URL.String(), "order_id=ord_", "order_id=ord_X", 1)
	status, body := get(t, browser, tampered)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "Invalid signature\n", body)
}

func TestDuplicateReference(t *testing.T) {
	_, _, srv := start(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer noFollow.CloseIdleConnections()
	for i, want := range []int{http.StatusSeeOther, http.StatusConflict} {
		resp, err := noFollow.PostForm(srv.URL+"/buy", url.Values{"reference": {"same"}})
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, "attempt %d", i)
	}
}
