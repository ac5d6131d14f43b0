package creem

import (
	"context"
	"encoding/json"
	"iter"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MetersService manages usage meters: /v1/meters and /v1/meters/{id}/….
//
// A meter turns a stream of usage events (see UsageService) into billable units: it takes the
// events with its EventName, keeps those its Filter matches, and aggregates them per customer and
// calendar month (UTC). Product usage prices refer to a meter by ID. The calls need an API key
// with the meters:read / meters:write scopes; a key without them gets 403 (ErrUnauthorized).
type MetersService service

// CodeMeterNameTaken (409) is the APIError.Code of a meter name already used in the store. When
// an archived meter holds the name, APIError.Details carries "archived_holder": true and
// "archived_holder_id": that meter, which Unarchive restores.
const CodeMeterNameTaken = "meter_name_taken"

// MeterAggregation is how a meter folds its events into units. It is an open enum.
type MeterAggregation string

// The aggregations Creem offers. Every aggregation except count reduces AggregationProperty.
const (
	AggregationCount   MeterAggregation = "count"   // the number of events
	AggregationSum     MeterAggregation = "sum"     // the sum of the property
	AggregationAverage MeterAggregation = "average" // the mean of the property
	AggregationMin     MeterAggregation = "min"     // the smallest value of the property
	AggregationMax     MeterAggregation = "max"     // the largest value of the property
	AggregationUnique  MeterAggregation = "unique"  // the number of distinct values of the property
)

// MeterStatus tells active meters from archived ones. It is an open enum.
type MeterStatus string

// Known meter statuses.
const (
	MeterStatusActive   MeterStatus = "active"
	MeterStatusArchived MeterStatus = "archived"
)

// FilterConjunction is how the clauses of a MeterFilter combine. It is an open enum.
type FilterConjunction string

// Known conjunctions.
const (
	FilterAnd FilterConjunction = "and" // every clause must match
	FilterOr  FilterConjunction = "or"  // at least one clause must match
)

// FilterOperator compares an event property with a clause's value. It is an open enum.
type FilterOperator string

// The operators Creem offers. Both sides are parsed as a number, then a boolean, then taken as a
// string, so "10" and 10 compare equal.
const (
	FilterEquals      FilterOperator = "equals"
	FilterNotEquals   FilterOperator = "not_equals"
	FilterGt          FilterOperator = "gt"
	FilterGte         FilterOperator = "gte"
	FilterLt          FilterOperator = "lt"
	FilterLte         FilterOperator = "lte"
	FilterContains    FilterOperator = "contains"
	FilterNotContains FilterOperator = "not_contains"
)

// MeterFilter narrows the events a meter counts (MeterFilterApiRequestDto and
// MeterFilterApiResponseDto). No clauses match every event with the meter's event name; a nil
// Clauses is sent as an empty list.
type MeterFilter struct {
	Conjunction FilterConjunction `json:"conjunction"`
	Clauses     []FilterClause    `json:"clauses"`
}

// MarshalJSON sends a nil Clauses as [], which the API requires.
func (f MeterFilter) MarshalJSON() ([]byte, error) {
	type plain MeterFilter
	if f.Clauses == nil {
		f.Clauses = []FilterClause{}
	}
	return json.Marshal(plain(f))
}

// FilterClause tests one event property (FilterClauseApiRequestDto).
type FilterClause struct {
	Property string         `json:"property"` // a key of the event's properties, unprefixed
	Operator FilterOperator `json:"operator"`
	// Value is compared with the property: a string, a bool or a number (any Go integer or
	// float type, or json.Number). Decoded meters hold a string, a float64 or a bool.
	Value any `json:"value"`
}

// Meter defines how usage events become billable units (MeterApiResponseDto).
type Meter struct {
	ID          string           `json:"id"`
	StoreID     string           `json:"store_id"`
	Name        string           `json:"name"`       // unique within the store
	EventName   string           `json:"event_name"` // the usage event name the meter consumes
	Aggregation MeterAggregation `json:"aggregation"`
	// AggregationProperty is the event property the aggregation reduces; nil for count.
	AggregationProperty *string     `json:"aggregation_property"`
	Filter              MeterFilter `json:"filter"` // always present; no clauses match every event
	// UnitLabel is the display unit, and names the credit bucket the meter settles into.
	UnitLabel string      `json:"unit_label"`
	Status    MeterStatus `json:"status"`
	CreatedAt Timestamp   `json:"created_at"`
	UpdatedAt Timestamp   `json:"updated_at"`
}

// CreateMeterParams are the parameters of Meters.Create (CreateMeterApiRequestDto).
type CreateMeterParams struct {
	Name        string           `json:"name"`       // required, unique within the store
	EventName   string           `json:"event_name"` // required
	Aggregation MeterAggregation `json:"aggregation"`
	// AggregationProperty is required for every aggregation except count.
	AggregationProperty string       `json:"aggregation_property,omitempty"`
	Filter              *MeterFilter `json:"filter,omitempty"` // nil counts every event with EventName
	UnitLabel           string       `json:"unit_label"`       // required, e.g. "images"
}

// UpdateMeterParams are the parameters of Meters.Update (UpdateMeterApiRequestDto). Only fields
// that are set are sent and change. A rename is always allowed; the definition (Aggregation,
// AggregationProperty, Filter) only while the meter has processed no usage and has no purchase,
// otherwise Creem answers 409.
type UpdateMeterParams struct {
	Name        *string          `json:"name,omitempty"`
	Aggregation MeterAggregation `json:"aggregation,omitempty"`
	// AggregationProperty: Null clears it (valid only when the aggregation ends up count).
	AggregationProperty Nullable[string] `json:"aggregation_property,omitzero"`
	// Filter replaces the filter; to remove it, send one with no clauses.
	Filter *MeterFilter `json:"filter,omitempty"`
}

// PreviewMeterParams are the parameters of Meters.Preview (PreviewMeterApiRequestDto): a
// candidate definition, run against recent usage without creating anything.
type PreviewMeterParams struct {
	EventName   string           `json:"event_name"` // required
	Aggregation MeterAggregation `json:"aggregation"`
	// AggregationProperty is required for every aggregation except count.
	AggregationProperty string       `json:"aggregation_property,omitempty"`
	Filter              *MeterFilter `json:"filter,omitempty"`
	UnitLabel           string       `json:"unit_label,omitempty"` // cosmetic; Creem defaults to "units"
}

// ListMetersParams page through Meters.List and Meters.All, newest first.
type ListMetersParams struct {
	CursorParams
	IncludeArchived bool `url:"include_archived,omitempty"` // archived meters are hidden otherwise
}

// MeterPreview is what a meter definition would have counted over the last 7 whole UTC days,
// today included (MeterPreviewApiResponseDto).
type MeterPreview struct {
	MatchedEvents     int    `json:"matched_events"`     // events the meter would count (a whole number)
	Units             string `json:"units"`              // aggregated units, a decimal string
	DistinctCustomers int    `json:"distinct_customers"` // a whole number
	// Daily has one entry per UTC day, oldest first, zero-filled.
	Daily []MeterPreviewDay `json:"daily"`
}

// MeterPreviewDay is one day of a MeterPreview (MeterPreviewDailyApiResponseDto).
type MeterPreviewDay struct {
	Date       string `json:"date"`        // UTC calendar day, "2026-08-16"
	EventCount int    `json:"event_count"` // matching events that day (a whole number)
	Value      string `json:"value"`       // the aggregation over that day alone, a decimal string
}

// MeterConsumedUnits is how many units a customer consumed through a meter in one billing
// period, a calendar month in UTC (MeterConsumedUnitsApiResponseDto).
type MeterConsumedUnits struct {
	MeterID     string    `json:"meter_id"`
	CustomerID  string    `json:"customer_id"`
	Units       string    `json:"units"`        // a decimal string, exact for large counts
	PeriodStart Timestamp `json:"period_start"` // inclusive
	PeriodEnd   Timestamp `json:"period_end"`   // exclusive
	// UpdatedAt is when the period's projection last advanced: nil before any usage was folded
	// in, and always nil when At was given.
	UpdatedAt *Timestamp `json:"updated_at"`
	// AsOf is the instant the units were replayed as of; set only when At was given.
	AsOf *Timestamp `json:"as_of"`
}

// ConsumedUnitsParams are the query of Meters.ConsumedUnits.
type ConsumedUnitsParams struct {
	CustomerID string `url:"customer_id"` // required
	// At, when set, replays the units from the raw events as of that instant, within the billing
	// period containing it. When zero, the current period's total (the number billing uses).
	At time.Time `url:"at,omitempty"`
}

// Create defines a meter (POST /v1/meters). A name already used in the store, even by an
// archived meter, gives 409 with Code CodeMeterNameTaken (and Details["archived_holder_id"] when
// an archived meter holds it). Not retried after the request may have reached Creem; because
// names are unique, repeating a create that did succeed answers meter_name_taken.
func (s *MetersService) Create(ctx context.Context, params *CreateMeterParams, opts ...RequestOption) (*Meter, error) {
	const op = "Meters.Create"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := requireID(op, "name", params.Name); err != nil {
		return nil, err
	}
	if err := checkDefinition(op, params.EventName, params.Aggregation, params.AggregationProperty, params.Filter); err != nil {
		return nil, err
	}
	if err := requireID(op, "unit_label", params.UnitLabel); err != nil {
		return nil, err
	}
	return send[Meter](ctx, s.client, post("/v1/meters"), "", params, opts)
}

// Get retrieves a meter by ID, archived or not (GET /v1/meters/{id}). Retried like every read.
func (s *MetersService) Get(ctx context.Context, meterID string, opts ...RequestOption) (*Meter, error) {
	seg, err := pathID("Meters.Get", "id", meterID)
	if err != nil {
		return nil, err
	}
	return send[Meter](ctx, s.client, get("/v1/meters/"+seg), "", nil, opts)
}

// List returns one page of meters, newest first (GET /v1/meters). Retried like every read.
func (s *MetersService) List(ctx context.Context, params *ListMetersParams, opts ...RequestOption) (*CursorPage[Meter], error) {
	return listCursor[Meter](ctx, s.client, "Meters.List", "/v1/meters", params, opts)
}

// All iterates over every meter, newest first, fetching one page at a time.
func (s *MetersService) All(ctx context.Context, params *ListMetersParams, opts ...RequestOption) iter.Seq2[*Meter, error] {
	return allCursor(ctx, "Meters.All", params, s.List, func(m *Meter) string { return m.ID }, opts)
}

// Update renames a meter or revises its definition (PATCH /v1/meters/{id}). Not retried after
// the request may have reached Creem.
func (s *MetersService) Update(ctx context.Context, meterID string, params *UpdateMeterParams, opts ...RequestOption) (*Meter, error) {
	const op = "Meters.Update"
	seg, err := pathID(op, "id", meterID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.Name != nil {
		if err := requireID(op, "name", *params.Name); err != nil {
			return nil, err
		}
	}
	if v, ok := params.AggregationProperty.Get(); ok {
		if err := requireID(op, "aggregation_property", v); err != nil {
			return nil, err
		}
	}
	if params.Filter != nil {
		if err := checkFilter(op, params.Filter); err != nil {
			return nil, err
		}
	}
	return send[Meter](ctx, s.client, patch("/v1/meters/"+seg), "", params, opts)
}

// Archive archives a meter (POST /v1/meters/{id}/archive): it leaves the default listing and
// stops accruing usage, but is never deleted and keeps its name. Creem answers 409 while a
// product still on sale prices the meter. Archiving an archived meter returns it unchanged, so
// the call is idempotent and retried like a read.
func (s *MetersService) Archive(ctx context.Context, meterID string, opts ...RequestOption) (*Meter, error) {
	seg, err := pathID("Meters.Archive", "id", meterID)
	if err != nil {
		return nil, err
	}
	return send[Meter](ctx, s.client, postSafe("/v1/meters/"+seg+"/archive"), "", nil, opts)
}

// Unarchive restores an archived meter (POST /v1/meters/{id}/unarchive); usage ingested while it
// was archived is folded back into periods still open. Unarchiving an active meter returns it
// unchanged, so the call is idempotent and retried like a read.
func (s *MetersService) Unarchive(ctx context.Context, meterID string, opts ...RequestOption) (*Meter, error) {
	seg, err := pathID("Meters.Unarchive", "id", meterID)
	if err != nil {
		return nil, err
	}
	return send[Meter](ctx, s.client, postSafe("/v1/meters/"+seg+"/unarchive"), "", nil, opts)
}

// Preview dry-runs a candidate definition against the store's usage over the last 7 whole UTC
// days (POST /v1/meters/preview). Nothing is created, so the call is retried like a read.
func (s *MetersService) Preview(ctx context.Context, params *PreviewMeterParams, opts ...RequestOption) (*MeterPreview, error) {
	const op = "Meters.Preview"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := checkDefinition(op, params.EventName, params.Aggregation, params.AggregationProperty, params.Filter); err != nil {
		return nil, err
	}
	return send[MeterPreview](ctx, s.client, postSafe("/v1/meters/preview"), "", params, opts)
}

// PreviewExisting dry-runs an existing meter over the last 7 whole UTC days
// (POST /v1/meters/{id}/preview). Nothing is written, so the call is retried like a read.
func (s *MetersService) PreviewExisting(ctx context.Context, meterID string, opts ...RequestOption) (*MeterPreview, error) {
	seg, err := pathID("Meters.PreviewExisting", "id", meterID)
	if err != nil {
		return nil, err
	}
	return send[MeterPreview](ctx, s.client, postSafe("/v1/meters/"+seg+"/preview"), "", nil, opts)
}

// ConsumedUnits reads how many units a customer consumed through a meter in a billing period
// (GET /v1/meters/{id}/consumed): the current period, or with params.At the period containing
// that instant, replayed as of then. Retried like every read.
func (s *MetersService) ConsumedUnits(ctx context.Context, meterID string, params *ConsumedUnitsParams, opts ...RequestOption) (*MeterConsumedUnits, error) {
	const op = "Meters.ConsumedUnits"
	seg, err := pathID(op, "id", meterID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := requireID(op, "customer_id", params.CustomerID); err != nil {
		return nil, err
	}
	q := url.Values{"customer_id": {params.CustomerID}}
	if !params.At.IsZero() {
		q.Set("at", params.At.UTC().Format(isoLayout))
	}
	return send[MeterConsumedUnits](ctx, s.client, get("/v1/meters/"+seg+"/consumed"), q.Encode(), nil, opts)
}

// checkDefinition refuses a meter definition the API certainly rejects.
func checkDefinition(op, eventName string, agg MeterAggregation, property string, filter *MeterFilter) error {
	if err := requireID(op, "event_name", eventName); err != nil {
		return err
	}
	if agg == "" {
		return invalid(op, "aggregation", "is required")
	}
	if agg != AggregationCount && strings.TrimSpace(property) == "" {
		return invalid(op, "aggregation_property", "is required for the "+string(agg)+" aggregation")
	}
	if filter != nil {
		return checkFilter(op, filter)
	}
	return nil
}

// checkFilter refuses a filter the API certainly rejects: no conjunction, a clause without a
// property or operator, or a value that is not a string, number or boolean.
func checkFilter(op string, f *MeterFilter) error {
	if f.Conjunction == "" {
		return invalid(op, "filter.conjunction", "is required")
	}
	for i, c := range f.Clauses {
		at := "filter.clauses[" + strconv.Itoa(i) + "]"
		switch {
		case strings.TrimSpace(c.Property) == "":
			return invalid(op, at+".property", "is required")
		case c.Operator == "":
			return invalid(op, at+".operator", "is required")
		case !filterValue(c.Value):
			return invalid(op, at+".value", "must be a string, a number or a boolean")
		}
	}
	return nil
}

func filterValue(v any) bool {
	switch n := v.(type) {
	case float64:
		return !math.IsNaN(n) && !math.IsInf(n, 0)
	case float32:
		return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0)
	case string, bool, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}
