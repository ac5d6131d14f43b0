package creem_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

var updateDecoded = flag.Bool("update-decoded", false, "rewrite testdata/decoded from the fixtures")

// decodedFixtures pairs every response fixture with the type the SDK decodes it into.
var decodedFixtures = map[string]func([]byte) (any, error){
	"affiliates_affiliate.json":         decodeAs[creem.Affiliate],
	"affiliates_commission_list.json":   decodeAs[creem.Page[creem.Commission]],
	"affiliates_invite.json":            decodeAs[creem.AffiliateInvite],
	"affiliates_invite_list.json":       decodeAs[creem.Page[creem.AffiliateInvite]],
	"affiliates_list.json":              decodeAs[creem.Page[creem.Affiliate]],
	"moderation_result.json":            decodeAs[creem.PromptScreening],
	"splits_list.json":                  decodeAs[creem.Page[creem.Split]],
	"splits_split.json":                 decodeAs[creem.Split],
	"credits_account.json":              decodeAs[creem.CreditAccount],
	"credits_account_frozen.json":       decodeAs[creem.CreditAccount],
	"credits_account_list.json":         decodeAs[creem.CursorPage[creem.CreditAccount]],
	"credits_balance.json":              decodeAs[creem.CreditBalance],
	"credits_balance_at.json":           decodeAs[creem.CreditBalance],
	"credits_entry_list.json":           decodeAs[creem.CursorPage[creem.CreditEntry]],
	"credits_transaction.json":          decodeAs[creem.CreditTransaction],
	"credits_transaction_big.json":      decodeAs[creem.CreditTransaction],
	"credits_transaction_list.json":     decodeAs[creem.CursorPage[creem.CreditTransaction]],
	"credits_transaction_reversal.json": decodeAs[creem.CreditTransaction],
	"credits_transaction_transfer.json": decodeAs[creem.CreditTransaction],
	"meter.json":                        decodeAs[creem.Meter],
	"meter_archived.json":               decodeAs[creem.Meter],
	"meter_consumed.json":               decodeAs[creem.MeterConsumedUnits],
	"meter_consumed_at.json":            decodeAs[creem.MeterConsumedUnits],
	"meter_list.json":                   decodeAs[creem.CursorPage[creem.Meter]],
	"meter_preview.json":                decodeAs[creem.MeterPreview],
	"usage_event_list.json":             decodeAs[creem.CursorPage[creem.UsageEvent]],
	"usage_ingest.json":                 decodeAs[creem.IngestResult],
	"usage_preview.json":                decodeAs[creem.UsagePreview],
	"checkout.json":                     decodeAs[creem.Checkout],
	"checkout_pending.json":             decodeAs[creem.Checkout],
	"customer.json":                     decodeAs[creem.Customer],
	"customer_links.json":               decodeAs[creem.CustomerLinks],
	"customer_list.json":                decodeAs[creem.Page[creem.Customer]],
	"discount.json":                     decodeAs[creem.Discount],
	"discount_list.json":                decodeAs[creem.Page[creem.Discount]],
	"license.json":                      decodeAs[creem.License],
	"license_docs_array.json":           decodeAs[creem.License],
	"license_instance_list.json":        decodeAs[creem.Page[creem.LicenseInstance]],
	"license_list.json":                 decodeAs[creem.Page[creem.License]],
	"order_list.json":                   decodeAs[creem.Page[creem.Order]],
	"product.json":                      decodeAs[creem.Product],
	"product_list.json":                 decodeAs[creem.Page[creem.Product]],
	"refund_result.json":                decodeAs[creem.RefundResult],
	"stats.json":                        decodeAs[creem.StatsSummary],
	"subscription.json":                 decodeAs[creem.Subscription],
	"subscription_list.json":            decodeAs[creem.Page[creem.Subscription]],
	"transaction.json":                  decodeAs[creem.Transaction],
	"transaction_list.json":             decodeAs[creem.Page[creem.Transaction]],
}

func decodeAs[T any](data []byte) (any, error) {
	out := new(T)
	err := json.Unmarshal(data, out)
	return out, err
}

// encoding/json runs on one of two engines: its own (v1) and, built with GOEXPERIMENT=jsonv2,
// the json/v2 one. Every fixture must decode to exactly the same values on both: the decoded
// value is dumped field by field (unexported ones included, such as the form a Timestamp came
// in) and compared with a dump in testdata/decoded that both builds share. CI runs the tests
// under both engines.
func TestDecodingIsTheSameOnBothJSONEngines(t *testing.T) {
	var names []string
	for name := range decodedFixtures {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := decodedFixtures[name](fixture(t, name))
		require.NoError(t, err, name)
		got := dump(reflect.ValueOf(v))
		path := filepath.Join("testdata", "decoded", strings.TrimSuffix(name, ".json")+".txt")
		if *updateDecoded {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "go test -run TestDecodingIsTheSameOnBothJSONEngines -update-decoded")
		assert.Equal(t, string(want), got, "%s decodes differently", name)
	}
	// Every fixture is covered.
	entries, err := os.ReadDir(filepath.Join("testdata", "fixtures"))
	require.NoError(t, err)
	for _, e := range entries {
		if _, ok := decodedFixtures[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".json") {
			t.Errorf("fixture %s has no entry in decodedFixtures", e.Name())
		}
	}
}

// The dump sees what matters: a changed value, a nil pointer becoming an empty one, and a
// Timestamp's form all change it.
func TestDumpTellsValuesApart(t *testing.T) {
	var a, b creem.Checkout
	require.NoError(t, json.Unmarshal([]byte(`{"id":"ch_1","product":"prod_1","units":2}`), &a))
	require.NoError(t, json.Unmarshal([]byte(`{"id":"ch_1","product":{"id":"prod_1"},"units":2}`), &b))
	assert.NotEqual(t, dump(reflect.ValueOf(a)), dump(reflect.ValueOf(b)), "bare ID and object")
	var x, y creem.Transaction
	require.NoError(t, json.Unmarshal([]byte(`{"created_at":1728734327355}`), &x))
	require.NoError(t, json.Unmarshal([]byte(`{"created_at":"1728734327355"}`), &y))
	assert.Equal(t, x.CreatedAt.UnixMilli(), y.CreatedAt.UnixMilli())
	assert.NotEqual(t, dump(reflect.ValueOf(x)), dump(reflect.ValueOf(y)), "a number and a string of digits")
	assert.NotEqual(t, dump(reflect.ValueOf(&creem.Customer{})), dump(reflect.ValueOf(&creem.Customer{Name: creem.Ptr("")})))
}

// dump renders v deterministically: pointers followed, map keys sorted, floats exact.
func dump(v reflect.Value) string {
	var b strings.Builder
	dumpInto(&b, v, "")
	return b.String()
}

func dumpInto(b *strings.Builder, v reflect.Value, indent string) {
	if !v.IsValid() {
		b.WriteString("<invalid>")
		return
	}
	if v.Type() == reflect.TypeFor[time.Time]() && v.CanInterface() {
		t := v.Interface().(time.Time)
		fmt.Fprintf(b, "time(%s %s)", t.Format(time.RFC3339Nano), t.Location())
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		if v.Kind() == reflect.Pointer {
			b.WriteByte('&')
		}
		dumpInto(b, v.Elem(), indent)
	case reflect.Struct:
		fmt.Fprintf(b, "%s{\n", v.Type())
		for i := 0; i < v.NumField(); i++ {
			b.WriteString(indent + "  " + v.Type().Field(i).Name + ": ")
			dumpInto(b, v.Field(i), indent+"  ")
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("nil")
			return
		}
		fmt.Fprintf(b, "%s[\n", v.Type())
		for i := 0; i < v.Len(); i++ {
			b.WriteString(indent + "  ")
			dumpInto(b, v.Index(i), indent+"  ")
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		fmt.Fprintf(b, "%s{\n", v.Type())
		for _, k := range keys {
			fmt.Fprintf(b, "%s  %q: ", indent, fmt.Sprint(k))
			dumpInto(b, v.MapIndex(k), indent+"  ")
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(b, "%s(%#x)", v.Type(), math.Float64bits(v.Float()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(b, "%s(%d)", v.Type(), v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		fmt.Fprintf(b, "%s(%d)", v.Type(), v.Uint())
	case reflect.Bool:
		fmt.Fprintf(b, "%t", v.Bool())
	default:
		fmt.Fprintf(b, "<%s>", v.Kind())
	}
}
