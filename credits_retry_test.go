package creem_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// newerErrorBody is a realistic error in the newer envelope the credits API answers with.
func newerErrorBody(status int) []byte {
	typ := "api_error"
	if status == http.StatusTooManyRequests {
		typ = "rate_limit_error"
	}
	return []byte(`{"error":{"type":"` + typ + `","code":null,"message":"` + http.StatusText(status) + `","param":null,"request_id":"req_9Xk2LpQ7"}}`)
}

// failFirst answers the first request with status, later ones with the fixture.
func failFirst(t *testing.T, status int, fixtureName string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, status, newerErrorBody(status))
			return
		}
		writeJSON(w, http.StatusCreated, fixture(t, fixtureName))
	}
}

// bodyKey returns the idempotency_key of a recorded JSON body.
func bodyKey(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	k, _ := m["idempotency_key"].(string)
	return k
}

// Credit, Debit and PostTransaction carry an idempotency key in the body, generated once per
// call: after a 503, and after a connection reset once the request was sent, they are retried
// with the very same bytes. The caller's params are not modified.
func TestCreditsKeyedCallsAreRetriedWithTheSameKey(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(c *creem.Client) (*creem.CreditTransaction, any, error){
		"Credit": func(c *creem.Client) (*creem.CreditTransaction, any, error) {
			p := &creem.CreditDebitParams{Amount: creem.NewCreditAmount(10), Reference: "bonus"}
			tx, err := c.Credits.Credit(ctx, accountID, p)
			return tx, *p, err
		},
		"Debit": func(c *creem.Client) (*creem.CreditTransaction, any, error) {
			p := &creem.CreditDebitParams{Amount: creem.NewCreditAmount(3), Reference: "job_1"}
			tx, err := c.Credits.Debit(ctx, accountID, p)
			return tx, *p, err
		},
		"PostTransaction": func(c *creem.Client) (*creem.CreditTransaction, any, error) {
			p := transfer(accountID, "cca_2", 7)
			tx, err := c.Credits.PostTransaction(ctx, p)
			return tx, *p, err
		},
	}
	for name, call := range cases {
		for _, status := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests} {
			t.Run(name+"/"+http.StatusText(status), func(t *testing.T) {
				srv, rec := newServer(t, failFirst(t, status, "credits_transaction.json"))
				tx, params, err := call(newClient(t, srv.URL))
				require.NoError(t, err)
				assert.Equal(t, bonusTxID, tx.ID)
				reqs := rec.all()
				require.Len(t, reqs, 2, "retried once")
				assert.Equal(t, string(reqs[0].Body), string(reqs[1].Body), "every attempt sends the same bytes")
				assert.Regexp(t, uuidV4, bodyKey(t, reqs[0].Body))
				assert.Empty(t, reqs[0].Header.Get("Idempotency-Key"), "the key travels in the body only")
				switch p := params.(type) {
				case creem.CreditDebitParams:
					assert.Empty(t, p.IdempotencyKey, "the caller's params are left alone")
				case creem.PostCreditTransactionParams:
					assert.Empty(t, p.IdempotencyKey, "the caller's params are left alone")
				}
			})
		}
		t.Run(name+"/reset after sending", func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					hijackAndClose(t, w)
					return
				}
				writeJSON(w, http.StatusCreated, fixture(t, "credits_transaction.json"))
			})
			_, _, err := call(newClient(t, srv.URL))
			require.NoError(t, err)
			reqs := rec.all()
			require.Len(t, reqs, 2)
			assert.Equal(t, string(reqs[0].Body), string(reqs[1].Body))
		})
	}
}

func hijackAndClose(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	require.NoError(t, err)
	require.NoError(t, conn.Close())
}

// Each call gets a key of its own; repeating a call is a new transaction unless the caller
// gives the key.
func TestCreditsGeneratedKeysDifferPerCall(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusCreated, fixture(t, "credits_transaction.json")))
	c := newClient(t, srv.URL)
	p := &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r"}
	for range 3 {
		_, err := c.Credits.Debit(context.Background(), accountID, p)
		require.NoError(t, err)
	}
	keys := map[string]bool{}
	for _, r := range rec.all() {
		keys[bodyKey(t, r.Body)] = true
	}
	assert.Len(t, keys, 3)
}

// A caller's key wins, given in the params or with WithIdempotencyKey (which goes into the body,
// not a header); the same key twice is fine.
func TestCreditsCallerKeyWins(t *testing.T) {
	ctx := context.Background()
	srv, rec := newServer(t, serveJSON(http.StatusCreated, fixture(t, "credits_transaction.json")))
	c := newClient(t, srv.URL)
	var resp *http.Response
	_, err := c.Credits.Credit(ctx, accountID, &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r", IdempotencyKey: "mine-1"})
	require.NoError(t, err)
	_, err = c.Credits.Debit(ctx, accountID, &creem.CreditDebitParams{Amount: creem.NewCreditAmount(1), Reference: "r"},
		creem.WithIdempotencyKey("mine-2"), creem.WithHTTPResponse(&resp))
	require.NoError(t, err)
	require.NotNil(t, resp, "other options still apply")
	_, err = c.Credits.PostTransaction(ctx, transfer("a", "b", 1), creem.WithIdempotencyKey("mine-3"))
	require.NoError(t, err)
	p := transfer("a", "b", 1)
	p.IdempotencyKey = "mine-4"
	_, err = c.Credits.PostTransaction(ctx, p, creem.WithIdempotencyKey("mine-4"))
	require.NoError(t, err)
	reqs := rec.all()
	require.Len(t, reqs, 4)
	for i, want := range []string{"mine-1", "mine-2", "mine-3", "mine-4"} {
		assert.Equal(t, want, bodyKey(t, reqs[i].Body))
		assert.Empty(t, reqs[i].Header.Get("Idempotency-Key"))
	}
}

// Freeze, Unfreeze, Close, CreateAccount and both reverses are not idempotent: a 503 (the
// request may have been applied) is not retried; a 429 (it was not) is.
func TestCreditsUnsafeWritesAreNotRetried(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		fixture string
		call    func(c *creem.Client) error
	}{
		"Freeze":   {"credits_account.json", func(c *creem.Client) error { _, err := c.Credits.Freeze(ctx, accountID); return err }},
		"Unfreeze": {"credits_account.json", func(c *creem.Client) error { _, err := c.Credits.Unfreeze(ctx, accountID); return err }},
		"Close":    {"credits_account.json", func(c *creem.Client) error { _, err := c.Credits.Close(ctx, accountID); return err }},
		"CreateAccount": {"credits_account.json", func(c *creem.Client) error {
			_, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: custID})
			return err
		}},
		"ReverseOnAccount": {"credits_transaction_reversal.json", func(c *creem.Client) error {
			_, err := c.Credits.ReverseOnAccount(ctx, accountID, bonusTxID)
			return err
		}},
		"ReverseTransaction": {"credits_transaction_reversal.json", func(c *creem.Client) error {
			_, err := c.Credits.ReverseTransaction(ctx, bonusTxID)
			return err
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, rec := newServer(t, failFirst(t, http.StatusServiceUnavailable, tc.fixture))
			err := tc.call(newClient(t, srv.URL))
			require.ErrorIs(t, err, creem.ErrServer)
			assert.Equal(t, 1, rec.count(), "a 503 on a write that is not idempotent is not retried")

			srv, rec = newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					hijackAndClose(t, w)
					return
				}
				writeJSON(w, http.StatusOK, fixture(t, tc.fixture))
			})
			require.Error(t, tc.call(newClient(t, srv.URL)))
			assert.Equal(t, 1, rec.count(), "nor is a reset after the request was sent")

			srv, rec = newServer(t, failFirst(t, http.StatusTooManyRequests, tc.fixture))
			require.NoError(t, tc.call(newClient(t, srv.URL)))
			assert.Equal(t, 2, rec.count(), "a 429 is retried")
		})
	}
}
