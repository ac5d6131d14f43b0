package creemtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func waitDeliveries(t *testing.T, srv *creemtest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForDeliveries(ctx))
}

// recordingEndpoint is a local server whose WebhookHandler records each event it handled.
type recordingEndpoint struct {
	mu     sync.Mutex
	events []*creem.Event
}

func (r *recordingEndpoint) types() []creem.EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []creem.EventType
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

func newEndpoint(t *testing.T, srv *creemtest.Server) (*recordingEndpoint, *creem.WebhookHandler) {
	t.Helper()
	rec := &recordingEndpoint{}
	h := creem.NewWebhookHandler(srv.WebhookSecret)
	h.OnAny(func(_ context.Context, e *creem.Event) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.events = append(rec.events, e)
		return nil
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	srv.AddWebhookEndpoint(hs.URL + "/webhooks/creem")
	return rec, h
}

// End to end: pay a checkout on creemtest and receive checkout.completed in a WebhookHandler
// on a local server.
func TestCheckoutCompletedReachesAWebhookHandler(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	got := make(chan *creem.Checkout, 1)
	h := creem.NewWebhookHandler(srv.WebhookSecret)
	h.On(creem.EventCheckoutCompleted, func(_ context.Context, e *creem.Event) error {
		ch, err := e.Checkout()
		if err != nil {
			return err
		}
		got <- ch
		return nil
	})
	shop := httptest.NewServer(h)
	defer shop.Close()
	srv.AddWebhookEndpoint(shop.URL)

	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, RequestID: "order-7", Metadata: creem.Metadata{"user": "u_7"}})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "buyer@example.com")
	require.NoError(t, err)

	select {
	case done := <-got:
		assert.Equal(t, ch.ID, done.ID)
		assert.Equal(t, creem.CheckoutStatusCompleted, done.Status)
		assert.Equal(t, "order-7", done.RequestID)
		assert.Equal(t, "Pro plan", done.Product.Name)
		assert.Equal(t, "buyer@example.com", done.Customer.Email)
		assert.Equal(t, int64(2900), done.Order.AmountPaid)
		assert.Equal(t, creem.Metadata{"user": "u_7"}, done.Metadata)
	case <-time.After(10 * time.Second):
		t.Fatal("no checkout.completed arrived")
	}
	waitDeliveries(t, srv)
	d := srv.Deliveries()
	require.Len(t, d, 1)
	assert.True(t, d[0].OK())
	assert.Equal(t, creem.EventCheckoutCompleted, d[0].EventType)
}

func TestEventsForSubscriptionsAndRefunds(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	rec, _ := newEndpoint(t, srv)
	prod := createProduct(t, c, creem.BillingTypeRecurring)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "sub@example.com")
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	id := done.Subscription.ID

	_, err = c.Subscriptions.Pause(ctx, id)
	require.NoError(t, err)
	_, err = c.Subscriptions.Resume(ctx, id)
	require.NoError(t, err)
	_, err = c.Subscriptions.Update(ctx, id, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: done.Subscription.Items[0].ID, Units: creem.Ptr(4)}}})
	require.NoError(t, err)
	_, err = c.Subscriptions.Cancel(ctx, id, &creem.CancelSubscriptionParams{Mode: creem.CancelModeScheduled})
	require.NoError(t, err)
	_, err = c.Subscriptions.Cancel(ctx, id, nil)
	require.NoError(t, err)
	_, err = c.Transactions.Refund(ctx, *done.Order.Transaction)
	require.NoError(t, err)
	_, err = c.Subscriptions.Pause(ctx, id) // refused: no event
	require.Error(t, err)

	waitDeliveries(t, srv)
	assert.Equal(t, []creem.EventType{
		creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid,
		creem.EventSubscriptionPaused, creem.EventSubscriptionActive, creem.EventSubscriptionUpdate,
		creem.EventSubscriptionScheduledCancel, creem.EventSubscriptionCanceled, creem.EventRefundCreated,
	}, rec.types(), "in the order they happened")

	rec.mu.Lock()
	defer rec.mu.Unlock()
	sub, err := rec.events[5].Subscription()
	require.NoError(t, err)
	assert.Equal(t, 4, *sub.Items[0].Units)
	assert.Equal(t, "Pro plan", sub.Product.Name, "subscription events carry the product object")
	assert.Equal(t, "sub@example.com", sub.Customer.Email)
	paused, err := rec.events[3].Subscription()
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusPaused, paused.Status, "each event shows the state when it happened")

	ref, err := rec.events[8].Refund()
	require.NoError(t, err)
	assert.Equal(t, creem.RefundStatusSucceeded, ref.Status)
	assert.Equal(t, int64(2900), ref.RefundAmount)
	assert.Equal(t, creem.TransactionStatusRefunded, ref.Transaction.Status)
	assert.Equal(t, ch.ID, ref.Checkout.ID)
	assert.Equal(t, done.Order.ID, ref.Order.ID)
	assert.Equal(t, id, ref.Subscription.ID)
	assert.Equal(t, "sub@example.com", ref.Customer.Email)

	assert.Len(t, srv.Events(), 9)
}

func TestFailedDeliveriesAreRetried(t *testing.T) {
	srv, c := newServer(t, creemtest.WithWebhookRetrySchedule(5*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond))
	ctx := context.Background()
	var calls atomic.Int32
	h := creem.NewWebhookHandler(srv.WebhookSecret)
	h.On(creem.EventCheckoutCompleted, func(context.Context, *creem.Event) error {
		if calls.Add(1) <= 2 {
			return errors.New("database is down")
		}
		return nil
	})
	var handled []creem.EventType
	var mu sync.Mutex
	h.OnAny(func(_ context.Context, e *creem.Event) error {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, e.Type)
		return nil
	})
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv.AddWebhookEndpoint(hs.URL)

	prod := createProduct(t, c, creem.BillingTypeRecurring)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "retry@example.com")
	require.NoError(t, err)
	waitDeliveries(t, srv)

	d := srv.Deliveries()
	require.Len(t, d, 5)
	for i, want := range []struct {
		typ     creem.EventType
		attempt int
		status  int
	}{
		{creem.EventCheckoutCompleted, 1, 500}, {creem.EventCheckoutCompleted, 2, 500}, {creem.EventCheckoutCompleted, 3, 200},
		{creem.EventSubscriptionActive, 1, 200}, {creem.EventSubscriptionPaid, 1, 200},
	} {
		assert.Equal(t, want.typ, d[i].EventType, "delivery %d", i)
		assert.Equal(t, want.attempt, d[i].Attempt, "delivery %d", i)
		assert.Equal(t, want.status, d[i].Status, "delivery %d", i)
	}
	assert.GreaterOrEqual(t, d[1].At.Sub(d[0].At), 5*time.Millisecond, "the first retry waits")
	assert.GreaterOrEqual(t, d[2].At.Sub(d[1].At), 10*time.Millisecond, "the second waits longer")
	assert.Equal(t, int32(3), calls.Load())
	mu.Lock()
	assert.Equal(t, []creem.EventType{creem.EventSubscriptionActive, creem.EventSubscriptionPaid}, handled, "later events waited for the first")
	mu.Unlock()
}

func TestDeliveriesAreGivenUpAfterTheSchedule(t *testing.T) {
	srv, c := newServer(t, creemtest.WithWebhookRetrySchedule(time.Millisecond, time.Millisecond))
	var hits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	srv.AddWebhookEndpoint(down.URL)
	srv.AddWebhookEndpoint("http://127.0.0.1:1/unreachable")

	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(context.Background(), ch.ID, "x@example.com")
	require.NoError(t, err)
	waitDeliveries(t, srv)

	assert.Equal(t, int32(3), hits.Load(), "the first try and two retries")
	var unreachable []creemtest.Delivery
	for _, d := range srv.Deliveries() {
		if d.Endpoint == "http://127.0.0.1:1/unreachable" {
			unreachable = append(unreachable, d)
		}
	}
	require.Len(t, unreachable, 3)
	assert.Zero(t, unreachable[0].Status)
	assert.NotEmpty(t, unreachable[0].Err)
}

// Every delivery is signed: the body verifies with the server's secret, and with
// WithStandardWebhooks the Standard Webhooks headers do too.
func TestDeliveriesAreSigned(t *testing.T) {
	srv, c := newServer(t, creemtest.WithStandardWebhooks())
	ctx := context.Background()
	type got struct {
		body   []byte
		header http.Header
	}
	bodies := make(chan got, 4)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- got{b, r.Header.Clone()}
	}))
	defer hs.Close()
	srv.AddWebhookEndpoint(hs.URL)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "x@example.com")
	require.NoError(t, err)
	waitDeliveries(t, srv)

	g := <-bodies
	assert.Equal(t, "application/json", g.header.Get("Content-Type"))
	assert.Equal(t, creem.SignWebhook(g.body, srv.WebhookSecret), g.header.Get("creem-signature"))
	assert.NotEmpty(t, g.header.Get("webhook-signature"))
	e, err := creem.ParseWebhook(g.body, g.header, srv.WebhookSecret)
	require.NoError(t, err, "both schemes verify")
	assert.Equal(t, creem.EventCheckoutCompleted, e.Type)
	assert.Equal(t, srv.Events()[0].ID, e.ID)
	_, err = creem.ParseWebhook(g.body, g.header, "whsec_wrong")
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)
}

func TestCloseDropsPendingDeliveries(t *testing.T) {
	srv := creemtest.NewServer(creemtest.WithWebhookRetrySchedule(time.Hour))
	c, err := srv.Client()
	require.NoError(t, err)
	var hits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()
	srv.AddWebhookEndpoint(down.URL)
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(context.Background(), ch.ID, "x@example.com")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return hits.Load() == 1 }, 5*time.Second, time.Millisecond)

	start := time.Now()
	srv.Close() // a retry is an hour away: Close must not wait for it
	assert.Less(t, time.Since(start), time.Second)
	assert.Error(t, srv.WaitForDeliveries(context.Background()))
}

func TestHoldWebhooks(t *testing.T) {
	var got atomic.Int32
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { got.Add(1) }))
	defer endpoint.Close()
	srv, c := newServer(t)
	srv.AddWebhookEndpoint(endpoint.URL)
	ctx := context.Background()

	release := srv.HoldWebhooks()
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "held@example.com")
	require.NoError(t, err)
	require.Len(t, srv.Events(), 1, "the event is recorded at once")
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, srv.WaitForDeliveries(short), context.DeadlineExceeded, "the delivery waits")
	assert.Zero(t, got.Load())
	assert.Empty(t, srv.Deliveries())

	release()
	release() // a second call does nothing
	require.NoError(t, srv.WaitForDeliveries(ctx))
	assert.Equal(t, int32(1), got.Load())
	require.Len(t, srv.Deliveries(), 1)
	assert.True(t, srv.Deliveries()[0].OK())

	// Holds nest: releasing an older one while a newer one is in force releases nothing.
	first := srv.HoldWebhooks()
	second := srv.HoldWebhooks()
	ch, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "nested@example.com")
	require.NoError(t, err)
	first()
	short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, srv.WaitForDeliveries(short2), context.DeadlineExceeded, "the newer hold is still in force")
	assert.Equal(t, int32(1), got.Load())
	second()
	require.NoError(t, srv.WaitForDeliveries(ctx))
	assert.Equal(t, int32(2), got.Load())

	// A hold still in place when the server closes ends with it: Close returns, and goleak
	// finds no delivery goroutine left.
	srv.HoldWebhooks()
	ch, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "held@example.com")
	require.NoError(t, err)
	srv.Close()
	assert.Equal(t, int32(2), got.Load())
}
