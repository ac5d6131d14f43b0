package creem_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

const (
	meterID    = "mtr_5kQm2pVx8RtN3bLw7YcZ1a"
	meterCust  = "cust_1OcIK1GEuVvXZwD19tjq2z"
	meterStore = "sto_2fH8kLm4NpQr6StV9wXy0z"
)

func init() {
	meter := reflect.TypeFor[creem.Meter]()
	preview := reflect.TypeFor[creem.MeterPreview]()
	registry["createMeter"] = specOp{method: "Meters.Create", body: reflect.TypeFor[creem.CreateMeterParams](), result: meter}
	registry["listMeters"] = specOp{method: "Meters.List", query: reflect.TypeFor[creem.ListMetersParams](), result: reflect.TypeFor[creem.CursorPage[creem.Meter]]()}
	registry["previewMeter"] = specOp{method: "Meters.Preview", body: reflect.TypeFor[creem.PreviewMeterParams](), result: preview}
	registry["getMeter"] = specOp{method: "Meters.Get", args: []string{"id"}, result: meter}
	registry["updateMeter"] = specOp{method: "Meters.Update", args: []string{"id"}, body: reflect.TypeFor[creem.UpdateMeterParams](), result: meter}
	registry["previewExistingMeter"] = specOp{method: "Meters.PreviewExisting", args: []string{"id"}, result: preview}
	registry["getMeterConsumedUnits"] = specOp{method: "Meters.ConsumedUnits", args: []string{"id"}, query: reflect.TypeFor[creem.ConsumedUnitsParams](), result: reflect.TypeFor[creem.MeterConsumedUnits]()}
	registry["archiveMeter"] = specOp{method: "Meters.Archive", args: []string{"id"}, result: meter}
	registry["unarchiveMeter"] = specOp{method: "Meters.Unarchive", args: []string{"id"}, result: meter}
	extraMethods = append(extraMethods, "Meters.All")
	familyWireCases = append(familyWireCases, meterWireCases)
}

func meterWireCases() []wireCase {
	checkMeter := func(t *testing.T, out any) {
		m := out.(*creem.Meter)
		assert.Equal(t, meterID, m.ID)
		assert.Equal(t, meterStore, m.StoreID)
		assert.Equal(t, creem.AggregationSum, m.Aggregation)
		assert.Equal(t, "tokens", *m.AggregationProperty)
		assert.Equal(t, creem.FilterAnd, m.Filter.Conjunction)
		require.Len(t, m.Filter.Clauses, 3)
		assert.Equal(t, creem.FilterClause{Property: "tokens", Operator: creem.FilterGte, Value: float64(10)}, m.Filter.Clauses[1])
		assert.Equal(t, true, m.Filter.Clauses[2].Value)
		assert.Equal(t, creem.MeterStatusActive, m.Status)
		assert.Equal(t, time.Date(2026, 8, 3, 16, 40, 2, 7e6, time.UTC), m.UpdatedAt.Time)
	}
	return []wireCase{
		{
			name: "Meters.Create",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.Create(ctx, &creem.CreateMeterParams{
					Name: "Image generations", EventName: "image.generated",
					Aggregation: creem.AggregationSum, AggregationProperty: "tokens",
					Filter: &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{
						{Property: "tier", Operator: creem.FilterEquals, Value: "pro"},
						{Property: "tokens", Operator: creem.FilterGte, Value: 10},
						{Property: "cached", Operator: creem.FilterNotEquals, Value: true},
					}},
					UnitLabel: "images",
				})
			},
			method: http.MethodPost, path: "/v1/meters", golden: "meters_create.json", fixture: "meter.json", check: checkMeter,
		},
		{
			name: "Meters.Create count without filter",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "API requests", EventName: "api.request", Aggregation: creem.AggregationCount, UnitLabel: "requests"})
			},
			method: http.MethodPost, path: "/v1/meters", golden: "meters_create_count.json", fixture: "meter_archived.json",
			check: func(t *testing.T, out any) {
				m := out.(*creem.Meter)
				assert.Nil(t, m.AggregationProperty)
				assert.Equal(t, creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{}}, m.Filter)
				assert.Equal(t, creem.MeterStatusArchived, m.Status)
			},
		},
		{
			name:   "Meters.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Meters.Get(ctx, meterID) },
			method: http.MethodGet, path: "/v1/meters/" + meterID, fixture: "meter.json", check: checkMeter,
		},
		{
			name:   "Meters.Get escapes the ID",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Meters.Get(ctx, "mtr/../x?y") },
			method: http.MethodGet, path: "/v1/meters/mtr%2F..%2Fx%3Fy", fixture: "meter.json",
		},
		{
			name: "Meters.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.List(ctx, &creem.ListMetersParams{CursorParams: creem.CursorParams{Limit: 2, StartingAfter: "mtr_0"}, IncludeArchived: true})
			},
			method: http.MethodGet, path: "/v1/meters", rawQuery: "include_archived=true&limit=2&starting_after=mtr_0", fixture: "meter_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.CursorPage[creem.Meter])
				assert.Equal(t, "list", page.Object)
				assert.True(t, page.HasMore)
				require.Len(t, page.Data, 2)
				assert.Equal(t, creem.FilterOr, page.Data[0].Filter.Conjunction)
				assert.Equal(t, creem.FilterContains, page.Data[0].Filter.Clauses[0].Operator)
				assert.Equal(t, creem.AggregationCount, page.Data[1].Aggregation)
			},
		},
		{
			name: "Meters.List backwards without params",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.List(ctx, &creem.ListMetersParams{CursorParams: creem.CursorParams{EndingBefore: "mtr_9"}})
			},
			method: http.MethodGet, path: "/v1/meters", rawQuery: "ending_before=mtr_9", fixture: "meter_list.json",
		},
		{
			name: "Meters.Update",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{
					Name: creem.Ptr("Image generations (v2)"), Aggregation: creem.AggregationCount,
					AggregationProperty: creem.Null[string](), Filter: &creem.MeterFilter{Conjunction: creem.FilterOr},
				})
			},
			method: http.MethodPatch, path: "/v1/meters/" + meterID, golden: "meters_update.json", fixture: "meter.json", check: checkMeter,
		},
		{
			name: "Meters.Update a property",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{AggregationProperty: creem.Value("credits")})
			},
			method: http.MethodPatch, path: "/v1/meters/" + meterID, golden: "meters_update_property.json", fixture: "meter.json",
		},
		{
			name:   "Meters.Archive",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Meters.Archive(ctx, meterID) },
			method: http.MethodPost, path: "/v1/meters/" + meterID + "/archive", fixture: "meter_archived.json",
			check: func(t *testing.T, out any) { assert.Equal(t, creem.MeterStatusArchived, out.(*creem.Meter).Status) },
		},
		{
			name:   "Meters.Unarchive",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Meters.Unarchive(ctx, meterID) },
			method: http.MethodPost, path: "/v1/meters/" + meterID + "/unarchive", fixture: "meter.json", check: checkMeter,
		},
		{
			name: "Meters.Preview",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.Preview(ctx, &creem.PreviewMeterParams{
					EventName: "image.generated", Aggregation: creem.AggregationUnique, AggregationProperty: "user_id",
					Filter:    &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{{Property: "region", Operator: creem.FilterNotContains, Value: "eu-"}}},
					UnitLabel: "users",
				})
			},
			method: http.MethodPost, path: "/v1/meters/preview", golden: "meters_preview.json", fixture: "meter_preview.json",
			check: func(t *testing.T, out any) {
				p := out.(*creem.MeterPreview)
				assert.Equal(t, 137, p.MatchedEvents)
				assert.Equal(t, "4820", p.Units)
				assert.Equal(t, 12, p.DistinctCustomers)
				require.Len(t, p.Daily, 7)
				assert.Equal(t, creem.MeterPreviewDay{Date: "2026-08-16", EventCount: 42, Value: "1280"}, p.Daily[6])
			},
		},
		{
			name:   "Meters.PreviewExisting",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Meters.PreviewExisting(ctx, meterID) },
			method: http.MethodPost, path: "/v1/meters/" + meterID + "/preview", fixture: "meter_preview.json",
			check: func(t *testing.T, out any) { assert.Equal(t, "0", out.(*creem.MeterPreview).Daily[0].Value) },
		},
		{
			name: "Meters.ConsumedUnits",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Meters.ConsumedUnits(ctx, meterID, &creem.ConsumedUnitsParams{CustomerID: meterCust})
			},
			method: http.MethodGet, path: "/v1/meters/" + meterID + "/consumed", rawQuery: "customer_id=" + meterCust, fixture: "meter_consumed.json",
			check: func(t *testing.T, out any) {
				u := out.(*creem.MeterConsumedUnits)
				assert.Equal(t, "18446744073709551616", u.Units, "units beyond int64 stay exact")
				assert.Equal(t, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), u.PeriodStart.Time)
				assert.Equal(t, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), u.PeriodEnd.Time)
				require.NotNil(t, u.UpdatedAt)
				assert.Nil(t, u.AsOf)
			},
		},
		{
			name: "Meters.ConsumedUnits at an instant",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				at := time.Date(2026, 8, 15, 2, 0, 0, 0, time.FixedZone("CEST", 2*3600))
				return c.Meters.ConsumedUnits(ctx, meterID, &creem.ConsumedUnitsParams{CustomerID: meterCust, At: at})
			},
			method: http.MethodGet, path: "/v1/meters/" + meterID + "/consumed",
			rawQuery: "at=2026-08-15T00%3A00%3A00.000Z&customer_id=" + meterCust, fixture: "meter_consumed_at.json",
			check: func(t *testing.T, out any) {
				u := out.(*creem.MeterConsumedUnits)
				assert.Nil(t, u.UpdatedAt)
				require.NotNil(t, u.AsOf)
				assert.Equal(t, time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC), u.AsOf.Time)
			},
		},
	}
}

func TestDecodeMeterFixtures(t *testing.T) {
	m := decodeStrict[creem.Meter](t, fixture(t, "meter.json"))
	assert.Equal(t, "Image generations", m.Name)
	assert.Equal(t, "image.generated", m.EventName)
	assert.Equal(t, "images", m.UnitLabel)
	assert.Equal(t, []creem.FilterClause{
		{Property: "tier", Operator: creem.FilterEquals, Value: "pro"},
		{Property: "tokens", Operator: creem.FilterGte, Value: float64(10)},
		{Property: "cached", Operator: creem.FilterNotEquals, Value: true},
	}, m.Filter.Clauses)
	decodeStrict[creem.Meter](t, fixture(t, "meter_archived.json"))
	decodeStrict[creem.CursorPage[creem.Meter]](t, fixture(t, "meter_list.json"))
	decodeStrict[creem.MeterPreview](t, fixture(t, "meter_preview.json"))
	decodeStrict[creem.MeterConsumedUnits](t, fixture(t, "meter_consumed.json"))
	decodeStrict[creem.MeterConsumedUnits](t, fixture(t, "meter_consumed_at.json"))
}

// A filter without clauses goes out as "clauses": [] (the API requires the list), whatever the
// encoder.
func TestMeterFilterSendsEmptyClauses(t *testing.T) {
	b, err := creem.MeterFilter{Conjunction: creem.FilterAnd}.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"conjunction":"and","clauses":[]}`, string(b))
}

func TestMetersRefuseInvalidParams(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "meter.json")))
	c := newClient(t, srv.URL)
	ctx := context.Background()
	valid := func() *creem.CreateMeterParams {
		return &creem.CreateMeterParams{Name: "n", EventName: "e", Aggregation: creem.AggregationSum, AggregationProperty: "p", UnitLabel: "u"}
	}
	create := func(edit func(p *creem.CreateMeterParams)) func() error {
		return func() error {
			p := valid()
			edit(p)
			_, err := c.Meters.Create(ctx, p)
			return err
		}
	}
	clause := func(cl creem.FilterClause) *creem.MeterFilter {
		return &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{{Property: "a", Operator: creem.FilterEquals, Value: 1}, cl}}
	}
	cases := []struct {
		field string
		call  func() error
	}{
		{"params", func() error { _, err := c.Meters.Create(ctx, nil); return err }},
		{"name", create(func(p *creem.CreateMeterParams) { p.Name = " " })},
		{"event_name", create(func(p *creem.CreateMeterParams) { p.EventName = "" })},
		{"aggregation", create(func(p *creem.CreateMeterParams) { p.Aggregation = "" })},
		{"aggregation_property", create(func(p *creem.CreateMeterParams) { p.AggregationProperty = "" })},
		{"unit_label", create(func(p *creem.CreateMeterParams) { p.UnitLabel = "" })},
		{"filter.conjunction", create(func(p *creem.CreateMeterParams) { p.Filter = &creem.MeterFilter{} })},
		{"filter.clauses[1].property", create(func(p *creem.CreateMeterParams) {
			p.Filter = clause(creem.FilterClause{Operator: creem.FilterGt, Value: 1})
		})},
		{"filter.clauses[1].operator", create(func(p *creem.CreateMeterParams) { p.Filter = clause(creem.FilterClause{Property: "x", Value: 1}) })},
		{"filter.clauses[1].value", create(func(p *creem.CreateMeterParams) {
			p.Filter = clause(creem.FilterClause{Property: "x", Operator: creem.FilterEquals})
		})},
		{"filter.clauses[1].value", create(func(p *creem.CreateMeterParams) {
			p.Filter = clause(creem.FilterClause{Property: "x", Operator: creem.FilterEquals, Value: []string{"a"}})
		})},
		{"id", func() error { _, err := c.Meters.Get(ctx, ".."); return err }},
		{"id", func() error { _, err := c.Meters.Update(ctx, "", &creem.UpdateMeterParams{}); return err }},
		{"params", func() error { _, err := c.Meters.Update(ctx, meterID, nil); return err }},
		{"name", func() error {
			_, err := c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{Name: creem.Ptr("")})
			return err
		}},
		{"aggregation_property", func() error {
			_, err := c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{AggregationProperty: creem.Value("")})
			return err
		}},
		{"filter.conjunction", func() error {
			_, err := c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{Filter: &creem.MeterFilter{}})
			return err
		}},
		{"id", func() error { _, err := c.Meters.Archive(ctx, ""); return err }},
		{"id", func() error { _, err := c.Meters.Unarchive(ctx, "."); return err }},
		{"params", func() error { _, err := c.Meters.Preview(ctx, nil); return err }},
		{"aggregation_property", func() error {
			_, err := c.Meters.Preview(ctx, &creem.PreviewMeterParams{EventName: "e", Aggregation: creem.AggregationMax})
			return err
		}},
		{"id", func() error { _, err := c.Meters.PreviewExisting(ctx, ""); return err }},
		{"id", func() error {
			_, err := c.Meters.ConsumedUnits(ctx, "", &creem.ConsumedUnitsParams{CustomerID: meterCust})
			return err
		}},
		{"params", func() error { _, err := c.Meters.ConsumedUnits(ctx, meterID, nil); return err }},
		{"customer_id", func() error { _, err := c.Meters.ConsumedUnits(ctx, meterID, &creem.ConsumedUnitsParams{}); return err }},
		{"limit", func() error {
			_, err := c.Meters.List(ctx, &creem.ListMetersParams{CursorParams: creem.CursorParams{Limit: 101}})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call()
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, tc.field)
		assert.Equal(t, tc.field, pe.Field)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
	}
	assert.Zero(t, rec.count(), "no request may reach the server")
}

// Reads, previews and the idempotent archive/unarchive are repeated after a 503; create and
// update are not, because a repeat could act twice.
func TestMetersRetrySafety(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		safe  bool
		fixt  string
		call  func(c *creem.Client) error
		retry bool
	}{
		{"Get", true, "meter.json", func(c *creem.Client) error { _, err := c.Meters.Get(ctx, meterID); return err }, true},
		{"List", true, "meter_list.json", func(c *creem.Client) error { _, err := c.Meters.List(ctx, nil); return err }, true},
		{"Archive", true, "meter.json", func(c *creem.Client) error { _, err := c.Meters.Archive(ctx, meterID); return err }, true},
		{"Unarchive", true, "meter.json", func(c *creem.Client) error { _, err := c.Meters.Unarchive(ctx, meterID); return err }, true},
		{"Preview", true, "meter_preview.json", func(c *creem.Client) error {
			_, err := c.Meters.Preview(ctx, &creem.PreviewMeterParams{EventName: "e", Aggregation: creem.AggregationCount})
			return err
		}, true},
		{"PreviewExisting", true, "meter_preview.json", func(c *creem.Client) error { _, err := c.Meters.PreviewExisting(ctx, meterID); return err }, true},
		{"ConsumedUnits", true, "meter_consumed.json", func(c *creem.Client) error {
			_, err := c.Meters.ConsumedUnits(ctx, meterID, &creem.ConsumedUnitsParams{CustomerID: meterCust})
			return err
		}, true},
		{"Create", false, "meter.json", func(c *creem.Client) error {
			_, err := c.Meters.Create(ctx, &creem.CreateMeterParams{Name: "n", EventName: "e", Aggregation: creem.AggregationCount, UnitLabel: "u"})
			return err
		}, false},
		{"Update", false, "meter.json", func(c *creem.Client) error {
			_, err := c.Meters.Update(ctx, meterID, &creem.UpdateMeterParams{Name: creem.Ptr("n")})
			return err
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					writeJSON(w, http.StatusServiceUnavailable, []byte(`{"error":{"type":"api_error","code":null,"message":"try later","param":null,"request_id":"req_1"}}`))
					return
				}
				writeJSON(w, http.StatusOK, fixture(t, tc.fixt))
			})
			err := tc.call(newClient(t, srv.URL))
			if tc.retry {
				require.NoError(t, err)
				assert.Equal(t, 2, rec.count())
			} else {
				require.ErrorIs(t, err, creem.ErrServer)
				assert.Equal(t, 1, rec.count())
			}
		})
	}
}

// The newer error envelope reaches the caller whole: code, param and details.
func TestMeterNameTakenError(t *testing.T) {
	body := []byte(`{"error":{"type":"invalid_request_error","code":"meter_name_taken","message":"A meter named \"Image generations\" already exists in this store","param":"name","details":{"archived_holder":true,"archived_holder_id":"mtr_9TqLw2Xe6HbN1pRz4VmC8d"},"request_id":"req_abc123def456"}}`)
	srv, _ := newServer(t, serveJSON(http.StatusConflict, body))
	c := newClient(t, srv.URL)
	_, err := c.Meters.Create(context.Background(), &creem.CreateMeterParams{Name: "Image generations", EventName: "e", Aggregation: creem.AggregationCount, UnitLabel: "u"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, creem.ErrConflict)
	assert.Equal(t, creem.CodeMeterNameTaken, apiErr.Code)
	assert.Equal(t, "name", apiErr.Param)
	assert.Equal(t, "req_abc123def456", apiErr.RequestID)
	assert.Equal(t, map[string]any{"archived_holder": true, "archived_holder_id": "mtr_9TqLw2Xe6HbN1pRz4VmC8d"}, apiErr.Details)
}

// All walks the pages with starting_after, keeps the caller's filter, and stops with the error of
// a failing page after yielding what came before.
func TestMetersAll(t *testing.T) {
	page := func(ids []string, more bool) []byte {
		b := []byte(`{"object":"list","data":[`)
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":"`+id+`","store_id":"sto_1","name":"`+id+`","event_name":"e","aggregation":"count","aggregation_property":null,"filter":{"conjunction":"and","clauses":[]},"unit_label":"u","status":"active","created_at":"2026-08-01T00:00:00.000Z","updated_at":"2026-08-01T00:00:00.000Z"}`...)
		}
		return append(b, `],"has_more":`+map[bool]string{true: "true", false: "false"}[more]+`}`...)
	}
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Query().Get("starting_after") {
		case "":
			writeJSON(w, http.StatusOK, page([]string{"mtr_3", "mtr_2"}, true))
		case "mtr_2":
			writeJSON(w, http.StatusOK, page([]string{"mtr_1"}, true))
		case "mtr_1":
			writeJSON(w, http.StatusOK, page([]string{"mtr_0"}, false))
		default:
			writeJSON(w, http.StatusBadRequest, []byte(`{"error":{"type":"invalid_request_error","code":"invalid_parameter","message":"bad cursor","param":"starting_after","request_id":"r"}}`))
		}
	})
	c := newClient(t, srv.URL)
	var ids []string
	for m, err := range c.Meters.All(context.Background(), &creem.ListMetersParams{CursorParams: creem.CursorParams{Limit: 2}, IncludeArchived: true}) {
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"mtr_3", "mtr_2", "mtr_1", "mtr_0"}, ids)
	var queries []string
	for _, r := range rec.all() {
		queries = append(queries, r.RawQuery)
	}
	assert.Equal(t, []string{
		"include_archived=true&limit=2",
		"include_archived=true&limit=2&starting_after=mtr_2",
		"include_archived=true&limit=2&starting_after=mtr_1",
	}, queries)

	// A failing page ends the walk with its error, once.
	ids, errs := nil, 0
	for m, err := range c.Meters.All(context.Background(), &creem.ListMetersParams{CursorParams: creem.CursorParams{StartingAfter: "mtr_9"}}) {
		if err != nil {
			errs++
			var apiErr *creem.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, "starting_after", apiErr.Param)
			continue
		}
		ids = append(ids, m.ID)
	}
	assert.Empty(t, ids)
	assert.Equal(t, 1, errs)
}
