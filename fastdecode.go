package creem

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The fields Creem sends as an object or a bare ID (ProductRef, …) and the two fields documented
// in two shapes (CheckoutFeatures, LicenseInstances) need their own UnmarshalJSON. encoding/json
// (v1) hands such a method its value only after scanning it to find its end, and a nested
// json.Unmarshal scans it twice more (validate, then decode), so each expanded object was read
// three times. decodeFresh decodes the object those methods receive in one pass instead.
//
// It handles the common, plain subset of JSON for the SDK's own model types and gives up on
// anything else: an escaped or non-ASCII key, a key that matches a field only case-insensitively,
// a repeated key, a value of the wrong type, an overflowing number, malformed input, a type it
// has no plan for. Giving up is not an error: the value is reset and decoded by encoding/json,
// so the result, including every error, is encoding/json's. Values whose types have their own
// methods (Timestamp, nested Refs) get their method, maps and interfaces get json.Unmarshal, and
// strings with escapes are unquoted by json.Unmarshal. FuzzFastDecodeMatchesEncodingJSON checks
// that both paths agree on any input.
//
// Giving up costs at most a second decode of that object: the nested fields encoding/json then
// decodes again are not walked again (see redoing), and nesting deeper than maxFastDepth is left
// to encoding/json and its limit.

// errGiveUp means the value is outside what decodeFresh handles; encoding/json decodes it.
var errGiveUp = errors.New("creem: outside the fast decoder's subset")

// slowDecodeOnly turns decodeFresh off, for the tests that compare it with encoding/json.
var slowDecodeOnly atomic.Bool

// decodeFresh sets *dst to a fresh value decoded from data, with the result and the error that
// json.Unmarshal(data, dst) gives for a zero *dst.
func decodeFresh[T any](data []byte, dst *T) error {
	*dst = *new(T)
	if !slowDecodeOnly.Load() && !inRedo(data) {
		c := stringCaches.Get().(*stringCache)
		w := walker{data: data, strings: c}
		err := w.top(reflect.ValueOf(dst).Elem())
		stringCaches.Put(c)
		if err == nil {
			return nil
		}
		*dst = *new(T)
		defer redoing(data)()
	}
	return json.Unmarshal(data, dst)
}

// While encoding/json decodes an object the walker gave up on, it calls the methods of the
// two-shape fields inside it again, on bytes the walker has already been through. Those calls go
// straight to encoding/json: walking them again would double the work at every level of
// nesting. The bytes are told by their address, which stays put while they are being decoded;
// a false match (the same buffer decoded by another goroutine meanwhile) only costs speed,
// since both paths give the same result.
var (
	redoCount   atomic.Int32 // len(redoRanges), read without the lock
	redoMu      sync.Mutex
	redoRanges  []addrRange
	emptyRedoFn = func() {}
)

type addrRange struct{ start, end uintptr }

func addrOf(b []byte) addrRange {
	p := reflect.ValueOf(b).Pointer()
	return addrRange{p, p + uintptr(len(b))}
}

// redoing marks data as being decoded by encoding/json until the returned func is called.
func redoing(data []byte) func() {
	if len(data) == 0 {
		return emptyRedoFn
	}
	r := addrOf(data)
	redoMu.Lock()
	redoRanges = append(redoRanges, r)
	redoCount.Store(int32(len(redoRanges)))
	redoMu.Unlock()
	return func() {
		redoMu.Lock()
		for i := len(redoRanges) - 1; i >= 0; i-- {
			if redoRanges[i] == r {
				redoRanges = append(redoRanges[:i], redoRanges[i+1:]...)
				break
			}
		}
		redoCount.Store(int32(len(redoRanges)))
		redoMu.Unlock()
	}
}

// inRedo reports whether data lies within bytes encoding/json is decoding after a give-up.
func inRedo(data []byte) bool {
	if redoCount.Load() == 0 || len(data) == 0 {
		return false
	}
	r := addrOf(data)
	redoMu.Lock()
	defer redoMu.Unlock()
	for _, o := range redoRanges {
		if o.start <= r.start && r.end <= o.end {
			return true
		}
	}
	return false
}

// stringCache hands out one string for each short value seen again (modes, statuses, currencies,
// object names, which repeat in every response) instead of allocating it anew, as encoding/json's
// v2 engine does. It is a fixed table, so no input can grow it.
type stringCache [256]string

var stringCaches = sync.Pool{New: func() any { return new(stringCache) }}

// make returns string(b), from the cache when it holds it.
func (c *stringCache) make(b []byte) string {
	if len(b) == 0 || len(b) > 16 {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, x := range b {
		h = (h ^ uint32(x)) * 16777619
	}
	e := &c[h%uint32(len(c))]
	if *e == string(b) {
		return *e
	}
	*e = string(b)
	return *e
}

// kind is how a plan decodes a value.
type kind uint8

const (
	kDelegate kind = iota // json.Unmarshal of the value's bytes
	kMethod               // the type's own UnmarshalJSON
	kString
	kBool
	kInt
	kUint
	kFloat
	kPointer
	kStruct
	kSlice
)

// plan says how to decode into one Go type.
type plan struct {
	kind   kind
	bits   int   // kInt, kUint, kFloat
	elem   *plan // kPointer, kSlice
	fields []fieldPlan
	byName map[string]int      // exact JSON names to fields
	folded map[string]struct{} // names in ASCII lower case, to notice case-insensitive matches
}

type fieldPlan struct {
	index int
	plan  *plan
}

var (
	plans               = sync.Map{} // reflect.Type → *plan
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	maxFastFields       = 128 // the seen-set of a struct is two words
	maxFastDepth        = 512 // deeper values go to encoding/json, which refuses past 10,000
	numberType          = reflect.TypeFor[json.Number]()
)

// planFor returns the plan for t, building and caching it on first use.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	building := map[reflect.Type]*plan{}
	p := buildPlan(t, building)
	for typ, bp := range building {
		plans.LoadOrStore(typ, bp)
	}
	return p
}

func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := building[t]; ok {
		return p // a recursive type: the plan is being filled in
	}
	p := &plan{}
	building[t] = p
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(unmarshalerType):
		p.kind = kMethod
		return p
	case pt.Implements(textUnmarshalerType), t == numberType:
		return p // kDelegate
	}
	switch t.Kind() {
	case reflect.String:
		p.kind = kString
	case reflect.Bool:
		p.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind, p.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.kind, p.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		p.kind, p.bits = kFloat, t.Bits()
	case reflect.Pointer:
		// A pointer type with methods of its own, or a pointer to a pointer, is left to
		// encoding/json, which looks for methods at every level.
		if t.Name() == "" && t.Elem().Kind() != reflect.Pointer {
			p.kind, p.elem = kPointer, buildPlan(t.Elem(), building)
		}
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte is base64
			p.kind, p.elem = kSlice, buildPlan(t.Elem(), building)
		}
	case reflect.Struct:
		buildStructPlan(p, t, building)
	}
	return p
}

// buildStructPlan fills p for the struct type t, or leaves it kDelegate when t uses anything
// the walker does not reproduce: embedded fields, the ",string" option, unusual or clashing
// names, too many fields.
func buildStructPlan(p *plan, t reflect.Type, building map[reflect.Type]*plan) {
	if t.NumField() > maxFastFields {
		return
	}
	byName := map[string]int{}
	folded := map[string]struct{}{}
	var fields []fieldPlan
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts := tag, ""
		for j := 0; j < len(tag); j++ {
			if tag[j] == ',' {
				name, opts = tag[:j], tag[j+1:]
				break
			}
		}
		if opts != "" && opts != "omitempty" && opts != "omitzero" {
			return
		}
		if name == "" {
			name = f.Name
		}
		if !plainName(name) {
			return
		}
		low := asciiLower(name)
		if _, dup := folded[low]; dup {
			return
		}
		folded[low] = struct{}{}
		byName[name] = len(fields)
		fields = append(fields, fieldPlan{index: i})
	}
	// Plans of the field types are built after this one is complete enough to be reused by a
	// recursive reference.
	p.kind, p.byName, p.folded = kStruct, byName, folded
	p.fields = fields
	for j := range fields {
		p.fields[j].plan = buildPlan(t.Field(fields[j].index).Type, building)
	}
}

// plainName reports whether a JSON name is letters, digits and underscores: the names the models
// use, which encoding/json takes as written.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// walker decodes data from position i.
type walker struct {
	data    []byte
	i       int
	depth   int // objects and arrays open around w.i
	strings *stringCache
}

// top decodes the whole of data, which must be one value, into v.
func (w *walker) top(v reflect.Value) error {
	w.space()
	if err := w.value(v, planFor(v.Type())); err != nil {
		return err
	}
	w.space()
	if w.i != len(w.data) {
		return errGiveUp
	}
	return nil
}

func (w *walker) space() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// value decodes the value at w.i into v, which is addressable and holds its zero value.
func (w *walker) value(v reflect.Value, p *plan) error {
	if w.i >= len(w.data) {
		return errGiveUp
	}
	c := w.data[w.i]
	switch p.kind {
	case kMethod, kDelegate:
		start := w.i
		if err := w.skip(0); err != nil {
			return err
		}
		raw := w.data[start:w.i]
		var err error
		if p.kind == kMethod {
			err = v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		} else {
			err = json.Unmarshal(raw, v.Addr().Interface())
		}
		if err != nil {
			return errGiveUp // encoding/json reports it, at the right offset
		}
		return nil
	case kString:
		if c == 'n' {
			return w.literal("null")
		}
		if c != '"' {
			return errGiveUp
		}
		s, plain, err := w.str()
		if err != nil {
			return err
		}
		if !plain { // escapes or invalid UTF-8: encoding/json unquotes it
			if json.Unmarshal(s, v.Addr().Interface()) != nil {
				return errGiveUp
			}
			return nil
		}
		v.SetString(w.strings.make(s[1 : len(s)-1]))
		return nil
	case kBool:
		switch c {
		case 't':
			if err := w.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
			return nil
		case 'f':
			return w.literal("false")
		case 'n':
			return w.literal("null")
		}
		return errGiveUp
	case kInt, kUint, kFloat:
		if c == 'n' {
			return w.literal("null")
		}
		num, integer, err := w.number()
		if err != nil {
			return err
		}
		return setNumber(v, p, num, integer)
	case kPointer:
		if c == 'n' {
			return w.literal("null")
		}
		e := reflect.New(v.Type().Elem())
		if err := w.value(e.Elem(), p.elem); err != nil {
			return err
		}
		v.Set(e)
		return nil
	case kStruct, kSlice:
		if c == 'n' {
			return w.literal("null")
		}
		// A recursive model type could nest without end; encoding/json has the limit.
		if w.depth >= maxFastDepth {
			return errGiveUp
		}
		w.depth++
		err := errGiveUp
		if p.kind == kStruct && c == '{' {
			err = w.object(v, p)
		} else if p.kind == kSlice && c == '[' {
			err = w.array(v, p.elem)
		}
		w.depth--
		return err
	}
	return errGiveUp
}

// setNumber stores a number literal the way encoding/json does, or gives up where encoding/json
// would report an error (a fraction for an integer, an overflow, a negative unsigned).
func setNumber(v reflect.Value, p *plan, num []byte, integer bool) error {
	switch p.kind {
	case kInt:
		if !integer {
			return errGiveUp
		}
		n, err := strconv.ParseInt(string(num), 10, p.bits)
		if err != nil {
			return errGiveUp
		}
		v.SetInt(n)
	case kUint:
		if !integer {
			return errGiveUp
		}
		n, err := strconv.ParseUint(string(num), 10, p.bits)
		if err != nil {
			return errGiveUp
		}
		v.SetUint(n)
	default:
		f, err := strconv.ParseFloat(string(num), p.bits)
		if err != nil {
			return errGiveUp
		}
		v.SetFloat(f)
	}
	return nil
}

// object decodes a JSON object into the struct v.
func (w *walker) object(v reflect.Value, p *plan) error {
	w.i++ // '{'
	w.space()
	if w.i < len(w.data) && w.data[w.i] == '}' {
		w.i++
		return nil
	}
	var seen [2]uint64
	for {
		key, plain, err := w.key()
		if err != nil || !plain {
			return errGiveUp
		}
		if j, ok := p.byName[string(key)]; ok {
			if seen[j/64]&(1<<(j%64)) != 0 {
				return errGiveUp // encoding/json merges repeats; leave that to it
			}
			seen[j/64] |= 1 << (j % 64)
			f := p.fields[j]
			if err := w.value(v.Field(f.index), f.plan); err != nil {
				return err
			}
		} else {
			if foldedMatch(p, key) || !asciiOnly(key) {
				return errGiveUp // a case-insensitive match: encoding/json's rules apply
			}
			if err := w.skip(0); err != nil {
				return err
			}
		}
		if more, err := w.more('}'); !more {
			return err
		}
	}
}

// foldedMatch reports whether key names a field of p when case is ignored.
func foldedMatch(p *plan, key []byte) bool {
	var buf [64]byte
	if len(key) > len(buf) {
		_, ok := p.folded[asciiLower(string(key))]
		return ok
	}
	low := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	_, ok := p.folded[string(low)]
	return ok
}

func asciiOnly(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// array decodes a JSON array into the slice v, whose elements have the plan elem.
func (w *walker) array(v reflect.Value, elem *plan) error {
	w.i++ // '['
	w.space()
	if w.i < len(w.data) && w.data[w.i] == ']' {
		w.i++
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		return nil
	}
	n := 0
	for {
		if n >= v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		if err := w.value(v.Index(n), elem); err != nil {
			return err
		}
		n++
		if more, err := w.more(']'); !more {
			return err
		}
	}
}

// key reads an object member's name and the colon after it, and returns the name without its
// quotes; plain is as for str.
func (w *walker) key() (name []byte, plain bool, err error) {
	name, plain, err = w.str()
	if err != nil {
		return nil, false, err
	}
	w.space()
	if w.i >= len(w.data) || w.data[w.i] != ':' {
		return nil, false, errGiveUp
	}
	w.i++
	w.space()
	return name[1 : len(name)-1], plain, nil
}

// more reads what follows a member or an element: a comma (more is true) or the closing end
// byte of the object or array (more is false, err nil).
func (w *walker) more(end byte) (more bool, err error) {
	w.space()
	if w.i >= len(w.data) {
		return false, errGiveUp
	}
	switch w.data[w.i] {
	case ',':
		w.i++
		w.space()
		return true, nil
	case end:
		w.i++
		return false, nil
	}
	return false, errGiveUp
}

// str reads a JSON string at w.i and returns it with its quotes. plain reports that its bytes
// are its value: no escapes and valid UTF-8.
func (w *walker) str() (s []byte, plain bool, err error) {
	if w.i >= len(w.data) || w.data[w.i] != '"' {
		return nil, false, errGiveUp
	}
	start := w.i
	w.i++
	plain, ascii := true, true
	for w.i < len(w.data) {
		c := w.data[w.i]
		switch {
		case c == '"':
			w.i++
			s = w.data[start:w.i]
			if !ascii && !utf8.Valid(s) {
				plain = false
			}
			return s, plain, nil
		case c == '\\':
			plain = false
			w.i++
			if w.i >= len(w.data) {
				return nil, false, errGiveUp
			}
			switch w.data[w.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				w.i++
			case 'u':
				if w.i+4 >= len(w.data) {
					return nil, false, errGiveUp
				}
				for _, h := range w.data[w.i+1 : w.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return nil, false, errGiveUp
					}
				}
				w.i += 5
			default:
				return nil, false, errGiveUp
			}
		case c < 0x20:
			return nil, false, errGiveUp
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			w.i++
		}
	}
	return nil, false, errGiveUp
}

// number reads a JSON number at w.i; integer reports that it has no fraction or exponent.
func (w *walker) number() (num []byte, integer bool, err error) {
	d, start := w.data, w.i
	i := w.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return nil, false, errGiveUp
	}
	integer = true
	if i < len(d) && d[i] == '.' {
		integer = false
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false, errGiveUp
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		integer = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false, errGiveUp
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	w.i = i
	return d[start:i], integer, nil
}

// literal reads the literal lit (true, false or null) at w.i.
func (w *walker) literal(lit string) error {
	if len(w.data)-w.i < len(lit) || string(w.data[w.i:w.i+len(lit)]) != lit {
		return errGiveUp
	}
	w.i += len(lit)
	return nil
}

// skip reads one JSON value at w.i, checking its grammar, without decoding it.
func (w *walker) skip(depth int) error {
	if w.depth+depth > maxFastDepth || w.i >= len(w.data) {
		return errGiveUp
	}
	switch c := w.data[w.i]; {
	case c == '"':
		_, _, err := w.str()
		return err
	case c == 't':
		return w.literal("true")
	case c == 'f':
		return w.literal("false")
	case c == 'n':
		return w.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, _, err := w.number()
		return err
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		w.i++
		w.space()
		if w.i < len(w.data) && w.data[w.i] == end {
			w.i++
			return nil
		}
		for {
			if c == '{' {
				if _, _, err := w.key(); err != nil {
					return err
				}
			}
			if err := w.skip(depth + 1); err != nil {
				return err
			}
			if more, err := w.more(end); !more {
				return err
			}
		}
	}
	return errGiveUp
}
