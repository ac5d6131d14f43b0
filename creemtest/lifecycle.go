package creemtest

import (
	"fmt"
	"time"

	"github.com/creem-go/creem"
)

// What happens to subscriptions after checkout, driven by the server's clock: renewals, trials
// ending, declined renewals and their retries, scheduled cancellations taking effect. Nothing of
// it happens on its own: Advance moves the clock and runs what fell due, in time order.

const day = 24 * time.Hour

// DefaultRenewalRetrySchedule is when a declined renewal is retried, counted from the renewal
// that was declined: after 3, 5 and 7 days. The subscription is past_due meanwhile and becomes
// unpaid when the last retry is declined too.
var DefaultRenewalRetrySchedule = []time.Duration{3 * day, 5 * day, 7 * day}

// WithRenewalRetrySchedule sets when a declined renewal is retried, each delay counted from the
// renewal that was declined (so give them in increasing order). No delays means no retries: a
// declined renewal makes the subscription past_due and at once unpaid.
func WithRenewalRetrySchedule(delays ...time.Duration) Option {
	return func(s *Server) { s.renewalRetries = append([]time.Duration(nil), delays...) }
}

// billing is what the fake knows of a subscription's billing beyond what the entity shows.
type billing struct {
	renewalsFail bool      // charges to the card on file are declined
	anchorDay    int       // the day of the month periods end on, clamped in shorter months (0: the start's)
	trial        bool      // in its trial: the full price was never charged yet
	restart      time.Time // when set, the next period starts here, not at the current period's end
	failedAt     time.Time // when the renewal now past due was declined
	retries      int       // how many times it was retried since
	onExecute    creem.CancelAction
}

// billingOf returns sub's billing state, creating a neutral one if it has none. s.mu must be held.
func (s *Server) billingOf(sub *creem.Subscription) *billing {
	b, ok := s.st.billing[sub.ID]
	if !ok {
		b = &billing{} // periods end on the day they start
		s.st.billing[sub.ID] = b
	}
	return b
}

// Now returns the server's current time: the real time, or WithClock's, moved on by Advance.
func (s *Server) Now() time.Time { return s.now() }

// Advance moves the server's clock forward by d and then runs everything that fell due up to the
// new time, in time order, each at the moment it was due (transactions and webhook events carry
// that moment):
//
//   - An active subscription renews at the end of its period: a new paid transaction for the
//     next period (the price of each item's product times its units, less a discount whose
//     duration still runs), the next period's dates, and subscription.paid.
//   - A trial ends (a trialing subscription's period is its trial): the first full charge, the
//     first paid period, status active and subscription.paid.
//   - A renewal or trial-end charge on a card that declines charges (CardRenewalsDeclined, or
//     SetRenewalsFail) records a declined transaction, keeps the period, and makes the
//     subscription past_due with subscription.past_due. It is retried on the renewal retry
//     schedule (DefaultRenewalRetrySchedule: 3, 5 and 7 days after the declined renewal); a
//     retry that succeeds makes it active again with subscription.paid, for the period that
//     was due (its dates do not shift); when the last retry is declined it becomes unpaid with
//     subscription.unpaid and is not charged again. Declined retries send no event.
//   - A scheduled cancellation takes effect at the period's end: canceled with
//     subscription.canceled (paused with subscription.paused when it was scheduled with
//     onExecute pause).
//   - Paused, canceled and unpaid subscriptions are not charged. A subscription resumed after
//     its period ended while paused starts a new period when it is resumed, charged at the next
//     Advance.
//
// Every event carries the subscription as it was at that moment, and is stamped with the
// server's time when it happened. With WithStandardWebhooks, each delivery attempt is signed when
// it is made, with its webhook-timestamp on the server's clock, as Creem signs every attempt:
// once Advance or WithClock moved that clock away from the real one, verify deliveries on it
// (handler.Verifier.Now = srv.Now).
//
// Advance(0) runs what is due now, for clocks given to WithClock that move on their own.
// Advance is safe to call while requests are served: it holds the server's lock throughout, so they see the state from before
// it or after it, never part of it. A negative
// d panics: the clock only moves forward.
func (s *Server) Advance(d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("creemtest: Advance(%v): the clock only moves forward", d))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	offset := s.clockOffset.Load() + int64(d)
	target := s.clockBase().Add(time.Duration(offset))
	for {
		sub, due, ok := s.nextDue()
		if !ok || due.After(target) {
			break
		}
		// Run it at its own time: stamps, periods and events read s.now.
		if pin := int64(due.Sub(s.clockBase())); pin > s.clockOffset.Load() {
			s.clockOffset.Store(pin)
		}
		s.runDue(sub, s.now().UTC())
	}
	if offset > s.clockOffset.Load() {
		s.clockOffset.Store(offset)
	}
}

// dueAt tells when sub next needs the clock's attention.
func dueAt(sub *creem.Subscription) (time.Time, bool) {
	switch sub.Status {
	case creem.SubscriptionStatusActive, creem.SubscriptionStatusTrialing, creem.SubscriptionStatusPastDue:
		if sub.NextTransactionDate != nil {
			return sub.NextTransactionDate.Time, true
		}
	case creem.SubscriptionStatusScheduledCancel:
		if sub.CurrentPeriodEndDate != nil {
			return sub.CurrentPeriodEndDate.Time, true
		}
	}
	return time.Time{}, false
}

// nextDue finds the subscription due first (the oldest of equals). s.mu must be held.
func (s *Server) nextDue() (*creem.Subscription, time.Time, bool) {
	var first *creem.Subscription
	var when time.Time
	for _, sub := range s.st.subscriptions.filter(nil) {
		if t, ok := dueAt(sub); ok && (first == nil || t.Before(when)) {
			first, when = sub, t
		}
	}
	return first, when, first != nil
}

// runDue does what sub was due for, at time at. s.mu must be held.
func (s *Server) runDue(sub *creem.Subscription, at time.Time) {
	b := s.billingOf(sub)
	switch sub.Status {
	case creem.SubscriptionStatusScheduledCancel:
		from := sub.Status
		if b.onExecute == creem.CancelActionPause {
			sub.Status = creem.SubscriptionStatusPaused
		} else {
			sub.Status = creem.SubscriptionStatusCanceled
			sub.NextTransactionDate = nil
		}
		b.onExecute = ""
		sub.UpdatedAt = creem.NewTimestamp(at)
		s.emit(subscriptionEvent(from, sub.Status), s.subscriptionView(sub, true))
	case creem.SubscriptionStatusActive, creem.SubscriptionStatusTrialing:
		if !b.renewalsFail {
			s.renewed(sub, b, at)
			return
		}
		s.decline(sub, at)
		b.failedAt, b.retries = at, 0
		sub.Status = creem.SubscriptionStatusPastDue
		more := s.scheduleRetry(sub, b)
		s.emit(creem.EventSubscriptionPastDue, s.subscriptionView(sub, true))
		if !more {
			s.unpaid(sub)
		}
	case creem.SubscriptionStatusPastDue:
		if !b.renewalsFail {
			s.renewed(sub, b, at)
			return
		}
		s.decline(sub, at)
		b.retries++
		if !s.scheduleRetry(sub, b) {
			s.unpaid(sub)
		}
	}
}

// scheduleRetry sets when the declined renewal of sub is tried next. It reports false, and sets
// no date, when the retries ran out. s.mu must be held.
func (s *Server) scheduleRetry(sub *creem.Subscription, b *billing) bool {
	sub.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	if b.retries < len(s.renewalRetries) {
		sub.NextTransactionDate = creem.Ptr(creem.NewTimestamp(b.failedAt.Add(s.renewalRetries[b.retries])))
		return true
	}
	sub.NextTransactionDate = nil
	return false
}

// unpaid gives up charging sub. s.mu must be held.
func (s *Server) unpaid(sub *creem.Subscription) {
	sub.Status = creem.SubscriptionStatusUnpaid
	s.emit(creem.EventSubscriptionUnpaid, s.subscriptionView(sub, true))
}

// nextPeriodOf returns the period sub is charged for next. s.mu must be held.
func (s *Server) nextPeriodOf(sub *creem.Subscription, b *billing) (start, end time.Time) {
	start = b.restart
	if start.IsZero() && sub.CurrentPeriodEndDate != nil {
		start = sub.CurrentPeriodEndDate.Time.UTC()
	}
	return start, addPeriod(s.st.products.byID[sub.Product.ID], start, b.anchorDay)
}

// renewed charges sub for its next period successfully and makes it active. s.mu must be held.
func (s *Server) renewed(sub *creem.Subscription, b *billing, at time.Time) {
	start, end := s.nextPeriodOf(sub, b)
	tran := s.chargeSubscription(sub, start, end, at, creem.TransactionStatusPaid)
	sub.Status = creem.SubscriptionStatusActive
	sub.CurrentPeriodStartDate = creem.Ptr(creem.NewTimestamp(start))
	sub.CurrentPeriodEndDate = creem.Ptr(creem.NewTimestamp(end))
	sub.NextTransactionDate = creem.Ptr(creem.NewTimestamp(end))
	sub.LastTransactionID, sub.LastTransaction = tran.ID, tran
	sub.LastTransactionDate = creem.Ptr(creem.NewTimestamp(at))
	sub.UpdatedAt = creem.NewTimestamp(at)
	b.trial, b.restart, b.failedAt, b.retries = false, time.Time{}, time.Time{}, 0
	s.emit(creem.EventSubscriptionPaid, s.subscriptionView(sub, true))
}

// decline records a declined charge of sub's next period. Like Creem, the subscription's last
// transaction stays the last paid one. s.mu must be held.
func (s *Server) decline(sub *creem.Subscription, at time.Time) {
	start, end := s.nextPeriodOf(sub, s.billingOf(sub))
	s.chargeSubscription(sub, start, end, at, creem.TransactionStatusDeclined)
}

// chargeSubscription records a charge of sub for the period from start to end: the price of each
// item's product times its units, less the subscription's discount while it runs. s.mu must be held.
func (s *Server) chargeSubscription(sub *creem.Subscription, start, end, at time.Time, status creem.TransactionStatus) *creem.Transaction {
	prod := s.st.products.byID[sub.Product.ID]
	var total int64
	for _, it := range sub.Items {
		p, ok := s.st.products.get(it.ProductID)
		if !ok {
			continue
		}
		units := int64(1)
		if it.Units != nil {
			units = int64(*it.Units)
		}
		total += p.Price * units
	}
	if len(sub.Items) == 0 {
		total = prod.Price
	}
	var off int64
	if d := sub.Discount; d != nil && discountRuns(d, sub.CreatedAt.Time, start) {
		dis := &creem.Discount{Type: d.Type, Amount: d.Amount}
		if d.Type == creem.DiscountTypePercentage {
			dis.Percentage = creem.Ptr(d.Amount)
		}
		off = discountOff(dis, total)
	}
	amount := total - off
	paid := amount
	if status != creem.TransactionStatusPaid {
		paid = 0
	}
	tran := &creem.Transaction{
		ID: newID("tran"), Mode: creem.ModeTest, Object: "transaction", Amount: amount, AmountPaid: creem.Ptr(paid),
		DiscountAmount: creem.Ptr(off), Currency: prod.Currency, Type: creem.TransactionTypeInvoice,
		TaxAmount: creem.Ptr[int64](0), Status: status, Subscription: creem.Ptr(sub.ID),
		Customer: creem.Ptr(sub.Customer.ID), Description: prod.Name,
		PeriodStart: creem.Ptr(creem.TimestampFromMillis(start.UnixMilli())),
		PeriodEnd:   creem.Ptr(creem.TimestampFromMillis(end.UnixMilli())),
		CreatedAt:   creem.TimestampFromMillis(at.UnixMilli()),
	}
	s.st.transactions.put(tran.ID, tran)
	s.st.transactionProduct[tran.ID] = prod.ID
	return tran
}

// discountRuns tells whether a subscription's discount applies to a renewal for the period
// starting at start: forever always, once never (it applied to the checkout's payment),
// repeating while the period starts within its months of the subscription's creation.
func discountRuns(d *creem.AppliedDiscount, created, start time.Time) bool {
	switch d.Duration {
	case creem.DiscountDurationForever:
		return true
	case creem.DiscountDurationRepeating:
		return start.Before(created.AddDate(0, d.DurationInMonths, 0))
	}
	return false
}

// SetRenewalsFail makes the future charges of a subscription (renewals, the end of its trial,
// retries of a past-due renewal) be declined, or, with fail false, succeed again. A
// subscription paid with CardRenewalsDeclined starts with its renewals failing.
func (s *Server) SetRenewalsFail(subscriptionID string, fail bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.st.subscriptions.get(subscriptionID)
	if !ok {
		return fmt.Errorf("creemtest: SetRenewalsFail: no subscription %s", subscriptionID)
	}
	s.billingOf(sub).renewalsFail = fail
	return nil
}

// addPeriod returns the end of a billing period of p that starts at t. Periods counted in
// months end on anchorDay (t's day when 0), or on the last day of a shorter month, so a
// subscription started on January 31 renews on February 28, then on March 31.
func addPeriod(p *creem.Product, t time.Time, anchorDay int) time.Time {
	if anchorDay == 0 {
		anchorDay = t.Day()
	}
	switch p.BillingPeriod {
	case creem.BillingPeriodEveryDay:
		return t.AddDate(0, 0, 1)
	case creem.BillingPeriodEveryThreeMonth:
		return addMonths(t, 3, anchorDay)
	case creem.BillingPeriodEverySixMonths:
		return addMonths(t, 6, anchorDay)
	case creem.BillingPeriodEveryYear:
		return addMonths(t, 12, anchorDay)
	case creem.BillingPeriodCustom:
		n := 1
		if p.RecurringIntervalCount != nil && *p.RecurringIntervalCount > 1 {
			n = *p.RecurringIntervalCount
		}
		if p.RecurringInterval != nil {
			switch *p.RecurringInterval {
			case creem.RecurringIntervalDay:
				return t.AddDate(0, 0, n)
			case creem.RecurringIntervalWeek:
				return t.AddDate(0, 0, 7*n)
			case creem.RecurringIntervalYear:
				return addMonths(t, 12*n, anchorDay)
			}
		}
		return addMonths(t, n, anchorDay)
	}
	return addMonths(t, 1, anchorDay)
}

// addMonths moves t n months on, to day anchorDay of that month or its last day if shorter.
func addMonths(t time.Time, n, anchorDay int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(anchorDay, last)-1)
}
