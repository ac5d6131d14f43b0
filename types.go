package creem

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Optional parameters.
//
// Params structs follow one rule. A field whose zero value is never a valid choice is a plain
// value, left out of the request when zero (Description string). A field whose zero value is
// meaningful is a pointer, left out when nil (Price *int64: 0 is a free product, nil is "not
// set" and refused). Build pointers with String, Int, Int64, Float64 and Bool, or Ptr for other
// types such as the enums (creem.Ptr(creem.CurrencyEUR)). Only a field of an update (PATCH) that
// the spec lets you clear is a Nullable: creem.Value(v) sets it, creem.Null[T]() clears it, and
// the zero Nullable leaves it unchanged.

// Ptr returns a pointer to v, for optional parameters of any type.
func Ptr[T any](v T) *T { return &v }

// String returns a pointer to s, for optional string parameters.
func String(s string) *string { return &s }

// Int returns a pointer to n, for optional int parameters (counts, days, units).
func Int(n int) *int { return &n }

// Int64 returns a pointer to n, for optional int64 parameters (amounts in minor units):
// Price: creem.Int64(2900).
func Int64(n int64) *int64 { return &n }

// Float64 returns a pointer to f, for optional float64 parameters.
func Float64(f float64) *float64 { return &f }

// Bool returns a pointer to b, for optional bool parameters.
func Bool(b bool) *bool { return &b }

// Metadata holds the free-form key-value pairs Creem stores on checkouts, customers and
// subscriptions. Values decode as encoding/json decodes into an interface value.
type Metadata map[string]any

// Mode is the environment an object lives in (EnvironmentMode in the spec). It is an open enum:
// values Creem adds later decode unchanged.
type Mode string

// Known modes.
const (
	ModeTest    Mode = "test"
	ModeProd    Mode = "prod"
	ModeSandbox Mode = "sandbox"
)

// Currency is a three-letter ISO currency code in upper case. It is an open enum.
type Currency string

// Currencies the API accepts for products.
const (
	CurrencyEUR Currency = "EUR"
	CurrencyUSD Currency = "USD"
)

// Timestamp is a point in time as Creem sends it: an ISO-8601 string on most entities, epoch
// milliseconds on transactions, refunds, webhook envelopes, error bodies and stats. Both forms
// decode, and a decoded Timestamp encodes back to the form it came in. JSON null decodes to the
// zero Timestamp, and the zero Timestamp encodes as null.
type Timestamp struct {
	time.Time
	form timestampForm
}

type timestampForm uint8

const (
	formISO          timestampForm = iota // "2024-10-12T11:58:33.097Z"
	formMillis                            // 1728734325927
	formMillisString                      // "1728734325927"
)

// isoLayout is the layout Creem writes (JavaScript's Date.toISOString).
const isoLayout = "2006-01-02T15:04:05.000Z07:00"

// NewTimestamp returns t as a Timestamp that encodes in the ISO-8601 form.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// TimestampFromMillis returns the instant ms milliseconds after the Unix epoch, in UTC, as a
// Timestamp that encodes as epoch milliseconds.
func TimestampFromMillis(ms int64) Timestamp {
	return Timestamp{Time: time.UnixMilli(ms).UTC(), form: formMillis}
}

// IsMillis reports whether the Timestamp was decoded from (and so encodes as) epoch milliseconds.
func (t Timestamp) IsMillis() bool { return t.form != formISO }

var errBadTimestamp = errors.New("creem: timestamp is neither an ISO-8601 string nor epoch milliseconds")

// UnmarshalJSON decodes an ISO-8601 string, epoch milliseconds as a number or as a string of
// digits, or null.
func (t *Timestamp) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return errBadTimestamp
	}
	if string(data) == "null" {
		*t = Timestamp{}
		return nil
	}
	if data[0] != '"' {
		ms, err := parseMillis(string(data))
		if err != nil {
			return errBadTimestamp
		}
		*t = TimestampFromMillis(ms)
		return nil
	}
	if v, ok := parseCreemISO(data); ok {
		*t = Timestamp{Time: v}
		return nil
	}
	var s string
	if bytes.IndexByte(data, '\\') < 0 && len(data) >= 2 && data[len(data)-1] == '"' {
		s = string(data[1 : len(data)-1])
	} else if err := json.Unmarshal(data, &s); err != nil {
		return errBadTimestamp
	}
	if s == "" {
		*t = Timestamp{}
		return nil
	}
	if isDigits(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errBadTimestamp
		}
		*t = TimestampFromMillis(ms)
		t.form = formMillisString
		return nil
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = Timestamp{Time: v}
			return nil
		}
	}
	return errBadTimestamp
}

// MarshalJSON encodes the Timestamp in the form it was decoded from (ISO-8601 by default).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	switch t.form {
	case formMillis:
		return strconv.AppendInt(nil, t.UnixMilli(), 10), nil
	case formMillisString:
		b := append([]byte{'"'}, strconv.AppendInt(nil, t.UnixMilli(), 10)...)
		return append(b, '"'), nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, errors.New("creem: timestamp year outside [0,9999]")
	}
	b := append([]byte{'"'}, t.Format(isoLayout)...)
	return append(b, '"'), nil
}

// parseCreemISO parses, without allocating, the quoted form Creem writes almost every
// timestamp in: "2006-01-02T15:04:05.000Z". Anything else is left to the general parser.
func parseCreemISO(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[0] != '"' || b[25] != '"' || b[5] != '-' || b[8] != '-' || b[11] != 'T' ||
		b[14] != ':' || b[17] != ':' || b[20] != '.' || b[24] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(1, 5)
	month, ok2 := num(6, 8)
	day, ok3 := num(9, 11)
	hour, ok4 := num(12, 14)
	minute, ok5 := num(15, 17)
	sec, ok6 := num(18, 20)
	milli, ok7 := num(21, 24)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	v := time.Date(year, time.Month(month), day, hour, minute, sec, milli*int(time.Millisecond), time.UTC)
	if v.Day() != day { // 2024-02-30 and friends: let the general parser reject them
		return time.Time{}, false
	}
	return v, true
}

// parseMillis parses epoch milliseconds written as a JSON number (an integer, or a float such
// as 1.7e12 that is integral).
func parseMillis(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 9.2e18 || f < -9.2e18 {
		return 0, errBadTimestamp
	}
	return int64(f), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Nullable is a field of a PATCH body with three states: unset (omitted from the body, the value
// stays as it is), null (sent as JSON null, the value is cleared) and a value. The zero Nullable is
// unset. Build one with Value or Null.
type Nullable[T any] struct {
	value T
	set   bool
	null  bool
}

// Value returns a Nullable that sends v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{value: v, set: true} }

// Null returns a Nullable that sends JSON null, which clears the field.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true, null: true} }

// IsZero reports whether n is unset; the `omitzero` tag option uses it to leave n out of the body.
func (n Nullable[T]) IsZero() bool { return !n.set }

// IsNull reports whether n sends JSON null.
func (n Nullable[T]) IsNull() bool { return n.set && n.null }

// Get returns the value and whether n holds one (neither unset nor null).
func (n Nullable[T]) Get() (T, bool) { return n.value, n.set && !n.null }

// MarshalJSON encodes the value, or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.set || n.null {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON decodes null as Null and anything else as Value.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}

// unmarshalLenient is json.Unmarshal, except that a whole number written as a float (1900.0,
// 1.9e3) also decodes into an integer field. The spec types most amounts and counts as
// "number"; the SDK keeps whole values as integers (minor units, counts, epoch milliseconds), and
// encoding/json refuses 1900.0 for an int64. Only when decoding fails and the body holds such a
// number is it rewritten (1900.0 becomes 1900) and decoded again, so the common path costs
// nothing. A fractional number for an integer field still fails.
func unmarshalLenient(data []byte, out any) error {
	err := json.Unmarshal(data, out)
	if err == nil {
		return nil
	}
	fixed, changed := wholeNumbers(data)
	if !changed {
		return err
	}
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero() // drop what the failed attempt filled in
	}
	if json.Unmarshal(fixed, out) != nil {
		return err // the original error names the real problem
	}
	return nil
}

// exactWhole reports the value of num, a token that looks like a JSON number, when it is a valid
// JSON number with a fraction or an exponent whose exact decimal value is a whole number of at
// most 2^53 in magnitude: 1900.0, 1.9e3, 19000e-1, -0.0. Anything else (1.5, 1.00000000000000001,
// 1e-400, 01.0, .5) is left to fail where it stands. Exponents beyond ±30 are not worked out.
func exactWhole(num []byte) (int64, bool) {
	s := string(num)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(s, "E")
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if !hasExp && !hasFrac {
		return 0, false // already an integer
	}
	if !isDigits(intPart) || len(intPart) > 1 && intPart[0] == '0' || hasFrac && !isDigits(frac) {
		return 0, false // not JSON's number grammar
	}
	e := 0
	if hasExp {
		exp = strings.TrimPrefix(exp, "+")
		n, err := strconv.Atoi(exp)
		if err != nil || !isDigits(strings.TrimPrefix(exp, "-")) || n > 30 || n < -30 {
			return 0, false
		}
		e = n
	}
	// The value is digits × 10^(e − len(frac)): whole when the digits it would drop are zeros.
	digits := strings.TrimLeft(intPart+frac, "0")
	shift := e - len(frac)
	if shift < 0 {
		cut := len(digits) + shift
		if cut < 0 {
			cut = 0
		}
		if strings.Trim(digits[cut:], "0") != "" {
			return 0, false // a fraction
		}
		digits = digits[:cut]
	} else {
		digits += strings.Repeat("0", shift)
	}
	if digits == "" {
		return 0, true // zero, -0.0 included
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxExactWhole {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// maxExactWhole bounds the values exactWhole rewrites: 2^53, up to which encoding/json's float
// decoding and integers agree.
const maxExactWhole = 1 << 53

// wholeNumbers rewrites the JSON numbers of data that have a fraction or exponent but a whole
// value of at most 2^53 in magnitude (1900.0, 1.9e3, -0.0) in integer form. Strings are left
// alone. It reports whether anything changed.
func wholeNumbers(data []byte) ([]byte, bool) {
	var out []byte
	last := 0 // data[last:] is not copied to out yet
	for i := 0; i < len(data); {
		switch c := data[i]; {
		case c == '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			i++
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(data) && strings.IndexByte("0123456789.eE+-", data[j]) >= 0 {
				j++
			}
			if n, ok := exactWhole(data[i:j]); ok {
				out = append(out, data[last:i]...)
				out = strconv.AppendInt(out, n, 10)
				last = j
			}
			i = j
		default:
			i++
		}
	}
	if out == nil {
		return data, false
	}
	return append(out, data[last:]...), true
}

// unmarshalRef decodes an ID-or-object field: a JSON string fills only *id (and sets *idOnly),
// anything else decodes into a fresh *obj (see decodeFresh), an entity without methods of its
// own. Only the first byte is inspected to tell the two apart. Entities themselves have no UnmarshalJSON: a response or a
// page item is always an object and decodes in one pass; only these fields pay for the choice.
func unmarshalRef[T any](data []byte, id *string, obj *T, idOnly *bool) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) > 0 && data[0] == '"' {
		*obj = *new(T)
		*idOnly = true
		// Creem's IDs are plain ASCII: such a string is its own value, no decoder needed.
		if n := len(data); n >= 2 && data[n-1] == '"' && plainASCII(data[1:n-1]) {
			*id = string(data[1 : n-1])
			return nil
		}
		return json.Unmarshal(data, id)
	}
	*idOnly = false
	return decodeFresh(data, obj)
}

// plainASCII reports whether b is printable ASCII without quotes or backslashes: the bytes of a
// JSON string that decodes to exactly them.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// marshalRef encodes an ID-or-object field in the form it came in: the bare ID, or the object.
func marshalRef[T any](idOnly bool, id string, obj *T) ([]byte, error) {
	if idOnly {
		return json.Marshal(id)
	}
	return json.Marshal(obj)
}

// marshalOneOrMany encodes a field the spec documents as one object (or null) that older docs
// showed as an array: none is null, one is the object, several stay an array.
func marshalOneOrMany[T any](list []T) ([]byte, error) {
	switch len(list) {
	case 0:
		return []byte("null"), nil
	case 1:
		return json.Marshal(&list[0])
	}
	return json.Marshal(list)
}

// unmarshalOneOrMany decodes a field documented as an object in one place and an array in
// another: an object becomes a one-element slice, null an empty one.
func unmarshalOneOrMany[T any](data []byte, dst *[]T) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) > 0 && data[0] == '{' {
		var one T
		if err := decodeFresh(data, &one); err != nil {
			return err
		}
		*dst = []T{one}
		return nil
	}
	if string(bytes.TrimSpace(data)) == "null" {
		*dst = nil
		return nil
	}
	var many []T
	if err := decodeFresh(data, &many); err != nil {
		return err
	}
	*dst = many
	return nil
}
