package creemtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creem-go/creem"
)

// UsageLateWindow is how long after a billing period (a calendar month in UTC) ends the server
// still folds events with a timestamp in it into its totals. A later event is stored, but gets the
// timestamp_outside_late_window warning and never counts. Creem does not publish its window; the
// fake uses this one.
const UsageLateWindow = 48 * time.Hour

// usageStore holds meters and usage events. Server.mu guards it.
type usageStore struct {
	storeID    string
	meters     *table[creem.Meter]
	archivedAt map[string]time.Time // meter ID → when it was archived, while it is
	events     []*creem.UsageEvent  // ingestion order
	byEventID  map[string]*creem.UsageEvent
	replays    int // events received again under a stored event_id, not stored again
}

func (st *usageStore) init() {
	st.meters = newTable[creem.Meter]()
	st.archivedAt = map[string]time.Time{}
	st.byEventID = map[string]*creem.UsageEvent{}
}

func init() {
	familyRoutes = append(familyRoutes, func(s *Server, handle func(string, handler)) {
		handle("POST /v1/meters", s.createMeter)
		handle("GET /v1/meters", s.listMeters)
		handle("POST /v1/meters/preview", s.previewMeter)
		handle("GET /v1/meters/{id}", s.getMeter)
		handle("PATCH /v1/meters/{id}", s.updateMeter)
		handle("POST /v1/meters/{id}/preview", s.previewExistingMeter)
		handle("GET /v1/meters/{id}/consumed", s.meterConsumedUnits)
		handle("POST /v1/meters/{id}/archive", s.archiveMeter)
		handle("POST /v1/meters/{id}/unarchive", s.unarchiveMeter)
		handle("POST /v1/events/ingest", s.ingestUsageEvents)
		handle("POST /v1/events/preview", s.previewUsageEvents)
		handle("GET /v1/events", s.listUsageEvents)
	})
}

// UsageEvents returns a copy of every usage event the server stored, oldest first. An event
// sent again under a stored event_id is not stored again (see UsageEventReplays).
func (s *Server) UsageEvents() []creem.UsageEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]creem.UsageEvent, len(s.st.usage.events))
	for i, ev := range s.st.usage.events {
		out[i] = s.usageEventView(ev)
	}
	return out
}

// UsageEventReplays returns how many events the server received under an event_id it had
// stored already, and so deduplicated: the retries that reached it after a first delivery.
func (s *Server) UsageEventReplays() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.usage.replays
}

// ---- meters

// meterDefinition is the part of a meter that decides what it counts.
type meterDefinition struct {
	eventName   string
	aggregation creem.MeterAggregation
	property    string
	filter      creem.MeterFilter
}

func meterDef(m *creem.Meter) meterDefinition {
	d := meterDefinition{eventName: m.EventName, aggregation: m.Aggregation, filter: m.Filter}
	if m.AggregationProperty != nil {
		d.property = *m.AggregationProperty
	}
	return d
}

func definitionError(param, msg string) *apiError {
	return codedError(http.StatusUnprocessableEntity, "invalid_meter_definition", param, msg)
}

// checkDefinition applies the rules the schema cannot express; it returns the filter as stored,
// with its values parsed.
func checkDefinition(agg creem.MeterAggregation, property string, filter *creem.MeterFilter) (creem.MeterFilter, *apiError) {
	if agg != creem.AggregationCount && strings.TrimSpace(property) == "" {
		return creem.MeterFilter{}, definitionError("aggregation_property", "aggregation_property is required for the "+string(agg)+" aggregation")
	}
	out := creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{}}
	if filter == nil {
		return out, nil
	}
	out.Conjunction = filter.Conjunction
	for i, c := range filter.Clauses {
		param := fmt.Sprintf("filter.clauses[%d]", i)
		if strings.TrimSpace(c.Property) == "" {
			return out, definitionError(param+".property", "property must not be empty")
		}
		v := parseValue(c.Value)
		switch c.Operator {
		case creem.FilterGt, creem.FilterGte, creem.FilterLt, creem.FilterLte:
			if _, ok := v.(float64); !ok {
				return out, definitionError(param+".value", string(c.Operator)+" compares numbers: value must be numeric")
			}
		}
		out.Clauses = append(out.Clauses, creem.FilterClause{Property: c.Property, Operator: c.Operator, Value: v})
	}
	return out, nil
}

// nameTaken answers 409 meter_name_taken when another meter of the store has name, with the
// archived holder in details.
func (s *Server) nameTaken(name, self string) *apiError {
	holder, ok := s.st.usage.meters.find(func(m *creem.Meter) bool { return m.ID != self && m.Name == name })
	if !ok {
		return nil
	}
	e := codedError(http.StatusConflict, "meter_name_taken", "name", fmt.Sprintf("A meter named %q already exists in this store", name))
	if holder.Status == creem.MeterStatusArchived {
		e.details = map[string]any{"archived_holder": true, "archived_holder_id": holder.ID}
	}
	return e
}

func (s *Server) createMeter(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateMeterParams
	if err := decodeBody(body, "CreateMeterApiRequestDto", &p); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(p.Name)
	for _, f := range [...]struct{ field, v string }{{"name", name}, {"event_name", p.EventName}, {"unit_label", p.UnitLabel}} {
		if field := f.field; strings.TrimSpace(f.v) == "" {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", field, field+" must not be empty")
		}
	}
	filter, aerr := checkDefinition(p.Aggregation, p.AggregationProperty, p.Filter)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.nameTaken(name, ""); aerr != nil {
		return nil, aerr
	}
	now := creem.NewTimestamp(s.now().UTC())
	m := &creem.Meter{
		ID: newID("mtr"), StoreID: s.st.usage.storeID, Name: name, EventName: p.EventName,
		Aggregation: p.Aggregation, Filter: filter, UnitLabel: p.UnitLabel,
		Status: creem.MeterStatusActive, CreatedAt: now, UpdatedAt: now,
	}
	if p.Aggregation != creem.AggregationCount {
		m.AggregationProperty = creem.Ptr(p.AggregationProperty)
	}
	s.st.usage.meters.put(m.ID, m)
	return status{code: http.StatusCreated, body: m}, nil
}

func (s *Server) meter(id string) (*creem.Meter, *apiError) {
	m, ok := s.st.usage.meters.get(id)
	if !ok {
		return nil, notFound("Meter")
	}
	return m, nil
}

func (s *Server) getMeter(r *http.Request, _ []byte) (any, *apiError) {
	return s.meter(r.PathValue("id"))
}

func (s *Server) listMeters(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	withArchived := false
	switch v := q.Get("include_archived"); v {
	case "", "false":
	case "true":
		withArchived = true
	default:
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "include_archived", "include_archived must be a boolean value")
	}
	ms := s.st.usage.meters.filter(func(m *creem.Meter) bool { return withArchived || m.Status == creem.MeterStatusActive })
	slices.Reverse(ms) // newest first
	return cursorPage(q, ms, func(m *creem.Meter) string { return m.ID })
}

func (s *Server) updateMeter(r *http.Request, body []byte) (any, *apiError) {
	m, aerr := s.meter(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	var p creem.UpdateMeterParams
	if err := decodeBody(body, "UpdateMeterApiRequestDto", &p); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(body, &raw)
	for _, field := range []string{"name", "aggregation", "filter"} {
		if v, ok := raw[field]; ok && string(v) == "null" {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", field, field+" must not be null")
		}
	}
	up := *m
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if name == "" {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "name", "name must not be empty")
		}
		if aerr := s.nameTaken(name, m.ID); aerr != nil {
			return nil, aerr
		}
		up.Name = name
	}
	def := meterDef(m)
	_, propertySent := raw["aggregation_property"]
	if p.Aggregation != "" || propertySent || p.Filter != nil {
		if s.meterLocked(m) {
			return nil, codedError(http.StatusConflict, "meter_definition_locked", "", "The meter has processed usage or has a purchase: its definition can no longer be edited")
		}
		if p.Aggregation != "" {
			def.aggregation = p.Aggregation
		}
		if p.AggregationProperty.IsNull() {
			def.property = ""
		} else if v, ok := p.AggregationProperty.Get(); ok {
			def.property = v
		}
		filter := &def.filter
		if p.Filter != nil {
			filter = p.Filter
		}
		parsed, aerr := checkDefinition(def.aggregation, def.property, filter)
		if aerr != nil {
			return nil, aerr
		}
		up.Aggregation, up.Filter, up.AggregationProperty = def.aggregation, parsed, nil
		if def.aggregation != creem.AggregationCount {
			up.AggregationProperty = creem.Ptr(def.property)
		}
	}
	up.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	*m = up
	return m, nil
}

// meterLocked reports whether a meter's definition is frozen: it has folded usage, or a product
// pricing it has been bought.
func (s *Server) meterLocked(m *creem.Meter) bool {
	def := meterDef(m)
	for _, ev := range s.st.usage.events {
		if def.consumes(ev) {
			return true
		}
	}
	_, bought := s.st.orders.find(func(o *creem.Order) bool {
		p, ok := s.st.products.get(o.Product)
		return ok && pricesMeter(p, m.ID)
	})
	return bought
}

func pricesMeter(p *creem.Product, meterID string) bool {
	for _, u := range p.UsagePrices {
		if u.MeterID == meterID {
			return true
		}
	}
	return false
}

func (s *Server) archiveMeter(r *http.Request, _ []byte) (any, *apiError) {
	m, aerr := s.meter(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	if m.Status == creem.MeterStatusArchived {
		return m, nil
	}
	if p, selling := s.st.products.find(func(p *creem.Product) bool {
		return p.Status == creem.ProductStatusActive && pricesMeter(p, m.ID)
	}); selling {
		return nil, codedError(http.StatusConflict, "meter_in_use", "",
			"The meter is priced on product "+p.ID+", which is still for sale: remove the usage charge or archive the product first")
	}
	now := s.now().UTC()
	m.Status = creem.MeterStatusArchived
	m.UpdatedAt = creem.NewTimestamp(now)
	s.st.usage.archivedAt[m.ID] = now
	return m, nil
}

func (s *Server) unarchiveMeter(r *http.Request, _ []byte) (any, *apiError) {
	m, aerr := s.meter(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	if m.Status == creem.MeterStatusActive {
		return m, nil
	}
	m.Status = creem.MeterStatusActive
	m.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	delete(s.st.usage.archivedAt, m.ID)
	return m, nil
}

func (s *Server) previewMeter(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.PreviewMeterParams
	if err := decodeBody(body, "PreviewMeterApiRequestDto", &p); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.EventName) == "" {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "event_name", "event_name must not be empty")
	}
	filter, aerr := checkDefinition(p.Aggregation, p.AggregationProperty, p.Filter)
	if aerr != nil {
		return nil, aerr
	}
	return s.previewDefinition(meterDefinition{eventName: p.EventName, aggregation: p.Aggregation, property: p.AggregationProperty, filter: filter}), nil
}

func (s *Server) previewExistingMeter(r *http.Request, _ []byte) (any, *apiError) {
	m, aerr := s.meter(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	return s.previewDefinition(meterDef(m)), nil
}

// previewDefinition runs def over the last 7 UTC days, today included, future events excluded.
func (s *Server) previewDefinition(def meterDefinition) *creem.MeterPreview {
	now := s.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from := today.AddDate(0, 0, -6)
	var all []*creem.UsageEvent
	days := make([][]*creem.UsageEvent, 7)
	customers := map[string]bool{}
	for _, ev := range s.st.usage.events {
		ts := ev.Timestamp.UTC()
		if ts.Before(from) || ts.After(now) || !def.consumes(ev) {
			continue
		}
		all = append(all, ev)
		customers[ev.CustomerID] = true
		day := int(ts.Sub(from) / (24 * time.Hour))
		days[day] = append(days[day], ev)
	}
	out := &creem.MeterPreview{
		MatchedEvents: len(all), Units: def.aggregate(all), DistinctCustomers: len(customers),
		Daily: make([]creem.MeterPreviewDay, 7),
	}
	for i, evs := range days {
		out.Daily[i] = creem.MeterPreviewDay{Date: from.AddDate(0, 0, i).Format(time.DateOnly), EventCount: len(evs), Value: def.aggregate(evs)}
	}
	return out
}

// consumedAnswer is MeterConsumedUnitsApiResponseDto: as_of is left out unless at was given.
type consumedAnswer struct {
	MeterID     string           `json:"meter_id"`
	CustomerID  string           `json:"customer_id"`
	Units       string           `json:"units"`
	PeriodStart creem.Timestamp  `json:"period_start"`
	PeriodEnd   creem.Timestamp  `json:"period_end"`
	UpdatedAt   *creem.Timestamp `json:"updated_at"`
	AsOf        *creem.Timestamp `json:"as_of,omitempty"`
}

func (s *Server) meterConsumedUnits(r *http.Request, _ []byte) (any, *apiError) {
	m, aerr := s.meter(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	q := r.URL.Query()
	customerID := q.Get("customer_id")
	if customerID == "" {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "customer_id", "customer_id is required")
	}
	if _, aerr := s.customer(customerID); aerr != nil {
		return nil, aerr
	}
	asOf := s.now().UTC()
	replay := q.Has("at")
	if replay {
		at, err := time.Parse(time.RFC3339Nano, q.Get("at"))
		if err != nil {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "at", "at must be an ISO 8601 instant")
		}
		asOf = at.UTC()
	}
	start := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	def := meterDef(m)
	archivedAt, archived := s.st.usage.archivedAt[m.ID]
	var folded []*creem.UsageEvent
	var last time.Time
	for _, ev := range s.st.usage.events {
		ts, created := ev.Timestamp.UTC(), ev.CreatedAt.UTC()
		switch {
		case ev.CustomerID != customerID || !def.consumes(ev),
			ts.Before(start) || !ts.Before(end),
			created.After(end.Add(UsageLateWindow)), // arrived after the period was finalized
			archived && !created.Before(archivedAt), // an archived meter accrues nothing new
			replay && ts.After(asOf):
			continue
		}
		folded = append(folded, ev)
		if created.After(last) {
			last = created
		}
	}
	out := &consumedAnswer{
		MeterID: m.ID, CustomerID: customerID, Units: def.aggregate(folded),
		PeriodStart: creem.NewTimestamp(start), PeriodEnd: creem.NewTimestamp(end),
	}
	if replay {
		out.AsOf = creem.Ptr(creem.NewTimestamp(asOf))
	} else if !last.IsZero() {
		out.UpdatedAt = creem.Ptr(creem.NewTimestamp(last))
	}
	return out, nil
}

// consumes reports whether a meter with this definition counts ev: its event name, and its
// filter.
func (d meterDefinition) consumes(ev *creem.UsageEvent) bool {
	if ev.Name != d.eventName {
		return false
	}
	if len(d.filter.Clauses) == 0 {
		return true
	}
	or := d.filter.Conjunction == creem.FilterOr
	for _, c := range d.filter.Clauses {
		if matchClause(ev.Properties, c) == or {
			return or
		}
	}
	return !or
}

// matchClause tests one clause. Both sides are parsed (number, then boolean, then string); an
// event without the property never matches, whatever the operator.
func matchClause(props map[string]any, c creem.FilterClause) bool {
	raw, ok := props[c.Property]
	if !ok || raw == nil {
		return false
	}
	have, want := parseValue(raw), parseValue(c.Value)
	hn, hNum := have.(float64)
	wn, wNum := want.(float64)
	switch c.Operator {
	case creem.FilterEquals:
		return have == want
	case creem.FilterNotEquals:
		return have != want
	case creem.FilterGt:
		return hNum && wNum && hn > wn
	case creem.FilterGte:
		return hNum && wNum && hn >= wn
	case creem.FilterLt:
		return hNum && wNum && hn < wn
	case creem.FilterLte:
		return hNum && wNum && hn <= wn
	case creem.FilterContains:
		return strings.Contains(valueString(have), valueString(want))
	case creem.FilterNotContains:
		return !strings.Contains(valueString(have), valueString(want))
	}
	return false
}

// parseValue parses a value as Creem does: a number, then a boolean, then a string. Numbers
// become float64; objects and arrays become their JSON text.
func parseValue(v any) any {
	switch x := v.(type) {
	case float64, bool:
		return x
	case json.Number:
		return parseValue(x.String())
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		switch x {
		case "true":
			return true
		case "false":
			return false
		}
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func valueString(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// aggregate folds events into units as a decimal string. Events whose property is missing (or,
// for sum, average, min and max, not numeric) do not contribute.
func (d meterDefinition) aggregate(evs []*creem.UsageEvent) string {
	if d.aggregation == creem.AggregationCount {
		return strconv.Itoa(len(evs))
	}
	if d.aggregation == creem.AggregationUnique {
		seen := map[any]bool{}
		for _, ev := range evs {
			if v, ok := ev.Properties[d.property]; ok && v != nil {
				seen[parseValue(v)] = true
			}
		}
		return strconv.Itoa(len(seen))
	}
	var sum, lo, hi float64
	n := 0
	for _, ev := range evs {
		f, ok := parseValue(ev.Properties[d.property]).(float64)
		if !ok {
			continue
		}
		if n == 0 || f < lo {
			lo = f
		}
		if n == 0 || f > hi {
			hi = f
		}
		sum += f
		n++
	}
	var v float64
	switch d.aggregation {
	case creem.AggregationSum:
		v = sum
	case creem.AggregationAverage:
		if n > 0 {
			v = sum / float64(n)
		}
	case creem.AggregationMin:
		v = lo
	case creem.AggregationMax:
		v = hi
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// checkUsagePriceMeters refuses product usage prices whose meter does not exist or is archived.
func (s *Server) checkUsagePriceMeters(prices []creem.UsagePriceParams) *apiError {
	for i, u := range prices {
		m, ok := s.st.usage.meters.get(u.MeterID)
		switch {
		case !ok:
			return errorf(http.StatusBadRequest, fmt.Sprintf("usage_prices.%d.meter_id: meter %s does not exist", i, u.MeterID))
		case m.Status == creem.MeterStatusArchived:
			return errorf(http.StatusBadRequest, fmt.Sprintf("usage_prices.%d.meter_id: meter %s is archived", i, u.MeterID))
		}
	}
	return nil
}

// ---- usage events

// incomingEvent is one checked event of an ingest or preview batch.
type incomingEvent struct {
	eventID    string // trimmed; "" when the event had none
	customerID string // resolved
	name       string
	timestamp  time.Time // zero when the event had none
	properties map[string]any
}

// eventFault is why an event is invalid: the field as sent, and a message.
type eventFault struct {
	param, code, msg string
}

var eventFields = map[string]bool{"name": true, "customer_id": true, "external_customer_id": true, "event_id": true, "timestamp": true, "properties": true}

// checkUsageEvent validates one event of a batch like Creem does and resolves its customer.
func (s *Server) checkUsageEvent(raw any) (*incomingEvent, *eventFault) {
	bad := func(param, msg string) (*incomingEvent, *eventFault) {
		return nil, &eventFault{param: param, code: "invalid_usage_event", msg: msg}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return bad("", "each event must be an object")
	}
	if k := firstKey(obj, func(k string) bool { return !eventFields[k] }); k != "" {
		return bad(k, "property "+k+" should not exist")
	}
	str := func(k string) (string, bool, bool) { // value, present, is a string
		v, ok := obj[k]
		if !ok || v == nil {
			return "", false, true
		}
		sv, isStr := v.(string)
		return sv, true, isStr
	}
	in := &incomingEvent{}
	name, present, isStr := str("name")
	switch {
	case !present:
		return bad("name", "name is required")
	case !isStr:
		return bad("name", "name must be a string")
	case name == "":
		return bad("name", "name must not be empty")
	case utf8.RuneCountInString(name) > 128:
		return bad("name", "name must be shorter than or equal to 128 characters")
	}
	in.name = name

	cid, hasCID, cidStr := str("customer_id")
	ext, hasExt, extStr := str("external_customer_id")
	switch {
	case !cidStr:
		return bad("customer_id", "customer_id must be a string")
	case !extStr:
		return bad("external_customer_id", "external_customer_id must be a string")
	case !hasCID && !hasExt:
		return bad("customer_id", "exactly one of customer_id or external_customer_id is required")
	case hasCID && hasExt:
		return bad("external_customer_id", "exactly one of customer_id or external_customer_id is allowed")
	}
	field, ref := "customer_id", strings.TrimSpace(cid)
	if hasExt {
		field, ref = "external_customer_id", strings.TrimSpace(ext)
	}
	if msg := customerRefFault(ref); msg != "" {
		return bad(field, field+" "+msg)
	}
	if hasExt {
		c, ok := s.st.customers.find(func(c *creem.Customer) bool { return c.ExternalID != nil && *c.ExternalID == ref })
		if !ok {
			return nil, &eventFault{param: field, code: "customer_not_found", msg: "no customer has external_customer_id " + ref}
		}
		in.customerID = c.ID
	} else {
		if _, ok := s.st.customers.get(ref); !ok {
			return nil, &eventFault{param: field, code: "customer_not_found", msg: "customer " + ref + " does not exist"}
		}
		in.customerID = ref
	}

	id, hasID, idStr := str("event_id")
	switch {
	case !idStr:
		return bad("event_id", "event_id must be a string")
	case hasID && strings.TrimSpace(id) == "":
		return bad("event_id", "event_id must not be empty")
	}
	in.eventID = strings.TrimSpace(id)

	ts, hasTS, tsStr := str("timestamp")
	if !tsStr {
		return bad("timestamp", "timestamp must be an ISO 8601 date string")
	}
	if hasTS {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return bad("timestamp", "timestamp must be an ISO 8601 date string")
		}
		in.timestamp = t.UTC()
	}

	if v, ok := obj["properties"]; ok && v != nil {
		props, ok := v.(map[string]any)
		if !ok {
			return bad("properties", "properties must be an object")
		}
		if len(props) > 50 {
			return bad("properties", "properties must have at most 50 keys")
		}
		if firstKey(props, func(k string) bool { return utf8.RuneCountInString(k) > 40 }) != "" {
			return bad("properties", "property keys must be at most 40 characters")
		}
		if k := firstKey(props, func(k string) bool { return !propertyValueOK(props[k]) }); k != "" {
			return bad("properties."+k, "property values must be at most 500 characters, serialized objects included")
		}
		in.properties = props
	}
	if in.properties == nil {
		in.properties = map[string]any{}
	}
	return in, nil
}

// firstKey returns the first key of obj, in sorted order, that bad accepts, or "". It sorts only
// when there is one: the usual event has none.
func firstKey(obj map[string]any, bad func(string) bool) string {
	found := false
	for k := range obj {
		if bad(k) {
			found = true
			break
		}
	}
	if !found {
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if bad(k) {
			return k
		}
	}
	return ""
}

// propertyValueOK applies Creem's limit: strings, and objects once serialized, of at most 500
// characters.
func propertyValueOK(v any) bool {
	switch x := v.(type) {
	case string:
		return len(x) <= 500 || utf8.RuneCountInString(x) <= 500
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return utf8.RuneCount(b) <= 500
	}
	return true
}

func customerRefFault(id string) string {
	switch {
	case id == "":
		return "must not be empty"
	case len(id) > 255:
		return "must be at most 255 characters"
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "may contain only letters, digits, _ and -"
		}
	}
	return ""
}

// decodeBatch reads an ingest or preview body: an object with an events array of 1 to 100.
func decodeBatch(body []byte) ([]any, *apiError) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, errorf(http.StatusBadRequest, "request body is not a JSON object")
	}
	for k := range obj {
		if k != "events" {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", k, "property "+k+" should not exist")
		}
	}
	events, ok := obj["events"].([]any)
	switch {
	case !ok:
		return nil, codedError(http.StatusUnprocessableEntity, "invalid_usage_batch", "events", "events must be an array of usage events")
	case len(events) == 0:
		return nil, codedError(http.StatusUnprocessableEntity, "invalid_usage_batch", "events", "events must contain at least 1 event")
	case len(events) > 100:
		return nil, codedError(http.StatusUnprocessableEntity, "invalid_usage_batch", "events", "events must contain at most 100 events")
	}
	return events, nil
}

// warnings are the advisory warnings of an event; now is the server's clock.
func (s *Server) warnings(in *incomingEvent, now time.Time) []creem.UsageWarning {
	var out []creem.UsageWarning
	active, archived := false, false
	for _, id := range s.st.usage.meters.order {
		m := s.st.usage.meters.byID[id]
		if m.EventName != in.name {
			continue
		}
		active = active || m.Status == creem.MeterStatusActive
		archived = archived || m.Status == creem.MeterStatusArchived
	}
	switch {
	case !active && archived:
		out = append(out, creem.UsageWarning{Code: creem.WarningMeterArchived, Message: "Only archived meters consume " + in.name + ": unarchive one to resume aggregation"})
	case !active:
		out = append(out, creem.UsageWarning{Code: creem.WarningNoMatchingMeter, Message: "No meter consumes " + in.name})
	}
	ts := in.timestamp
	if ts.IsZero() {
		ts = now
	}
	periodEnd := time.Date(ts.Year(), ts.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	if now.After(periodEnd.Add(UsageLateWindow)) {
		out = append(out, creem.UsageWarning{Code: creem.WarningTimestampOutsideLateWindow, Message: "The billing period of this timestamp is finalized: the event will not change its totals"})
	}
	return out
}

// ingestAnswer is IngestUsageEventsApiResponseDto: warnings are absent when there are none.
type ingestAnswer struct {
	Accepted int                   `json:"accepted"`
	EventIDs []string              `json:"event_ids"`
	Warnings []creem.IngestWarning `json:"warnings,omitempty"`
}

func (s *Server) ingestUsageEvents(_ *http.Request, body []byte) (any, *apiError) {
	raw, aerr := decodeBatch(body)
	if aerr != nil {
		return nil, aerr
	}
	// The whole batch is validated before anything is stored.
	batch := make([]*incomingEvent, len(raw))
	for i, r := range raw {
		in, fault := s.checkUsageEvent(r)
		if fault != nil {
			param := fmt.Sprintf("events[%d]", i)
			if fault.param != "" {
				param += "." + fault.param
			}
			return nil, codedError(http.StatusUnprocessableEntity, fault.code, param, fault.msg)
		}
		batch[i] = in
	}
	now := s.now().UTC()
	out := &ingestAnswer{Accepted: len(batch), EventIDs: make([]string, len(batch))}
	u := &s.st.usage
	for i, in := range batch {
		id := in.eventID
		if id == "" {
			id = newUUID()
		}
		out.EventIDs[i] = id
		for _, w := range s.warnings(in, now) {
			out.Warnings = append(out.Warnings, creem.IngestWarning{Index: i, Code: w.Code, Message: w.Message})
		}
		if _, dup := u.byEventID[id]; dup {
			u.replays++
			continue
		}
		ts := in.timestamp
		if ts.IsZero() {
			ts = now
		}
		ev := &creem.UsageEvent{
			ID: newID("uev"), CustomerID: in.customerID, EventID: id, Name: in.name,
			Properties: in.properties, Timestamp: creem.NewTimestamp(ts), CreatedAt: creem.NewTimestamp(now),
		}
		u.events = append(u.events, ev)
		u.byEventID[id] = ev
	}
	return status{code: http.StatusAccepted, body: out}, nil
}

func (s *Server) previewUsageEvents(_ *http.Request, body []byte) (any, *apiError) {
	raw, aerr := decodeBatch(body)
	if aerr != nil {
		return nil, aerr
	}
	now := s.now().UTC()
	out := &creem.UsagePreview{Valid: true, Events: make([]creem.UsageEventReport, len(raw))}
	seen := map[string]bool{}
	for i, r := range raw {
		rep := creem.UsageEventReport{MatchedMeters: []string{}, Warnings: []creem.UsageWarning{}}
		in, fault := s.checkUsageEvent(r)
		if fault != nil {
			out.Valid = false
			rep.Error = &creem.UsageEventError{Code: fault.code, Message: fault.msg}
			if fault.param != "" {
				rep.Error.Param = creem.Ptr(fault.param)
			}
			out.Events[i] = rep
			continue
		}
		rep.Valid = true
		rep.CustomerID = creem.Ptr(in.customerID)
		dup := false
		if in.eventID != "" {
			rep.EventID = creem.Ptr(in.eventID)
			_, stored := s.st.usage.byEventID[in.eventID]
			dup = stored || seen[in.eventID]
			seen[in.eventID] = true
		}
		rep.Duplicate = creem.Ptr(dup)
		probe := &creem.UsageEvent{Name: in.name, Properties: in.properties}
		for _, id := range s.st.usage.meters.order {
			m := s.st.usage.meters.byID[id]
			if m.Status == creem.MeterStatusActive && meterDef(m).consumes(probe) {
				rep.MatchedMeters = append(rep.MatchedMeters, m.ID)
			}
		}
		rep.Warnings = append(rep.Warnings, s.warnings(in, now)...)
		out.Events[i] = rep
	}
	return out, nil
}

// usageEventView is an event as the API shows it: a copy, with the IDs of the active meters
// consuming its name now.
func (s *Server) usageEventView(ev *creem.UsageEvent) creem.UsageEvent {
	out := *ev
	out.Properties = maps.Clone(ev.Properties)
	out.MatchedMeters = []string{}
	for _, id := range s.st.usage.meters.order {
		m := s.st.usage.meters.byID[id]
		if m.Status == creem.MeterStatusActive && m.EventName == ev.Name {
			out.MatchedMeters = append(out.MatchedMeters, m.ID)
		}
	}
	return out
}

func (s *Server) listUsageEvents(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	q.Del("ending_before") // the list only runs forward
	eventName := ""
	if id := q.Get("meter_id"); id != "" {
		m, aerr := s.meter(id)
		if aerr != nil {
			return nil, aerr
		}
		eventName = m.EventName
	}
	customerID, reference := q.Get("customer_id"), q.Get("reference")
	var items []*creem.UsageEvent
	for _, ev := range s.st.usage.events {
		if (eventName == "" || ev.Name == eventName) && (customerID == "" || ev.CustomerID == customerID) &&
			(reference == "" || ev.EventID == reference) {
			items = append(items, ev)
		}
	}
	page, aerr := cursorPage(q, items, func(ev *creem.UsageEvent) string { return ev.ID })
	if aerr != nil {
		return nil, aerr
	}
	out := &cursorList[creem.UsageEvent]{Object: page.Object, Data: make([]creem.UsageEvent, len(page.Data)), HasMore: page.HasMore}
	for i, ev := range page.Data {
		out.Data[i] = s.usageEventView(ev)
	}
	return out, nil
}
