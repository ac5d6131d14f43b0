package creem_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

func TestTimestampDecodesBothForms(t *testing.T) {
	want := time.Date(2024, 10, 12, 11, 58, 33, 97e6, time.UTC)
	cases := []struct {
		in     string
		millis bool
	}{
		{`"2024-10-12T11:58:33.097Z"`, false},
		{`"2024-10-12T13:58:33.097+02:00"`, false},
		{`1728734313097`, true},
		{`"1728734313097"`, true},
		{`1.728734313097e12`, true},
	}
	for _, tc := range cases {
		var ts creem.Timestamp
		require.NoError(t, json.Unmarshal([]byte(tc.in), &ts), tc.in)
		assert.True(t, want.Equal(ts.Time), "%s decoded to %s", tc.in, ts.Time)
		assert.Equal(t, tc.millis, ts.IsMillis(), tc.in)
	}
}

func TestTimestampReencodesInItsOwnForm(t *testing.T) {
	for _, in := range []string{`"2024-10-12T11:58:33.097Z"`, `"2024-10-12T13:58:33.097+02:00"`, `1728734313097`, `"1728734313097"`, `null`} {
		var ts creem.Timestamp
		require.NoError(t, json.Unmarshal([]byte(in), &ts))
		out, err := json.Marshal(ts)
		require.NoError(t, err)
		assert.Equal(t, in, string(out))
	}
	// Whole seconds gain Creem's millisecond precision but keep their instant.
	var ts creem.Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"2026-01-15T09:30:00Z"`), &ts))
	out, _ := json.Marshal(ts)
	assert.Equal(t, `"2026-01-15T09:30:00.000Z"`, string(out))
}

func TestTimestampInStructs(t *testing.T) {
	var tr creem.Transaction
	require.NoError(t, json.Unmarshal([]byte(`{"id":"tran_1","created_at":1728734327355,"period_start":null}`), &tr))
	assert.Equal(t, int64(1728734327355), tr.CreatedAt.UnixMilli())
	assert.Nil(t, tr.PeriodStart)
	var p creem.Product
	require.NoError(t, json.Unmarshal([]byte(`{"id":"prod_1","created_at":"2026-01-15T09:30:00.000Z"}`), &p))
	assert.Equal(t, 2026, p.CreatedAt.Year())
	assert.False(t, p.CreatedAt.IsMillis())
}

func TestTimestampRejectsGarbage(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `true`, `{}`, `[]`, `"2024-13-45T00:00:00Z"`, `1e400`, `"99999999999999999999999"`} {
		var ts creem.Timestamp
		assert.Error(t, json.Unmarshal([]byte(in), &ts), in)
	}
}

func TestTimestampConstructors(t *testing.T) {
	ts := creem.TimestampFromMillis(1706889600000)
	out, _ := json.Marshal(ts)
	assert.Equal(t, `1706889600000`, string(out))
	iso := creem.NewTimestamp(time.Date(2024, 2, 2, 16, 0, 0, 0, time.UTC))
	out, _ = json.Marshal(iso)
	assert.Equal(t, `"2024-02-02T16:00:00.000Z"`, string(out))
	out, _ = json.Marshal(creem.Timestamp{})
	assert.Equal(t, `null`, string(out))
}

func TestNullable(t *testing.T) {
	type body struct {
		A creem.Nullable[int]    `json:"a,omitzero"`
		B creem.Nullable[string] `json:"b,omitzero"`
		C creem.Nullable[int]    `json:"c,omitzero"`
	}
	out, err := json.Marshal(body{A: creem.Null[int](), B: creem.Value("x")})
	require.NoError(t, err)
	assert.Equal(t, `{"a":null,"b":"x"}`, string(out))

	var back body
	require.NoError(t, json.Unmarshal(out, &back))
	assert.True(t, back.A.IsNull())
	v, ok := back.B.Get()
	assert.True(t, ok)
	assert.Equal(t, "x", v)
	assert.True(t, back.C.IsZero())
	_, ok = back.C.Get()
	assert.False(t, ok)
}

func TestIDOrObject(t *testing.T) {
	var ch creem.Checkout
	require.NoError(t, json.Unmarshal([]byte(`{"id":"ch_1","product":"prod_1","customer":"cust_1","subscription":"sub_1"}`), &ch))
	assert.Equal(t, "prod_1", ch.Product.ID)
	assert.Equal(t, "cust_1", ch.Customer.ID)
	assert.Equal(t, "sub_1", ch.Subscription.ID)

	require.NoError(t, json.Unmarshal([]byte(`{"id":"ch_2","product":{"id":"prod_2","name":"P"},"customer":null}`), &ch))
	assert.Equal(t, "prod_2", ch.Product.ID)
	assert.Equal(t, "P", ch.Product.Name)
	assert.Nil(t, ch.Customer)

	var sub creem.Subscription
	require.NoError(t, json.Unmarshal([]byte(`{"id":"sub_1","product":{"id":"prod_3","price":500},"customer":"cust_9"}`), &sub))
	assert.Equal(t, int64(500), sub.Product.Price)
	assert.Equal(t, "cust_9", sub.Customer.ID)

	assert.Error(t, json.Unmarshal([]byte(`{"product":42}`), &ch))
}

func TestOneOrManyFields(t *testing.T) {
	var ch creem.Checkout
	require.NoError(t, json.Unmarshal([]byte(`{"feature":{"type":"file","private_note":"hi"}}`), &ch))
	require.Len(t, ch.Feature, 1)
	assert.Equal(t, "hi", *ch.Feature[0].PrivateNote)

	require.NoError(t, json.Unmarshal([]byte(`{"feature":[{"type":"file"},{"type":"licenseKey"}]}`), &ch))
	require.Len(t, ch.Feature, 2)
	assert.Equal(t, creem.FeatureTypeLicenseKey, ch.Feature[1].Type)

	require.NoError(t, json.Unmarshal([]byte(`{"feature":null}`), &ch))
	assert.Empty(t, ch.Feature)

	var lic creem.License
	require.NoError(t, json.Unmarshal([]byte(`{"instance":{"id":"lici_1","name":"laptop"}}`), &lic))
	require.Len(t, lic.Instances, 1)
	require.NoError(t, json.Unmarshal([]byte(`{"instance":[{"id":"a"},{"id":"b"}]}`), &lic))
	require.Len(t, lic.Instances, 2)
	assert.Error(t, json.Unmarshal([]byte(`{"instance":"x"}`), &lic))
}

func TestOpenEnumsKeepUnknownValues(t *testing.T) {
	var p creem.Product
	require.NoError(t, json.Unmarshal([]byte(`{"status":"paused-by-creem","mode":"local","billing_period":"every-fortnight"}`), &p))
	assert.Equal(t, creem.ProductStatus("paused-by-creem"), p.Status)
	assert.Equal(t, creem.Mode("local"), p.Mode)
	assert.Equal(t, creem.BillingPeriod("every-fortnight"), p.BillingPeriod)
}
