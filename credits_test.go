package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func init() {
	account := reflect.TypeFor[creem.CreditAccount]()
	tx := reflect.TypeFor[creem.CreditTransaction]()
	moves := reflect.TypeFor[creem.CreditDebitParams]()
	for id, op := range map[string]specOp{
		"createCustomerCreditsAccount":      {method: "Credits.CreateAccount", body: reflect.TypeFor[creem.CreateCreditAccountParams](), result: account},
		"getCustomerCreditsAccount":         {method: "Credits.GetAccount", args: []string{"id"}, result: account},
		"listCustomerCreditsAccounts":       {method: "Credits.ListAccounts", query: reflect.TypeFor[creem.ListCreditAccountsParams](), result: reflect.TypeFor[creem.CursorPage[creem.CreditAccount]]()},
		"getCustomerCreditsAccountBalance":  {method: "Credits.Balance", args: []string{"id"}, query: reflect.TypeFor[creem.CreditBalanceParams](), result: reflect.TypeFor[creem.CreditBalance]()},
		"listCustomerCreditsAccountEntries": {method: "Credits.ListEntries", args: []string{"id"}, query: reflect.TypeFor[creem.CursorParams](), result: reflect.TypeFor[creem.CursorPage[creem.CreditEntry]]()},
		"freezeCustomerCreditsAccount":      {method: "Credits.Freeze", args: []string{"id"}, result: account},
		"unfreezeCustomerCreditsAccount":    {method: "Credits.Unfreeze", args: []string{"id"}, result: account},
		"closeCustomerCreditsAccount":       {method: "Credits.Close", args: []string{"id"}, result: account},
		"creditCustomerCreditsAccount":      {method: "Credits.Credit", args: []string{"id"}, body: moves, result: tx},
		"debitCustomerCreditsAccount":       {method: "Credits.Debit", args: []string{"id"}, body: moves, result: tx},
		// The account-scoped reverse takes the body's only property as an argument.
		"reverseCustomerCreditsAccountTransaction":   {method: "Credits.ReverseOnAccount", args: []string{"id", "transaction_id"}, result: tx},
		"postCustomerCreditsTransaction":             {method: "Credits.PostTransaction", body: reflect.TypeFor[creem.PostCreditTransactionParams](), result: tx},
		"getCustomerCreditsTransaction":              {method: "Credits.GetTransaction", args: []string{"id"}, result: tx},
		"listCustomerCreditsTransactionsByReference": {method: "Credits.TransactionsByReference", args: []string{"reference"}, result: reflect.TypeFor[creem.CursorPage[creem.CreditTransaction]]()},
		"reverseCustomerCreditsTransaction":          {method: "Credits.ReverseTransaction", args: []string{"id"}, result: tx},
	} {
		registry[id] = op
	}
	extraMethods = append(extraMethods, "Credits.AllAccounts", "Credits.AllEntries")
	familyWireCases = append(familyWireCases, creditsWireCases)
}

const (
	custID     = "cust_1OcIK1GEuVvXZwD19tjq2z"
	accountID  = "cca_3kT9mWq2ZxP7vLr1Nc8Hd"
	systemID   = "cca_0Sy7TqL2vHb9MxK4Wr6Pn"
	bonusTxID  = "cct_9Lk3VbN7qWs1ZxR5Tp2Gh"
	creditsSto = "sto_5Yh2LpQ8rTz1Kw6Vn3Xm"
)

func amount(t *testing.T, s string) creem.CreditAmount {
	t.Helper()
	a, err := creem.ParseCreditAmount(s)
	require.NoError(t, err)
	return a
}

func checkAccount(status creem.CreditAccountStatus) func(*testing.T, any) {
	return func(t *testing.T, out any) {
		a := out.(*creem.CreditAccount)
		assert.Equal(t, accountID, a.ID)
		assert.Equal(t, creditsSto, a.StoreID)
		assert.Equal(t, custID, a.CustomerID)
		assert.Equal(t, "images", a.Name)
		assert.Equal(t, "images", a.UnitLabel)
		assert.Equal(t, status, a.Status)
		assert.Equal(t, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), a.CreatedAt.Time)
	}
}

func checkBonus(t *testing.T, out any) {
	tx := out.(*creem.CreditTransaction)
	assert.Equal(t, bonusTxID, tx.ID)
	assert.Equal(t, "signup_bonus", tx.Reference)
	assert.Equal(t, "signup-bonus:"+custID, tx.IdempotencyKey)
	assert.Nil(t, tx.ReversalOf)
	require.Len(t, tx.Entries, 2)
	mine := tx.EntriesFor(accountID)
	require.Len(t, mine, 1)
	assert.Equal(t, creem.CreditEntryCredit, mine[0].Side)
	assert.Equal(t, creem.NewCreditAmount(5250), mine[0].Amount)
	assert.Equal(t, creem.CreditEntryDebit, tx.EntriesFor(systemID)[0].Side)
}

func checkReversal(t *testing.T, out any) {
	tx := out.(*creem.CreditTransaction)
	require.NotNil(t, tx.ReversalOf)
	assert.Equal(t, bonusTxID, *tx.ReversalOf)
	assert.Equal(t, creem.CreditEntryDebit, tx.EntriesFor(accountID)[0].Side)
}

func creditsWireCases() []wireCase {
	return []wireCase{
		{
			name: "Credits.CreateAccount full",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{
					CustomerID: custID, Name: "images", UnitLabel: "images", InitialBalance: creem.NewCreditAmount(300),
				})
			},
			method: http.MethodPost, path: "/v1/customer-credits/accounts", golden: "credits_create_account.json", fixture: "credits_account.json",
			check: checkAccount(creem.CreditAccountActive),
		},
		{
			name: "Credits.CreateAccount minimal leaves defaults to Creem",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: custID})
			},
			method: http.MethodPost, path: "/v1/customer-credits/accounts", golden: "credits_create_account_minimal.json", fixture: "credits_account.json",
		},
		{
			name:   "Credits.GetAccount",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.GetAccount(ctx, accountID) },
			method: http.MethodGet, path: "/v1/customer-credits/accounts/" + accountID, fixture: "credits_account.json",
			check: checkAccount(creem.CreditAccountActive),
		},
		{
			name: "Credits.GetAccount escapes the ID",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.GetAccount(ctx, "cca_1/../x?y")
			},
			method: http.MethodGet, path: "/v1/customer-credits/accounts/cca_1%2F..%2Fx%3Fy", fixture: "credits_account.json",
		},
		{
			name: "Credits.ListAccounts",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.ListAccounts(ctx, &creem.ListCreditAccountsParams{
					CursorParams: creem.CursorParams{Limit: 2, StartingAfter: "cca_0"}, CustomerID: custID,
				})
			},
			method: http.MethodGet, path: "/v1/customer-credits/accounts", rawQuery: "customer_id=" + custID + "&limit=2&starting_after=cca_0",
			fixture: "credits_account_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.CursorPage[creem.CreditAccount])
				assert.Equal(t, "list", page.Object)
				assert.True(t, page.HasMore)
				require.Len(t, page.Data, 2)
				assert.Equal(t, creem.CreditAccountClosed, page.Data[1].Status)
				assert.Equal(t, 345, page.Data[1].CreatedAt.Nanosecond()/1e6)
			},
		},
		{
			name:   "Credits.ListAccounts without params",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.ListAccounts(ctx, nil) },
			method: http.MethodGet, path: "/v1/customer-credits/accounts", fixture: "credits_account_list.json",
		},
		{
			name:   "Credits.Balance now",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.Balance(ctx, accountID, nil) },
			method: http.MethodGet, path: "/v1/customer-credits/accounts/" + accountID + "/balance", fixture: "credits_balance.json",
			check: func(t *testing.T, out any) {
				b := out.(*creem.CreditBalance)
				assert.Equal(t, creem.NewCreditAmount(5000), b.Balance)
				assert.Equal(t, time.Date(2026, 11, 21, 12, 5, 31, 208e6, time.UTC), b.UpdatedAt.Time)
				assert.True(t, b.AsOf.IsZero())
			},
		},
		{
			name: "Credits.Balance at a point in time, sent in UTC",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				berlin := time.FixedZone("CET", 3600)
				return c.Credits.Balance(ctx, accountID, &creem.CreditBalanceParams{At: time.Date(2024, 1, 15, 1, 0, 0, 0, berlin)})
			},
			method: http.MethodGet, path: "/v1/customer-credits/accounts/" + accountID + "/balance",
			rawQuery: "at=2024-01-15T00%3A00%3A00.000Z", fixture: "credits_balance_at.json",
			check: func(t *testing.T, out any) {
				b := out.(*creem.CreditBalance)
				assert.Equal(t, "123456789012345678901234567890", b.Balance.String(), "beyond int64, exact")
				_, fits := b.Balance.Int64()
				assert.False(t, fits)
				assert.Equal(t, time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), b.AsOf.Time)
				assert.True(t, b.UpdatedAt.IsZero())
			},
		},
		{
			name: "Credits.ListEntries",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.ListEntries(ctx, accountID, &creem.CursorParams{Limit: 100, EndingBefore: "cce_9"})
			},
			method: http.MethodGet, path: "/v1/customer-credits/accounts/" + accountID + "/entries", rawQuery: "ending_before=cce_9&limit=100",
			fixture: "credits_entry_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.CursorPage[creem.CreditEntry])
				require.Len(t, page.Data, 2)
				assert.False(t, page.HasMore)
				assert.Equal(t, creem.CreditEntry{
					ID: "cce_7Hs2KdP9wQx4LmZ1Vb6Nr", TransactionID: "cct_2Wq8ZrT5nLp3XkV7Hm1Jd", AccountID: accountID,
					Side: creem.CreditEntryDebit, Amount: creem.NewCreditAmount(250),
					CreatedAt: creem.NewTimestamp(time.Date(2026, 11, 21, 12, 5, 31, 208e6, time.UTC)),
				}, page.Data[0])
			},
		},
		{
			name:   "Credits.Freeze",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.Freeze(ctx, accountID) },
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/freeze", fixture: "credits_account_frozen.json",
			check: checkAccount(creem.CreditAccountFrozen),
		},
		{
			name:   "Credits.Unfreeze",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.Unfreeze(ctx, accountID) },
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/unfreeze", fixture: "credits_account.json",
			check: checkAccount(creem.CreditAccountActive),
		},
		{
			name:   "Credits.Close",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Credits.Close(ctx, accountID) },
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/close", fixture: "credits_account.json",
		},
		{
			name: "Credits.Credit",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.Credit(ctx, accountID, &creem.CreditDebitParams{
					Amount: creem.NewCreditAmount(5250), Reference: "signup_bonus", IdempotencyKey: "signup-bonus:" + custID,
				})
			},
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/credit", golden: "credits_credit.json", fixture: "credits_transaction.json",
			check: checkBonus,
		},
		{
			name: "Credits.Debit beyond int64",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				a, err := creem.ParseCreditAmount("100000000000000000000")
				if err != nil {
					return nil, err
				}
				return c.Credits.Debit(ctx, accountID, &creem.CreditDebitParams{Amount: a, Reference: "job_77", IdempotencyKey: "job_77:debit"})
			},
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/debit", golden: "credits_debit.json", fixture: "credits_transaction_big.json",
			check: func(t *testing.T, out any) {
				tx := out.(*creem.CreditTransaction)
				assert.Nil(t, tx.ReversalOf, "reversal_of absent")
				assert.Equal(t, "100000000000000000000", tx.EntriesFor(accountID)[0].Amount.String())
				assert.Equal(t, "job_77:debit", tx.IdempotencyKey)
			},
		},
		{
			name: "Credits.ReverseOnAccount",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.ReverseOnAccount(ctx, accountID, bonusTxID)
			},
			method: http.MethodPost, path: "/v1/customer-credits/accounts/" + accountID + "/reverse", golden: "credits_reverse_on_account.json",
			fixture: "credits_transaction_reversal.json", check: checkReversal,
		},
		{
			name: "Credits.PostTransaction",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{
					Reference: "gift:order_1042", IdempotencyKey: "gift-order-1042",
					Entries: []creem.CreditEntryParams{
						{AccountID: accountID, Side: creem.CreditEntryDebit, Amount: creem.NewCreditAmount(300)},
						{AccountID: "cca_7Vq2NdK9rXt4LwB6Hm3Sz", Side: creem.CreditEntryCredit, Amount: creem.NewCreditAmount(200)},
						{AccountID: "cca_5Rk1WbM8tQz3XvN6Lp9Dc", Side: creem.CreditEntryCredit, Amount: creem.NewCreditAmount(100)},
					},
				})
			},
			method: http.MethodPost, path: "/v1/customer-credits/transactions", golden: "credits_post_transaction.json",
			fixture: "credits_transaction_transfer.json",
			check: func(t *testing.T, out any) {
				tx := out.(*creem.CreditTransaction)
				require.Len(t, tx.Entries, 3)
				assert.Equal(t, creem.NewCreditAmount(100), tx.EntriesFor("cca_5Rk1WbM8tQz3XvN6Lp9Dc")[0].Amount)
				assert.Equal(t, 1, tx.CreatedAt.Nanosecond()/1e6)
			},
		},
		{
			name: "Credits.GetTransaction",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.GetTransaction(ctx, bonusTxID)
			},
			method: http.MethodGet, path: "/v1/customer-credits/transactions/" + bonusTxID, fixture: "credits_transaction.json",
			check: checkBonus,
		},
		{
			name: "Credits.TransactionsByReference",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.TransactionsByReference(ctx, "order 42/ü&x=1")
			},
			method: http.MethodGet, path: "/v1/customer-credits/transactions", rawQuery: "reference=order+42%2F%C3%BC%26x%3D1",
			fixture: "credits_transaction_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.CursorPage[creem.CreditTransaction])
				require.Len(t, page.Data, 2)
				checkBonus(t, &page.Data[0])
				checkReversal(t, &page.Data[1])
			},
		},
		{
			name: "Credits.ReverseTransaction",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Credits.ReverseTransaction(ctx, bonusTxID)
			},
			method: http.MethodPost, path: "/v1/customer-credits/transactions/" + bonusTxID + "/reverse",
			fixture: "credits_transaction_reversal.json", check: checkReversal,
		},
	}
}

// Every credits fixture decodes with no field left over, and carries every property the spec
// requires of its schema.
func TestCreditsFixturesMatchTheSpec(t *testing.T) {
	raw := specSchemas(t)
	cases := []struct {
		file, schema string
		decode       func(*testing.T, []byte)
	}{
		{"credits_account.json", "AccountResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditAccount](t, b) }},
		{"credits_account_frozen.json", "AccountResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditAccount](t, b) }},
		{"credits_account_list.json", "AccountListResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CursorPage[creem.CreditAccount]](t, b) }},
		{"credits_balance.json", "BalanceResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditBalance](t, b) }},
		{"credits_balance_at.json", "BalanceResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditBalance](t, b) }},
		{"credits_entry_list.json", "EntryListResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CursorPage[creem.CreditEntry]](t, b) }},
		{"credits_transaction.json", "TransactionResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditTransaction](t, b) }},
		{"credits_transaction_big.json", "TransactionResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditTransaction](t, b) }},
		{"credits_transaction_reversal.json", "TransactionResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditTransaction](t, b) }},
		{"credits_transaction_transfer.json", "TransactionResponseDto", func(t *testing.T, b []byte) { decodeStrict[creem.CreditTransaction](t, b) }},
		{"credits_transaction_list.json", "TransactionListResponseDto", func(t *testing.T, b []byte) {
			decodeStrict[creem.CursorPage[creem.CreditTransaction]](t, b)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			b := fixture(t, tc.file)
			tc.decode(t, b)
			var v any
			require.NoError(t, json.Unmarshal(b, &v))
			assert.Empty(t, missingRequired(raw, "$", v, raw[tc.schema]))
		})
	}
	// The check can fail: a balance without its required "balance".
	var v any
	require.NoError(t, json.Unmarshal([]byte(`{"as_of":"2024-01-15T00:00:00.000Z"}`), &v))
	assert.Equal(t, []string{"$.balance"}, missingRequired(raw, "$", v, raw["BalanceResponseDto"]))
}

// specSchemas returns the spec's component schemas as plain JSON values.
func specSchemas(t *testing.T) map[string]any {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "openapi.json"), &doc))
	return doc.Components.Schemas
}

// missingRequired lists the required properties v lacks, following $ref, allOf and array items.
func missingRequired(schemas map[string]any, path string, v any, s any) []string {
	sm, _ := s.(map[string]any)
	if sm == nil {
		return nil
	}
	if ref, ok := sm["$ref"].(string); ok {
		return missingRequired(schemas, path, v, schemas[strings.TrimPrefix(ref, "#/components/schemas/")])
	}
	var out []string
	if all, ok := sm["allOf"].([]any); ok {
		for _, m := range all {
			out = append(out, missingRequired(schemas, path, v, m)...)
		}
	}
	switch val := v.(type) {
	case map[string]any:
		req, _ := sm["required"].([]any)
		for _, r := range req {
			if _, ok := val[r.(string)]; !ok {
				out = append(out, path+"."+r.(string))
			}
		}
		props, _ := sm["properties"].(map[string]any)
		for k, sub := range val {
			if p, ok := props[k]; ok {
				out = append(out, missingRequired(schemas, path+"."+k, sub, p)...)
			}
		}
	case []any:
		for _, e := range val {
			out = append(out, missingRequired(schemas, path+"[]", e, sm["items"])...)
		}
	}
	return out
}

// The webhook payloads of the four credits events, built from the spec's schemas and the docs'
// newest samples, parse into their types with nothing left over.
func TestCreditsWebhookPayloads(t *testing.T) {
	raw := specSchemas(t)
	read := func(name string) *creem.Event {
		t.Helper()
		body := readTestdata(t, "webhooks", "credits_events", name+".json")
		e, err := creem.ParseWebhook(body, signed(body), webhookSecret)
		require.NoError(t, err)
		assert.Equal(t, creem.EventType(name), e.Type)
		assert.True(t, e.CreatedAt.IsMillis())
		decodeStrict[creem.Event](t, body)
		var v any
		require.NoError(t, json.Unmarshal(body, &v))
		schema := map[creem.EventType]string{
			creem.EventCreditsGranted: "WebhookCreditsGrantedEventEntity", creem.EventCreditsConsumed: "WebhookCreditsConsumedEventEntity",
			creem.EventCustomerCreditsExhausted: "WebhookCustomerCreditsExhaustedEventEntity", creem.EventCreditsAutoRecharged: "WebhookCreditsAutoRechargedEventEntity",
		}[e.Type]
		assert.Empty(t, missingRequired(raw, "$", v, raw[schema]), "required by %s", schema)
		return e
	}

	e := read("credits.granted")
	decodeStrict[creem.CreditsMovement](t, e.Object)
	granted, err := e.CreditsMovement()
	require.NoError(t, err)
	assert.Equal(t, creem.CreditsMovement{
		ID: bonusTxID, Object: "customer_credits_grant", CustomerID: custID, AccountID: accountID, BucketName: "images",
		UnitLabel: "images", AmountMinorUnits: "5250", BalanceAfterMinorUnits: "5250", Reference: "ord_4ucZ7Ts3r7EhSrl5yQE4G6",
		OccurredAt: creem.NewTimestamp(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)),
	}, *granted)

	e = read("credits.consumed")
	decodeStrict[creem.CreditsMovement](t, e.Object)
	consumed, err := e.CreditsMovement()
	require.NoError(t, err)
	assert.Equal(t, "customer_credits_consumption", consumed.Object)
	assert.Equal(t, "100000000000000000000", consumed.AmountMinorUnits, "big amounts stay exact")
	after, err := creem.ParseCreditAmount(consumed.BalanceAfterMinorUnits)
	require.NoError(t, err)
	assert.Equal(t, "23456789012345678901234", after.String())

	e = read("customer_credits.exhausted")
	decodeStrict[creem.CreditsExhaustion](t, e.Object)
	ex, err := e.CreditsExhaustion()
	require.NoError(t, err)
	assert.Equal(t, "credits-exhausted:store_test:cust_test:default:none", ex.ID, "a composite episode ID, kept whole")
	assert.Equal(t, "cust_test", ex.CustomerID)
	assert.Equal(t, "default", ex.BucketName)
	assert.Equal(t, "250", ex.ShortfallMinorUnits)
	assert.Equal(t, time.Date(2026, 11, 22, 3, 14, 15, 926e6, time.UTC), ex.OccurredAt.Time)

	e = read("credits.auto_recharged")
	decodeStrict[creem.CreditsAutoRecharge](t, e.Object)
	rc, err := e.CreditsAutoRecharge()
	require.NoError(t, err)
	assert.Equal(t, creem.CreditsAutoRecharge{
		ID: "cct_8Pz4NcW2rKx7TqV1Lm5Hd", Object: "customer_credits_auto_recharge", CustomerID: custID, BucketName: "images",
		UnitLabel: "images", AmountMinorUnits: "10000", Currency: creem.CurrencyEUR, ChargeReference: "pi_3QxK8mL2vNd9ZsTw1",
		Reference: "usage:mtr_6Hs1KwP3zQx8LvN2:2026-11",
	}, *rc)
	var obj map[string]any
	require.NoError(t, json.Unmarshal(e.Object, &obj))
	for _, absent := range []string{"occurred_at", "account_id", "balance_after_minor_units"} {
		assert.NotContains(t, obj, absent, "auto_recharged carries no %s", absent)
	}
}

// An exhausted event whose envelope id is itself the composite episode ID parses too, and the
// handler de-duplicates on it.
func TestCreditsExhaustedWithACompositeEnvelopeID(t *testing.T) {
	body := []byte(`{"id":"credits-exhausted:store_test:cust_test:default:none","eventType":"customer_credits.exhausted","created_at":1795317255926,"object":{"id":"credits-exhausted:store_test:cust_test:default:none","object":"customer_credits_exhaustion","customer_id":"cust_test","bucket_name":"default","unit_label":"credits","shortfall_minor_units":"250","occurred_at":"2026-11-22T03:14:15.926Z"}}`)
	e, err := creem.ParseWebhook(body, signed(body), webhookSecret)
	require.NoError(t, err)
	assert.Equal(t, "credits-exhausted:store_test:cust_test:default:none", e.ID)

	calls := 0
	h := creem.NewWebhookHandler(webhookSecret)
	h.On(creem.EventCustomerCreditsExhausted, func(context.Context, *creem.Event) error { calls++; return nil })
	for range 2 {
		assert.Equal(t, http.StatusOK, delivery(h, body, nil).Code)
	}
	assert.Equal(t, 1, calls, "the same episode is handled once")
}

// A refused debit, a frozen account and an unbalanced transaction are *APIError values whose
// Code, Param and status are matchable without string parsing.
func TestCreditsErrorsCarryTheirCode(t *testing.T) {
	ctx := context.Background()
	debit := &creem.CreditDebitParams{Amount: creem.NewCreditAmount(250), Reference: "job_1"}
	cases := []struct {
		status   int
		file     string
		call     func(c *creem.Client) error
		code     string
		param    string
		sentinel error
	}{
		{http.StatusUnprocessableEntity, "credits_insufficient_balance.json", func(c *creem.Client) error {
			_, err := c.Credits.Debit(ctx, accountID, debit)
			return err
		}, creem.CodeInsufficientBalance, "amount", creem.ErrBadRequest},
		{http.StatusConflict, "credits_account_frozen.json", func(c *creem.Client) error {
			_, err := c.Credits.Credit(ctx, accountID, debit)
			return err
		}, "account_frozen", "", creem.ErrConflict},
		{http.StatusUnprocessableEntity, "credits_unbalanced_transaction.json", func(c *creem.Client) error {
			_, err := c.Credits.PostTransaction(ctx, transfer(accountID, "cca_2", 5))
			return err
		}, creem.CodeUnbalancedTransaction, "entries", creem.ErrBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			srv, rec := newServer(t, serveJSON(tc.status, readTestdata(t, "errors", tc.file)))
			err := tc.call(newClient(t, srv.URL))
			var apiErr *creem.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.param, apiErr.Param)
			assert.Equal(t, "invalid_request_error", apiErr.Type)
			assert.NotEmpty(t, apiErr.RequestID)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, 1, rec.count(), "a 4xx is never retried")
		})
	}
}

func transfer(from, to string, n int64) *creem.PostCreditTransactionParams {
	return &creem.PostCreditTransactionParams{Reference: "transfer", Entries: []creem.CreditEntryParams{
		{AccountID: from, Side: creem.CreditEntryDebit, Amount: creem.NewCreditAmount(n)},
		{AccountID: to, Side: creem.CreditEntryCredit, Amount: creem.NewCreditAmount(n)},
	}}
}

// Input Creem would certainly refuse is refused before anything is sent, naming the field.
func TestCreditsRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	ok := &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r"}
	big := func(s string) creem.CreditAmount { return amount(t, s) }
	entry := func(acct string, side creem.CreditEntrySide, a creem.CreditAmount) creem.CreditEntryParams {
		return creem.CreditEntryParams{AccountID: acct, Side: side, Amount: a}
	}
	post := func(entries ...creem.CreditEntryParams) func(c *creem.Client) error {
		return func(c *creem.Client) error {
			_, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "r", Entries: entries})
			return err
		}
	}
	d, cr := creem.CreditEntryDebit, creem.CreditEntryCredit
	cases := []struct {
		name, field string
		call        func(c *creem.Client) error
	}{
		{"create nil", "params", func(c *creem.Client) error { _, err := c.Credits.CreateAccount(ctx, nil); return err }},
		{"create no customer", "customer_id", func(c *creem.Client) error {
			_, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{Name: "x"})
			return err
		}},
		{"create long name", "name", func(c *creem.Client) error {
			_, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: "c", Name: strings.Repeat("🪙", 51)})
			return err
		}},
		{"create negative seed", "initial_balance", func(c *creem.Client) error {
			_, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: "c", InitialBalance: creem.NewCreditAmount(-1)})
			return err
		}},
		{"get empty", "id", func(c *creem.Client) error { _, err := c.Credits.GetAccount(ctx, ""); return err }},
		{"get dot-dot", "id", func(c *creem.Client) error { _, err := c.Credits.GetAccount(ctx, ".."); return err }},
		{"list limit", "limit", func(c *creem.Client) error {
			_, err := c.Credits.ListAccounts(ctx, &creem.ListCreditAccountsParams{CursorParams: creem.CursorParams{Limit: 101}})
			return err
		}},
		{"entries both cursors", "starting_after", func(c *creem.Client) error {
			_, err := c.Credits.ListEntries(ctx, "cca_1", &creem.CursorParams{StartingAfter: "a", EndingBefore: "b"})
			return err
		}},
		{"balance year", "at", func(c *creem.Client) error {
			_, err := c.Credits.Balance(ctx, "cca_1", &creem.CreditBalanceParams{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
			return err
		}},
		{"freeze empty", "id", func(c *creem.Client) error { _, err := c.Credits.Freeze(ctx, " "); return err }},
		{"unfreeze dot", "id", func(c *creem.Client) error { _, err := c.Credits.Unfreeze(ctx, "."); return err }},
		{"close empty", "id", func(c *creem.Client) error { _, err := c.Credits.Close(ctx, ""); return err }},
		{"credit nil", "params", func(c *creem.Client) error { _, err := c.Credits.Credit(ctx, "cca_1", nil); return err }},
		{"credit no account", "id", func(c *creem.Client) error { _, err := c.Credits.Credit(ctx, "", ok); return err }},
		{"credit zero", "amount", func(c *creem.Client) error {
			_, err := c.Credits.Credit(ctx, "cca_1", &creem.CreditDebitParams{Reference: "r"})
			return err
		}},
		{"debit negative", "amount", func(c *creem.Client) error {
			_, err := c.Credits.Debit(ctx, "cca_1", &creem.CreditDebitParams{Amount: big("-5"), Reference: "r"})
			return err
		}},
		{"debit no reference", "reference", func(c *creem.Client) error {
			_, err := c.Credits.Debit(ctx, "cca_1", &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "  "})
			return err
		}},
		{"debit blank key", "idempotency_key", func(c *creem.Client) error {
			_, err := c.Credits.Debit(ctx, "cca_1", &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r", IdempotencyKey: " "})
			return err
		}},
		{"debit two keys", "idempotency_key", func(c *creem.Client) error {
			_, err := c.Credits.Debit(ctx, "cca_1", &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r", IdempotencyKey: "a"},
				creem.WithIdempotencyKey("b"))
			return err
		}},
		{"reverse no transaction", "transaction_id", func(c *creem.Client) error { _, err := c.Credits.ReverseOnAccount(ctx, "cca_1", ""); return err }},
		{"reverse no account", "id", func(c *creem.Client) error { _, err := c.Credits.ReverseOnAccount(ctx, "", "cct_1"); return err }},
		{"post nil", "params", func(c *creem.Client) error { _, err := c.Credits.PostTransaction(ctx, nil); return err }},
		{"post no entries", "entries", post()},
		{"post one entry", "entries", post(entry("a", d, creem.NewCreditAmount(1)))},
		{"post no reference", "reference", func(c *creem.Client) error {
			_, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Entries: transfer("a", "b", 1).Entries})
			return err
		}},
		{"post entry without account", "entries[1].account_id", post(entry("a", d, creem.NewCreditAmount(1)), entry("", cr, creem.NewCreditAmount(1)))},
		{"post entry bad side", "entries[0].side", post(entry("a", "withdraw", creem.NewCreditAmount(1)), entry("b", cr, creem.NewCreditAmount(1)))},
		{"post entry zero", "entries[1].amount", post(entry("a", d, creem.NewCreditAmount(1)), entry("b", cr, creem.CreditAmount{}))},
		{"post unbalanced", "entries", post(entry("a", d, creem.NewCreditAmount(300)), entry("b", cr, creem.NewCreditAmount(200)), entry("c", cr, creem.NewCreditAmount(99)))},
		// Beyond int64: 2^64 + 1 on one side, 2^64 on the other, which float64 would call equal.
		{"post unbalanced by one beyond int64", "entries", post(entry("a", d, big("18446744073709551617")), entry("b", cr, big("18446744073709551616")))},
		{"post all debits", "entries", post(entry("a", d, creem.NewCreditAmount(1)), entry("b", d, creem.NewCreditAmount(1)))},
		{"get transaction empty", "id", func(c *creem.Client) error { _, err := c.Credits.GetTransaction(ctx, ""); return err }},
		{"by reference empty", "reference", func(c *creem.Client) error { _, err := c.Credits.TransactionsByReference(ctx, ""); return err }},
		{"reverse transaction dot-dot", "id", func(c *creem.Client) error { _, err := c.Credits.ReverseTransaction(ctx, ".."); return err }},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(c)
			var pe *creem.InvalidParamsError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			assert.ErrorIs(t, err, creem.ErrInvalidParams)
		})
	}
	assert.Zero(t, rec.count(), "no request may reach the server")

	// Balanced beyond int64 passes (and is sent).
	_, err := c.Credits.PostTransaction(ctx, &creem.PostCreditTransactionParams{Reference: "r", Entries: []creem.CreditEntryParams{
		entry("a", d, big("18446744073709551617")), entry("b", cr, big("18446744073709551616")), entry("c", cr, creem.NewCreditAmount(1)),
	}})
	require.NoError(t, err)
	assert.Equal(t, 1, rec.count())
}

// The cursor All methods walk every page, passing the last ID of each page as starting_after and
// keeping the caller's filters.
func TestCreditsAllWalksCursorPages(t *testing.T) {
	ctx := context.Background()
	pages := func(prefix string, item func(id string) string) func(w http.ResponseWriter, r *http.Request, n int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			ids := map[string][]string{"": {prefix + "1", prefix + "2"}, prefix + "2": {prefix + "3", prefix + "4"}, prefix + "4": {prefix + "5"}}[r.URL.Query().Get("starting_after")]
			var data []string
			for _, id := range ids {
				data = append(data, item(id))
			}
			more := len(ids) == 2
			writeJSON(w, http.StatusOK, []byte(`{"object":"list","data":[`+strings.Join(data, ",")+`],"has_more":`+map[bool]string{true: "true", false: "false"}[more]+`}`))
		}
	}

	srv, rec := newServer(t, pages("cca_", func(id string) string {
		return `{"id":"` + id + `","store_id":"sto_1","customer_id":"cust_1","name":"` + id + `","unit_label":"credits","status":"active","created_at":"2026-11-21T12:00:00.000Z","updated_at":"2026-11-21T12:00:00.000Z"}`
	}))
	c := newClient(t, srv.URL)
	var got []string
	for a, err := range c.Credits.AllAccounts(ctx, &creem.ListCreditAccountsParams{CursorParams: creem.CursorParams{Limit: 2}, CustomerID: "cust_1"}) {
		require.NoError(t, err)
		got = append(got, a.ID)
	}
	assert.Equal(t, []string{"cca_1", "cca_2", "cca_3", "cca_4", "cca_5"}, got)
	var queries []string
	for _, r := range rec.all() {
		assert.Equal(t, "/v1/customer-credits/accounts", r.Path)
		queries = append(queries, r.RawQuery)
	}
	assert.Equal(t, []string{"customer_id=cust_1&limit=2", "customer_id=cust_1&limit=2&starting_after=cca_2", "customer_id=cust_1&limit=2&starting_after=cca_4"}, queries)

	srv, rec = newServer(t, pages("cce_", func(id string) string {
		return `{"id":"` + id + `","transaction_id":"cct_1","account_id":"cca_1","side":"credit","amount":"1","created_at":"2026-11-21T12:00:00.000Z"}`
	}))
	c = newClient(t, srv.URL)
	got = nil
	for e, err := range c.Credits.AllEntries(ctx, "cca_1", nil) {
		require.NoError(t, err)
		got = append(got, e.ID)
	}
	assert.Equal(t, []string{"cce_1", "cce_2", "cce_3", "cce_4", "cce_5"}, got)
	queries = nil
	for _, r := range rec.all() {
		assert.Equal(t, "/v1/customer-credits/accounts/cca_1/entries", r.Path)
		queries = append(queries, r.RawQuery)
	}
	assert.Equal(t, []string{"", "starting_after=cce_2", "starting_after=cce_4"}, queries)

	for _, err := range c.Credits.AllEntries(ctx, "cca_1", &creem.CursorParams{EndingBefore: "cce_3"}) {
		assert.ErrorIs(t, err, creem.ErrInvalidParams, "All walks forward only")
	}
}

// errors.Is matches the amount errors.
func TestCreditAmountErrorsMatch(t *testing.T) {
	_, err := creem.ParseCreditAmount("1.5")
	assert.ErrorIs(t, err, creem.ErrInvalidCreditAmount)
	var a creem.CreditAmount
	err = json.Unmarshal([]byte(`1.5`), &a)
	assert.ErrorIs(t, err, creem.ErrInvalidCreditAmount)
	assert.True(t, errors.Is(json.Unmarshal([]byte(`{"x":1}`), &a), creem.ErrInvalidCreditAmount))
}

// The golden request bodies are what the spec's request schemas allow: sent as they are to
// creemtest, which validates bodies against the spec the way Creem does (unknown properties,
// missing required ones, wrong types, enums) and checks amounts are strings of digits, none is
// refused as malformed. Their IDs are unknown to the fake, so each ends in a 404 after validation.
func TestCreditsGoldenBodiesPassSpecValidation(t *testing.T) {
	srv := creemtest.NewServer()
	defer srv.Close()
	send := func(path string, body []byte) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("x-api-key", srv.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(raw)
	}
	for _, tc := range creditsWireCases() {
		if tc.golden == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(tc.path, golden(t, tc.golden))
			assert.Equal(t, http.StatusNotFound, status, "validated, then an unknown ID: %s", body)
		})
	}
	// The check can fail: a property the spec lacks, and an amount that is not a string.
	status, _ := send("/v1/customer-credits/accounts/cca_1/debit", []byte(`{"amount":"1","reference":"r","idempotency_key":"k","memo":"x"}`))
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = send("/v1/customer-credits/accounts/cca_1/debit", []byte(`{"amount":1,"reference":"r","idempotency_key":"k"}`))
	assert.Equal(t, http.StatusBadRequest, status)
}
