package creemtest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

const day = 24 * time.Hour

// fixedClock stops the fake's own clock at t, so only Advance moves it.
func fixedClock(t time.Time) creemtest.Option {
	return creemtest.WithClock(func() time.Time { return t })
}

// recurring creates a recurring product; with configures it further.
func recurring(t *testing.T, c *creem.Client, price int64, with func(*creem.CreateProductParams)) *creem.Product {
	t.Helper()
	params := &creem.CreateProductParams{Name: "Plan", Price: creem.Ptr(price), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeRecurring}
	if with != nil {
		with(params)
	}
	p, err := c.Products.Create(context.Background(), params)
	require.NoError(t, err)
	return p
}

// subscribe pays a checkout for params with p and returns the subscription it started.
func subscribe(t *testing.T, srv *creemtest.Server, c *creem.Client, params *creem.CreateCheckoutParams, p creemtest.Payment) *creem.Subscription {
	t.Helper()
	ctx := context.Background()
	ch, err := c.Checkouts.Create(ctx, params)
	require.NoError(t, err)
	if p.Email == "" {
		p.Email = "sub@example.com"
	}
	_, err = srv.PayWith(ctx, ch.ID, p)
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	require.NotNil(t, done.Subscription)
	return getSub(t, c, done.Subscription.ID)
}

func getSub(t *testing.T, c *creem.Client, id string) *creem.Subscription {
	t.Helper()
	sub, err := c.Subscriptions.Get(context.Background(), id)
	require.NoError(t, err)
	return sub
}

// transactionsOf lists a customer's transactions, oldest first.
func transactionsOf(t *testing.T, c *creem.Client, customerID string) []*creem.Transaction {
	t.Helper()
	var out []*creem.Transaction
	for tr, err := range c.Transactions.All(context.Background(), &creem.ListTransactionsParams{CustomerID: customerID}) {
		require.NoError(t, err)
		out = append(out, tr)
	}
	return out
}

// subEvent is what a test checks of a subscription event.
type subEvent struct {
	Type   creem.EventType
	At     time.Time
	Status creem.SubscriptionStatus
	Start  time.Time // current period
	End    time.Time
}

func (e subEvent) String() string {
	return fmt.Sprintf("%s at %s: %s %s–%s", e.Type, e.At.Format(time.DateOnly), e.Status, e.Start.Format(time.DateOnly), e.End.Format(time.DateOnly))
}

// subEvents decodes the subscription events among events, for subscription id.
func subEvents(t *testing.T, events []creem.Event, id string) []subEvent {
	t.Helper()
	var out []subEvent
	for i := range events {
		e := &events[i]
		if e.Type == creem.EventCheckoutCompleted || e.Type == creem.EventRefundCreated {
			continue
		}
		sub, err := e.Subscription()
		require.NoError(t, err)
		if sub.ID != id {
			continue
		}
		se := subEvent{Type: e.Type, At: e.CreatedAt.UTC(), Status: sub.Status}
		if sub.CurrentPeriodStartDate != nil {
			se.Start = sub.CurrentPeriodStartDate.UTC()
		}
		if sub.CurrentPeriodEndDate != nil {
			se.End = sub.CurrentPeriodEndDate.UTC()
		}
		out = append(out, se)
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

// Renewals happen at each period's end, in order, each at its own time: a paid transaction for
// the new period (the current seats, the period dates), the new dates on the subscription and
// subscription.paid carrying the subscription as it was then. Month-end periods keep their day.
func TestAdvanceRenewsActiveSubscriptions(t *testing.T) {
	start := date(2026, time.January, 31)
	srv, c := newServer(t, fixedClock(start))
	ctx := context.Background()
	rec, _ := newEndpoint(t, srv)
	prod := recurring(t, c, 1000, nil)
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID, Units: 2}, creemtest.Payment{})
	assert.Equal(t, date(2026, time.February, 28), sub.CurrentPeriodEndDate.UTC(), "January 31 + 1 month")

	srv.Advance(27 * day) // February 27: nothing is due yet
	assert.Len(t, srv.Events(), 3)
	assert.Equal(t, start.Add(27*day), srv.Now())

	// Seats added before the renewal are charged from the next period.
	_, err := c.Subscriptions.Update(ctx, sub.ID, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: sub.Items[0].ID, Units: creem.Ptr(3)}}})
	require.NoError(t, err)

	srv.Advance(63 * day) // to May 1: February 28, March 31 and April 30 fall due
	assert.Equal(t, date(2026, time.May, 1), srv.Now())
	got := subEvents(t, srv.Events(), sub.ID)
	var texts []string
	for _, e := range got {
		texts = append(texts, e.String())
	}
	assert.Equal(t, []string{
		"subscription.active at 2026-01-31: active 2026-01-31–2026-02-28",
		"subscription.paid at 2026-01-31: active 2026-01-31–2026-02-28",
		"subscription.update at 2026-02-27: active 2026-01-31–2026-02-28",
		"subscription.paid at 2026-02-28: active 2026-02-28–2026-03-31",
		"subscription.paid at 2026-03-31: active 2026-03-31–2026-04-30",
		"subscription.paid at 2026-04-30: active 2026-04-30–2026-05-31",
	}, texts)
	for _, e := range got[3:] {
		assert.Equal(t, e.Start, e.At, "each renewal runs at its period's start, not at the end of the Advance")
	}

	sub = getSub(t, c, sub.ID)
	assert.Equal(t, creem.SubscriptionStatusActive, sub.Status)
	assert.Equal(t, date(2026, time.April, 30), sub.CurrentPeriodStartDate.UTC())
	assert.Equal(t, date(2026, time.May, 31), sub.CurrentPeriodEndDate.UTC())
	assert.Equal(t, date(2026, time.May, 31), sub.NextTransactionDate.UTC())
	assert.Equal(t, date(2026, time.April, 30), sub.LastTransactionDate.UTC())

	trans := transactionsOf(t, c, sub.Customer.ID)
	require.Len(t, trans, 4)
	assert.Equal(t, int64(2000), trans[0].Amount, "the checkout: 2 seats")
	ends := []time.Time{date(2026, time.February, 28), date(2026, time.March, 31), date(2026, time.April, 30), date(2026, time.May, 31)}
	for i, tr := range trans[1:] {
		assert.Equal(t, creem.TransactionStatusPaid, tr.Status)
		assert.Equal(t, creem.TransactionTypeInvoice, tr.Type)
		assert.Equal(t, int64(3000), tr.Amount, "3 seats")
		assert.Equal(t, int64(3000), *tr.AmountPaid)
		assert.Equal(t, sub.ID, *tr.Subscription)
		assert.Equal(t, ends[i], tr.PeriodStart.UTC())
		assert.Equal(t, ends[i+1], tr.PeriodEnd.UTC())
		assert.Equal(t, ends[i], tr.CreatedAt.UTC())
	}
	assert.Equal(t, trans[3].ID, sub.LastTransactionID)
	assert.Equal(t, trans[3].ID, sub.LastTransaction.ID)

	// The webhooks reach an endpoint in the same order, with the subscription expanded.
	waitDeliveries(t, srv)
	types := rec.types()
	require.Len(t, types, 7)
	assert.Equal(t, []creem.EventType{creem.EventSubscriptionPaid, creem.EventSubscriptionPaid, creem.EventSubscriptionPaid}, types[4:])
	rec.mu.Lock()
	paid, err := rec.events[4].Subscription()
	rec.mu.Unlock()
	require.NoError(t, err)
	assert.Equal(t, "Plan", paid.Product.Name)
	assert.Equal(t, "sub@example.com", paid.Customer.Email)
	assert.Equal(t, int64(3000), paid.LastTransaction.Amount)
	assert.Equal(t, date(2026, time.March, 31), paid.NextTransactionDate.UTC())
}

// One Advance runs the due steps of all subscriptions merged in time order.
func TestAdvanceRunsDueStepsInTimeOrder(t *testing.T) {
	start := date(2026, time.January, 10)
	now := start
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv, c := newServer(t, creemtest.WithClock(clock))
	monthly := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{})
	mu.Lock()
	now = start.Add(day) // the caller's clock moves on its own
	mu.Unlock()
	weekly := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 300, func(p *creem.CreateProductParams) {
		p.BillingPeriod, p.RecurringInterval, p.RecurringIntervalCount = creem.BillingPeriodCustom, creem.RecurringIntervalWeek, creem.Ptr(1)
	}).ID}, creemtest.Payment{Email: "weekly@example.com"})
	before := len(srv.Events())

	srv.Advance(35 * day) // to February 15
	var order []string
	var last time.Time
	for _, e := range srv.Events()[before:] {
		sub, err := e.Subscription()
		require.NoError(t, err)
		name := map[string]string{monthly.ID: "monthly", weekly.ID: "weekly"}[sub.ID]
		order = append(order, name+" "+e.CreatedAt.UTC().Format(time.DateOnly))
		assert.False(t, e.CreatedAt.Before(last), "events in time order")
		last = e.CreatedAt.Time
	}
	assert.Equal(t, []string{
		"weekly 2026-01-18", "weekly 2026-01-25", "weekly 2026-02-01", "weekly 2026-02-08",
		"monthly 2026-02-10", "weekly 2026-02-15",
	}, order)

	// When the caller's clock moves on its own, Advance(0) catches up.
	mu.Lock()
	now = start.Add(8 * day)
	mu.Unlock()
	assert.Equal(t, start.Add(43*day), srv.Now(), "the advanced time is added to the caller's clock")
	srv.Advance(0)
	assert.Equal(t, date(2026, time.February, 22), getSub(t, c, weekly.ID).CurrentPeriodStartDate.UTC())
}

// A trial: the checkout charges the trial price (nothing for a free trial) and starts a trialing
// subscription whose period is the trial; at its end the full price is charged and the
// subscription becomes active.
func TestTrialEndsWithTheFirstCharge(t *testing.T) {
	for _, tc := range []struct {
		name       string
		trialPrice *int64
	}{{"free", nil}, {"paid", creem.Ptr[int64](100)}} {
		t.Run(tc.name, func(t *testing.T) {
			start := date(2026, time.March, 1)
			srv, c := newServer(t, fixedClock(start))
			ctx := context.Background()
			prod := recurring(t, c, 2900, func(p *creem.CreateProductParams) { p.TrialPeriodDays, p.TrialPrice = creem.Ptr(14), tc.trialPrice })
			ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
			require.NoError(t, err)
			_, err = srv.Pay(ctx, ch.ID, "trial@example.com")
			require.NoError(t, err)
			done, err := c.Checkouts.Get(ctx, ch.ID)
			require.NoError(t, err)
			want := int64(0)
			if tc.trialPrice != nil {
				want = *tc.trialPrice
			}
			assert.Equal(t, want, done.Order.AmountPaid)
			sub := getSub(t, c, done.Subscription.ID)
			assert.Equal(t, creem.SubscriptionStatusTrialing, sub.Status)
			trialEnd := start.AddDate(0, 0, 14)
			assert.Equal(t, start, sub.CurrentPeriodStartDate.UTC())
			assert.Equal(t, trialEnd, sub.CurrentPeriodEndDate.UTC())
			assert.Equal(t, trialEnd, sub.NextTransactionDate.UTC())
			types := func() []creem.EventType {
				var out []creem.EventType
				for _, e := range srv.Events() {
					out = append(out, e.Type)
				}
				return out
			}
			assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionTrialing}, types())

			srv.Advance(14*day - time.Second)
			assert.Len(t, srv.Events(), 2, "nothing before the trial ends")
			srv.Advance(time.Second)
			got := subEvents(t, srv.Events(), sub.ID)
			require.Len(t, got, 2)
			assert.Equal(t, subEvent{Type: creem.EventSubscriptionPaid, At: trialEnd, Status: creem.SubscriptionStatusActive, Start: trialEnd, End: date(2026, time.April, 15)}, got[1])
			trans := transactionsOf(t, c, sub.Customer.ID)
			require.Len(t, trans, 2)
			assert.Equal(t, want, trans[0].Amount)
			assert.Equal(t, int64(2900), trans[1].Amount)
			assert.Equal(t, trialEnd, trans[1].PeriodStart.UTC())

			srv.Advance(31 * day)
			assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionTrialing, creem.EventSubscriptionPaid, creem.EventSubscriptionPaid}, types())
		})
	}
}

// Pausing during a trial and resuming before its end goes back to the trial.
func TestTrialPausedAndResumed(t *testing.T) {
	srv, c := newServer(t, fixedClock(date(2026, time.March, 1)))
	ctx := context.Background()
	prod := recurring(t, c, 2900, func(p *creem.CreateProductParams) { p.TrialPeriodDays = creem.Ptr(7) })
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID}, creemtest.Payment{})
	_, err := c.Subscriptions.Pause(ctx, sub.ID)
	require.NoError(t, err)
	srv.Advance(2 * day)
	resumed, err := c.Subscriptions.Resume(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusTrialing, resumed.Status)
	events := srv.Events()
	assert.Equal(t, creem.EventSubscriptionTrialing, events[len(events)-1].Type)
	srv.Advance(5 * day)
	assert.Equal(t, creem.SubscriptionStatusActive, getSub(t, c, sub.ID).Status)
}

// A card that pays at checkout but declines later charges: the renewal is declined, the
// subscription goes past_due, is retried after 3, 5 and 7 days, and becomes unpaid.
func TestDeclinedRenewalsGoPastDueThenUnpaid(t *testing.T) {
	start := date(2026, time.January, 10)
	srv, c := newServer(t, fixedClock(start))
	rec, _ := newEndpoint(t, srv)
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{Card: creemtest.CardRenewalsDeclined})
	firstTransaction := sub.LastTransactionID
	due := date(2026, time.February, 10)

	srv.Advance(31 * day)
	sub = getSub(t, c, sub.ID)
	assert.Equal(t, creem.SubscriptionStatusPastDue, sub.Status)
	assert.Equal(t, start, sub.CurrentPeriodStartDate.UTC(), "the unpaid period is not started")
	assert.Equal(t, due, sub.CurrentPeriodEndDate.UTC())
	assert.Equal(t, due.Add(3*day), sub.NextTransactionDate.UTC(), "the first retry")
	assert.Equal(t, firstTransaction, sub.LastTransactionID, "the last transaction stays the last paid one")

	srv.Advance(3 * day)
	assert.Equal(t, due.Add(5*day), getSub(t, c, sub.ID).NextTransactionDate.UTC())
	srv.Advance(2 * day)
	assert.Equal(t, due.Add(7*day), getSub(t, c, sub.ID).NextTransactionDate.UTC())
	assert.Equal(t, creem.SubscriptionStatusPastDue, getSub(t, c, sub.ID).Status)
	srv.Advance(2*day - time.Second)
	assert.Equal(t, creem.SubscriptionStatusPastDue, getSub(t, c, sub.ID).Status)
	srv.Advance(time.Second)
	sub = getSub(t, c, sub.ID)
	assert.Equal(t, creem.SubscriptionStatusUnpaid, sub.Status)
	assert.Nil(t, sub.NextTransactionDate)
	srv.Advance(90 * day)
	assert.Equal(t, creem.SubscriptionStatusUnpaid, getSub(t, c, sub.ID).Status, "an unpaid subscription is not charged again")

	got := subEvents(t, srv.Events(), sub.ID)
	require.Len(t, got, 4)
	assert.Equal(t, subEvent{Type: creem.EventSubscriptionPastDue, At: due, Status: creem.SubscriptionStatusPastDue, Start: start, End: due}, got[2])
	assert.Equal(t, subEvent{Type: creem.EventSubscriptionUnpaid, At: due.Add(7 * day), Status: creem.SubscriptionStatusUnpaid, Start: start, End: due}, got[3])

	trans := transactionsOf(t, c, sub.Customer.ID)
	require.Len(t, trans, 5, "the checkout, the renewal and its 3 retries")
	for i, at := range []time.Time{due, due.Add(3 * day), due.Add(5 * day), due.Add(7 * day)} {
		tr := trans[i+1]
		assert.Equal(t, creem.TransactionStatusDeclined, tr.Status)
		assert.Equal(t, int64(1000), tr.Amount)
		assert.Equal(t, int64(0), *tr.AmountPaid)
		assert.Equal(t, at, tr.CreatedAt.UTC())
		assert.Equal(t, due, tr.PeriodStart.UTC())
	}

	waitDeliveries(t, srv)
	assert.Equal(t, []creem.EventType{
		creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid,
		creem.EventSubscriptionPastDue, creem.EventSubscriptionUnpaid,
	}, rec.types())
}

// SetRenewalsFail declines renewals of any subscription; when a retry succeeds the subscription
// is active again, paid for the period that was due, whose dates do not shift.
func TestPastDueRecoversWhenARetrySucceeds(t *testing.T) {
	start := date(2026, time.January, 10)
	srv, c := newServer(t, fixedClock(start))
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{Card: "4242 4242 4242 4242"})
	require.NoError(t, srv.SetRenewalsFail(sub.ID, true))
	assert.Error(t, srv.SetRenewalsFail("sub_missing", true))
	due := date(2026, time.February, 10)

	srv.Advance(31 * day) // declined
	srv.Advance(3 * day)  // first retry declined
	require.NoError(t, srv.SetRenewalsFail(sub.ID, false))
	srv.Advance(2 * day) // second retry pays
	sub = getSub(t, c, sub.ID)
	assert.Equal(t, creem.SubscriptionStatusActive, sub.Status)
	assert.Equal(t, due, sub.CurrentPeriodStartDate.UTC())
	assert.Equal(t, date(2026, time.March, 10), sub.CurrentPeriodEndDate.UTC())
	assert.Equal(t, date(2026, time.March, 10), sub.NextTransactionDate.UTC())
	assert.Equal(t, due.Add(5*day), sub.LastTransactionDate.UTC())

	got := subEvents(t, srv.Events(), sub.ID)
	require.Len(t, got, 4)
	assert.Equal(t, creem.EventSubscriptionPastDue, got[2].Type)
	assert.Equal(t, subEvent{Type: creem.EventSubscriptionPaid, At: due.Add(5 * day), Status: creem.SubscriptionStatusActive, Start: due, End: date(2026, time.March, 10)}, got[3])

	trans := transactionsOf(t, c, sub.Customer.ID)
	require.Len(t, trans, 4)
	assert.Equal(t, []creem.TransactionStatus{creem.TransactionStatusPaid, creem.TransactionStatusDeclined, creem.TransactionStatusDeclined, creem.TransactionStatusPaid},
		[]creem.TransactionStatus{trans[0].Status, trans[1].Status, trans[2].Status, trans[3].Status})
	assert.Equal(t, trans[3].ID, sub.LastTransactionID)

	srv.Advance(28 * day) // March 10: renews normally again
	assert.Equal(t, date(2026, time.April, 10), getSub(t, c, sub.ID).CurrentPeriodEndDate.UTC())
}

func TestWithRenewalRetrySchedule(t *testing.T) {
	t.Run("custom", func(t *testing.T) {
		srv, c := newServer(t, fixedClock(date(2026, time.January, 10)), creemtest.WithRenewalRetrySchedule(time.Hour, 2*time.Hour))
		sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{Card: creemtest.CardRenewalsDeclined})
		srv.Advance(31 * day)
		assert.Equal(t, date(2026, time.February, 10).Add(time.Hour), getSub(t, c, sub.ID).NextTransactionDate.UTC())
		srv.Advance(2 * time.Hour)
		assert.Equal(t, creem.SubscriptionStatusUnpaid, getSub(t, c, sub.ID).Status)
	})
	t.Run("none", func(t *testing.T) {
		srv, c := newServer(t, fixedClock(date(2026, time.January, 10)), creemtest.WithRenewalRetrySchedule())
		sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{Card: creemtest.CardRenewalsDeclined})
		srv.Advance(31 * day)
		got := subEvents(t, srv.Events(), sub.ID)
		require.Len(t, got, 4)
		assert.Equal(t, creem.EventSubscriptionPastDue, got[2].Type)
		assert.Equal(t, creem.SubscriptionStatusPastDue, got[2].Status, "each event shows the state it announces")
		assert.Equal(t, creem.EventSubscriptionUnpaid, got[3].Type)
		assert.Equal(t, creem.SubscriptionStatusUnpaid, got[3].Status)
	})
}

// A scheduled cancellation takes effect at the period's end, without a renewal.
func TestScheduledCancelTakesEffectAtPeriodEnd(t *testing.T) {
	for _, tc := range []struct {
		action creem.CancelAction
		status creem.SubscriptionStatus
		event  creem.EventType
	}{
		{"", creem.SubscriptionStatusCanceled, creem.EventSubscriptionCanceled},
		{creem.CancelActionPause, creem.SubscriptionStatusPaused, creem.EventSubscriptionPaused},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			start := date(2026, time.January, 10)
			srv, c := newServer(t, fixedClock(start))
			ctx := context.Background()
			sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{})
			srv.Advance(5 * day)
			_, err := c.Subscriptions.Cancel(ctx, sub.ID, &creem.CancelSubscriptionParams{Mode: creem.CancelModeScheduled, OnExecute: tc.action})
			require.NoError(t, err)
			srv.Advance(26*day - time.Second)
			assert.Equal(t, creem.SubscriptionStatusScheduledCancel, getSub(t, c, sub.ID).Status)
			srv.Advance(time.Second)
			got := subEvents(t, srv.Events(), sub.ID)
			require.Len(t, got, 4)
			assert.Equal(t, subEvent{Type: tc.event, At: date(2026, time.February, 10), Status: tc.status, Start: start, End: date(2026, time.February, 10)}, got[3])
			srv.Advance(100 * day)
			assert.Len(t, transactionsOf(t, c, sub.Customer.ID), 1, "never renewed")
			assert.Len(t, subEvents(t, srv.Events(), sub.ID), 4)
		})
	}
}

// Paused subscriptions are not charged. Resumed after their period ended, they start a new
// period then, charged at the next Advance.
func TestPausedSubscriptionsDoNotRenew(t *testing.T) {
	srv, c := newServer(t, fixedClock(date(2026, time.January, 10)))
	ctx := context.Background()
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{})
	_, err := c.Subscriptions.Pause(ctx, sub.ID)
	require.NoError(t, err)
	srv.Advance(90 * day)
	assert.Len(t, transactionsOf(t, c, sub.Customer.ID), 1)
	assert.Len(t, subEvents(t, srv.Events(), sub.ID), 3)

	resumeAt := date(2026, time.April, 10)
	resumed, err := c.Subscriptions.Resume(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.SubscriptionStatusActive, resumed.Status)
	assert.Equal(t, resumeAt, resumed.NextTransactionDate.UTC())
	srv.Advance(0)
	sub = getSub(t, c, sub.ID)
	assert.Equal(t, resumeAt, sub.CurrentPeriodStartDate.UTC())
	assert.Equal(t, date(2026, time.May, 10), sub.CurrentPeriodEndDate.UTC())
	trans := transactionsOf(t, c, sub.Customer.ID)
	require.Len(t, trans, 2)
	assert.Equal(t, resumeAt, trans[1].PeriodStart.UTC())
}

// Discounts on renewals follow their duration: forever always, once only at checkout,
// repeating for its months.
func TestRenewalDiscounts(t *testing.T) {
	srv, c := newServer(t, fixedClock(date(2026, time.January, 10)))
	ctx := context.Background()
	prod := recurring(t, c, 1000, nil)
	customers := map[string]string{}
	for _, d := range []creem.CreateDiscountParams{
		{Name: "forever", Code: "FOREVER", Type: creem.DiscountTypePercentage, Percentage: 10, Duration: creem.DiscountDurationForever},
		{Name: "once", Code: "ONCE", Type: creem.DiscountTypeFixed, Amount: 500, Currency: creem.CurrencyEUR, Duration: creem.DiscountDurationOnce},
		{Name: "repeating", Code: "REPEAT", Type: creem.DiscountTypePercentage, Percentage: 20, Duration: creem.DiscountDurationRepeating, DurationInMonths: 2},
	} {
		d.AppliesToProducts = []string{prod.ID}
		_, err := c.Discounts.Create(ctx, &d)
		require.NoError(t, err)
		sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID, DiscountCode: d.Code}, creemtest.Payment{Email: d.Name + "@example.com"})
		customers[d.Name] = sub.Customer.ID
	}
	srv.Advance(90 * day) // three renewals: February 10, March 10, April 10
	amounts := map[string][]int64{}
	for name, id := range customers {
		for _, tr := range transactionsOf(t, c, id) {
			amounts[name] = append(amounts[name], tr.Amount)
		}
	}
	assert.Equal(t, map[string][]int64{
		"forever":   {900, 900, 900, 900},
		"once":      {500, 1000, 1000, 1000},
		"repeating": {800, 800, 1000, 1000}, // periods starting within 2 months of January 10
	}, amounts)
}

// The clock moves on top of the real time too; Now shows it.
func TestAdvanceOnTheRealClock(t *testing.T) {
	srv, c := newServer(t)
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{})
	before := time.Now()
	srv.Advance(40 * day)
	now := srv.Now()
	assert.WithinDuration(t, before.Add(40*day), now, time.Minute)
	sub2 := getSub(t, c, sub.ID)
	assert.True(t, sub2.CurrentPeriodStartDate.Equal(sub.CurrentPeriodEndDate.Time), "renewed at the period's end")
	assert.True(t, sub2.CurrentPeriodEndDate.After(now))
	assert.Len(t, transactionsOf(t, c, sub.Customer.ID), 2)

	assert.PanicsWithValue(t, "creemtest: Advance(-1s): the clock only moves forward", func() { srv.Advance(-time.Second) })
}

// Advance runs while requests are served: under -race nothing races, and every answer shows a
// whole state: an active subscription's last transaction pays its current period.
func TestAdvanceConcurrentWithAPICalls(t *testing.T) {
	srv, c := newServer(t, fixedClock(date(2026, time.January, 10)))
	ctx := context.Background()
	prod := recurring(t, c, 1000, func(p *creem.CreateProductParams) { p.BillingPeriod = creem.BillingPeriodEveryDay })
	sub := subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID}, creemtest.Payment{})

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(stop)
		for range 60 {
			srv.Advance(12 * time.Hour)
			_ = srv.Now()
		}
	}()
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := c.Subscriptions.Get(ctx, sub.ID)
				if !assert.NoError(t, err) {
					return
				}
				assert.True(t, got.LastTransaction.PeriodStart.Equal(got.CurrentPeriodStartDate.Time) &&
					got.LastTransaction.PeriodEnd.Equal(got.CurrentPeriodEndDate.Time), "a torn subscription: %v", got.CurrentPeriodStartDate)
				ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
				if !assert.NoError(t, err) {
					return
				}
				_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: fmt.Sprintf("buyer%d@example.com", i)})
				assert.NoError(t, err)
				_, err = c.Transactions.List(ctx, &creem.ListTransactionsParams{ProductID: prod.ID})
				assert.NoError(t, err)
				_ = srv.Events()
			}
		}()
	}
	wg.Wait()
	got := getSub(t, c, sub.ID)
	assert.Equal(t, date(2026, time.February, 9), got.CurrentPeriodStartDate.UTC(), "30 days of daily renewals")
	assert.Len(t, transactionsOf(t, c, sub.Customer.ID), 31)
}

// Standard Webhooks timestamps carry the server's time of each delivery attempt, as Creem signs
// every attempt: a handler verifying on the server's clock with the default 5-minute tolerance
// takes the renewals however far Advance moved the clock, one on the real clock (here six years
// off) refuses them all as stale.
func TestStandardWebhooksAfterAdvance(t *testing.T) {
	srv, c := newServer(t, fixedClock(date(2020, time.January, 10)), creemtest.WithStandardWebhooks(), creemtest.WithWebhookRetrySchedule())
	rec, h := newEndpoint(t, srv)
	h.Verifier.Now = srv.Now
	_, stale := newEndpoint(t, srv)
	stale.Verifier.Now = time.Now
	subscribe(t, srv, c, &creem.CreateCheckoutParams{ProductID: recurring(t, c, 1000, nil).ID}, creemtest.Payment{})
	waitDeliveries(t, srv) // a delivery in flight while the clock jumps 95 days would be stale on arrival
	srv.Advance(95 * day)  // to April 14, 2020: renewals on February 10, March 10 and April 10
	waitDeliveries(t, srv)
	assert.Equal(t, []creem.EventType{
		creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid,
		creem.EventSubscriptionPaid, creem.EventSubscriptionPaid, creem.EventSubscriptionPaid,
	}, rec.types())
	failed := 0
	for _, d := range srv.Deliveries() {
		if !d.OK() {
			failed++
		}
	}
	assert.Equal(t, 6, failed, "every delivery to the endpoint on the real clock")
}
