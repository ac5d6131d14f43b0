package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The example's whole offline flow runs and prints every step.
func TestRunOffline(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, func(string) string { return "" })
	require.NoError(t, err, out.String())
	text := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`No CREEM_API_KEY set: using creemtest, a fake Creem server at http://127\.0\.0\.1:\d+`),
		regexp.MustCompile(`1\. created product prod_\w+ \(creem-go example, 19\.00 EUR\)`),
		regexp.MustCompile(`2\. created checkout ch_\w+\n   checkout_url: http://127\.0\.0\.1:\d+/checkout/ch_\w+`),
		regexp.MustCompile(`3\. paid on the hosted page as a test buyer`),
		regexp.MustCompile(`4\. redirected to /thanks\?from=creem&request_id=order\+1001%2F%C3%BC&checkout_id=ch_\w+&order_id=ord_\w+&customer_id=cust_\w+&product_id=prod_\w+&signature=[0-9a-f]{64}`),
		regexp.MustCompile(`success page says: Payment verified for order ord_\w+`),
		regexp.MustCompile(`5\. redirect signature verified: checkout ch_\w+, order ord_\w+, customer cust_\w+, request "order 1001/ü"`),
		regexp.MustCompile(`6\. checkout ch_\w+ is completed: paid 19\.00 EUR`),
	} {
		assert.Regexp(t, want, text)
	}
}

// With CREEM_API_KEY the example creates the checkout and prints its URL instead of paying.
// creemtest stands in for Creem here, through CREEM_BASE_URL.
func TestRunWithAnAPIKey(t *testing.T) {
	fake := creemtest.NewServer()
	defer fake.Close()
	env := map[string]string{"CREEM_API_KEY": fake.APIKey, "CREEM_BASE_URL": fake.URL, "CREEM_SUCCESS_URL": "https://shop.example.com/thanks"}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }))
	assert.Contains(t, out.String(), "Using Creem at "+fake.URL)
	assert.Regexp(t, `checkout_url: `+regexp.QuoteMeta(fake.URL)+`/checkout/ch_\w+`, out.String())
	assert.Contains(t, out.String(), "3. open the checkout URL in a browser")
	assert.NotContains(t, out.String(), fake.APIKey)
}

// A key the server rejects ends the example with Creem's 403, never the key itself.
func TestRunWithAKeyTheServerRejects(t *testing.T) {
	fake := creemtest.NewServer()
	defer fake.Close()
	env := map[string]string{"CREEM_API_KEY": "creem_test_not_the_fakes_key", "CREEM_BASE_URL": fake.URL}
	var out bytes.Buffer
	err := run(context.Background(), &out, func(k string) string { return env[k] })
	require.ErrorIs(t, err, creem.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "creem_test_not_the_fakes_key")
}
