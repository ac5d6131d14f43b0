package creem

import (
	"context"
	"time"
)

// StatsService reads store metrics: GET /v1/stats/summary.
type StatsService service

// StatsInterval is the bucket size of a stats time series. It is an open enum.
type StatsInterval string

// Known stats intervals.
const (
	StatsIntervalDay   StatsInterval = "day"
	StatsIntervalWeek  StatsInterval = "week"
	StatsIntervalMonth StatsInterval = "month"
)

// StatsSummaryParams are the parameters of Stats.Summary. Currency is required; Interval needs
// Start and End.
type StatsSummaryParams struct {
	Start    time.Time     `url:"startDate,unixmilli,omitempty"` // sent as epoch milliseconds
	End      time.Time     `url:"endDate,unixmilli,omitempty"`
	Interval StatsInterval `url:"interval,omitempty"`
	Currency Currency      `url:"currency"`
}

// StatsSummary holds store metrics (StatsSummaryEntity). Amounts are in minor units.
type StatsSummary struct {
	Totals StatsTotals `json:"totals"`
	// Periods is the time series, present when Interval, Start and End were given.
	Periods []StatsPeriod `json:"periods"`
}

// StatsTotals are the aggregated totals of a date range (StatsMetricTotalsEntity).
type StatsTotals struct {
	TotalProducts              int64 `json:"totalProducts"`
	TotalSubscriptions         int64 `json:"totalSubscriptions"`
	TotalCustomers             int64 `json:"totalCustomers"`
	TotalPayments              int64 `json:"totalPayments"`
	ActiveSubscriptions        int64 `json:"activeSubscriptions"`
	TotalRevenue               int64 `json:"totalRevenue"`               // gross, minor units
	TotalNetRevenue            int64 `json:"totalNetRevenue"`            // after fees and taxes
	NetMonthlyRecurringRevenue int64 `json:"netMonthlyRecurringRevenue"` // after estimated fees
	MonthlyRecurringRevenue    int64 `json:"monthlyRecurringRevenue"`
}

// StatsPeriod is one bucket of the time series (StatsMetricPeriodEntity).
type StatsPeriod struct {
	Timestamp    Timestamp `json:"timestamp"` // start of the bucket
	GrossRevenue int64     `json:"grossRevenue"`
	NetRevenue   int64     `json:"netRevenue"`
}

// Summary returns the store's metrics (GET /v1/stats/summary). Retried like every read.
func (s *StatsService) Summary(ctx context.Context, params *StatsSummaryParams, opts ...RequestOption) (*StatsSummary, error) {
	const op = "Stats.Summary"
	switch {
	case params == nil || params.Currency == "":
		return nil, invalid(op, "currency", "is required")
	case params.Interval != "" && (params.Start.IsZero() || params.End.IsZero()):
		return nil, invalid(op, "interval", "needs startDate and endDate")
	case !params.Start.IsZero() && !params.End.IsZero() && params.End.Before(params.Start):
		return nil, invalid(op, "endDate", "is before startDate")
	}
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	return send[StatsSummary](ctx, s.client, get("/v1/stats/summary"), q, nil, opts)
}
