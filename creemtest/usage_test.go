package creemtest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func usageServer(t *testing.T, now time.Time) (*creemtest.Server, *creem.Client, *clock, []string) {
	t.Helper()
	clk := &clock{now: now}
	srv, c := newServer(t, creemtest.WithClock(clk.Now))
	var ids []string
	for i := range 2 {
		cu, err := c.Customers.Create(context.Background(), &creem.CreateCustomerParams{
			Email: fmt.Sprintf("u%d@example.com", i), Name: "U", ExternalID: fmt.Sprintf("user-%d", i),
		})
		require.NoError(t, err)
		ids = append(ids, cu.ID)
	}
	return srv, c, clk, ids
}

func apiErr(t *testing.T, err error) *creem.APIError {
	t.Helper()
	var e *creem.APIError
	require.ErrorAs(t, err, &e)
	return e
}

func ingest(t *testing.T, c *creem.Client, events ...creem.UsageEventParams) *creem.IngestResult {
	t.Helper()
	res, err := c.Usage.Ingest(context.Background(), &creem.IngestUsageParams{Events: events})
	require.NoError(t, err)
	return res
}

var aug15 = time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC)

func TestMetersLifecycle(t *testing.T) {
	srv, c, _, _ := usageServer(t, aug15)
	ctx := context.Background()
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{
		Name: " Image generations ", EventName: "image.generated", Aggregation: creem.AggregationSum, AggregationProperty: "tokens",
		Filter:    &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{{Property: "tokens", Operator: creem.FilterGte, Value: "10"}}},
		UnitLabel: "images",
	})
	require.NoError(t, err)
	assert.Regexp(t, `^mtr_\w{22}$`, m.ID)
	assert.Regexp(t, `^sto_\w{22}$`, m.StoreID)
	assert.Equal(t, "Image generations", m.Name, "the name is trimmed")
	assert.Equal(t, creem.MeterStatusActive, m.Status)
	assert.Equal(t, float64(10), m.Filter.Clauses[0].Value, `"10" is stored parsed`)
	assert.Equal(t, aug15, m.CreatedAt.Time)
	assert.Equal(t, 1, srv.Calls("POST /v1/meters"))

	count, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Requests", EventName: "api.request", Aggregation: creem.AggregationCount, AggregationProperty: "ignored", UnitLabel: "requests"})
	require.NoError(t, err)
	assert.Nil(t, count.AggregationProperty, "count ignores the property")
	assert.Equal(t, creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{}}, count.Filter)

	// Names are unique per store, archived meters included.
	_, err = c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Requests", EventName: "x", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	e := apiErr(t, err)
	assert.Equal(t, http.StatusConflict, e.StatusCode)
	assert.Equal(t, "meter_name_taken", e.Code)
	assert.Nil(t, e.Details, "an active holder gives no details")
	archived, err := c.Meters.Archive(ctx, count.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.MeterStatusArchived, archived.Status)
	again, err := c.Meters.Archive(ctx, count.ID)
	require.NoError(t, err, "archiving is idempotent")
	assert.Equal(t, archived.UpdatedAt, again.UpdatedAt)
	_, err = c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Requests", EventName: "x", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	e = apiErr(t, err)
	assert.Equal(t, "meter_name_taken", e.Code)
	assert.Equal(t, map[string]any{"archived_holder": true, "archived_holder_id": count.ID}, e.Details)
	assert.Regexp(t, `^req_`, e.RequestID)
	assert.Equal(t, "invalid_request_error", e.Type)

	// Listing: newest first, archived meters only on request, cursors both ways.
	page, err := c.Meters.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, m.ID, page.Data[0].ID)
	page, err = c.Meters.List(ctx, &creem.ListMetersParams{IncludeArchived: true, CursorParams: creem.CursorParams{Limit: 1}})
	require.NoError(t, err)
	assert.Equal(t, count.ID, page.Data[0].ID)
	assert.True(t, page.HasMore)
	var all []string
	for mt, err := range c.Meters.All(ctx, &creem.ListMetersParams{IncludeArchived: true, CursorParams: creem.CursorParams{Limit: 1}}) {
		require.NoError(t, err)
		all = append(all, mt.ID)
	}
	assert.Equal(t, []string{count.ID, m.ID}, all)
	page, err = c.Meters.List(ctx, &creem.ListMetersParams{IncludeArchived: true, CursorParams: creem.CursorParams{EndingBefore: m.ID}})
	require.NoError(t, err)
	assert.Equal(t, count.ID, page.Data[0].ID)
	got, err := c.Meters.Get(ctx, count.ID)
	require.NoError(t, err, "Get returns archived meters")
	assert.Equal(t, creem.MeterStatusArchived, got.Status)

	restored, err := c.Meters.Unarchive(ctx, count.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.MeterStatusActive, restored.Status)
	_, err = c.Meters.Unarchive(ctx, count.ID)
	require.NoError(t, err, "unarchiving is idempotent")

	// Renames must stay unique; definitions are editable until usage arrives.
	_, err = c.Meters.Update(ctx, m.ID, &creem.UpdateMeterParams{Name: creem.Ptr("Requests")})
	assert.Equal(t, "meter_name_taken", apiErr(t, err).Code)
	up, err := c.Meters.Update(ctx, m.ID, &creem.UpdateMeterParams{Name: creem.Ptr("Images"), Aggregation: creem.AggregationCount, AggregationProperty: creem.Null[string]()})
	require.NoError(t, err)
	assert.Equal(t, "Images", up.Name)
	assert.Equal(t, creem.AggregationCount, up.Aggregation)
	assert.Nil(t, up.AggregationProperty)
	assert.Len(t, up.Filter.Clauses, 1, "an omitted filter is unchanged")
	_, err = c.Meters.Update(ctx, m.ID, &creem.UpdateMeterParams{Aggregation: creem.AggregationMax})
	e = apiErr(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, e.StatusCode)
	assert.Equal(t, "aggregation_property", e.Param)
	status, body := rawCall(t, http.MethodPatch, srv.URL+"/v1/meters/"+m.ID, srv.APIKey, `{"name":null}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "name", body["error"].(map[string]any)["param"])

	_, err = c.Meters.Get(ctx, "mtr_nope")
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestMeterDefinitionsAreChecked(t *testing.T) {
	srv, c, _, _ := usageServer(t, aug15)
	ctx := context.Background()
	_, err := c.Meters.Preview(ctx, &creem.PreviewMeterParams{EventName: "e", Aggregation: creem.AggregationCount,
		Filter: &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{{Property: "tier", Operator: creem.FilterGt, Value: "pro"}}}})
	e := apiErr(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, e.StatusCode)
	assert.Equal(t, "invalid_meter_definition", e.Code)
	assert.Equal(t, "filter.clauses[0].value", e.Param)
	for _, body := range []string{
		`{"name":"n","event_name":"e","aggregation":"median","unit_label":"u"}`,
		`{"name":"n","event_name":"e","aggregation":"count","unit_label":"u","filter":{"conjunction":"xor","clauses":[]}}`,
		`{"name":"n","event_name":"e","aggregation":"count","unit_label":"u","filter":{"conjunction":"and","clauses":[{"property":"a","operator":"like","value":1}]}}`,
		`{"name":"n","event_name":"e","aggregation":"count","unit_label":"u","filter":{"conjunction":"and","clauses":[{"property":"a","operator":"equals","value":[1]}]}}`,
		`{"name":"n","event_name":"e","aggregation":"count"}`,
		`{"name":"n","event_name":"e","aggregation":"count","unit_label":"u","colour":"red"}`,
	} {
		status, _ := rawCall(t, http.MethodPost, srv.URL+"/v1/meters", srv.APIKey, body)
		assert.Equal(t, http.StatusBadRequest, status, body)
	}
	status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/meters", srv.APIKey, `{"name":"n","event_name":"e","aggregation":"sum","unit_label":"u"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Equal(t, "aggregation_property", body["error"].(map[string]any)["param"])
}

// Every filter operator, with values parsed on both sides (number, then boolean, then string),
// and both conjunctions.
func TestMeterFilters(t *testing.T) {
	_, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	events := []map[string]any{
		{"n": 5, "tier": "pro", "flag": true, "model": "sdxl-turbo"},
		{"n": "10", "tier": "free", "flag": "false", "model": "gpt"},
		{"n": 10.5, "tier": "pro", "flag": false},
		{"tier": 10},
	}
	for i, p := range events {
		ingest(t, c, creem.UsageEventParams{Name: "e", CustomerID: cust[0], EventID: fmt.Sprint(i), Properties: p})
	}
	cases := []struct {
		clauses []creem.FilterClause
		or      bool
		want    int
	}{
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterEquals, Value: 10}}, false, 1},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterEquals, Value: "5"}}, false, 1},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterNotEquals, Value: 5}}, false, 2},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterGt, Value: 5}}, false, 2},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterGte, Value: "5"}}, false, 3},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterLt, Value: 10}}, false, 1},
		{[]creem.FilterClause{{Property: "n", Operator: creem.FilterLte, Value: 10}}, false, 2},
		{[]creem.FilterClause{{Property: "model", Operator: creem.FilterContains, Value: "sdxl"}}, false, 1},
		{[]creem.FilterClause{{Property: "model", Operator: creem.FilterNotContains, Value: "sdxl"}}, false, 1},
		{[]creem.FilterClause{{Property: "flag", Operator: creem.FilterEquals, Value: false}}, false, 2},
		{[]creem.FilterClause{{Property: "flag", Operator: creem.FilterEquals, Value: "true"}}, false, 1},
		{[]creem.FilterClause{{Property: "tier", Operator: creem.FilterEquals, Value: "10"}}, false, 1},
		{[]creem.FilterClause{{Property: "tier", Operator: creem.FilterEquals, Value: "pro"}, {Property: "n", Operator: creem.FilterGt, Value: 6}}, false, 1},
		{[]creem.FilterClause{{Property: "tier", Operator: creem.FilterEquals, Value: "free"}, {Property: "n", Operator: creem.FilterGt, Value: 6}}, true, 2},
		{nil, false, 4},
	}
	for i, tc := range cases {
		conj := creem.FilterAnd
		if tc.or {
			conj = creem.FilterOr
		}
		p, err := c.Meters.Preview(ctx, &creem.PreviewMeterParams{EventName: "e", Aggregation: creem.AggregationCount,
			Filter: &creem.MeterFilter{Conjunction: conj, Clauses: tc.clauses}})
		require.NoError(t, err)
		assert.Equal(t, tc.want, p.MatchedEvents, "case %d: %+v", i, tc.clauses)
		assert.Equal(t, fmt.Sprint(tc.want), p.Units)
	}
}

// Every aggregation, over the events of the meter's name; the preview covers the last 7 UTC
// days, today included, zero-filled, future events excluded.
func TestMeterAggregationsAndPreview(t *testing.T) {
	_, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	day := func(d, h int) creem.Timestamp { return creem.NewTimestamp(time.Date(2026, 8, d, h, 0, 0, 0, time.UTC)) }
	ingest(t, c,
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: day(15, 1), Properties: map[string]any{"tokens": 10, "user": "a"}},
		creem.UsageEventParams{Name: "tok", CustomerID: cust[1], Timestamp: day(15, 2), Properties: map[string]any{"tokens": "30", "user": "b"}},
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: day(12, 0), Properties: map[string]any{"tokens": 5, "user": "a"}},
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: day(8, 23), Properties: map[string]any{"tokens": 7, "user": "z"}},    // Aug 8 is outside the window
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: day(15, 13), Properties: map[string]any{"tokens": 100, "user": "y"}}, // in the future
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: day(14, 0), Properties: map[string]any{"user": "c"}},                 // no tokens
		creem.UsageEventParams{Name: "other", CustomerID: cust[0], Timestamp: day(15, 0), Properties: map[string]any{"tokens": 1000}},
	)
	want := map[creem.MeterAggregation]string{
		creem.AggregationCount: "4", creem.AggregationSum: "45", creem.AggregationAverage: "15",
		creem.AggregationMin: "5", creem.AggregationMax: "30", creem.AggregationUnique: "3",
	}
	for agg, units := range want {
		prop := "tokens"
		if agg == creem.AggregationUnique {
			prop = "user"
		}
		p, err := c.Meters.Preview(ctx, &creem.PreviewMeterParams{EventName: "tok", Aggregation: agg, AggregationProperty: prop})
		require.NoError(t, err)
		assert.Equal(t, units, p.Units, agg)
		assert.Equal(t, 4, p.MatchedEvents, agg)
		assert.Equal(t, 2, p.DistinctCustomers, agg)
		require.Len(t, p.Daily, 7)
		if agg == creem.AggregationSum {
			assert.Equal(t, []creem.MeterPreviewDay{
				{Date: "2026-08-09", EventCount: 0, Value: "0"}, {Date: "2026-08-10", EventCount: 0, Value: "0"},
				{Date: "2026-08-11", EventCount: 0, Value: "0"}, {Date: "2026-08-12", EventCount: 1, Value: "5"},
				{Date: "2026-08-13", EventCount: 0, Value: "0"}, {Date: "2026-08-14", EventCount: 1, Value: "0"},
				{Date: "2026-08-15", EventCount: 2, Value: "40"},
			}, p.Daily)
		}
	}
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Avg", EventName: "tok", Aggregation: creem.AggregationAverage, AggregationProperty: "tokens", UnitLabel: "t"})
	require.NoError(t, err)
	p, err := c.Meters.PreviewExisting(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, "15", p.Units)
	_, err = c.Meters.PreviewExisting(ctx, "mtr_nope")
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

// Consumed units per customer and meter, over calendar months in UTC on the server's clock.
func TestMeterConsumedUnits(t *testing.T) {
	_, c, clk, cust := usageServer(t, aug15)
	ctx := context.Background()
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Tokens", EventName: "tok", Aggregation: creem.AggregationSum, AggregationProperty: "tokens", UnitLabel: "tokens"})
	require.NoError(t, err)
	consumed := func(customer string, at time.Time) *creem.MeterConsumedUnits {
		t.Helper()
		u, err := c.Meters.ConsumedUnits(ctx, m.ID, &creem.ConsumedUnitsParams{CustomerID: customer, At: at})
		require.NoError(t, err)
		return u
	}
	u := consumed(cust[0], time.Time{})
	assert.Equal(t, "0", u.Units)
	assert.Nil(t, u.UpdatedAt, "no usage folded yet")
	assert.Equal(t, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), u.PeriodStart.Time)
	assert.Equal(t, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), u.PeriodEnd.Time)

	at := func(d int) creem.Timestamp { return creem.NewTimestamp(time.Date(2026, 8, d, 0, 0, 0, 0, time.UTC)) }
	ingest(t, c,
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: at(2), Properties: map[string]any{"tokens": 100}},
		creem.UsageEventParams{Name: "tok", ExternalCustomerID: "user-0", Timestamp: at(10), Properties: map[string]any{"tokens": 20}},
		creem.UsageEventParams{Name: "tok", CustomerID: cust[1], Timestamp: at(3), Properties: map[string]any{"tokens": 7}},
		creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: creem.NewTimestamp(time.Date(2026, 7, 31, 23, 59, 0, 0, time.UTC)), Properties: map[string]any{"tokens": 1000}},
	)
	u = consumed(cust[0], time.Time{})
	assert.Equal(t, "120", u.Units, "July's event belongs to July's period")
	require.NotNil(t, u.UpdatedAt)
	assert.Equal(t, aug15, u.UpdatedAt.Time)
	assert.Equal(t, "7", consumed(cust[1], time.Time{}).Units)
	u = consumed(cust[0], time.Date(2026, 8, 5, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, "100", u.Units, "as of Aug 5, the usage of Aug 2")
	clk.set(time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC))
	ingest(t, c, creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: at(16), Properties: map[string]any{"tokens": 3}})
	u = consumed(cust[0], time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC))
	assert.Equal(t, "120", u.Units, "replayed as of Aug 15 noon")
	assert.Nil(t, u.UpdatedAt)
	require.NotNil(t, u.AsOf)
	assert.Equal(t, time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC), u.AsOf.Time)
	assert.Equal(t, "0", consumed(cust[0], time.Date(2026, 7, 31, 23, 59, 30, 0, time.UTC)).Units,
		"July's event arrived after July was finalized: stored, never counted")

	// An archived meter stops accruing; unarchiving folds back what came meanwhile.
	clk.set(time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC))
	_, err = c.Meters.Archive(ctx, m.ID)
	require.NoError(t, err)
	res := ingest(t, c, creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Properties: map[string]any{"tokens": 50}})
	assert.Equal(t, []creem.IngestWarning{{Index: 0, Code: creem.WarningMeterArchived, Message: res.Warnings[0].Message}}, res.Warnings)
	assert.Equal(t, "123", consumed(cust[0], time.Time{}).Units)
	_, err = c.Meters.Unarchive(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, "173", consumed(cust[0], time.Time{}).Units)

	// A new month is a new period. Usage for a period finalized longer than the late window ago
	// is stored but never counted.
	clk.set(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, "0", consumed(cust[0], time.Time{}).Units)
	clk.set(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Add(creemtest.UsageLateWindow + time.Minute))
	res = ingest(t, c, creem.UsageEventParams{Name: "tok", CustomerID: cust[0], Timestamp: at(20), Properties: map[string]any{"tokens": 5000}})
	require.Len(t, res.Warnings, 1)
	assert.Equal(t, creem.WarningTimestampOutsideLateWindow, res.Warnings[0].Code)
	assert.Equal(t, "173", consumed(cust[0], time.Date(2026, 8, 31, 23, 0, 0, 0, time.UTC)).Units)

	_, err = c.Meters.ConsumedUnits(ctx, m.ID, &creem.ConsumedUnitsParams{CustomerID: "cust_nope"})
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Meters.ConsumedUnits(ctx, "mtr_nope", &creem.ConsumedUnitsParams{CustomerID: cust[0]})
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

// Ingestion is idempotent on the trimmed event_id, across and within batches.
func TestIngestIsIdempotent(t *testing.T) {
	srv, c, _, cust := usageServer(t, aug15)
	res := ingest(t, c,
		creem.UsageEventParams{Name: "e", CustomerID: cust[0], EventID: " abc "},
		creem.UsageEventParams{Name: "e", CustomerID: cust[0], EventID: "abc"},
		creem.UsageEventParams{Name: "e", CustomerID: " " + cust[1] + " "},
	)
	assert.Equal(t, 3, res.Accepted)
	assert.Equal(t, "abc", res.EventIDs[0])
	assert.Equal(t, "abc", res.EventIDs[1])
	assert.Regexp(t, `^[0-9a-f-]{36}$`, res.EventIDs[2], "the ID Ingest generated")
	again := ingest(t, c, creem.UsageEventParams{Name: "e", CustomerID: cust[0], EventID: "abc"})
	assert.Equal(t, []string{"abc"}, again.EventIDs)
	evs := srv.UsageEvents()
	require.Len(t, evs, 2)
	assert.Equal(t, "abc", evs[0].EventID)
	assert.Equal(t, cust[1], evs[1].CustomerID)
	assert.Equal(t, aug15, evs[0].Timestamp.Time, "the timestamp defaults to the ingestion time")
	assert.Equal(t, 2, srv.UsageEventReplays())
}

// The whole batch is validated before anything is stored: a 422 names the event and the field.
func TestIngestValidatesTheWholeBatch(t *testing.T) {
	srv, c, _, cust := usageServer(t, aug15)
	ok := fmt.Sprintf(`{"name":"e","customer_id":%q}`, cust[0])
	cases := []struct {
		event, param, code string
	}{
		{`{"customer_id":"` + cust[0] + `"}`, "events[1].name", "invalid_usage_event"},
		{`{"name":"","customer_id":"` + cust[0] + `"}`, "events[1].name", "invalid_usage_event"},
		{`{"name":"` + fmt.Sprintf("%0129d", 0) + `","customer_id":"` + cust[0] + `"}`, "events[1].name", "invalid_usage_event"},
		{`{"name":"e"}`, "events[1].customer_id", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","external_customer_id":"user-0"}`, "events[1].external_customer_id", "invalid_usage_event"},
		{`{"name":"e","customer_id":"cust_nope"}`, "events[1].customer_id", "customer_not_found"},
		{`{"name":"e","customer_id":"cust nope"}`, "events[1].customer_id", "invalid_usage_event"},
		{`{"name":"e","external_customer_id":"user-404"}`, "events[1].external_customer_id", "customer_not_found"},
		{`{"name":"e","customer_id":"` + cust[0] + `","event_id":"  "}`, "events[1].event_id", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","event_id":""}`, "events[1].event_id", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","timestamp":"yesterday"}`, "events[1].timestamp", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","properties":{"p":"` + fmt.Sprintf("%0501d", 0) + `"}}`, "events[1].properties.p", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","properties":{"` + fmt.Sprintf("%041d", 0) + `":1}}`, "events[1].properties", "invalid_usage_event"},
		{`{"name":"e","customer_id":"` + cust[0] + `","colour":"red"}`, "events[1].colour", "invalid_usage_event"},
		{`"e"`, "events[1]", "invalid_usage_event"},
	}
	for _, tc := range cases {
		status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/events/ingest", srv.APIKey, `{"events":[`+ok+`,`+tc.event+`]}`)
		assert.Equal(t, http.StatusUnprocessableEntity, status, tc.event)
		e := body["error"].(map[string]any)
		assert.Equal(t, tc.param, e["param"], tc.event)
		assert.Equal(t, tc.code, e["code"], tc.event)
	}
	for body, param := range map[string]string{`{}`: "events", `{"events":[]}`: "events", `{"events":"x"}`: "events"} {
		status, out := rawCall(t, http.MethodPost, srv.URL+"/v1/events/ingest", srv.APIKey, body)
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.Equal(t, param, out["error"].(map[string]any)["param"])
	}
	many := `{"events":[` + ok
	for range 100 {
		many += "," + ok
	}
	status, _ := rawCall(t, http.MethodPost, srv.URL+"/v1/events/ingest", srv.APIKey, many+"]}")
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	status, _ = rawCall(t, http.MethodPost, srv.URL+"/v1/events/ingest", srv.APIKey, `{"events":[`+ok+`],"dry_run":true}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Empty(t, srv.UsageEvents(), "nothing of a rejected batch is stored")

	// Through the SDK: the 422 reaches the caller with its param.
	_, err := c.Usage.Ingest(context.Background(), &creem.IngestUsageParams{Events: []creem.UsageEventParams{
		{Name: "e", CustomerID: cust[0]}, {Name: "e", CustomerID: cust[0]}, {Name: "e", CustomerID: "cust_ghost"},
	}})
	e := apiErr(t, err)
	assert.Equal(t, "events[2].customer_id", e.Param)
	assert.Empty(t, srv.UsageEvents())
	status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/events/ingest", srv.APIKey, `{"events":[`+ok+`]}`)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Equal(t, float64(1), body["accepted"])
}

func TestIngestWarnings(t *testing.T) {
	_, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	_, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "A", EventName: "a", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	require.NoError(t, err)
	b, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "B", EventName: "b", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	require.NoError(t, err)
	_, err = c.Meters.Archive(ctx, b.ID)
	require.NoError(t, err)
	res := ingest(t, c,
		creem.UsageEventParams{Name: "a", CustomerID: cust[0]},
		creem.UsageEventParams{Name: "b", CustomerID: cust[0]},
		creem.UsageEventParams{Name: "c", CustomerID: cust[0], Timestamp: creem.NewTimestamp(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))},
	)
	var codes []string
	for _, w := range res.Warnings {
		codes = append(codes, fmt.Sprint(w.Index, " ", w.Code))
	}
	assert.Equal(t, []string{"1 meter_archived", "2 no_matching_meter", "2 timestamp_outside_late_window"}, codes)
	res = ingest(t, c, creem.UsageEventParams{Name: "a", CustomerID: cust[0]})
	assert.Nil(t, res.Warnings, "absent when every event aggregates")
}

// Preview reports each event in place and stores nothing.
func TestUsagePreview(t *testing.T) {
	srv, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Pro", EventName: "e", Aggregation: creem.AggregationCount, UnitLabel: "u",
		Filter: &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{{Property: "tier", Operator: creem.FilterEquals, Value: "pro"}}}})
	require.NoError(t, err)
	ingest(t, c, creem.UsageEventParams{Name: "e", CustomerID: cust[0], EventID: "stored"})
	p, err := c.Usage.Preview(ctx, &creem.IngestUsageParams{Events: []creem.UsageEventParams{
		{Name: "e", CustomerID: cust[0], EventID: " new ", Properties: map[string]any{"tier": "pro"}},
		{Name: "e", ExternalCustomerID: "user-1", EventID: "new"},
		{Name: "e", CustomerID: cust[0], EventID: "stored"},
		{Name: "e", CustomerID: cust[0]},
		{Name: "x", ExternalCustomerID: "user-404"},
	}})
	require.NoError(t, err)
	assert.False(t, p.Valid)
	require.Len(t, p.Events, 5)
	first := p.Events[0]
	assert.True(t, first.Valid)
	assert.Equal(t, "new", *first.EventID)
	assert.Equal(t, cust[0], *first.CustomerID)
	assert.False(t, *first.Duplicate)
	assert.Equal(t, []string{m.ID}, first.MatchedMeters)
	assert.Empty(t, first.Warnings)
	assert.Nil(t, first.Error)
	assert.Equal(t, cust[1], *p.Events[1].CustomerID, "external IDs are resolved")
	assert.True(t, *p.Events[1].Duplicate, "a duplicate of an earlier entry of the batch")
	assert.Empty(t, p.Events[1].MatchedMeters, "the filter does not match")
	assert.True(t, *p.Events[2].Duplicate, "a duplicate of a stored event")
	assert.Nil(t, p.Events[3].EventID, "no ID is previewed for an event without one")
	bad := p.Events[4]
	assert.False(t, bad.Valid)
	assert.Nil(t, bad.Duplicate)
	assert.Nil(t, bad.CustomerID)
	assert.Equal(t, "customer_not_found", bad.Error.Code)
	assert.Equal(t, "external_customer_id", *bad.Error.Param)
	assert.Len(t, srv.UsageEvents(), 1, "preview stores nothing")

	status, _ := rawCall(t, http.MethodPost, srv.URL+"/v1/events/preview", srv.APIKey, `{"events":[]}`)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
}

func TestUsageEventList(t *testing.T) {
	_, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "A", EventName: "a", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	require.NoError(t, err)
	for i := range 25 {
		name := "a"
		if i%5 == 4 {
			name = "b"
		}
		ingest(t, c, creem.UsageEventParams{Name: name, CustomerID: cust[i%2], EventID: fmt.Sprintf("ev-%02d", i), Properties: map[string]any{"i": i}})
	}
	var got []string
	for ev, err := range c.Usage.All(ctx, &creem.ListUsageEventsParams{Limit: 3}) {
		require.NoError(t, err)
		got = append(got, ev.EventID)
	}
	require.Len(t, got, 25)
	assert.Equal(t, "ev-00", got[0], "oldest first")
	assert.Equal(t, "ev-24", got[24])

	page, err := c.Usage.List(ctx, &creem.ListUsageEventsParams{MeterID: m.ID, CustomerID: cust[0], Limit: 100})
	require.NoError(t, err)
	assert.False(t, page.HasMore)
	assert.Len(t, page.Data, 10) // even i, name a: 13 even, minus 4, 14, 24
	for _, ev := range page.Data {
		assert.Equal(t, "a", ev.Name)
		assert.Equal(t, cust[0], ev.CustomerID)
		assert.Equal(t, []string{m.ID}, ev.MatchedMeters)
	}
	page, err = c.Usage.List(ctx, &creem.ListUsageEventsParams{Reference: "ev-07"})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, float64(7), page.Data[0].Properties["i"])

	// matched_meters is computed when read.
	_, err = c.Meters.Archive(ctx, m.ID)
	require.NoError(t, err)
	page, err = c.Usage.List(ctx, &creem.ListUsageEventsParams{Reference: "ev-07"})
	require.NoError(t, err)
	assert.Empty(t, page.Data[0].MatchedMeters)

	_, err = c.Usage.List(ctx, &creem.ListUsageEventsParams{MeterID: "mtr_nope"})
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Usage.List(ctx, &creem.ListUsageEventsParams{StartingAfter: "uev_nope"})
	assert.Equal(t, "starting_after", apiErr(t, err).Param)
}

// Usage prices accept only meters that exist and are active; an active product pricing a meter
// keeps it from being archived.
func TestUsagePricesNeedMeters(t *testing.T) {
	_, c, _, _ := usageServer(t, aug15)
	ctx := context.Background()
	params := func(meterID string) *creem.CreateProductParams {
		return &creem.CreateProductParams{Name: "Metered", Description: "d", Price: creem.Ptr[int64](1000), Currency: creem.CurrencyEUR,
			BillingType: creem.BillingTypeRecurring, UsagePrices: []creem.UsagePriceParams{{MeterID: meterID, UnitPrice: 0.5, SettlementMode: creem.SettlementModePrepaid}}}
	}
	_, err := c.Products.Create(ctx, params("mtr_nope"))
	e := apiErr(t, err)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)
	assert.Contains(t, e.Messages[0], "mtr_nope does not exist")

	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Images", EventName: "img", Aggregation: creem.AggregationCount, UnitLabel: "images"})
	require.NoError(t, err)
	prod, err := c.Products.Create(ctx, params(m.ID))
	require.NoError(t, err)
	assert.Equal(t, m.ID, prod.UsagePrices[0].MeterID)

	_, err = c.Meters.Archive(ctx, m.ID)
	e = apiErr(t, err)
	assert.Equal(t, http.StatusConflict, e.StatusCode)
	assert.Equal(t, "meter_in_use", e.Code)
	_, err = c.Products.Archive(ctx, prod.ID)
	require.NoError(t, err)
	_, err = c.Meters.Archive(ctx, m.ID)
	require.NoError(t, err)
	_, err = c.Products.Update(ctx, prod.ID, &creem.UpdateProductParams{UsagePrices: []creem.UsagePriceParams{{MeterID: m.ID, UnitPrice: 1, SettlementMode: creem.SettlementModePrepaid}}})
	assert.Contains(t, apiErr(t, err).Messages[0], "is archived")
}

// A meter's definition freezes once it has processed usage.
func TestMeterDefinitionLockedByUsage(t *testing.T) {
	_, c, _, cust := usageServer(t, aug15)
	ctx := context.Background()
	m, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "Images", EventName: "img", Aggregation: creem.AggregationCount, UnitLabel: "images"})
	require.NoError(t, err)
	ingest(t, c, creem.UsageEventParams{Name: "img", CustomerID: cust[0]})
	_, err = c.Meters.Update(ctx, m.ID, &creem.UpdateMeterParams{Aggregation: creem.AggregationSum, AggregationProperty: creem.Value("n")})
	e := apiErr(t, err)
	assert.Equal(t, http.StatusConflict, e.StatusCode)
	assert.Equal(t, "meter_definition_locked", e.Code)
	up, err := c.Meters.Update(ctx, m.ID, &creem.UpdateMeterParams{Name: creem.Ptr("Pictures")})
	require.NoError(t, err, "a rename is always allowed")
	assert.Equal(t, "Pictures", up.Name)
}
