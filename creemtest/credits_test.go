package creemtest_test

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func newCustomer(t *testing.T, c *creem.Client, email string) *creem.Customer {
	t.Helper()
	cust, err := c.Customers.Create(context.Background(), &creem.CreateCustomerParams{Email: email, Name: "Ada"})
	require.NoError(t, err)
	return cust
}

func n(v int64) creem.CreditAmount { return creem.NewCreditAmount(v) }

func balance(t *testing.T, c *creem.Client, accountID string) string {
	t.Helper()
	b, err := c.Credits.Balance(context.Background(), accountID, nil)
	require.NoError(t, err)
	return b.Balance.String()
}

// requireCode asserts err is an *APIError with status and code.
func requireCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode, apiErr.Error())
	assert.Equal(t, code, apiErr.Code, apiErr.Error())
}

func TestCreditsAccountsAndBalances(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	srv, c := newServer(t, creemtest.WithClock(clk.Now))
	ctx := context.Background()
	cust := newCustomer(t, c, "ada@example.com")

	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{
		CustomerID: cust.ID, Name: "  Images ", UnitLabel: "images", InitialBalance: n(300),
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(acct.ID, "cca_"))
	assert.Equal(t, "Images", acct.Name, "trimmed, spelling kept")
	assert.Equal(t, creem.CreditAccountActive, acct.Status)
	assert.Equal(t, cust.ID, acct.CustomerID)
	assert.NotEmpty(t, acct.StoreID)
	assert.Equal(t, "300", balance(t, c, acct.ID))

	_, err = c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, Name: "IMAGES"})
	requireCode(t, err, http.StatusConflict, "account_exists")
	_, err = c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: "cust_nobody"})
	assert.ErrorIs(t, err, creem.ErrNotFound)
	def, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID})
	require.NoError(t, err)
	assert.Equal(t, "default", def.Name)
	assert.Equal(t, "credits", def.UnitLabel)
	assert.Equal(t, "0", balance(t, c, def.ID))

	// Credits and debits at three points in time.
	clk.set(clk.Now().Add(time.Hour))
	credit, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(200), Reference: "order_1", IdempotencyKey: "k-credit"})
	require.NoError(t, err)
	assert.Equal(t, "k-credit", credit.IdempotencyKey)
	require.Len(t, credit.Entries, 2, "the customer's entry and the system account's")
	assert.Equal(t, creem.CreditEntryCredit, credit.EntriesFor(acct.ID)[0].Side)
	assert.Equal(t, "500", balance(t, c, acct.ID))

	clk.set(clk.Now().Add(time.Hour))
	_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(501), Reference: "job_1"})
	requireCode(t, err, http.StatusUnprocessableEntity, creem.CodeInsufficientBalance)
	assert.ErrorIs(t, err, creem.ErrBadRequest)
	debit, err := c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(500), Reference: "job_1"})
	require.NoError(t, err)
	assert.Equal(t, "0", balance(t, c, acct.ID))

	at := func(when time.Time) string {
		b, err := c.Credits.Balance(ctx, acct.ID, &creem.CreditBalanceParams{At: when})
		require.NoError(t, err)
		assert.Equal(t, when, b.AsOf.Time)
		assert.True(t, b.UpdatedAt.IsZero())
		return b.Balance.String()
	}
	start := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, "0", at(start.Add(-time.Millisecond)))
	assert.Equal(t, "300", at(start))
	assert.Equal(t, "500", at(start.Add(90*time.Minute)))
	assert.Equal(t, "0", at(start.Add(3*time.Hour)))
	now, err := c.Credits.Balance(ctx, acct.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, start.Add(2*time.Hour), now.UpdatedAt.Time, "when the balance last moved")

	// The history, newest first, across cursor pages.
	var ids []string
	for e, err := range c.Credits.AllEntries(ctx, acct.ID, &creem.CursorParams{Limit: 2}) {
		require.NoError(t, err)
		ids = append(ids, e.TransactionID+":"+string(e.Side)+":"+e.Amount.String())
	}
	require.Len(t, ids, 3)
	assert.Equal(t, debit.ID+":debit:500", ids[0])
	assert.Equal(t, credit.ID+":credit:200", ids[1])
	assert.True(t, strings.HasSuffix(ids[2], ":credit:300"), "the initial balance")
	assert.Equal(t, 2, srv.Calls("GET /v1/customer-credits/accounts/{id}/entries"))

	// Accounts: listed per customer, newest first; the system accounts are not served.
	other := newCustomer(t, c, "bob@example.com")
	_, err = c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: other.ID})
	require.NoError(t, err)
	var names []string
	for a, err := range c.Credits.AllAccounts(ctx, &creem.ListCreditAccountsParams{CursorParams: creem.CursorParams{Limit: 1}, CustomerID: cust.ID}) {
		require.NoError(t, err)
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"default", "Images"}, names)
	all, err := c.Credits.ListAccounts(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, all.Data, 3)
	for _, a := range srv.CreditLedger().Accounts {
		if a.System {
			_, err := c.Credits.GetAccount(ctx, a.ID)
			assert.ErrorIs(t, err, creem.ErrNotFound, "system accounts are not served")
			_, err = c.Credits.Credit(ctx, a.ID, &creem.CreditDebitParams{Amount: n(1), Reference: "r"})
			assert.ErrorIs(t, err, creem.ErrNotFound)
		}
	}
	got, err := c.Credits.GetAccount(ctx, acct.ID)
	require.NoError(t, err)
	assert.Equal(t, *acct, *got)
	_, err = c.Credits.GetAccount(ctx, "cca_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

func TestCreditsIdempotencyKeys(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	cust := newCustomer(t, c, "ada@example.com")
	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID})
	require.NoError(t, err)

	p := &creem.CreditDebitParams{Amount: n(100), Reference: "signup_bonus", IdempotencyKey: "bonus:" + cust.ID}
	first, err := c.Credits.Credit(ctx, acct.ID, p)
	require.NoError(t, err)
	again, err := c.Credits.Credit(ctx, acct.ID, p)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the original transaction, not a new one")
	assert.Equal(t, "100", balance(t, c, acct.ID), "no second effect")
	assert.Len(t, srv.CreditLedger().Transactions, 1)

	// The same key for another request is refused, whatever differs.
	for _, other := range []func() error{
		func() error {
			_, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(101), Reference: "signup_bonus", IdempotencyKey: p.IdempotencyKey})
			return err
		},
		func() error {
			_, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(100), Reference: "other", IdempotencyKey: p.IdempotencyKey})
			return err
		},
		func() error { _, err := c.Credits.Debit(ctx, acct.ID, p); return err },
		func() error {
			_, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "signup_bonus", IdempotencyKey: p.IdempotencyKey,
				Entries: []creem.CreditEntryParams{{AccountID: acct.ID, Side: creem.CreditEntryDebit, Amount: n(1)}, {AccountID: acct.ID, Side: creem.CreditEntryCredit, Amount: n(1)}}})
			return err
		},
	} {
		requireCode(t, other(), http.StatusUnprocessableEntity, "idempotency_key_reused")
	}
	assert.Equal(t, "100", balance(t, c, acct.ID))

	// A refused call holds no key: after the refusal, the same key can succeed.
	_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(150), Reference: "job", IdempotencyKey: "job-1"})
	requireCode(t, err, http.StatusUnprocessableEntity, creem.CodeInsufficientBalance)
	_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(50), Reference: "job", IdempotencyKey: "job-1"})
	require.NoError(t, err)

	// A key posted before the account was frozen still answers the original.
	_, err = c.Credits.Freeze(ctx, acct.ID)
	require.NoError(t, err)
	again, err = c.Credits.Credit(ctx, acct.ID, p)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
}

// A 5xx after the credit was posted, and a reset, are retried by the SDK under the same key:
// one transaction. A 503 on Freeze is not retried.
func TestCreditsRetriesAgainstTheLedger(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	cust := newCustomer(t, c, "ada@example.com")
	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, InitialBalance: n(10)})
	require.NoError(t, err)

	srv.FailNext("POST /v1/customer-credits/accounts/{id}/debit", 1, creemtest.Fault{Status: http.StatusServiceUnavailable, AfterHandling: true})
	srv.FailNext("POST /v1/customer-credits/accounts/{id}/debit", 1, creemtest.Fault{Drop: true, AfterHandling: true})
	tx, err := c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(4), Reference: "job_1"})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Calls("POST /v1/customer-credits/accounts/{id}/debit"))
	assert.Equal(t, "6", balance(t, c, acct.ID), "debited once")
	byRef, err := c.Credits.TransactionsByReference(ctx, "job_1")
	require.NoError(t, err)
	require.Len(t, byRef.Data, 1)
	assert.Equal(t, tx.ID, byRef.Data[0].ID)

	srv.FailNext("POST /v1/customer-credits/accounts/{id}/freeze", 1, creemtest.Fault{Status: http.StatusServiceUnavailable})
	_, err = c.Credits.Freeze(ctx, acct.ID)
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, srv.Calls("POST /v1/customer-credits/accounts/{id}/freeze"))
}

func TestCreditsFrozenAndClosedAccounts(t *testing.T) {
	_, c := newServer(t)
	ctx := context.Background()
	cust := newCustomer(t, c, "ada@example.com")
	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, InitialBalance: n(10)})
	require.NoError(t, err)
	peer, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, Name: "peer", InitialBalance: n(10)})
	require.NoError(t, err)
	seed, err := c.Credits.TransactionsByReference(ctx, "initial_balance")
	require.NoError(t, err)
	require.Len(t, seed.Data, 2)

	writes := func(code string) {
		t.Helper()
		_, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(1), Reference: "r"})
		requireCode(t, err, http.StatusConflict, code)
		assert.ErrorIs(t, err, creem.ErrConflict)
		_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(1), Reference: "r"})
		requireCode(t, err, http.StatusConflict, code)
		_, err = c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "r", Entries: []creem.CreditEntryParams{
			{AccountID: peer.ID, Side: creem.CreditEntryDebit, Amount: n(1)}, {AccountID: acct.ID, Side: creem.CreditEntryCredit, Amount: n(1)},
		}})
		requireCode(t, err, http.StatusConflict, code)
		_, err = c.Credits.ReverseTransaction(ctx, seed.Data[0].ID)
		requireCode(t, err, http.StatusConflict, code)
		_, err = c.Credits.ReverseOnAccount(ctx, acct.ID, seed.Data[0].ID)
		requireCode(t, err, http.StatusConflict, code)
		assert.Equal(t, "10", balance(t, c, acct.ID))
		assert.Equal(t, "10", balance(t, c, peer.ID))
	}

	frozen, err := c.Credits.Freeze(ctx, acct.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CreditAccountFrozen, frozen.Status)
	writes("account_frozen")
	_, err = c.Credits.Freeze(ctx, acct.ID)
	requireCode(t, err, http.StatusConflict, "account_frozen")

	active, err := c.Credits.Unfreeze(ctx, acct.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CreditAccountActive, active.Status)
	_, err = c.Credits.Unfreeze(ctx, acct.ID)
	requireCode(t, err, http.StatusConflict, "account_not_frozen")

	closed, err := c.Credits.Close(ctx, acct.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CreditAccountClosed, closed.Status)
	writes("account_closed")
	for _, call := range []func(context.Context, string, ...creem.RequestOption) (*creem.CreditAccount, error){c.Credits.Close, c.Credits.Freeze, c.Credits.Unfreeze} {
		_, err = call(ctx, acct.ID)
		requireCode(t, err, http.StatusConflict, "account_closed")
	}
	got, err := c.Credits.GetAccount(ctx, acct.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CreditAccountClosed, got.Status)
}

func TestCreditsTransactionsAndReversals(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	a, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: newCustomer(t, c, "a@example.com").ID, InitialBalance: n(100)})
	require.NoError(t, err)
	b, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: newCustomer(t, c, "b@example.com").ID})
	require.NoError(t, err)

	// Amounts beyond int64 stay exact through the ledger.
	huge, ok := new(big.Int).SetString("100000000000000000000", 10)
	require.True(t, ok)
	_, err = c.Credits.Credit(ctx, a.ID, &creem.CreditDebitParams{Amount: creem.CreditAmountFromBig(huge), Reference: "whale"})
	require.NoError(t, err)
	assert.Equal(t, "100000000000000000100", balance(t, c, a.ID))

	move, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "gift:1", Entries: []creem.CreditEntryParams{
		{AccountID: a.ID, Side: creem.CreditEntryDebit, Amount: creem.CreditAmountFromBig(huge)},
		{AccountID: b.ID, Side: creem.CreditEntryCredit, Amount: creem.CreditAmountFromBig(huge)},
	}})
	require.NoError(t, err)
	assert.Equal(t, "100", balance(t, c, a.ID))
	assert.Equal(t, "100000000000000000000", balance(t, c, b.ID))
	got, err := c.Credits.GetTransaction(ctx, move.ID)
	require.NoError(t, err)
	assert.Equal(t, move, got)

	// More than a balance holds, and an unknown account, are refused; nothing is posted.
	_, err = c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "gift:2", Entries: []creem.CreditEntryParams{
		{AccountID: a.ID, Side: creem.CreditEntryDebit, Amount: n(101)}, {AccountID: b.ID, Side: creem.CreditEntryCredit, Amount: n(101)},
	}})
	requireCode(t, err, http.StatusUnprocessableEntity, creem.CodeInsufficientBalance)
	_, err = c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "gift:3", Entries: []creem.CreditEntryParams{
		{AccountID: a.ID, Side: creem.CreditEntryDebit, Amount: n(1)}, {AccountID: "cca_nope", Side: creem.CreditEntryCredit, Amount: n(1)},
	}})
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// An unbalanced transaction (sent around the SDK, which refuses it) is 422.
	status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/customer-credits/transactions", srv.APIKey,
		`{"reference":"r","idempotency_key":"k","entries":[{"account_id":"`+a.ID+`","side":"debit","amount":"18446744073709551617"},{"account_id":"`+b.ID+`","side":"credit","amount":"18446744073709551616"}]}`)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Equal(t, "unbalanced_transaction", body["error"].(map[string]any)["code"])

	// Reversal: the opposite entries, once.
	rev, err := c.Credits.ReverseTransaction(ctx, move.ID)
	require.NoError(t, err)
	require.NotNil(t, rev.ReversalOf)
	assert.Equal(t, move.ID, *rev.ReversalOf)
	assert.Equal(t, move.Reference, rev.Reference)
	for _, e := range move.Entries {
		r := rev.EntriesFor(e.AccountID)
		require.Len(t, r, 1)
		assert.Equal(t, e.Amount, r[0].Amount)
		assert.NotEqual(t, e.Side, r[0].Side)
	}
	assert.Equal(t, "100000000000000000100", balance(t, c, a.ID))
	assert.Equal(t, "0", balance(t, c, b.ID))
	_, err = c.Credits.ReverseTransaction(ctx, move.ID)
	requireCode(t, err, http.StatusBadRequest, "already_reversed")
	_, err = c.Credits.ReverseOnAccount(ctx, b.ID, move.ID)
	requireCode(t, err, http.StatusBadRequest, "already_reversed")
	_, err = c.Credits.ReverseTransaction(ctx, rev.ID)
	requireCode(t, err, http.StatusBadRequest, "cannot_reverse_reversal")
	_, err = c.Credits.ReverseTransaction(ctx, "cct_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// The account-scoped reverse needs the transaction to touch the account.
	bonus, err := c.Credits.Credit(ctx, b.ID, &creem.CreditDebitParams{Amount: n(5), Reference: "bonus"})
	require.NoError(t, err)
	_, err = c.Credits.ReverseOnAccount(ctx, a.ID, bonus.ID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	// Credits already spent cannot be reversed.
	_, err = c.Credits.Debit(ctx, b.ID, &creem.CreditDebitParams{Amount: n(3), Reference: "use"})
	require.NoError(t, err)
	_, err = c.Credits.ReverseOnAccount(ctx, b.ID, bonus.ID)
	requireCode(t, err, http.StatusUnprocessableEntity, creem.CodeInsufficientBalance)

	byRef, err := c.Credits.TransactionsByReference(ctx, "gift:1")
	require.NoError(t, err)
	require.Len(t, byRef.Data, 2, "the transfer and its reversal")
	assert.Equal(t, move.ID, byRef.Data[0].ID)
	assert.Equal(t, rev.ID, byRef.Data[1].ID)
	none, err := c.Credits.TransactionsByReference(ctx, "nothing")
	require.NoError(t, err)
	assert.Empty(t, none.Data)
	assert.False(t, none.HasMore)

	checkLedger(t, srv.CreditLedger())
}

// checkLedger asserts the ledger's invariants: every transaction balances, and every account's
// balance is the sum of its entries.
func checkLedger(t *testing.T, l creemtest.CreditLedger) {
	t.Helper()
	sums := map[string]*big.Int{}
	for _, tx := range l.Transactions {
		var d, c big.Int
		for _, e := range tx.Entries {
			if sums[e.AccountID] == nil {
				sums[e.AccountID] = new(big.Int)
			}
			if e.Side == creem.CreditEntryCredit {
				c.Add(&c, e.Amount.Big())
				sums[e.AccountID].Add(sums[e.AccountID], e.Amount.Big())
			} else {
				d.Add(&d, e.Amount.Big())
				sums[e.AccountID].Sub(sums[e.AccountID], e.Amount.Big())
			}
		}
		assert.Zero(t, d.Cmp(&c), "transaction %s balances", tx.ID)
	}
	for _, a := range l.Accounts {
		sum := sums[a.ID]
		if sum == nil {
			sum = new(big.Int)
		}
		assert.Equal(t, sum.String(), a.Balance.String(), "account %s", a.ID)
	}
}

func TestCreditsRequestValidation(t *testing.T) {
	srv, c := newServer(t)
	cust := newCustomer(t, c, "ada@example.com")
	acct, err := c.Credits.CreateAccount(context.Background(), &creem.CreateCreditAccountParams{CustomerID: cust.ID})
	require.NoError(t, err)
	base := srv.URL + "/v1/customer-credits/accounts"
	cases := []struct {
		name, path, body string
		param            string
	}{
		{"unknown field", "/" + acct.ID + "/credit", `{"amount":"1","reference":"r","idempotency_key":"k","currency":"EUR"}`, ""},
		{"missing key", "/" + acct.ID + "/credit", `{"amount":"1","reference":"r"}`, ""},
		{"number amount", "/" + acct.ID + "/debit", `{"amount":1,"reference":"r","idempotency_key":"k"}`, ""},
		{"fraction", "/" + acct.ID + "/debit", `{"amount":"1.5","reference":"r","idempotency_key":"k"}`, "amount"},
		{"zero", "/" + acct.ID + "/credit", `{"amount":"0","reference":"r","idempotency_key":"k"}`, "amount"},
		{"negative", "/" + acct.ID + "/credit", `{"amount":"-5","reference":"r","idempotency_key":"k"}`, "amount"},
		{"blank reference", "/" + acct.ID + "/credit", `{"amount":"5","reference":" ","idempotency_key":"k"}`, "reference"},
		{"negative seed", "", `{"customer_id":"` + cust.ID + `","initial_balance":"-1"}`, "initial_balance"},
		{"long name", "", `{"customer_id":"` + cust.ID + `","name":"` + strings.Repeat("x", 101) + `"}`, "name"},
		{"one entry", "/../transactions", `{"reference":"r","idempotency_key":"k","entries":[{"account_id":"` + acct.ID + `","side":"debit","amount":"1"}]}`, "entries"},
		{"bad side", "/../transactions", `{"reference":"r","idempotency_key":"k","entries":[{"account_id":"a","side":"up","amount":"1"},{"account_id":"b","side":"credit","amount":"1"}]}`, ""},
		{"reverse without id", "/" + acct.ID + "/reverse", `{}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := base + tc.path
			if strings.HasPrefix(tc.path, "/../") {
				u = srv.URL + "/v1/customer-credits/" + strings.TrimPrefix(tc.path, "/../")
			}
			status, body := rawCall(t, http.MethodPost, u, srv.APIKey, tc.body)
			assert.Equal(t, http.StatusBadRequest, status)
			e := body["error"].(map[string]any)
			assert.Equal(t, "invalid_request_error", e["type"])
			assert.NotEmpty(t, e["message"])
			assert.True(t, strings.HasPrefix(e["request_id"].(string), "req_"))
			if tc.param != "" {
				assert.Equal(t, tc.param, e["param"])
			}
		})
	}
	status, _ := rawCall(t, http.MethodGet, srv.URL+"/v1/customer-credits/transactions", srv.APIKey, "")
	assert.Equal(t, http.StatusBadRequest, status, "reference is required")
	status, _ = rawCall(t, http.MethodGet, base+"/"+acct.ID+"/balance?at=yesterday", srv.APIKey, "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Empty(t, srv.CreditLedger().Transactions)
}

// The ledger's movements reach webhook endpoints: credits.granted for credits that raise a
// balance, credits.consumed for debits, nothing for reversals, and customer_credits.exhausted
// once per exhaustion episode of usage charges.
func TestCreditsWebhooks(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	rec, _ := newEndpoint(t, srv)
	cust := newCustomer(t, c, "ada@example.com")
	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, Name: "images", UnitLabel: "images", InitialBalance: n(5)})
	require.NoError(t, err)
	peer, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, Name: "tokens"})
	require.NoError(t, err)
	bonus, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(3), Reference: "bonus"})
	require.NoError(t, err)
	_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(2), Reference: "job_1"})
	require.NoError(t, err)
	move, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "swap", Entries: []creem.CreditEntryParams{
		{AccountID: acct.ID, Side: creem.CreditEntryDebit, Amount: n(1)}, {AccountID: peer.ID, Side: creem.CreditEntryCredit, Amount: n(1)},
	}})
	require.NoError(t, err)
	rev, err := c.Credits.ReverseTransaction(ctx, move.ID) // emits nothing, but adds the credit back
	require.NoError(t, err)
	assert.Equal(t, "6", balance(t, c, acct.ID))

	// Usage charges: covered, then refused twice (one episode), then credits end the episode.
	charged, err := srv.ChargeUsage(cust.ID, "IMAGES", n(5), "usage:2026-11")
	require.NoError(t, err)
	assert.Equal(t, "usage:2026-11", charged.Reference)
	assert.Equal(t, "1", balance(t, c, acct.ID))
	_, err = srv.ChargeUsage(cust.ID, "images", n(3), "usage:2026-11")
	require.ErrorIs(t, err, creemtest.ErrCreditsExhausted)
	_, err = srv.ChargeUsage(cust.ID, "images", n(9), "usage:2026-11")
	require.ErrorIs(t, err, creemtest.ErrCreditsExhausted)
	assert.Equal(t, "1", balance(t, c, acct.ID), "a refused charge debits nothing")
	topUp, err := c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(1), Reference: "top-up"})
	require.NoError(t, err)
	_, err = srv.ChargeUsage(cust.ID, "images", n(5), "usage:2026-12")
	require.ErrorIs(t, err, creemtest.ErrCreditsExhausted)
	_, err = srv.ChargeUsage(cust.ID, "nope", n(1), "r")
	require.Error(t, err)
	_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(50), Reference: "too much"})
	requireCode(t, err, http.StatusUnprocessableEntity, creem.CodeInsufficientBalance) // emits nothing

	waitDeliveries(t, srv)
	assert.Equal(t, []creem.EventType{
		creem.EventCreditsGranted,           // initial balance
		creem.EventCreditsGranted,           // bonus
		creem.EventCreditsConsumed,          // job_1
		creem.EventCreditsConsumed,          // swap: images
		creem.EventCreditsGranted,           // swap: tokens
		creem.EventCreditsConsumed,          // usage charge
		creem.EventCustomerCreditsExhausted, // the first refused charge
		creem.EventCreditsGranted,           // top-up
		creem.EventCustomerCreditsExhausted, // a new episode
	}, rec.types())

	rec.mu.Lock()
	events := append([]*creem.Event(nil), rec.events...)
	rec.mu.Unlock()
	mv, err := events[1].CreditsMovement()
	require.NoError(t, err)
	assert.Equal(t, creem.CreditsMovement{
		ID: bonus.ID, Object: "customer_credits_grant", CustomerID: cust.ID, AccountID: acct.ID, BucketName: "images",
		UnitLabel: "images", AmountMinorUnits: "3", BalanceAfterMinorUnits: "8", Reference: "bonus", OccurredAt: bonus.CreatedAt,
	}, *mv)
	used, err := events[5].CreditsMovement()
	require.NoError(t, err)
	assert.Equal(t, "customer_credits_consumption", used.Object)
	assert.Equal(t, charged.ID, used.ID)
	assert.Equal(t, "5", used.AmountMinorUnits)
	assert.Equal(t, "1", used.BalanceAfterMinorUnits)

	ex, err := events[6].CreditsExhaustion()
	require.NoError(t, err)
	store := acct.StoreID
	assert.Equal(t, "credits-exhausted:"+store+":"+cust.ID+":images:"+rev.ID, ex.ID, "named after the last credit to the bucket")
	assert.Equal(t, "customer_credits_exhaustion", ex.Object)
	assert.Equal(t, "2", ex.ShortfallMinorUnits, "3 charged, 1 held")
	assert.Equal(t, "images", ex.UnitLabel)
	assert.False(t, ex.OccurredAt.IsZero())
	next, err := events[8].CreditsExhaustion()
	require.NoError(t, err)
	assert.Equal(t, "credits-exhausted:"+store+":"+cust.ID+":images:"+topUp.ID, next.ID, "a new episode, a new ID")
	assert.Equal(t, "3", next.ShortfallMinorUnits)

	assert.Len(t, srv.Events(), 9, "the server's record of emitted events")
}

// The ledger snapshot is consistent while writes run concurrently.
func TestCreditLedgerSnapshotUnderConcurrentWrites(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	acct, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: newCustomer(t, c, "a@example.com").ID, InitialBalance: n(1000)})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 25 {
				var err error
				if (i+j)%2 == 0 {
					_, err = c.Credits.Credit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(3), Reference: "c"})
				} else {
					_, err = c.Credits.Debit(ctx, acct.ID, &creem.CreditDebitParams{Amount: n(2), Reference: "d"})
				}
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 20 {
		checkLedger(t, srv.CreditLedger())
	}
	wg.Wait()
	l := srv.CreditLedger()
	checkLedger(t, l)
	assert.Len(t, l.Transactions, 101)
	assert.Equal(t, "1050", balance(t, c, acct.ID))
}
