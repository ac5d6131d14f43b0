package creem_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

func TestDecodeProductFixture(t *testing.T) {
	p := decodeStrict[creem.Product](t, fixture(t, "product.json"))
	assert.Equal(t, "prod_6tW66i0oZM7w1qXReHJrwg", p.ID)
	assert.Equal(t, creem.ModeTest, p.Mode)
	assert.Equal(t, "product", p.Object)
	assert.Equal(t, []string{"https://cdn.example.com/pro.png", "https://cdn.example.com/pro-2.png"}, p.ImageURLs)
	require.Len(t, p.Features, 2)
	assert.Equal(t, creem.FeatureTypeCustomerCredits, p.Features[0].Type)
	assert.Equal(t, "10000", p.Features[0].CustomerCredits.Amount)
	assert.Equal(t, "ai-tokens", *p.Features[0].CustomerCredits.BucketName)
	assert.Nil(t, p.Features[1].CustomerCredits)
	require.Len(t, p.UsagePrices, 1)
	assert.Equal(t, creem.UsagePrice{
		ID: "uprice_4vB3nM", MeterID: "meter_2kL9pQ", UnitPrice: 0.25, FreeAllowance: 1000, Cap: creem.Int64(50000),
		SettlementMode: creem.SettlementModePostpaid, TargetAccount: creem.TargetAccountShared, TrialUsageMode: creem.TrialUsageModeFree,
	}, p.UsagePrices[0])
	assert.Equal(t, int64(2900), p.Price)
	assert.Equal(t, creem.CurrencyUSD, p.Currency)
	assert.Equal(t, creem.BillingTypeRecurring, p.BillingType)
	assert.Equal(t, creem.BillingPeriodCustom, p.BillingPeriod)
	assert.Equal(t, creem.RecurringIntervalMonth, *p.RecurringInterval)
	assert.Equal(t, 3, *p.RecurringIntervalCount)
	assert.Equal(t, 14, *p.TrialPeriodDays)
	assert.Equal(t, int64(100), *p.TrialPrice)
	assert.Equal(t, creem.TaxModeExclusive, p.TaxMode)
	assert.Equal(t, creem.TaxCategorySaaS, p.TaxCategory)
	assert.Equal(t, "https://shop.example.com/thanks", *p.DefaultSuccessURL)
	require.Len(t, p.CustomFields, 1)
	assert.Equal(t, 200, *p.CustomFields[0].Text.MaxLength)
	assert.Equal(t, 2, *p.CustomFields[0].Text.MinimumLength)
	assert.Nil(t, p.CustomFields[0].Text.Value)
	assert.True(t, p.CreatedAt.Equal(time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)))
	assert.True(t, p.UpdatedAt.Equal(time.Date(2026, 2, 1, 12, 0, 0, 123e6, time.UTC)))
}

func TestDecodeCheckoutFixture(t *testing.T) {
	ch := decodeStrict[creem.Checkout](t, fixture(t, "checkout.json"))
	assert.Equal(t, "order-2026-0042", ch.RequestID)
	assert.Equal(t, 2, ch.Units)
	assert.Equal(t, int64(1500), *ch.CustomPrice)

	o := ch.Order
	require.NotNil(t, o)
	assert.Equal(t, "cust_1OcIK1GEuVvXZwD19tjq2z", *o.Customer)
	assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", o.Product)
	assert.Equal(t, []int64{3000, 3000, 630, 300, 3330, 3330}, []int64{o.Amount, o.SubTotal, o.TaxAmount, o.DiscountAmount, o.AmountDue, o.AmountPaid})
	assert.Equal(t, int64(3610), *o.FxAmount)
	assert.Equal(t, creem.CurrencyUSD, *o.FxCurrency)
	assert.InDelta(t, 1.084, *o.FxRate, 1e-9)
	assert.Equal(t, creem.OrderStatusPaid, o.Status)
	assert.Equal(t, creem.OrderTypeRecurring, o.Type)
	assert.Nil(t, o.Affiliate)

	s := ch.Subscription
	require.NotNil(t, s)
	assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", s.Product.ID)
	assert.Equal(t, "cust_1OcIK1GEuVvXZwD19tjq2z", s.Customer.ID)
	require.Len(t, s.Items, 1)
	assert.Equal(t, 2, *s.Items[0].Units)
	assert.Equal(t, creem.SubscriptionStatusActive, s.Status)
	assert.Equal(t, creem.CollectionMethodChargeAutomatically, s.CollectionMethod)
	require.NotNil(t, s.LastTransaction)
	assert.Equal(t, creem.TransactionStatusPaid, s.LastTransaction.Status)
	assert.Equal(t, int64(1728734327355), s.LastTransaction.CreatedAt.UnixMilli())
	assert.True(t, s.LastTransaction.CreatedAt.IsMillis())
	assert.Equal(t, int64(1731412718000), s.LastTransaction.PeriodEnd.UnixMilli())
	assert.Nil(t, s.LastTransaction.RefundedAmount)
	assert.Equal(t, "NL", *s.LastTransaction.TaxCountry)
	assert.Nil(t, s.CanceledAt)
	assert.Equal(t, 2024, s.NextTransactionDate.Year())
	assert.Equal(t, &creem.AppliedDiscount{ID: "dis_3e6Z6TzvHKdsjEgXnGDEp0", DiscountCode: "LAUNCH10", Name: "Launch",
		Type: creem.DiscountTypePercentage, Amount: 10, Duration: creem.DiscountDurationRepeating, DurationInMonths: 3}, s.Discount)
	assert.Equal(t, creem.Metadata{"internal_customer_id": "u_981"}, s.Metadata)

	c := ch.Customer
	require.NotNil(t, c)
	assert.Equal(t, "buyer@example.com", c.Email)
	assert.Equal(t, "Tester Test", *c.Name)
	assert.Equal(t, "u_981", *c.ExternalID)

	require.Len(t, ch.CustomFields, 1)
	assert.True(t, *ch.CustomFields[0].Checkbox.Value)
	require.Len(t, ch.LicenseKeys, 1)
	lk := ch.LicenseKeys[0]
	assert.Equal(t, "ABC12-DEF34-GHI56", lk.Key)
	assert.Equal(t, 3, *lk.ActivationLimit)
	assert.Nil(t, lk.ExpiresAt)
	require.Len(t, lk.Instances, 1)
	assert.Equal(t, creem.LicenseInstanceStatusActive, lk.Instances[0].Status)

	require.Len(t, ch.Feature, 1)
	require.NotNil(t, ch.Feature[0].File)
	assert.Equal(t, creem.FeatureFile{ID: "file_1", FileName: "book.pdf", URL: "https://files.example.com/book.pdf", Type: "application/pdf", Size: 1048576}, ch.Feature[0].File.Files[0])
	assert.Equal(t, creem.Metadata{"userId": "user_123", "visitCount": float64(42)}, ch.Metadata)
	assert.Equal(t, "LAUNCH10", ch.Discount.DiscountCode)
}

func TestDecodeProductListFixture(t *testing.T) {
	page := decodeStrict[creem.Page[creem.Product]](t, fixture(t, "product_list.json"))
	require.Len(t, page.Items, 2)
	assert.Nil(t, page.Items[0].DefaultSuccessURL)
	assert.Equal(t, 6, page.Pagination.TotalPages)
}

// The strict decoder is itself tested: a field the Go type lacks must be reported.
func TestDecodeStrictReportsUnknownFields(t *testing.T) {
	var raw any = map[string]any{"id": "ch_1", "product": map[string]any{"id": "p", "brand_new_field": 1}}
	assert.Equal(t, []string{"$.product.brand_new_field (on ProductRef)"}, unknownFields("$", raw, reflect.TypeFor[creem.Checkout]()))
}

// Entities decode in one pass: none has an UnmarshalJSON of its own (a re-entrant one made
// encoding/json scan every response object about three times). Only the fields that Creem sends
// as an ID or an object have one, on their Ref type.
func TestEntitiesHaveNoUnmarshalMethod(t *testing.T) {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[creem.Product](), reflect.TypeFor[creem.Checkout](), reflect.TypeFor[creem.Order](),
		reflect.TypeFor[creem.Customer](), reflect.TypeFor[creem.Subscription](), reflect.TypeFor[creem.Transaction](),
		reflect.TypeFor[creem.Refund](), reflect.TypeFor[creem.Dispute](), reflect.TypeFor[creem.License](),
		reflect.TypeFor[creem.Discount](), reflect.TypeFor[creem.Page[creem.Product]](),
	} {
		assert.False(t, reflect.PointerTo(typ).Implements(unmarshaler), "%s has an UnmarshalJSON", typ)
	}
}

// A Ref keeps the form it came in: re-encoding a decoded entity gives the same shape.
func TestRefsKeepTheirForm(t *testing.T) {
	var ch creem.Checkout
	require.NoError(t, json.Unmarshal([]byte(`{"id":"ch_1","product":"prod_1","customer":{"id":"cust_1","email":"a@example.com"},"subscription":null}`), &ch))
	require.NotNil(t, ch.Product)
	assert.Equal(t, "prod_1", ch.Product.ID)
	assert.True(t, ch.Product.IDOnly())
	assert.False(t, ch.Customer.IDOnly())
	assert.Equal(t, "a@example.com", ch.Customer.Email)
	assert.Nil(t, ch.Subscription)

	out, err := json.Marshal(&ch)
	require.NoError(t, err)
	var shape map[string]any
	require.NoError(t, json.Unmarshal(out, &shape))
	assert.Equal(t, "prod_1", shape["product"], "a bare ID encodes back as a bare ID")
	assert.Equal(t, "cust_1", shape["customer"].(map[string]any)["id"], "an object stays an object")

	// Decoding a string over an object leaves nothing of the object behind.
	require.NoError(t, json.Unmarshal([]byte(`{"customer":"cust_2"}`), &ch))
	assert.Equal(t, "cust_2", ch.Customer.ID)
	assert.Empty(t, ch.Customer.Email)
}

// The spec types amounts and counts as "number"; whole values written as floats still decode
// into the SDK's integer fields, through every decoding path of the SDK.
func TestWholeNumbersWrittenAsFloatsDecode(t *testing.T) {
	body := []byte(`{"id":"ord_1","amount":1900.0,"sub_total":1.9e3,"tax_amount":0.0,"discount_amount":-0.0,"amount_due":1900,` +
		`"fx_rate":1.084,"fx_amount":3610.00,"created_at":"2026-01-01T00:00:00.000Z","currency":"EUR","status":"paid 1.5e3"}`)
	srv, _ := newServer(t, serveJSON(http.StatusOK, []byte(`{"items":[`+string(body)+`],"pagination":{"total_records":1.0,"total_pages":1,"current_page":1,"next_page":null,"prev_page":null}}`)))
	page, err := newClient(t, srv.URL).Customers.ListOrders(context.Background(), "cust_1", nil)
	require.NoError(t, err)
	o := page.Items[0]
	assert.Equal(t, int64(1900), o.Amount)
	assert.Equal(t, int64(1900), o.SubTotal)
	assert.Equal(t, int64(0), o.TaxAmount)
	assert.Equal(t, int64(3610), *o.FxAmount)
	assert.Equal(t, 1.084, *o.FxRate, "floats stay floats")
	assert.Equal(t, creem.OrderStatus("paid 1.5e3"), o.Status, "strings are not touched")
	assert.Equal(t, 1, page.Pagination.TotalRecords)

	// A fraction for an integer field is an error, not a silent truncation.
	srv, _ = newServer(t, serveJSON(http.StatusOK, []byte(`{"id":"ord_1","amount":1900.5,"sub_total":1.0}`)))
	err = newClient(t, srv.URL).Raw(context.Background(), &creem.RawRequest{Method: http.MethodGet, Path: "/v1/x"}, new(creem.Order))
	assert.ErrorIs(t, err, creem.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "1900.5")

	// Webhook objects too.
	e := &creem.Event{ID: "evt_1", Type: creem.EventRefundCreated, Object: []byte(`{"id":"ref_1","refund_amount":1000.0,"created_at":1.7e12}`)}
	ref, err := e.Refund()
	require.NoError(t, err)
	assert.Equal(t, int64(1000), ref.RefundAmount)
	assert.Equal(t, int64(1.7e12), ref.CreatedAt.UnixMilli())
}

// Fields the spec documents as one object keep that shape when a decoded entity is encoded again.
func TestOneOrManyFieldsReencodeInTheSpecShape(t *testing.T) {
	for _, in := range []string{`{"id":"lic_1","instance":{"id":"lici_1","name":"laptop"}}`, `{"id":"lic_1","instance":null}`} {
		var l creem.License
		require.NoError(t, json.Unmarshal([]byte(in), &l))
		out, err := json.Marshal(&l)
		require.NoError(t, err)
		var shape, want map[string]any
		require.NoError(t, json.Unmarshal(out, &shape))
		require.NoError(t, json.Unmarshal([]byte(in), &want))
		if want["instance"] == nil {
			assert.Nil(t, shape["instance"], in)
			continue
		}
		obj, ok := shape["instance"].(map[string]any)
		require.True(t, ok, "the instance object stays an object: %s", out)
		assert.Equal(t, "lici_1", obj["id"])
	}
	var l creem.License
	require.NoError(t, json.Unmarshal([]byte(`{"instance":[{"id":"a"},{"id":"b"}]}`), &l))
	out, err := json.Marshal(l.Instances)
	require.NoError(t, err)
	assert.Equal(t, byte('['), out[0], "several instances stay an array")
}
