package creem_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// ledgerOp is one SDK call of the invariant test and what the SDK reported.
type ledgerOp struct {
	kind      string // credit, debit, transfer, reverse
	reference string // unique per keyed call
	key       string // the caller's idempotency key; "" when the SDK generated one
	target    string // reverse: the transaction reversed
	txID      string // the transaction returned on success
	err       error
}

const (
	creditRoute   = "POST /v1/customer-credits/accounts/{id}/credit"
	debitRoute    = "POST /v1/customer-credits/accounts/{id}/debit"
	postRoute     = "POST /v1/customer-credits/transactions"
	reverseRoute  = "POST /v1/customer-credits/transactions/{id}/reverse"
	reverseOnAcct = "POST /v1/customer-credits/accounts/{id}/reverse"
)

// ledgerFaults are the ways a call fails: after Creem applied it (a 5xx or a reset, the case
// that makes retrying writes dangerous), or before (429, 503, a reset).
var ledgerFaults = []creemtest.Fault{
	{Status: http.StatusInternalServerError, AfterHandling: true},
	{Status: http.StatusBadGateway, AfterHandling: true},
	{Drop: true, AfterHandling: true},
	{Status: http.StatusTooManyRequests, RetryAfter: "0"},
	{Status: http.StatusServiceUnavailable},
	{Drop: true},
}

// The ledger invariant: thousands of random concurrent credits, debits, transfers and reversals
// from 16 goroutines, with faults injected before and after handling. Afterwards every account's
// balance is the sum of its entries, every transaction balances, no balance ever went negative,
// no idempotency key produced two transactions, and every call the SDK reported as failed is
// either absent from the ledger or was posted exactly once under its key.
func TestCreditsLedgerInvariantUnderFaults(t *testing.T) {
	const (
		workers      = 16
		opsPerWorker = 160
		faultRate    = 0.3
	)
	srv := creemtest.NewServer()
	defer srv.Close()
	c, err := srv.Client(creem.WithRetryMax(2), creem.WithRetryWait(0, time.Millisecond))
	require.NoError(t, err)
	ctx := context.Background()

	var accounts []string
	for i := range 8 {
		cust, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: fmt.Sprintf("c%d@example.com", i), Name: "C"})
		require.NoError(t, err)
		for _, name := range []string{"default", "spare"} {
			a, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: cust.ID, Name: name, InitialBalance: creem.NewCreditAmount(500)})
			require.NoError(t, err)
			accounts = append(accounts, a.ID)
		}
	}

	var (
		mu     sync.Mutex
		posted []string // transactions that may be reversed
		ops    []ledgerOp
	)
	record := func(op ledgerOp) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op)
		if op.err == nil && op.kind != "reverse" {
			posted = append(posted, op.txID)
		}
	}

	// First, calls that certainly fail after being applied: every attempt answers 500 after
	// the ledger posted (the first attempt) or replayed (the retries).
	for i, acct := range accounts[:4] {
		ref := fmt.Sprintf("forced-%d", i)
		srv.FailNext("POST /v1/customer-credits/accounts/"+acct+"/debit", 3, creemtest.Fault{Status: http.StatusInternalServerError, AfterHandling: true})
		op := ledgerOp{kind: "debit", reference: ref}
		if i%2 == 0 {
			op.key = "key-" + ref
		}
		_, op.err = c.Credits.Debit(ctx, acct, &creem.CreditDebitParams{Amount: creem.NewCreditAmount(7), Reference: ref, IdempotencyKey: op.key})
		require.ErrorIs(t, op.err, creem.ErrServer)
		record(op)
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 14))
			pick := func() string { return accounts[rng.IntN(len(accounts))] }
			amount := func() creem.CreditAmount { return creem.NewCreditAmount(1 + rng.Int64N(60)) }
			for i := range opsPerWorker {
				ref := fmt.Sprintf("w%02d-%04d", w, i)
				op := ledgerOp{reference: ref}
				if rng.IntN(2) == 0 {
					op.key = "key-" + ref
				}
				var route string
				roll := rng.IntN(100)
				switch {
				case roll < 30:
					op.kind, route = "credit", creditRoute
				case roll < 60:
					op.kind, route = "debit", debitRoute
				case roll < 85:
					op.kind, route = "transfer", postRoute
				default:
					op.kind, route = "reverse", reverseRoute
					mu.Lock()
					if len(posted) > 0 {
						op.target = posted[rng.IntN(len(posted))]
					}
					mu.Unlock()
					if op.target == "" {
						op.kind, route = "credit", creditRoute
					} else if rng.IntN(2) == 0 {
						route = reverseOnAcct
					}
				}
				if rng.Float64() < faultRate {
					srv.FailNext(route, 1, ledgerFaults[rng.IntN(len(ledgerFaults))])
				}
				var tx *creem.CreditTransaction
				switch op.kind {
				case "credit":
					tx, op.err = c.Credits.Credit(ctx, pick(), &creem.CreditDebitParams{Amount: amount(), Reference: ref, IdempotencyKey: op.key})
				case "debit":
					tx, op.err = c.Credits.Debit(ctx, pick(), &creem.CreditDebitParams{Amount: amount(), Reference: ref, IdempotencyKey: op.key})
				case "transfer":
					from, a, b := pick(), amount(), amount()
					p := &creem.PostCreditTransactionParams{Reference: ref, IdempotencyKey: op.key, Entries: []creem.CreditEntryParams{
						{AccountID: from, Side: creem.CreditEntryDebit, Amount: creem.CreditAmountFromBig(new(big.Int).Add(a.Big(), b.Big()))},
						{AccountID: pick(), Side: creem.CreditEntryCredit, Amount: a},
						{AccountID: pick(), Side: creem.CreditEntryCredit, Amount: b},
					}}
					tx, op.err = c.Credits.PostTransaction(ctx, p)
				case "reverse":
					op.key = ""
					if route == reverseOnAcct {
						var orig *creem.CreditTransaction
						orig, op.err = c.Credits.GetTransaction(ctx, op.target)
						if op.err == nil {
							tx, op.err = c.Credits.ReverseOnAccount(ctx, orig.Entries[rng.IntN(len(orig.Entries))].AccountID, op.target)
						}
					} else {
						tx, op.err = c.Credits.ReverseTransaction(ctx, op.target)
					}
				}
				if op.err == nil {
					op.txID = tx.ID
				}
				record(op)
			}
		}()
	}
	wg.Wait()

	ledger := srv.CreditLedger()
	txByID := map[string]creem.CreditTransaction{}
	for _, tx := range ledger.Transactions {
		txByID[tx.ID] = tx
	}

	// Every transaction balances; replayed in posting order, no customer account goes below
	// zero, and each ends at its projected balance.
	system := map[string]bool{}
	for _, a := range ledger.Accounts {
		system[a.ID] = a.System
	}
	running := map[string]*big.Int{}
	for _, tx := range ledger.Transactions {
		var debits, credits big.Int
		for _, e := range tx.Entries {
			require.Equal(t, 1, e.Amount.Sign(), "entries carry positive amounts")
			if running[e.AccountID] == nil {
				running[e.AccountID] = new(big.Int)
			}
			if e.Side == creem.CreditEntryCredit {
				credits.Add(&credits, e.Amount.Big())
				running[e.AccountID].Add(running[e.AccountID], e.Amount.Big())
			} else {
				debits.Add(&debits, e.Amount.Big())
				running[e.AccountID].Sub(running[e.AccountID], e.Amount.Big())
			}
		}
		require.Zero(t, debits.Cmp(&credits), "transaction %s balances", tx.ID)
		for _, e := range tx.Entries {
			if !system[e.AccountID] {
				require.GreaterOrEqual(t, running[e.AccountID].Sign(), 0, "account %s went negative in %s", e.AccountID, tx.ID)
			}
		}
	}
	for _, a := range ledger.Accounts {
		sum := running[a.ID]
		if sum == nil {
			sum = new(big.Int)
		}
		require.Equal(t, sum.String(), a.Balance.String(), "account %s: balance = sum of its entries", a.ID)
	}

	// No idempotency key produced two transactions.
	byKey := map[string]int{}
	for _, tx := range ledger.Transactions {
		byKey[tx.IdempotencyKey]++
		require.Equal(t, 1, byKey[tx.IdempotencyKey], "key %q posted twice", tx.IdempotencyKey)
	}

	// Every keyed call: a success is exactly the transaction it returned; a failure is absent,
	// or posted exactly once under its key. Reversals happen at most once and exactly undo.
	byRef := map[string][]creem.CreditTransaction{}
	reversals := map[string][]creem.CreditTransaction{}
	for _, tx := range ledger.Transactions {
		if tx.ReversalOf != nil {
			reversals[*tx.ReversalOf] = append(reversals[*tx.ReversalOf], tx)
		} else {
			byRef[tx.Reference] = append(byRef[tx.Reference], tx)
		}
	}
	var failed, failedButPosted, refused, succeeded int
	refs := map[string]bool{"initial_balance": true}
	for _, op := range ops {
		if op.err != nil {
			failed++
		} else {
			succeeded++
		}
		if op.kind == "reverse" {
			if op.err == nil {
				rev := txByID[op.txID]
				require.NotNil(t, rev.ReversalOf, "a reversal returned by the SDK is in the ledger")
				assert.Equal(t, op.target, *rev.ReversalOf)
			} else if refusedByCreem(op.err) {
				refused++
			}
			continue
		}
		refs[op.reference] = true
		got := byRef[op.reference]
		switch {
		case op.err == nil:
			require.Len(t, got, 1, "%s %s succeeded: one transaction", op.kind, op.reference)
			assert.Equal(t, op.txID, got[0].ID)
		case refusedByCreem(op.err):
			refused++
			assert.Empty(t, got, "%s %s was refused (%v): nothing posted", op.kind, op.reference, op.err)
		default:
			require.LessOrEqual(t, len(got), 1, "%s %s failed (%v): at most one transaction", op.kind, op.reference, op.err)
			if len(got) == 1 {
				failedButPosted++
			}
		}
		if len(got) == 1 {
			if op.key != "" {
				assert.Equal(t, op.key, got[0].IdempotencyKey)
			} else {
				assert.Regexp(t, uuidV4, got[0].IdempotencyKey, "a key the SDK generated")
			}
		}
	}
	for ref := range byRef {
		assert.True(t, refs[ref], "transaction under %q comes from no call", ref)
	}
	for orig, revs := range reversals {
		require.Len(t, revs, 1, "%s reversed once", orig)
		o, rev := txByID[orig], revs[0]
		require.Len(t, rev.Entries, len(o.Entries))
		for i, e := range o.Entries {
			assert.Equal(t, e.AccountID, rev.Entries[i].AccountID)
			assert.Equal(t, e.Amount, rev.Entries[i].Amount)
			assert.NotEqual(t, e.Side, rev.Entries[i].Side)
		}
	}

	// What the API serves agrees with the ledger: each balance, and the sum of the entries read
	// back through the cursor paginator.
	for _, a := range ledger.Accounts {
		if a.System {
			continue
		}
		b, err := c.Credits.Balance(ctx, a.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, a.Balance, b.Balance)
		sum := new(big.Int)
		for e, err := range c.Credits.AllEntries(ctx, a.ID, &creem.CursorParams{Limit: 100}) {
			require.NoError(t, err)
			if e.Side == creem.CreditEntryCredit {
				sum.Add(sum, e.Amount.Big())
			} else {
				sum.Sub(sum, e.Amount.Big())
			}
		}
		assert.Equal(t, a.Balance.String(), sum.String())
	}

	calls := 0
	for _, r := range []string{creditRoute, debitRoute, postRoute, reverseRoute, reverseOnAcct} {
		calls += srv.Calls(r)
	}
	t.Logf("%d calls (%d requests): %d succeeded, %d failed (%d refused by the ledger, %d posted despite the failure), %d transactions, %d reversals",
		len(ops), calls, succeeded, failed, refused, failedButPosted, len(ledger.Transactions), len(reversals))
	assert.Greater(t, len(ops), 2500, "thousands of calls")
	assert.Greater(t, calls, len(ops), "faults made the SDK retry")
	assert.GreaterOrEqual(t, failedButPosted, 4, "the forced failures after posting are in the ledger once")
	assert.Positive(t, refused, "the ledger refused some calls (insufficient balance, reversals)")
	assert.Positive(t, len(reversals))
}

// refusedByCreem reports whether err is the ledger's own refusal (400, 404, 409, 422), which
// Creem answers before posting anything.
func refusedByCreem(err error) bool {
	var apiErr *creem.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return false
}
