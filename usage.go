package creem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// UsageService sends and lists usage events: /v1/events/….
//
// A usage event records one customer's usage at one moment ("512 tokens for cust_abc123");
// meters (see MetersService) turn them into billable units. Ingestion is idempotent on the
// event's EventID, so a batch whose every event carries one can be sent again without counting
// twice: Ingest gives every event without one a random ID before the first attempt, and retries
// the whole batch after timeouts, resets and 5xx. For a steady stream of events, see
// NewIngester. The calls need an API key with the events:write / events:read scopes; a key
// without them gets 403 (ErrUnauthorized).
type UsageService service

// Limits of an ingested batch, checked before sending.
const (
	MaxIngestBatch        = 100 // events per Ingest call
	maxEventNameLen       = 128 // characters of an event name
	maxCustomerIDLen      = 255 // characters of customer_id / external_customer_id
	maxEventProperties    = 50  // keys of an event's properties
	maxPropertyKeyLen     = 40  // characters of a property key
	maxPropertyValueBytes = 500 // characters of a string value, or of a serialized object
)

// UsageEventParams is one usage event to ingest (IngestUsageEventApiRequestDto). Name and
// exactly one of CustomerID and ExternalCustomerID are required.
type UsageEventParams struct {
	Name string `json:"name"` // the event name meters match, at most 128 characters
	// CustomerID is the Creem customer the usage is attributed to (letters, digits, _ and -).
	CustomerID string `json:"customer_id,omitempty"`
	// ExternalCustomerID is your own ID of the customer, as registered with Customers.Create.
	ExternalCustomerID string `json:"external_customer_id,omitempty"`
	// EventID is the idempotency key, unique within the store and stored trimmed: an event sent
	// again with the same EventID is not counted again. Left empty, the SDK generates one (a
	// UUIDv4) before sending. An EventID of only white space is refused.
	EventID string `json:"event_id,omitempty"`
	// Timestamp is when the usage occurred, on your clock; zero means the time of ingestion.
	Timestamp Timestamp `json:"timestamp,omitzero"`
	// Properties are the event's attributes, which meter filters and aggregations read: at most
	// 50 keys of at most 40 characters; string values, and objects once serialized, at most 500
	// characters.
	Properties map[string]any `json:"properties,omitempty"`
}

// IngestUsageParams is a batch of 1 to 100 usage events, for Usage.Ingest and Usage.Preview
// (IngestUsageEventsApiRequestDto).
type IngestUsageParams struct {
	Events []UsageEventParams `json:"events"`
}

// UsageWarningCode names why an accepted event will not count as sent. It is an open enum.
type UsageWarningCode string

// Known warning codes.
const (
	// WarningNoMatchingMeter: no meter consumes the event name.
	WarningNoMatchingMeter UsageWarningCode = "no_matching_meter"
	// WarningMeterArchived: only archived meters match; unarchive one to resume aggregation.
	WarningMeterArchived UsageWarningCode = "meter_archived"
	// WarningTimestampOutsideLateWindow: the timestamp falls in a finalized billing period, so
	// the event will never change its totals.
	WarningTimestampOutsideLateWindow UsageWarningCode = "timestamp_outside_late_window"
)

// IngestResult is Creem's answer to an ingested batch (IngestUsageEventsApiResponseDto).
type IngestResult struct {
	Accepted int `json:"accepted"` // always the size of the batch: validation is all-or-nothing
	// EventIDs are the IDs the events were recorded under, in the order sent: yours (trimmed) or
	// the ones the SDK generated. They are what Usage.List's Reference matches.
	EventIDs []string `json:"event_ids"`
	// Warnings are about accepted events that will not produce billable usage as sent; the
	// events are stored either way. Nil when every event aggregates normally.
	Warnings []IngestWarning `json:"warnings"`
}

// IngestWarning is a warning about one event of an ingested batch (IngestUsageEventWarningApiDto).
type IngestWarning struct {
	Index   int              `json:"index"` // the event's position in the batch, from 0
	Code    UsageWarningCode `json:"code"`
	Message string           `json:"message"`
}

// UsagePreview is the dry-run report of a batch (PreviewUsageEventsApiResponseDto).
type UsagePreview struct {
	Valid  bool               `json:"valid"`  // whether Ingest would accept the batch as it is
	Events []UsageEventReport `json:"events"` // one report per event, in the order sent
}

// UsageEventReport says what ingesting one event would do (PreviewUsageEventReportApiDto).
type UsageEventReport struct {
	Valid bool `json:"valid"`
	// EventID is the ID the event would be recorded under (yours, trimmed); nil when the event
	// is invalid or has no EventID.
	EventID *string `json:"event_id"`
	// CustomerID is the Creem customer the usage would be attributed to; nil when the event is
	// invalid or its external ID resolves to no customer.
	CustomerID *string          `json:"customer_id"`
	Error      *UsageEventError `json:"error"` // why the event is invalid; nil when valid
	// Duplicate tells (advisory) whether the event would deduplicate against a stored event or
	// an earlier one of the batch; nil when the event is invalid.
	Duplicate     *bool          `json:"duplicate"`
	MatchedMeters []string       `json:"matched_meters"` // IDs of the active meters that would consume it
	Warnings      []UsageWarning `json:"warnings"`
}

// UsageEventError is why a previewed event is invalid (PreviewUsageEventErrorApiDto).
type UsageEventError struct {
	Code    string  `json:"code"` // e.g. "invalid_usage_event"
	Message string  `json:"message"`
	Param   *string `json:"param"` // the offending field, named as sent, e.g. "customer_id"
}

// UsageWarning is a warning about a previewed event (PreviewUsageEventWarningApiDto).
type UsageWarning struct {
	Code    UsageWarningCode `json:"code"`
	Message string           `json:"message"`
}

// UsageEvent is an ingested usage event (UsageEventApiResponseDto).
type UsageEvent struct {
	ID         string         `json:"id"` // Creem's ID, "uev_…"
	CustomerID string         `json:"customer_id"`
	EventID    string         `json:"event_id"` // your idempotency key
	Name       string         `json:"name"`
	Properties map[string]any `json:"properties"`
	Timestamp  Timestamp      `json:"timestamp"`  // when the usage occurred, on your clock
	CreatedAt  Timestamp      `json:"created_at"` // when Creem ingested it
	// MatchedMeters are the IDs of the active meters consuming the event name, computed when
	// read: archiving or creating a meter changes them.
	MatchedMeters []string `json:"matched_meters"`
}

// ListUsageEventsParams filter Usage.List and Usage.All. The list runs oldest first and only
// forward, so it has no EndingBefore.
type ListUsageEventsParams struct {
	MeterID    string `url:"meter_id,omitempty"`    // events of this meter's event name
	CustomerID string `url:"customer_id,omitempty"` // events of this customer
	Reference  string `url:"reference,omitempty"`   // the event with this EventID
	// Limit is the page size, 1–100; zero asks for Creem's default of 10.
	Limit int `url:"limit,omitempty"`
	// StartingAfter is the ID ("uev_…") of the event the page starts after.
	StartingAfter string `url:"starting_after,omitempty"`
}

func (p *ListUsageEventsParams) cursorFields() cursorFields {
	return cursorFields{limit: &p.Limit, after: &p.StartingAfter}
}

// Ingest sends a batch of 1 to 100 usage events (POST /v1/events/ingest; Creem answers 202).
//
// Every event without an EventID gets a generated one (a UUIDv4) before the first attempt, in a
// copy: params is not modified. With every event carrying an ID, repeating the batch cannot count
// an event twice, so the call is retried like a read, after timeouts, resets and 5xx. The IDs
// used are in the result; to keep them even when the call fails, give the events IDs first
// (AssignEventIDs) and send the same batch again later.
//
// Creem validates the whole batch first: one invalid event rejects it with 422, nothing
// ingested, and *APIError.Param naming the event ("events[3].customer_id"). What Creem would
// certainly reject (an empty or oversized batch, a missing name or customer, a name over 128
// characters, an EventID of only white space, properties over the limits, values that cannot be
// encoded) is refused before sending with an *InvalidParamsError whose Field names the event
// the same way.
func (s *UsageService) Ingest(ctx context.Context, params *IngestUsageParams, opts ...RequestOption) (*IngestResult, error) {
	const op = "Usage.Ingest"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := checkBatchSize(op, len(params.Events)); err != nil {
		return nil, err
	}
	for i := range params.Events {
		if err := checkEvent(op, "events["+strconv.Itoa(i)+"].", &params.Events[i]); err != nil {
			return nil, err
		}
	}
	return sendIngest[IngestResult](ctx, s.client, withEventIDs(params.Events), opts)
}

// sendIngest sends a batch of checked events, every one with an ID, through send, with the body
// encoded here: through encoding/json, the batch's MarshalJSON output would be scanned and
// compacted once more, which costs as much as encoding it. The bytes are the same
// (TestIngestBatchEncodingMatchesEncodingJSON).
func sendIngest[T any](ctx context.Context, c *Client, events []UsageEventParams, opts []RequestOption) (*T, error) {
	ep := postSafe("/v1/events/ingest")
	raw, err := IngestUsageParams{Events: events}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("creem: %s %s: encoding request body: %w", ep.method, ep.path, err)
	}
	return send[T](ctx, c, ep, "", encodedJSON(raw), opts)
}

// Preview dry-runs a batch of 1 to 100 events (POST /v1/events/preview): a report per event of
// whether it is valid, the ID it would be recorded under, whether it would be a duplicate, the
// meters that would consume it and the warnings Ingest would give. Nothing is stored, so the call
// is retried like a read. Invalid events are reported, not refused: only an empty or oversized
// batch is refused before sending. Events without an EventID are sent without one.
func (s *UsageService) Preview(ctx context.Context, params *IngestUsageParams, opts ...RequestOption) (*UsagePreview, error) {
	const op = "Usage.Preview"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := checkBatchSize(op, len(params.Events)); err != nil {
		return nil, err
	}
	return send[UsagePreview](ctx, s.client, postSafe("/v1/events/preview"), "", params, opts)
}

// List returns one page of ingested events, oldest first (GET /v1/events). Retried like every
// read.
func (s *UsageService) List(ctx context.Context, params *ListUsageEventsParams, opts ...RequestOption) (*CursorPage[UsageEvent], error) {
	return listCursor[UsageEvent](ctx, s.client, "Usage.List", "/v1/events", params, opts)
}

// All iterates over every ingested event matching params, oldest first, one page at a time.
func (s *UsageService) All(ctx context.Context, params *ListUsageEventsParams, opts ...RequestOption) iter.Seq2[*UsageEvent, error] {
	return allCursor(ctx, "Usage.All", params, s.List, func(e *UsageEvent) string { return e.ID }, opts)
}

// AssignEventIDs returns events with a new random EventID (a UUIDv4) in every event that has
// none. It returns events itself when all have one, and otherwise a copy: events is never
// modified. Ingest does the same; call it first to know the IDs before sending, so that a batch
// whose Ingest failed can be sent again later without counting twice.
func AssignEventIDs(events []UsageEventParams) []UsageEventParams { return withEventIDs(events) }

func withEventIDs(events []UsageEventParams) []UsageEventParams {
	var out []UsageEventParams
	for i := range events {
		if events[i].EventID != "" {
			continue
		}
		if out == nil {
			out = append(make([]UsageEventParams, 0, len(events)), events...)
		}
		out[i].EventID = newIdempotencyKey()
	}
	if out == nil {
		return events
	}
	return out
}

func checkBatchSize(op string, n int) error {
	switch {
	case n == 0:
		return invalid(op, "events", "must hold at least one event")
	case n > MaxIngestBatch:
		return invalid(op, "events", "must hold at most 100 events, not "+strconv.Itoa(n))
	}
	return nil
}

// checkEvent refuses an event Creem certainly rejects; the field is named after prefix as
// Creem's 422 param names it ("events[3]." + "customer_id").
func checkEvent(op, prefix string, ev *UsageEventParams) error {
	field := func(name string) string { return prefix + name }
	switch {
	case ev.Name == "":
		return invalid(op, field("name"), "is required")
	case utf8.RuneCountInString(ev.Name) > maxEventNameLen:
		return invalid(op, field("name"), "is longer than 128 characters")
	case ev.CustomerID == "" && ev.ExternalCustomerID == "":
		return invalid(op, field("customer_id"), "or external_customer_id is required")
	case ev.CustomerID != "" && ev.ExternalCustomerID != "":
		return invalid(op, field("customer_id"), "and external_customer_id are exclusive: give one")
	case ev.EventID != "" && strings.TrimSpace(ev.EventID) == "":
		return invalid(op, field("event_id"), "is only white space")
	}
	if ev.CustomerID != "" {
		if reason := customerRef(ev.CustomerID); reason != "" {
			return invalid(op, field("customer_id"), reason)
		}
	} else if reason := customerRef(ev.ExternalCustomerID); reason != "" {
		return invalid(op, field("external_customer_id"), reason)
	}
	if y := ev.Timestamp.Year(); !ev.Timestamp.IsZero() && (y < 0 || y > 9999) {
		return invalid(op, field("timestamp"), "is outside the years 0–9999")
	}
	if len(ev.Properties) > maxEventProperties {
		return invalid(op, field("properties"), "has more than 50 keys")
	}
	for k, v := range ev.Properties {
		if utf8.RuneCountInString(k) > maxPropertyKeyLen {
			return invalid(op, field("properties"), "has a key longer than 40 characters")
		}
		if reason := propertyValue(v); reason != "" {
			return invalid(op, field("properties."+k), reason)
		}
	}
	return nil
}

// customerRef checks a customer ID as Creem does after trimming it: letters, digits, _ and -,
// at most 255 characters. It returns why the ID is refused, or "".
func customerRef(id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return "is only white space"
	}
	if len(id) > maxCustomerIDLen {
		return "is longer than 255 characters"
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "may hold only letters, digits, _ and -"
		}
	}
	return ""
}

// propertyValue checks one property value: it must encode as JSON, and a string or a
// serialized object must stay within 500 characters. It returns why the value is refused, or "".
func propertyValue(v any) string {
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		return ""
	case string:
		if len(x) > maxPropertyValueBytes && utf8.RuneCountInString(x) > maxPropertyValueBytes {
			return "is longer than 500 characters"
		}
		return ""
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "is not a finite number"
		}
		return ""
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "is not a finite number"
		}
		return ""
	}
	b, err := encodeBody(v)
	if err != nil {
		return "cannot be encoded as JSON"
	}
	if len(b) > maxPropertyValueBytes && utf8.RuneCount(b) > maxPropertyValueBytes {
		return "is longer than 500 characters once serialized"
	}
	return ""
}

// MarshalJSON encodes the batch exactly as encoding/json encodes its fields, without reflection
// for the common property values: ingestion is the SDK's busiest path.
func (p IngestUsageParams) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+len(p.Events)*160)
	b = append(b, `{"events":`...)
	if p.Events == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	var err error
	for i := range p.Events {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendEvent(b, &p.Events[i]); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

func appendEvent(b []byte, ev *UsageEventParams) ([]byte, error) {
	b = append(b, `{"name":`...)
	b = appendString(b, ev.Name)
	if ev.CustomerID != "" {
		b = append(b, `,"customer_id":`...)
		b = appendString(b, ev.CustomerID)
	}
	if ev.ExternalCustomerID != "" {
		b = append(b, `,"external_customer_id":`...)
		b = appendString(b, ev.ExternalCustomerID)
	}
	if ev.EventID != "" {
		b = append(b, `,"event_id":`...)
		b = appendString(b, ev.EventID)
	}
	if !ev.Timestamp.IsZero() {
		ts, err := ev.Timestamp.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, `,"timestamp":`...)
		b = append(b, ts...)
	}
	if len(ev.Properties) > 0 {
		b = append(b, `,"properties":{`...)
		var buf [16]string
		keys := buf[:0]
		for k := range ev.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendValue(b, ev.Properties[k]); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendValue encodes one property value; kinds other than strings, booleans and numbers go
// through encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return appendFloat(b, x)
	}
	raw, err := encodeBody(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendFloat encodes f as encoding/json does: the shortest form, with an exponent only for very
// small or large values, and never NaN or an infinity.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendString encodes s as a JSON string the way encoding/json does with HTML escaping off:
// invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				const hex = "0123456789abcdef"
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', byte('8'+r-'\u2028'))
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
