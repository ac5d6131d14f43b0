package creemtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/creem-go/creem"
)

// statsSummary computes GET /v1/stats/summary from the stored objects. The fake charges no fees,
// so net revenue is gross revenue less tax and refunds.
func (s *Server) statsSummary(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	currency := creem.Currency(q.Get("currency"))
	if currency != creem.CurrencyEUR && currency != creem.CurrencyUSD {
		return nil, errorf(http.StatusBadRequest, "currency must be one of the following values: EUR, USD")
	}
	var start, end time.Time
	for name, dst := range map[string]*time.Time{"startDate": &start, "endDate": &end} {
		if v := q.Get(name); v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, name+" must be a number conforming to the specified constraints")
			}
			*dst = time.UnixMilli(ms).UTC()
		}
	}
	interval := q.Get("interval")
	switch interval {
	case "", "day", "week", "month":
	default:
		return nil, errorf(http.StatusBadRequest, "interval must be one of the following values: day, week, month")
	}
	if interval != "" && (start.IsZero() || end.IsZero()) {
		return nil, errorf(http.StatusBadRequest, "interval requires startDate and endDate")
	}
	inRange := func(t time.Time) bool {
		return (start.IsZero() || !t.Before(start)) && (end.IsZero() || !t.After(end))
	}

	out := &creem.StatsSummary{}
	tot := &out.Totals
	tot.TotalProducts = int64(len(s.st.products.order))
	for _, c := range s.st.customers.filter(nil) {
		if inRange(c.CreatedAt.Time) {
			tot.TotalCustomers++
		}
	}
	for _, sub := range s.st.subscriptions.filter(nil) {
		prod := s.st.products.byID[sub.Product.ID]
		if prod.Currency != currency {
			continue
		}
		if inRange(sub.CreatedAt.Time) {
			tot.TotalSubscriptions++
		}
		if sub.Status == creem.SubscriptionStatusActive || sub.Status == creem.SubscriptionStatusTrialing {
			tot.ActiveSubscriptions++
			units := 0
			for _, it := range sub.Items {
				if it.Units != nil {
					units += *it.Units
				}
			}
			tot.MonthlyRecurringRevenue += monthly(prod) * int64(max(units, 1))
		}
	}
	tot.NetMonthlyRecurringRevenue = tot.MonthlyRecurringRevenue

	var first time.Time
	var paid []*creem.Transaction
	for _, t := range s.st.transactions.filter(func(t *creem.Transaction) bool { return t.Currency == currency }) {
		if t.Status == creem.TransactionStatusPending || t.Status == creem.TransactionStatusDeclined || t.Status == creem.TransactionStatusVoid {
			continue
		}
		if first.IsZero() {
			first = t.CreatedAt.Time
		}
		if inRange(t.CreatedAt.Time) {
			paid = append(paid, t)
			gross, net := revenue(t)
			tot.TotalPayments++
			tot.TotalRevenue += gross
			tot.TotalNetRevenue += net
		}
	}

	if interval != "" {
		from := start
		if first.After(from) {
			from = first
		}
		for b := bucketStart(from, interval); !b.After(end); b = nextBucket(b, interval) {
			p := creem.StatsPeriod{Timestamp: creem.TimestampFromMillis(b.UnixMilli())}
			next := nextBucket(b, interval)
			for _, t := range paid {
				if !t.CreatedAt.Before(b) && t.CreatedAt.Before(next) {
					gross, net := revenue(t)
					p.GrossRevenue += gross
					p.NetRevenue += net
				}
			}
			out.Periods = append(out.Periods, p)
		}
	}
	return out, nil
}

// revenue returns what a transaction brought in, gross and net of tax and refunds.
func revenue(t *creem.Transaction) (gross, net int64) {
	gross = t.Amount
	if t.AmountPaid != nil {
		gross = *t.AmountPaid
	}
	net = gross
	if t.TaxAmount != nil {
		net -= *t.TaxAmount
	}
	if t.RefundedAmount != nil {
		net -= *t.RefundedAmount
	}
	return gross, net
}

// monthly normalises a recurring product's price to one month.
func monthly(p *creem.Product) int64 {
	switch p.BillingPeriod {
	case creem.BillingPeriodEveryDay:
		return p.Price * 30
	case creem.BillingPeriodEveryThreeMonth:
		return p.Price / 3
	case creem.BillingPeriodEverySixMonths:
		return p.Price / 6
	case creem.BillingPeriodEveryYear:
		return p.Price / 12
	}
	return p.Price
}

func bucketStart(t time.Time, interval string) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch interval {
	case "week":
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // Monday
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

func nextBucket(t time.Time, interval string) time.Time {
	switch interval {
	case "week":
		return t.AddDate(0, 0, 7)
	case "month":
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}
