package creemtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// apiErr asserts err is an *APIError with status and code.
func assertAPIError(t *testing.T, err error, status int, code, param string) {
	t.Helper()
	var ae *creem.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, status, ae.StatusCode)
	assert.Equal(t, code, ae.Code)
	assert.Equal(t, param, ae.Param)
}

// buyRecurring pays a checkout for a new recurring product and returns the completed checkout.
func buyRecurring(t *testing.T, srv *creemtest.Server, c *creem.Client) *creem.Checkout {
	t.Helper()
	ctx := context.Background()
	prod := createProduct(t, c, creem.BillingTypeRecurring)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "hooks@example.com")
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	return done
}

// capture is a local server recording each delivery's body and headers.
type capture struct {
	mu   sync.Mutex
	got  []captured
	code int
}

type captured struct {
	body   []byte
	header http.Header
}

func newCapture(t *testing.T) (*capture, *httptest.Server) {
	t.Helper()
	cp := &capture{code: http.StatusOK}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cp.mu.Lock()
		cp.got = append(cp.got, captured{b, r.Header.Clone()})
		code := cp.code
		cp.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(hs.Close)
	return cp, hs
}

func (cp *capture) all() []captured {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return append([]captured(nil), cp.got...)
}

func TestWebhookEndpointsCRUD(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()

	ep, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{
		URL: "https://shop.example.com/webhooks/creem", Name: "Billing",
		Events: []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionPaid, creem.EventCheckoutCompleted},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(ep.ID, "wh_"))
	assert.Equal(t, creem.ModeTest, ep.Mode)
	assert.Equal(t, "webhook", ep.Object)
	assert.True(t, strings.HasPrefix(ep.StoreID, "sto_"))
	assert.Equal(t, "Billing", *ep.Name)
	assert.Equal(t, creem.WebhookDeliveryHTTP, ep.DeliveryMode, "http is the default")
	assert.Equal(t, creem.WebhookStatusEnabled, ep.Status)
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionPaid}, ep.Events, "repeated types are dropped")
	require.True(t, strings.HasPrefix(string(ep.Secret), "whsec_"), "create returns the secret")
	assert.NotEqual(t, srv.WebhookSecret, string(ep.Secret), "each endpoint has its own secret")

	got, err := c.Webhooks.Get(ctx, ep.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Secret, "only create returns the secret")
	assert.Equal(t, ep.URL, got.URL)
	sec, err := c.Webhooks.Secret(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, ep.Secret, sec.Secret)

	// PATCH: omitted fields stay, null clears the name, an empty list subscribes to everything.
	up, err := c.Webhooks.Update(ctx, ep.ID, &creem.UpdateWebhookEndpointParams{Status: creem.WebhookStatusDisabled})
	require.NoError(t, err)
	assert.Equal(t, creem.WebhookStatusDisabled, up.Status)
	assert.Equal(t, "Billing", *up.Name)
	assert.Len(t, up.Events, 2)
	up, err = c.Webhooks.Update(ctx, ep.ID, &creem.UpdateWebhookEndpointParams{Name: creem.Null[string](), Events: []creem.EventType{}, URL: "https://shop.example.com/v2"})
	require.NoError(t, err)
	assert.Nil(t, up.Name)
	assert.Empty(t, up.Events)
	assert.NotNil(t, up.Events, "events is a list, never null")
	assert.Equal(t, "https://shop.example.com/v2", up.URL)
	assert.Equal(t, creem.WebhookStatusDisabled, up.Status)

	cli, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI, URL: "https://ignored.example.com"})
	require.NoError(t, err)
	assert.Equal(t, creem.WebhookDeliveryCLI, cli.DeliveryMode)
	assert.NotEqual(t, "https://ignored.example.com", cli.URL, "a cli endpoint's url is a placeholder")
	assert.Nil(t, cli.Name)

	page, err := c.Webhooks.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, []string{ep.ID, cli.ID}, []string{page.Items[0].ID, page.Items[1].ID})
	for _, it := range page.Items {
		assert.Empty(t, it.Secret)
	}
	var ids []string
	for e, err := range c.Webhooks.All(ctx, &creem.ListWebhookEndpointsParams{ListParams: creem.ListParams{PageSize: 1}}) {
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{ep.ID, cli.ID}, ids)

	deleted, err := c.Webhooks.Delete(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, ep.ID, deleted.ID)
	_, err = c.Webhooks.Get(ctx, ep.ID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Webhooks.Delete(ctx, ep.ID)
	assertAPIError(t, err, http.StatusNotFound, "resource_not_found", "id")
	page, err = c.Webhooks.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

// The fake validates like the spec says; the SDK's own checks are bypassed with raw requests.
func TestWebhookEndpointsValidation(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	raw := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("x-api-key", srv.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct{ body, want string }{
		{`{}`, `"param":"url"`},                                     // url required unless cli
		{`{"delivery_mode":"http"}`, `"param":"url"`},               // the same, explicitly
		{`{"url":"ftp://example.com/x"}`, `"param":"url"`},          // not https
		{`{"url":"http://example.com/x"}`, `"param":"url"`},         // http only on loopback
		{`{"url":"/webhooks"}`, `"param":"url"`},                    // not absolute
		{`{"url":"https://x.example","events":["nope"]}`, "events"}, // not an event type
		{`{"url":"https://x.example","delivery_mode":"smtp"}`, "delivery_mode"},
		{`{"url":"https://x.example","secret":"whsec_mine"}`, "property secret should not exist"},
		{`{"url":"https://x.example","events":"checkout.completed"}`, "events must be an array"},
	} {
		code, body := raw(http.MethodPost, "/v1/webhooks", tc.body)
		assert.Equal(t, http.StatusBadRequest, code, tc.body)
		assert.Contains(t, body, tc.want, tc.body)
	}
	code, _ := raw(http.MethodPost, "/v1/webhooks", `{"delivery_mode":"cli"}`)
	assert.Equal(t, http.StatusOK, code, "cli endpoints need no url")
	code, _ = raw(http.MethodPost, "/v1/webhooks", `{"url":"http://127.0.0.1:9/hook"}`)
	assert.Equal(t, http.StatusOK, code, "http is fine on loopback, for tests")

	ep, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: "https://x.example"})
	require.NoError(t, err)
	for _, tc := range []struct{ body, want string }{
		{`{"status":"paused"}`, "status"},
		{`{"url":"http://example.com"}`, `"param":"url"`},
		{`{"delivery_mode":"cli"}`, "property delivery_mode should not exist"},
	} {
		code, body := raw(http.MethodPatch, "/v1/webhooks/"+ep.ID, tc.body)
		assert.Equal(t, http.StatusBadRequest, code, tc.body)
		assert.Contains(t, body, tc.want, tc.body)
	}

	// The feed and acks exist only for cli endpoints.
	_, err = c.Webhooks.ListPending(ctx, ep.ID, nil)
	assertAPIError(t, err, http.StatusBadRequest, "invalid_delivery_mode", "id")
	_, err = c.Webhooks.Ack(ctx, ep.ID, "evt_1", &creem.AckWebhookEventParams{StatusCode: 200})
	assertAPIError(t, err, http.StatusBadRequest, "invalid_delivery_mode", "id")
	_, err = c.Webhooks.ListPending(ctx, "wh_missing", nil)
	assert.ErrorIs(t, err, creem.ErrNotFound)

	cli, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI})
	require.NoError(t, err)
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=1.5"} {
		code, body := raw(http.MethodGet, "/v1/webhooks/"+cli.ID+"/events/pending?"+q, "")
		assert.Equal(t, http.StatusBadRequest, code, q)
		assert.Contains(t, body, `"param":"limit"`, q)
	}
	for _, body := range []string{`{}`, `{"status_code":99}`, `{"status_code":600}`, `{"status_code":200.5}`, `{"status_code":"200"}`, `{"status_code":200,"extra":1}`} {
		code, _ := raw(http.MethodPost, "/v1/webhooks/"+cli.ID+"/events/evt_1/ack", body)
		assert.Equal(t, http.StatusBadRequest, code, body)
	}
	_, err = c.Webhooks.Ack(ctx, cli.ID, "evt_unknown", &creem.AckWebhookEventParams{StatusCode: 200})
	assertAPIError(t, err, http.StatusNotFound, "resource_not_found", "event_id")
}

// HTTP endpoints registered through the API receive deliveries like AddWebhookEndpoint ones,
// signed with their own secret, filtered by their event types, and nothing while disabled.
func TestAPIEndpointsReceiveFilteredSignedDeliveries(t *testing.T) {
	srv, c := newServer(t, creemtest.WithStandardWebhooks())
	ctx := context.Background()
	all, allHS := newCapture(t)
	subs, subsHS := newCapture(t)
	off, offHS := newCapture(t)
	epAll, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: allHS.URL})
	require.NoError(t, err)
	epSubs, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: subsHS.URL, Events: []creem.EventType{creem.EventSubscriptionPaid}})
	require.NoError(t, err)
	epOff, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: offHS.URL})
	require.NoError(t, err)
	_, err = c.Webhooks.Update(ctx, epOff.ID, &creem.UpdateWebhookEndpointParams{Status: creem.WebhookStatusDisabled})
	require.NoError(t, err)

	buyRecurring(t, srv, c)
	waitDeliveries(t, srv)

	got := all.all()
	require.Len(t, got, 3)
	var types []creem.EventType
	for _, g := range got {
		e, err := creem.ParseWebhook(g.body, g.header, string(epAll.Secret))
		require.NoError(t, err, "creem-signature and Standard Webhooks verify with the endpoint's secret")
		types = append(types, e.Type)
		assert.ErrorIs(t, creem.VerifyWebhook(g.body, g.header, srv.WebhookSecret), creem.ErrInvalidSignature, "not the server's secret")
	}
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid}, types)

	gotSubs := subs.all()
	require.Len(t, gotSubs, 1, "the filter lets only subscription.paid through")
	e, err := creem.ParseWebhook(gotSubs[0].body, gotSubs[0].header, string(epSubs.Secret))
	require.NoError(t, err)
	assert.Equal(t, creem.EventSubscriptionPaid, e.Type)
	assert.Empty(t, off.all(), "a disabled endpoint receives nothing")

	var ofAll []creemtest.Delivery
	for _, d := range srv.Deliveries() {
		assert.Equal(t, creem.WebhookDeliveryHTTP, d.Mode)
		assert.NotEqual(t, epOff.ID, d.EndpointID)
		if d.EndpointID == epAll.ID {
			ofAll = append(ofAll, d)
		}
	}
	require.Len(t, ofAll, 3)
	assert.Equal(t, allHS.URL, ofAll[0].Endpoint)
	assert.True(t, ofAll[0].OK())

	// Enabled again, it receives what happens from now on.
	_, err = c.Webhooks.Update(ctx, epOff.ID, &creem.UpdateWebhookEndpointParams{Status: creem.WebhookStatusEnabled})
	require.NoError(t, err)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "again@example.com")
	require.NoError(t, err)
	waitDeliveries(t, srv)
	assert.Len(t, off.all(), 1)
}

// Deleting an endpoint stops its deliveries: queued ones are dropped, retries end.
func TestDeletedEndpointReceivesNothingMore(t *testing.T) {
	srv, c := newServer(t, creemtest.WithWebhookRetrySchedule(time.Hour))
	ctx := context.Background()
	cp, hs := newCapture(t)
	cp.code = http.StatusInternalServerError
	ep, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: hs.URL})
	require.NoError(t, err)
	buyRecurring(t, srv, c) // three events; the first fails and waits an hour for its retry
	require.Eventually(t, func() bool { return len(cp.all()) == 1 }, 5*time.Second, time.Millisecond)

	_, err = c.Webhooks.Delete(ctx, ep.ID)
	require.NoError(t, err)
	waitDeliveries(t, srv) // the dropped queue no longer counts
	assert.Len(t, cp.all(), 1)
}

// A cli endpoint queues events in its pending feed with the exact body and signed headers an
// HTTP delivery carries; an ack removes the event and records the result once.
func TestCLIEndpointPendingFeedAndAcks(t *testing.T) {
	srv, c := newServer(t, creemtest.WithStandardWebhooks())
	ctx := context.Background()
	httpCap, hs := newCapture(t)
	httpEP, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: hs.URL})
	require.NoError(t, err)
	cli, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI})
	require.NoError(t, err)
	filtered, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI, Events: []creem.EventType{creem.EventSubscriptionActive}})
	require.NoError(t, err)

	buyRecurring(t, srv, c)
	feed, err := c.Webhooks.ListPending(ctx, cli.ID, nil)
	require.NoError(t, err)
	require.Len(t, feed.Items, 3)
	events := srv.Events()
	for i, it := range feed.Items {
		assert.Equal(t, events[i].ID, it.ID, "oldest first")
		assert.Equal(t, events[i].Type, it.EventType)
		assert.Equal(t, "webhook_event", it.Object)
		assert.False(t, it.CreatedAt.IsMillis(), "created_at is an ISO date")
		header := http.Header{}
		for k, v := range it.Headers {
			header.Set(k, v)
		}
		assert.Equal(t, creem.SignWebhook([]byte(it.Body), string(cli.Secret)), it.Headers["creem-signature"])
		assert.Equal(t, "application/json", it.Headers["Content-Type"])
		assert.NotEmpty(t, it.Headers["webhook-signature"])
		e, err := creem.ParseWebhook([]byte(it.Body), header, string(cli.Secret))
		require.NoError(t, err, "both signature schemes verify with the endpoint's secret")
		assert.Equal(t, it.ID, e.ID)
	}
	// The same event as an HTTP delivery carries the same body.
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.Eventually(t, func() bool { return len(httpCap.all()) == 3 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, feed.Items[0].Body, string(httpCap.all()[0].body), "the feed's body is the delivery's body, byte for byte")
	assert.Equal(t, creem.SignWebhook(httpCap.all()[0].body, string(httpEP.Secret)), httpCap.all()[0].header.Get("creem-signature"))

	one, err := c.Webhooks.ListPending(ctx, cli.ID, &creem.ListPendingWebhookEventsParams{Limit: 1})
	require.NoError(t, err)
	require.Len(t, one.Items, 1)
	assert.Equal(t, feed.Items[0].ID, one.Items[0].ID)
	fl, err := c.Webhooks.ListPending(ctx, filtered.ID, nil)
	require.NoError(t, err)
	require.Len(t, fl.Items, 1, "the cli feed honours the event filter")
	assert.Equal(t, creem.EventSubscriptionActive, fl.Items[0].EventType)

	// The pending feed counts as queued deliveries.
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancelShort()
	assert.ErrorIs(t, srv.WaitForDeliveries(short), context.DeadlineExceeded)

	// Acks: a failure and a success both leave the feed; a repeated ack returns the stored result.
	ack, err := c.Webhooks.Ack(ctx, cli.ID, feed.Items[1].ID, &creem.AckWebhookEventParams{StatusCode: 500, ResponseBody: "boom"})
	require.NoError(t, err)
	assert.Equal(t, &creem.WebhookEventAck{ID: feed.Items[1].ID, Object: "webhook_event", Success: false}, ack)
	ack, err = c.Webhooks.Ack(ctx, cli.ID, feed.Items[0].ID, &creem.AckWebhookEventParams{StatusCode: 204})
	require.NoError(t, err)
	assert.True(t, ack.Success)
	ack, err = c.Webhooks.Ack(ctx, cli.ID, feed.Items[1].ID, &creem.AckWebhookEventParams{StatusCode: 200})
	require.NoError(t, err)
	assert.False(t, ack.Success, "the first acknowledgment's result stays")

	left, err := c.Webhooks.ListPending(ctx, cli.ID, nil)
	require.NoError(t, err)
	require.Len(t, left.Items, 1)
	assert.Equal(t, feed.Items[2].ID, left.Items[0].ID)

	var cliDeliveries []creemtest.Delivery
	for _, d := range srv.Deliveries() {
		if d.Mode == creem.WebhookDeliveryCLI {
			cliDeliveries = append(cliDeliveries, d)
		}
	}
	require.Len(t, cliDeliveries, 2, "one delivery per first acknowledgment")
	assert.Equal(t, feed.Items[1].ID, cliDeliveries[0].EventID)
	assert.Equal(t, 500, cliDeliveries[0].Status)
	assert.Equal(t, "boom", cliDeliveries[0].ResponseBody)
	assert.False(t, cliDeliveries[0].OK())
	assert.Equal(t, cli.ID, cliDeliveries[0].EndpointID)
	assert.Equal(t, 204, cliDeliveries[1].Status)
	assert.True(t, cliDeliveries[1].OK())

	// Deleting the cli endpoints drops their feeds; nothing is pending any more.
	_, err = c.Webhooks.Delete(ctx, cli.ID)
	require.NoError(t, err)
	_, err = c.Webhooks.Delete(ctx, filtered.ID)
	require.NoError(t, err)
	require.NoError(t, srv.WaitForDeliveries(waitCtx))
}

// An acknowledged response body is kept up to 10,000 characters (UTF-16 units, as JavaScript
// counts them).
func TestAckResponseBodyIsTruncated(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	cli, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI})
	require.NoError(t, err)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "x@example.com")
	require.NoError(t, err)
	feed, err := c.Webhooks.ListPending(ctx, cli.ID, nil)
	require.NoError(t, err)
	require.Len(t, feed.Items, 1)

	// Sent raw, past the SDK's own truncation.
	body := `{"status_code":200,"response_body":"` + strings.Repeat("é", 9999) + `😀x"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/webhooks/"+cli.ID+"/events/"+feed.Items[0].ID+"/ack", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("x-api-key", srv.APIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	d := srv.Deliveries()
	require.Len(t, d, 1)
	assert.Equal(t, strings.Repeat("é", 9999), d[0].ResponseBody, "the emoji (two units) would pass 10,000")
}

// Endpoints of AddWebhookEndpoint and of the API coexist; AddWebhookEndpoint ones keep signing
// with the server's secret.
func TestAddWebhookEndpointKeepsTheServerSecret(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	legacy, legacyHS := newCapture(t)
	srv.AddWebhookEndpoint(legacyHS.URL)
	viaAPI, apiHS := newCapture(t)
	ep, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: apiHS.URL})
	require.NoError(t, err)
	buyRecurring(t, srv, c)
	waitDeliveries(t, srv)
	require.Len(t, legacy.all(), 3)
	require.Len(t, viaAPI.all(), 3)
	for i := range 3 {
		require.NoError(t, creem.VerifyWebhook(legacy.all()[i].body, legacy.all()[i].header, srv.WebhookSecret))
		require.NoError(t, creem.VerifyWebhook(viaAPI.all()[i].body, viaAPI.all()[i].header, string(ep.Secret)))
	}
	for _, d := range srv.Deliveries() {
		if d.Endpoint == legacyHS.URL {
			assert.Empty(t, d.EndpointID)
			assert.Equal(t, creem.WebhookDeliveryHTTP, d.Mode)
		}
	}
	// The API lists only endpoints registered through it.
	page, err := c.Webhooks.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

// Updating an endpoint's URL moves its next deliveries.
func TestUpdatedURLReceivesTheNextDeliveries(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	first, firstHS := newCapture(t)
	second, secondHS := newCapture(t)
	ep, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: firstHS.URL})
	require.NoError(t, err)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	pay := func() {
		ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
		require.NoError(t, err)
		_, err = srv.Pay(ctx, ch.ID, "x@example.com")
		require.NoError(t, err)
		waitDeliveries(t, srv)
	}
	pay()
	_, err = c.Webhooks.Update(ctx, ep.ID, &creem.UpdateWebhookEndpointParams{URL: secondHS.URL})
	require.NoError(t, err)
	pay()
	assert.Len(t, first.all(), 1)
	assert.Len(t, second.all(), 1)
}
