package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// fastListen makes a Listener poll and back off in milliseconds.
func fastListen(cfg creem.ListenerConfig) creem.ListenerConfig {
	cfg.PollInterval = 2 * time.Millisecond
	cfg.MaxBackoff = 20 * time.Millisecond
	return cfg
}

// reports collects a Listener's delivery reports and errors.
type reports struct {
	mu         sync.Mutex
	deliveries []creem.ForwardedEvent
	errs       []error
}

func (r *reports) onDelivery(fe creem.ForwardedEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliveries = append(r.deliveries, fe)
}

func (r *reports) onError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) acked() []creem.ForwardedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []creem.ForwardedEvent
	for _, fe := range r.deliveries {
		if fe.Acked {
			out = append(out, fe)
		}
	}
	return out
}

func (r *reports) all() []creem.ForwardedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]creem.ForwardedEvent(nil), r.deliveries...)
}

func (r *reports) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// runListener runs l in a goroutine; the returned function cancels it and returns Run's error.
func runListener(t *testing.T, l *creem.Listener) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after its context was cancelled")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// cliAcks returns the acknowledgments creemtest recorded, in order.
func cliAcks(srv *creemtest.Server) []creemtest.Delivery {
	var out []creemtest.Delivery
	for _, d := range srv.Deliveries() {
		if d.Mode == creem.WebhookDeliveryCLI {
			out = append(out, d)
		}
	}
	return out
}

// The acceptance test, offline: creemtest, the forwarder and a local WebhookHandler.
func TestListenEndToEnd(t *testing.T) {
	srv := creemtest.NewServer(creemtest.WithStandardWebhooks())
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	// The local server's address is known before it serves, so the handler can be built with
	// the secret the Listener reports.
	local := httptest.NewUnstartedServer(nil)
	var rep reports
	l, err := creem.NewListener(ctx, c, fastListen(creem.ListenerConfig{
		ForwardTo: "http://" + local.Listener.Addr().String() + "/webhooks/creem", OnDelivery: rep.onDelivery, OnError: rep.onError,
	}))
	require.NoError(t, err)
	assert.True(t, l.Temporary())
	ep, err := c.Webhooks.Get(ctx, l.EndpointID())
	require.NoError(t, err)
	assert.Equal(t, creem.WebhookDeliveryCLI, ep.DeliveryMode)
	assert.Empty(t, ep.Events, "every event type")
	sec, err := c.Webhooks.Secret(ctx, l.EndpointID())
	require.NoError(t, err)
	require.Equal(t, sec.Secret, l.Secret())

	var mu sync.Mutex
	var handled []creem.EventType
	var attempts atomic.Int32
	h := creem.NewWebhookHandler(string(l.Secret()))
	h.OnAny(func(_ context.Context, e *creem.Event) error {
		attempts.Add(1)
		if e.Type == creem.EventSubscriptionUpdate {
			return errors.New("the shop's database is down")
		}
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, e.Type)
		return nil
	})
	local.Config.Handler = h
	local.Start()
	defer local.Close()
	stop := runListener(t, l)

	// Pay a subscription, then change it twice.
	prod := createWebhookTestProduct(t, c)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "listen@example.com")
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	sub := done.Subscription
	_, err = c.Subscriptions.Update(ctx, sub.ID, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: sub.Items[0].ID, Units: creem.Int(3)}}})
	require.NoError(t, err)
	_, err = c.Subscriptions.Cancel(ctx, sub.ID, nil)
	require.NoError(t, err)

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForDeliveries(waitCtx), "every event leaves the feed")

	events := srv.Events()
	require.Len(t, events, 5)
	wantTypes := []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid,
		creem.EventSubscriptionUpdate, creem.EventSubscriptionCanceled}
	acks := cliAcks(srv)
	require.Len(t, acks, 5, "every event is acknowledged")
	assert.Equal(t, 5, srv.Calls("POST /v1/webhooks/{id}/events/{event_id}/ack"), "exactly once")
	for i, a := range acks {
		assert.Equal(t, events[i].ID, a.EventID, "oldest first")
		assert.Equal(t, wantTypes[i], a.EventType)
		assert.Equal(t, l.EndpointID(), a.EndpointID)
		if a.EventType == creem.EventSubscriptionUpdate {
			assert.Equal(t, http.StatusInternalServerError, a.Status, "the failing handler's 500 is acknowledged as a failure")
			assert.Contains(t, a.ResponseBody, "handler failed")
			assert.False(t, a.OK())
		} else {
			assert.Equal(t, http.StatusOK, a.Status, "the signature verified with the reported secret")
		}
	}
	mu.Lock()
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid,
		creem.EventSubscriptionCanceled}, handled, "in the order they happened")
	mu.Unlock()
	assert.Equal(t, int32(5), attempts.Load(), "each event reached the handler once")
	feed, err := c.Webhooks.ListPending(ctx, l.EndpointID(), nil)
	require.NoError(t, err)
	assert.Empty(t, feed.Items, "acknowledged events leave the feed, failed or not")

	require.Eventually(t, func() bool { return len(rep.acked()) == 5 }, 10*time.Second, time.Millisecond, "reported after the ack")
	got := rep.acked()
	for i, fe := range got {
		assert.Equal(t, events[i].ID, fe.EventID)
		assert.Equal(t, wantTypes[i], fe.EventType)
		assert.Equal(t, acks[i].Status, fe.StatusCode)
		assert.NoError(t, fe.Err)
		assert.NoError(t, fe.AckErr)
		assert.False(t, fe.At.IsZero())
		assert.Positive(t, fe.Duration)
	}
	assert.Empty(t, rep.errors())

	// Cancelling removes the temporary endpoint.
	require.NoError(t, stop())
	page, err := c.Webhooks.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items, "the temporary endpoint is deleted")
	assert.Equal(t, 1, srv.Calls("DELETE /v1/webhooks/{id}"))
}

func createWebhookTestProduct(t *testing.T, c *creem.Client) *creem.Product {
	t.Helper()
	p, err := c.Products.Create(context.Background(), &creem.CreateProductParams{
		Name: "Listen plan", Price: creem.Int64(1500), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeRecurring,
		BillingPeriod: creem.BillingPeriodEveryMonth,
	})
	require.NoError(t, err)
	return p
}

// payOnce pays a one-time product's checkout: one checkout.completed event.
func payOnce(t *testing.T, srv *creemtest.Server, c *creem.Client) {
	t.Helper()
	ctx := context.Background()
	p, err := c.Products.Create(ctx, &creem.CreateProductParams{Name: "One", Price: creem.Int64(500), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime})
	require.NoError(t, err)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: p.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "once@example.com")
	require.NoError(t, err)
}

// An event whose local server could not even be connected to is not acknowledged; it is
// delivered, in order, once the server is up.
func TestListenRetriesWhenTheLocalServerIsDown(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	// An address nobody listens on, yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	var rep reports
	l, err := creem.NewListener(ctx, c, fastListen(creem.ListenerConfig{
		ForwardTo: "http://" + addr + "/hook", Events: []creem.EventType{creem.EventCheckoutCompleted}, OnDelivery: rep.onDelivery,
	}))
	require.NoError(t, err)
	stop := runListener(t, l)
	payOnce(t, srv, c)
	payOnce(t, srv, c)

	require.Eventually(t, func() bool { return len(rep.all()) >= 3 }, 10*time.Second, time.Millisecond, "tries while the server is down")
	for _, fe := range rep.all() {
		assert.True(t, fe.Retry)
		assert.False(t, fe.Acked)
		assert.Zero(t, fe.StatusCode)
		assert.Error(t, fe.Err)
		assert.Equal(t, srv.Events()[0].ID, fe.EventID, "the oldest event is retried; newer ones wait")
	}
	assert.Empty(t, cliAcks(srv), "nothing was acknowledged")
	feed, err := c.Webhooks.ListPending(ctx, l.EndpointID(), nil)
	require.NoError(t, err)
	assert.Len(t, feed.Items, 2, "both events are still pending")

	// The server comes up on that address.
	ln, err = net.Listen("tcp", addr)
	require.NoError(t, err)
	var got []string
	var mu sync.Mutex
	h := creem.NewWebhookHandler(string(l.Secret()))
	h.OnAny(func(_ context.Context, e *creem.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.ID)
		return nil
	})
	local := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	local.Start()
	defer local.Close()

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForDeliveries(waitCtx))
	acks := cliAcks(srv)
	require.Len(t, acks, 2)
	events := srv.Events()
	assert.Equal(t, []string{events[0].ID, events[1].ID}, []string{acks[0].EventID, acks[1].EventID})
	assert.Equal(t, http.StatusOK, acks[0].Status)
	mu.Lock()
	assert.Equal(t, []string{events[0].ID, events[1].ID}, got)
	mu.Unlock()
	require.NoError(t, stop())
}

// Failed API calls are retried with backoff: the feed through 503s and resets, an ack answered
// 503 after it took effect. No event is delivered or acknowledged twice.
func TestListenKeepsGoingThroughAPIErrors(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client(creem.WithRetryMax(0)) // the Listener's own backoff, not the client's retries
	require.NoError(t, err)
	ctx := context.Background()
	var hits atomic.Int32
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	defer local.Close()

	var rep reports
	l, err := creem.NewListener(ctx, c, fastListen(creem.ListenerConfig{ForwardTo: local.URL, OnDelivery: rep.onDelivery, OnError: rep.onError}))
	require.NoError(t, err)
	srv.FailNext("GET /v1/webhooks/{id}/events/pending", 2, creemtest.Fault{Status: http.StatusServiceUnavailable})
	srv.FailNext("GET /v1/webhooks/{id}/events/pending", 1, creemtest.Fault{Drop: true})
	srv.FailNext("GET /v1/webhooks/{id}/events/pending", 1, creemtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
	srv.FailNext("POST /v1/webhooks/{id}/events/{event_id}/ack", 1, creemtest.Fault{Status: http.StatusBadGateway, AfterHandling: true})
	srv.FailNext("POST /v1/webhooks/{id}/events/{event_id}/ack", 1, creemtest.Fault{Status: http.StatusServiceUnavailable})
	payOnce(t, srv, c)
	stop := runListener(t, l)

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForDeliveries(waitCtx))
	require.Eventually(t, func() bool { return len(rep.acked()) == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, stop())

	assert.Equal(t, int32(1), hits.Load(), "delivered once, though its first acknowledgment failed")
	acks := cliAcks(srv)
	require.Len(t, acks, 1, "recorded once")
	assert.Equal(t, "ok", acks[0].ResponseBody)
	assert.Equal(t, 3, srv.Calls("POST /v1/webhooks/{id}/events/{event_id}/ack"), "the ack was repeated after each failure")
	errs := rep.errors()
	require.Len(t, errs, 6, "four failed polls, two failed acks")
	assert.ErrorIs(t, errs[0], creem.ErrServer)
	assert.ErrorIs(t, errs[3], creem.ErrRateLimited)
	for _, e := range errs {
		assert.NotContains(t, e.Error(), string(l.Secret()))
	}
}

// An error the API will repeat ends Run, which still deletes its endpoint when it can.
func TestListenStopsOnPermanentErrors(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	l, err := creem.NewListener(ctx, c, fastListen(creem.ListenerConfig{ForwardTo: "http://127.0.0.1:1/hook"}))
	require.NoError(t, err)
	srv.FailNext("GET /v1/webhooks/{id}/events/pending", 1, creemtest.Fault{Status: http.StatusForbidden, Message: "missing scope webhooks:read"})
	err = l.Run(ctx)
	assert.ErrorIs(t, err, creem.ErrUnauthorized)
	assert.Contains(t, err.Error(), l.EndpointID())
	page, lerr := c.Webhooks.List(ctx, nil)
	require.NoError(t, lerr)
	assert.Empty(t, page.Items, "deleted on the way out")
	assert.Error(t, l.Run(ctx), "Run runs once")

	// The endpoint deleted behind the Listener's back: 404 ends Run; the delete finds it gone.
	l, err = creem.NewListener(ctx, c, fastListen(creem.ListenerConfig{ForwardTo: "http://127.0.0.1:1/hook"}))
	require.NoError(t, err)
	_, err = c.Webhooks.Delete(ctx, l.EndpointID())
	require.NoError(t, err)
	err = l.Run(ctx)
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// A wrong key fails NewListener with ErrUnauthorized and creates nothing.
	bad, err := creem.NewClient("creem_test_wrong", creem.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = creem.NewListener(ctx, bad, creem.ListenerConfig{ForwardTo: "http://127.0.0.1:1/hook"})
	assert.ErrorIs(t, err, creem.ErrUnauthorized)
	page, err = c.Webhooks.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items, "nothing was created with the wrong key")
}

func TestListenerConfigIsChecked(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()
	for _, cfg := range []creem.ListenerConfig{
		{},
		{ForwardTo: "localhost:8080/hook"},
		{ForwardTo: "ftp://localhost/hook"},
		{ForwardTo: "http://localhost/hook", EndpointID: "wh_1", Events: []creem.EventType{creem.EventCheckoutCompleted}},
	} {
		_, err := creem.NewListener(ctx, c, cfg)
		assert.ErrorIs(t, err, creem.ErrInvalidParams, cfg.ForwardTo)
	}
	_, err = creem.NewListener(ctx, nil, creem.ListenerConfig{ForwardTo: "http://localhost/hook"})
	assert.ErrorIs(t, err, creem.ErrInvalidParams)
	assert.Zero(t, srv.Calls("POST /v1/webhooks"))

	// An existing endpoint must be a cli one; a cli one is used as it is and not deleted.
	httpEP, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: "https://shop.example.com/hook"})
	require.NoError(t, err)
	_, err = creem.NewListener(ctx, c, creem.ListenerConfig{ForwardTo: "http://localhost/hook", EndpointID: httpEP.ID})
	assert.ErrorIs(t, err, creem.ErrInvalidParams)
	cliEP, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI})
	require.NoError(t, err)
	l, err := creem.NewListener(ctx, c, creem.ListenerConfig{ForwardTo: "http://localhost/hook", EndpointID: cliEP.ID})
	require.NoError(t, err)
	assert.False(t, l.Temporary())
	assert.Equal(t, cliEP.ID, l.EndpointID())
	assert.Equal(t, cliEP.Secret, l.Secret())
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, l.Run(cctx))
	_, err = c.Webhooks.Get(ctx, cliEP.ID)
	assert.NoError(t, err, "an existing endpoint is left in place")
	_, err = creem.NewListener(ctx, c, creem.ListenerConfig{ForwardTo: "http://localhost/hook", EndpointID: "wh_missing"})
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// Close without Run deletes the temporary endpoint, once.
	l, err = creem.NewListener(ctx, c, creem.ListenerConfig{ForwardTo: "http://localhost/hook", Events: []creem.EventType{creem.EventRefundCreated}})
	require.NoError(t, err)
	got, err := c.Webhooks.Get(ctx, l.EndpointID())
	require.NoError(t, err)
	assert.Equal(t, []creem.EventType{creem.EventRefundCreated}, got.Events)
	assert.Equal(t, "creem listen", *got.Name)
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	_, err = c.Webhooks.Get(ctx, l.EndpointID())
	assert.ErrorIs(t, err, creem.ErrNotFound)
	assert.Error(t, l.Run(ctx), "Run after Close")
}

// fakeFeed is an API serving a hand-made pending feed, to see what the Listener does with
// events and local servers creemtest would not produce.
type fakeFeed struct {
	mu      sync.Mutex
	events  []creem.PendingWebhookEvent
	acks    []fakeAck
	sticky  bool // acknowledged events stay in the feed
	deletes int
}

type fakeAck struct {
	eventID string
	params  creem.AckWebhookEventParams
}

const fakeSecret = "whsec_fake0123456789abcdefghijklmn"

func (f *fakeFeed) serve(t *testing.T) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/webhooks":
			writeJSON(w, http.StatusOK, []byte(`{"id":"wh_fake","mode":"test","object":"webhook","store_id":"sto_1","name":"creem listen","url":"https://localhost/x","delivery_mode":"cli","status":"enabled","events":[],"secret":"`+fakeSecret+`"}`))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/webhooks/wh_fake/events/pending":
			b, _ := json.Marshal(creem.PendingWebhookEvents{Items: f.events})
			writeJSON(w, http.StatusOK, b)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/ack"):
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/webhooks/wh_fake/events/"), "/ack")
			var p creem.AckWebhookEventParams
			require.NoError(t, json.NewDecoder(r.Body).Decode(&p))
			f.acks = append(f.acks, fakeAck{id, p})
			if !f.sticky {
				for i, e := range f.events {
					if e.ID == id {
						f.events = append(f.events[:i:i], f.events[i+1:]...)
						break
					}
				}
			}
			writeJSON(w, http.StatusOK, []byte(`{"id":"`+id+`","object":"webhook_event","success":true}`))
		case r.Method == http.MethodDelete && r.URL.Path == "/v1/webhooks/wh_fake":
			f.deletes++
			writeJSON(w, http.StatusOK, []byte(`{"id":"wh_fake","mode":"test","object":"webhook","store_id":"sto_1","name":null,"url":"x","delivery_mode":"cli","status":"enabled","events":[]}`))
		default:
			writeJSON(w, http.StatusNotFound, []byte(`{"error":{"type":"invalid_request_error","message":"no route"}}`))
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}

func (f *fakeFeed) ackList() []fakeAck {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeAck(nil), f.acks...)
}

func pendingEvent(id, body string, headers map[string]string) creem.PendingWebhookEvent {
	return creem.PendingWebhookEvent{ID: id, Object: "webhook_event", EventType: creem.EventCheckoutCompleted,
		CreatedAt: creem.NewTimestamp(time.Now()), Body: body, Headers: headers}
}

// The body goes byte for byte with the delivery's headers; hop-by-hop headers, Host and
// malformed headers do not; the local server's answer is acknowledged with a capped body.
func TestListenForwardsBytesAndHeaders(t *testing.T) {
	body := "{\"id\":\"evt_1\",\"eventType\":\"checkout.completed\",\"object\":{\"note\":\"caf\u00e9 \\\"q\\\" \\u2028 \U0001F600\"}}  \n"
	feed := &fakeFeed{events: []creem.PendingWebhookEvent{
		pendingEvent("evt_1", body, map[string]string{
			"creem-signature": "abc123", "Content-Type": "application/json", "webhook-id": "msg_1",
			"Connection": "close, creem-signature", "Transfer-Encoding": "chunked", "Host": "evil.example",
			"Content-Length": "1", "Expect": "100-continue", "Upgrade": "websocket", "Proxy-Authorization": "Basic x",
			"bad header": "x", "X-Split": "a\r\nInjected: yes", "X-Empty": "",
		}),
		pendingEvent("evt_2", "{}", map[string]string{"creem-signature": "def"}),
	}}
	api := feed.serve(t)
	type seen struct {
		host   string
		body   []byte
		header http.Header
	}
	var mu sync.Mutex
	var got []seen
	huge := strings.Repeat("x", 1<<20)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Host, b, r.Header.Clone()})
		n := len(got)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, huge) // a megabyte: the ack carries 10,000 characters of it
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer local.Close()

	c := newClient(t, api.URL)
	var rep reports
	l, err := creem.NewListener(context.Background(), c, fastListen(creem.ListenerConfig{ForwardTo: local.URL + "/hook?x=1", OnDelivery: rep.onDelivery}))
	require.NoError(t, err)
	assert.Equal(t, creem.WebhookSecret(fakeSecret), l.Secret())
	stop := runListener(t, l)
	require.Eventually(t, func() bool { return len(feed.ackList()) == 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, stop())

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, []byte(body), got[0].body, "byte for byte, escapes and trailing white space included")
	assert.Equal(t, strings.TrimPrefix(local.URL, "http://"), got[0].host, "Host is the local server's")
	h := got[0].header
	assert.Equal(t, "abc123", h.Get("creem-signature"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "msg_1", h.Get("webhook-id"))
	assert.Equal(t, []string{""}, h.Values("X-Empty"))
	for _, name := range []string{"Transfer-Encoding", "Expect", "Upgrade", "Proxy-Authorization", "Bad header", "X-Split", "Injected"} {
		assert.Empty(t, h.Values(name), name)
	}
	assert.NotEqual(t, "close, creem-signature", h.Get("Connection"))
	assert.Equal(t, []byte("{}"), got[1].body)

	acks := feed.ackList()
	assert.Equal(t, "evt_1", acks[0].eventID)
	assert.Equal(t, http.StatusAccepted, acks[0].params.StatusCode)
	assert.Equal(t, huge[:creem.MaxAckResponseBody], acks[0].params.ResponseBody)
	assert.Equal(t, "evt_2", acks[1].eventID)
	assert.Equal(t, http.StatusTeapot, acks[1].params.StatusCode)
	assert.Equal(t, 1, feed.deletes)
	reps := rep.acked()
	require.Len(t, reps, 2)
	assert.Equal(t, http.StatusAccepted, reps[0].StatusCode)
	assert.Equal(t, http.StatusTeapot, reps[1].StatusCode)
}

// A local server that answers too slowly is acknowledged 504; one that breaks the connection
// after reading the request 502; a redirect is reported as it is, not followed.
func TestListenSlowAndBrokenLocalServers(t *testing.T) {
	feed := &fakeFeed{events: []creem.PendingWebhookEvent{
		pendingEvent("evt_slow", `{"n":1}`, nil),
		pendingEvent("evt_slowbody", `{"n":2}`, nil),
		pendingEvent("evt_reset", `{"n":3}`, nil),
		pendingEvent("evt_redirect", `{"n":4}`, nil),
	}}
	api := feed.serve(t)
	var redirected atomic.Int32
	release := make(chan struct{})
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/elsewhere":
			redirected.Add(1)
			return
		}
		b, _ := io.ReadAll(r.Body)
		switch string(b) {
		case `{"n":1}`: // no answer in time
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case `{"n":2}`: // headers, then a body that never ends
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case `{"n":3}`:
			panic(http.ErrAbortHandler)
		case `{"n":4}`:
			http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
		}
	}))
	defer local.Close()
	defer close(release)

	c := newClient(t, api.URL)
	var rep reports
	cfg := fastListen(creem.ListenerConfig{ForwardTo: local.URL, OnDelivery: rep.onDelivery})
	cfg.Timeout = 100 * time.Millisecond
	l, err := creem.NewListener(context.Background(), c, cfg)
	require.NoError(t, err)
	stop := runListener(t, l)
	require.Eventually(t, func() bool { return len(feed.ackList()) == 4 }, 10*time.Second, time.Millisecond)
	require.NoError(t, stop())

	acks := feed.ackList()
	assert.Equal(t, http.StatusGatewayTimeout, acks[0].params.StatusCode)
	assert.Contains(t, acks[0].params.ResponseBody, "did not answer within 100ms")
	assert.Equal(t, http.StatusOK, acks[1].params.StatusCode, "the status arrived; the body is cut at the timeout")
	assert.Equal(t, "partial", acks[1].params.ResponseBody)
	assert.Equal(t, http.StatusBadGateway, acks[2].params.StatusCode)
	assert.Equal(t, http.StatusMovedPermanently, acks[3].params.StatusCode)
	assert.Zero(t, redirected.Load(), "redirects are not followed")
	r := rep.acked()
	require.Len(t, r, 4)
	assert.Zero(t, r[0].StatusCode)
	assert.Error(t, r[0].Err)
	assert.False(t, r[0].Retry)
	assert.GreaterOrEqual(t, r[0].Duration, 100*time.Millisecond)
}

// An event still in the feed after its acknowledgment is acknowledged again with the same
// result, never delivered twice.
func TestListenNeverDeliversAnEventTwice(t *testing.T) {
	feed := &fakeFeed{sticky: true, events: []creem.PendingWebhookEvent{pendingEvent("evt_1", `{}`, nil)}}
	api := feed.serve(t)
	var hits atomic.Int32
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer local.Close()
	l, err := creem.NewListener(context.Background(), newClient(t, api.URL), fastListen(creem.ListenerConfig{ForwardTo: local.URL}))
	require.NoError(t, err)
	stop := runListener(t, l)
	require.Eventually(t, func() bool { return len(feed.ackList()) >= 3 }, 10*time.Second, time.Millisecond)
	require.NoError(t, stop())
	assert.Equal(t, int32(1), hits.Load())
	for _, a := range feed.ackList() {
		assert.Equal(t, fakeAck{"evt_1", creem.AckWebhookEventParams{StatusCode: 500}}, a)
	}
}

// Cancelling while the local server is handling an event ends Run promptly, without
// acknowledging that event, and deletes the endpoint.
func TestListenCancelMidDelivery(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	entered := make(chan struct{}, 1)
	local := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the server notices a closed connection once the body is read
		entered <- struct{}{}
		<-r.Context().Done()
	}))
	defer local.Close()
	l, err := creem.NewListener(context.Background(), c, fastListen(creem.ListenerConfig{ForwardTo: local.URL}))
	require.NoError(t, err)
	stop := runListener(t, l)
	payOnce(t, srv, c)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was not forwarded")
	}
	start := time.Now()
	require.NoError(t, stop())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Empty(t, cliAcks(srv))
	page, err := c.Webhooks.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

// The Listener shows no secret in formatted output or logs.
func TestListenerIsRedacted(t *testing.T) {
	feed := &fakeFeed{}
	api := feed.serve(t)
	l, err := creem.NewListener(context.Background(), newClient(t, api.URL), creem.ListenerConfig{ForwardTo: "http://user:pass@localhost:8080/hook"})
	require.NoError(t, err)
	defer l.Close()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, l), fmt.Sprintf(verb, []*creem.Listener{l}), fmt.Sprintf(verb, struct{ L *creem.Listener }{l}))
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("listening", "listener", l)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("listening", "listener", l, "secret", l.Secret())
	b, err := json.Marshal(struct{ L *creem.Listener }{l})
	require.NoError(t, err)
	outs = append(outs, logs.String(), string(b))
	for _, out := range outs {
		assert.NotContains(t, out, fakeSecret, out)
		assert.NotContains(t, out, "fake0123456789", out)
		assert.NotContains(t, out, "pass", out)
	}
	assert.Contains(t, fmt.Sprint(l), "wh_fake")
	assert.Contains(t, logs.String(), `"endpoint":"wh_fake"`)
	assert.Equal(t, fakeSecret, string(l.Secret()), "the secret itself is available on purpose")
}
