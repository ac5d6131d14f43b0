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

// The example's whole offline flow runs and prints every step, with the units the events add up
// to: 100 + 200 + 300 sent directly (twice, counted once) and 200 requests of 10 to 100 tokens.
func TestRunOffline(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, func(string) string { return "" })
	require.NoError(t, err, out.String())
	text := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`No CREEM_API_KEY set: using creemtest, a fake Creem server at http://127\.0\.0\.1:\d+`),
		regexp.MustCompile(`1\. customer cust_\w+`),
		regexp.MustCompile(`2\. meter mtr_\w+: sum of "tokens" over ai\.tokens events, in tokens`),
		regexp.MustCompile(`3\. previewed 3 events: valid=true, the first feeds \[mtr_\w+\]`),
		regexp.MustCompile(`4\. ingested 3 events directly, recorded as \[order-\w+-a order-\w+-b order-\w+-c\]`),
		regexp.MustCompile(`5\. served 200 requests; the ingester delivered 200 events, 0 undelivered`),
		regexp.MustCompile(`creemtest failed 2 ingest requests on purpose; the batch was sent again and the [1-9]\d* events that arrived twice were counted once`),
		regexp.MustCompile(`6\. cust_\w+ consumed 11600 tokens from \d{4}-\d\d-01 to \d{4}-\d\d-01`),
	} {
		assert.Regexp(t, want, text)
	}
}

// With CREEM_API_KEY the example runs against that server (creemtest stands in for Creem here,
// through CREEM_BASE_URL), reuses the meter a previous run created, even archived, and never prints
// the key.
func TestRunWithAnAPIKey(t *testing.T) {
	fake := creemtest.NewServer()
	defer fake.Close()
	env := map[string]string{"CREEM_API_KEY": fake.APIKey, "CREEM_BASE_URL": fake.URL}
	for i, units := range []string{"11600", "23200", "34800"} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }), out.String())
		assert.Contains(t, out.String(), "Using Creem at "+fake.URL)
		assert.NotContains(t, out.String(), fake.APIKey)
		switch i {
		case 0: // the next runs reuse the customer, and find the meter by its name
			env["CREEM_CUSTOMER_ID"] = regexp.MustCompile(`customer (cust_\w+)`).FindStringSubmatch(out.String())[1]
		case 1: // the last run finds the meter archived, through the 409's details, and restores it
			c, err := fake.Client()
			require.NoError(t, err)
			_, err = c.Meters.Archive(context.Background(), regexp.MustCompile(`meter (mtr_\w+)`).FindStringSubmatch(out.String())[1])
			require.NoError(t, err)
		}
		assert.Regexp(t, `consumed `+units+` tokens`, out.String())
	}
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
