package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The offline flow runs and prints every step, the webhook endpoint's reactions in order.
func TestRunOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }), out.String())
	want := []string{
		`No CREEM_API_KEY set: using creemtest, a fake Creem server at http://127\.0\.0\.1:\d+`,
		`1\. customer (cust_\w+) has credit account cca_\w+ \(images\)`,
		`2\. granted a signup bonus of 5 images \(transaction (cct_\w+)\)`,
		`   webhook credits\.granted: \+5 images for cust_\w+, balance 5`,
		`   granting it again returns transaction cct_\w+: same=true, balance 5`,
		`3\. generating images at 2 credits each`,
		`   image "cat" generated, 2 credits debited \(transaction cct_\w+\)`,
		`   webhook credits\.consumed: -2 images \(image:cat\), balance 3`,
		`   image "dog" generated, 2 credits debited \(transaction cct_\w+\)`,
		`   webhook credits\.consumed: -2 images \(image:dog\), balance 1`,
		`   image "fox" refused: out of credits: an image needs 2 credits \(insufficient_balance\)`,
		`4\. metered usage of 4 images could not be settled`,
		`   webhook customer_credits\.exhausted: cust_\w+ ran out of images \(short by 3\): generation paused, top-up e-mail sent`,
		`   image "owl" refused: out of credits: generation is paused until the customer tops up`,
		`5\. the customer bought 10 images \(transaction cct_\w+\)`,
		`   webhook credits\.granted: \+10 images for cust_\w+, balance 11`,
		`   generation resumed for cust_\w+`,
		`   image "owl" generated, 2 credits debited \(transaction cct_\w+\)`,
		`   webhook credits\.consumed: -2 images \(image:owl\), balance 9`,
		`6\. balance 9 images after 5 ledger entries`,
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, len(want), out.String())
	for i, w := range want {
		assert.Regexp(t, regexp.MustCompile("^"+w+"$"), lines[i])
	}
	bonus := regexp.MustCompile(`cct_\w+`).FindString(lines[2])
	assert.Contains(t, lines[4], bonus, "the second grant returns the first transaction")
}

// With CREEM_API_KEY and CREEM_CUSTOMER_ID the example spends the customer's credits through the
// API; run twice, it reuses the account and grants the bonus once. creemtest stands in for Creem
// through CREEM_BASE_URL.
func TestRunWithAnAPIKey(t *testing.T) {
	fake := creemtest.NewServer()
	defer fake.Close()
	c, err := fake.Client()
	require.NoError(t, err)
	cust, err := c.Customers.Create(context.Background(), &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	require.NoError(t, err)
	env := map[string]string{"CREEM_API_KEY": fake.APIKey, "CREEM_BASE_URL": fake.URL, "CREEM_CUSTOMER_ID": cust.ID}
	for run1 := range 2 {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }), out.String())
		text := out.String()
		assert.NotContains(t, text, "creemtest")
		assert.Contains(t, text, "same=true, balance "+map[int]string{0: "5", 1: "1"}[run1])
		assert.Contains(t, text, "4. Creem sends customer_credits.exhausted")
		assert.NotContains(t, text, fake.APIKey)
	}
	ledger := fake.CreditLedger()
	accounts := 0
	for _, a := range ledger.Accounts {
		if !a.System {
			accounts++
			assert.Equal(t, "1", a.Balance.String(), "5 granted once, two images of 2")
		}
	}
	assert.Equal(t, 1, accounts, "the second run found the account")
	assert.Len(t, ledger.Transactions, 3)
}

func TestRunNeedsACustomer(t *testing.T) {
	fake := creemtest.NewServer()
	defer fake.Close()
	env := map[string]string{"CREEM_API_KEY": fake.APIKey, "CREEM_BASE_URL": fake.URL}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	assert.ErrorContains(t, err, "CREEM_CUSTOMER_ID")
}
