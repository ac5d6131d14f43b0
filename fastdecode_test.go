package creem

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
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
		`{"ID":"p"}`,              // a case-insensitive match
		`{"id":"a","id":"b"}`,     // a repeated key
		`{"\u0069d":"p"}`,         // an escaped key
		`{"price":1900.0}`,        // a fraction for an integer
		`{"price":"5"}`,           // a string for a number
		`{"id":"p"} x`,            // trailing data
		`{"id":"p"`,               // cut short
		`{"features":[{"id":1}]}`, // a type error deep inside
		`{"created_at":"soon"}`,   // a method's own error
		`{"x":` + deep(600) + `}`, // an unknown value nested too deep
		"{\"name\":\"a\x01\"}",    // a control character
	} {
		w := walker{data: []byte(in), strings: new(stringCache)}
		if err := w.top(reflect.New(reflect.TypeFor[Product]()).Elem()); err != errGiveUp {
			t.Errorf("%.40s: got %v, want errGiveUp", in, err)
		}
	}
	// An escaped value is no reason to give up: json.Unmarshal unquotes just that string.
	var p Product
	w := walker{data: []byte(`{"description":"\ud800"}`), strings: new(stringCache)}
	if err := w.top(reflect.ValueOf(&p).Elem()); err != nil || p.Description != "\ufffd" {
		t.Errorf("an escaped value: %v, %q", err, p.Description)
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

// level is a chain like Refund → CheckoutRef → SubscriptionRef → ProductRef: its "next" field
// has a method of its own that decodes through decodeFresh, as the Refs do.
type level struct {
	Next *levelRef `json:"next"`
	Tail int       `json:"tail"`
}

type levelRef struct{ level }

var levelCalls atomic.Int64

func (r *levelRef) UnmarshalJSON(b []byte) error {
	levelCalls.Add(1)
	return decodeFresh(b, &r.level)
}

// TestFastDecodeGivingUpDoesNotCompound: when every level of a nest makes the walker give up
// (here an escaped key), encoding/json's redo of a level does not walk the levels inside it
// again. Walking them again would double the work per level: 2,046 method calls for 10 levels
// instead of at most 66.
func TestFastDecodeGivingUpDoesNotCompound(t *testing.T) {
	const levels = 10
	doc := `{"\u0074ail":0}`
	for i := 1; i <= levels; i++ {
		doc = fmt.Sprintf(`{"next":%s,"\u0074ail":%d}`, doc, i)
	}
	levelCalls.Store(0)
	var got level
	if err := decodeFresh([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	if n := levelCalls.Load(); n > (levels+1)*(levels+2)/2 {
		t.Errorf("%d method calls for %d levels", n, levels)
	}
	depth := 0
	for l := &got; l.Next != nil; l = &l.Next.level {
		if l.Tail != levels-depth {
			t.Fatalf("level %d has tail %d", depth, l.Tail)
		}
		depth++
	}
	if depth != levels {
		t.Fatalf("decoded %d levels, want %d", depth, levels)
	}
	sameDecoding[level](t, []byte(doc))
	if redoCount.Load() != 0 {
		t.Error("a redo range was left registered")
	}
}

// TestFastDecodeDepthLimit: a recursive type nested past encoding/json's limit gets
// encoding/json's error, not a deeper stack.
func TestFastDecodeDepthLimit(t *testing.T) {
	type node struct {
		Kids []node `json:"kids"`
	}
	doc := strings.Repeat(`{"kids":[`, 10001) + strings.Repeat(`]}`, 10001)
	sameDecoding[node](t, []byte(doc))
	var n node
	if err := decodeFresh([]byte(doc), &n); err == nil {
		t.Fatal("nesting past 10,000 levels decoded")
	}
}

// TestFastDecodeConcurrent: decodes that give up and decodes that do not, on shared and separate
// buffers at once, all get encoding/json's result and leave no redo range behind (run it with
// -race).
func TestFastDecodeConcurrent(t *testing.T) {
	checkout, err := os.ReadFile("testdata/fixtures/checkout.json")
	if err != nil {
		t.Fatal(err)
	}
	nest := []byte(`{"next":{"next":{"\u0074ail":1},"tail":2},"\u0074ail":3}`)
	var wantCheckout Checkout
	var wantNest level
	prev := slowDecodeOnly.Swap(true)
	errC, errN := json.Unmarshal(checkout, &wantCheckout), json.Unmarshal(nest, &wantNest)
	slowDecodeOnly.Store(prev)
	if errC != nil || errN != nil {
		t.Fatal(errC, errN)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := append([]byte(nil), nest...)
			for range 200 {
				var c Checkout
				var n level
				data := nest
				if g%2 == 0 {
					data = own
				}
				if err := decodeFresh(checkout, &c); err != nil || !reflect.DeepEqual(c, wantCheckout) {
					t.Errorf("checkout: %v", err)
					return
				}
				if err := decodeFresh(data, &n); err != nil || !reflect.DeepEqual(n, wantNest) {
					t.Errorf("nest: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if redoCount.Load() != 0 {
		t.Error("a redo range was left registered")
	}
}
