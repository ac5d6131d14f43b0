package creem

import (
	"os"
	"reflect"
	"testing"
)

// TestFastDecodeTakesTheFixtures: the one-pass decoder decodes every fixture entity that can sit
// in a two-shape field by itself, without handing it to encoding/json; a model change that made
// it give up would quietly bring back the triple scan.
func TestFastDecodeTakesTheFixtures(t *testing.T) {
	for file, typ := range map[string]reflect.Type{
		"checkout.json":           reflect.TypeFor[Checkout](),
		"checkout_pending.json":   reflect.TypeFor[Checkout](),
		"product.json":            reflect.TypeFor[Product](),
		"customer.json":           reflect.TypeFor[Customer](),
		"subscription.json":       reflect.TypeFor[Subscription](),
		"license.json":            reflect.TypeFor[License](),
		"license_docs_array.json": reflect.TypeFor[License](),
	} {
		data, err := os.ReadFile("testdata/fixtures/" + file)
		if err != nil {
			t.Fatal(err)
		}
		w := walker{data: data, strings: new(stringCache)}
		if err := w.top(reflect.New(typ).Elem()); err != nil {
			t.Errorf("%s into %v: %v", file, typ, err)
		}
	}
}

// TestFastDecodeGivesUp: inputs whose meaning depends on encoding/json's rules are left to it.
func TestFastDecodeGivesUp(t *testing.T) {
	for _, in := range []string{
		`{"ID":"p"}`,               // a case-insensitive match
		`{"id":"a","id":"b"}`,      // a repeated key
		`{"\u0069d":"p"}`,          // an escaped key
		`{"price":1900.0}`,         // a fraction for an integer
		`{"price":"5"}`,            // a string for a number
		`{"id":"p"} x`,             // trailing data
		`{"id":"p"`,                // cut short
		`{"features":[{"id":1}]}`,  // a type error deep inside
		`{"created_at":"soon"}`,    // a method's own error
		`{"x":` + deep(600) + `}`,  // an unknown value nested too deep
		"{\"name\":\"a\x01\"}",     // a control character
		`{"description":"\ud800"}`, // escapes are still decoded, by encoding/json; see below
	} {
		w := walker{data: []byte(in), strings: new(stringCache)}
		err := w.top(reflect.New(reflect.TypeFor[Product]()).Elem())
		if in == `{"description":"\ud800"}` {
			if err != nil {
				t.Errorf("%s: the key is plain, only the value is unquoted by encoding/json: %v", in, err)
			}
			continue
		}
		if err != errGiveUp {
			t.Errorf("%.40s: got %v, want errGiveUp", in, err)
		}
	}
}

func deep(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, '[')
	}
	for range n {
		b = append(b, ']')
	}
	return string(b)
}
