package creemtest

import (
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/creem-go/creem"
)

// creditsStore holds customer credit accounts, entries and ledger transactions. Server.mu guards it.
type creditsStore struct {
	storeID  string
	accounts *table[ledgerAccount]     // every account, system ones included, in creation order
	txs      *table[ledgerTx]          // every transaction, in posting order
	byKey    map[string]*ledgerTx      // idempotency key → the transaction posted under it
	system   map[string]*ledgerAccount // unit label → the store's system account for it
	reversal map[string]string         // transaction ID → the ID of its reversal
}

func (st *creditsStore) init() {
	st.accounts = newTable[ledgerAccount]()
	st.txs = newTable[ledgerTx]()
	st.byKey = map[string]*ledgerTx{}
	st.system = map[string]*ledgerAccount{}
	st.reversal = map[string]string{}
}

// ledgerAccount is an account with its entries and projected balance.
type ledgerAccount struct {
	creem.CreditAccount
	system  bool
	balance big.Int        // projected: moved by every entry as it is posted
	entries []*ledgerEntry // in posting order
	// lastGrant is the last transaction that raised the balance ("none" before any), and
	// exhausted the current exhaustion episode's ID ("" when the bucket is not exhausted).
	lastGrant string
	exhausted string
}

type ledgerEntry struct {
	creem.CreditEntry
	at     time.Time
	amount *big.Int
}

// ledgerTx is a posted transaction and a fingerprint of the request that posted it, to tell a
// repeat of that request from another one reusing its idempotency key.
type ledgerTx struct {
	creem.CreditTransaction
	fingerprint string
}

// leg is one entry of a transaction about to be posted.
type leg struct {
	acct   *ledgerAccount
	side   creem.CreditEntrySide
	amount *big.Int
}

func init() {
	familyRoutes = append(familyRoutes, func(s *Server, handle func(string, handler)) {
		const accounts = "/v1/customer-credits/accounts"
		handle("POST "+accounts, s.createCreditAccount)
		handle("GET "+accounts, s.listCreditAccounts)
		handle("GET "+accounts+"/{id}", s.getCreditAccount)
		handle("GET "+accounts+"/{id}/balance", s.creditBalance)
		handle("GET "+accounts+"/{id}/entries", s.creditEntries)
		handle("POST "+accounts+"/{id}/freeze", s.freezeCreditAccount)
		handle("POST "+accounts+"/{id}/unfreeze", s.unfreezeCreditAccount)
		handle("POST "+accounts+"/{id}/close", s.closeCreditAccount)
		handle("POST "+accounts+"/{id}/credit", s.creditOrDebit(creem.CreditEntryCredit))
		handle("POST "+accounts+"/{id}/debit", s.creditOrDebit(creem.CreditEntryDebit))
		handle("POST "+accounts+"/{id}/reverse", s.reverseOnCreditAccount)
		const txs = "/v1/customer-credits/transactions"
		handle("POST "+txs, s.postCreditTransaction)
		handle("GET "+txs, s.creditTransactionsByReference)
		handle("GET "+txs+"/{id}", s.getCreditTransaction)
		handle("POST "+txs+"/{id}/reverse", s.reverseCreditTransaction)
	})
}

// parseAmount reads a request amount: ASCII digits only. positive refuses zero.
func parseAmount(s, param string, positive bool) (*big.Int, *apiError) {
	ok := s != ""
	for i := 0; i < len(s); i++ {
		ok = ok && s[i] >= '0' && s[i] <= '9'
	}
	x, _ := new(big.Int).SetString(s, 10)
	switch {
	case !ok || x == nil:
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", param, param+" must be a string of digits")
	case positive && x.Sign() == 0:
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", param, param+" must be greater than zero")
	}
	return x, nil
}

// creditAccount finds a customer account by ID; system accounts are not served. s.mu must be held.
func (s *Server) creditAccount(id string) (*ledgerAccount, *apiError) {
	a, ok := s.st.credits.accounts.get(id)
	if !ok || a.system {
		return nil, notFound("Account")
	}
	return a, nil
}

// systemAccount returns the store's system account for a unit label, creating it. s.mu must be held.
func (s *Server) systemAccount(unitLabel string) *ledgerAccount {
	st := &s.st.credits
	if a, ok := st.system[unitLabel]; ok {
		return a
	}
	now := creem.NewTimestamp(s.now().UTC())
	a := &ledgerAccount{system: true, lastGrant: "none", CreditAccount: creem.CreditAccount{
		ID: newID("cca"), StoreID: st.storeID, CustomerID: st.storeID, Name: "system:" + unitLabel,
		UnitLabel: unitLabel, Status: creem.CreditAccountActive, CreatedAt: now, UpdatedAt: now,
	}}
	st.system[unitLabel] = a
	st.accounts.put(a.ID, a)
	return a
}

// writable refuses a frozen or closed account.
func writable(a *ledgerAccount) *apiError {
	switch a.Status {
	case creem.CreditAccountFrozen:
		return codedError(http.StatusConflict, "account_frozen", "", "Account "+a.ID+" is frozen")
	case creem.CreditAccountClosed:
		return codedError(http.StatusConflict, "account_closed", "", "Account "+a.ID+" is closed")
	}
	return nil
}

// replay answers a request carrying an idempotency key already used: the original transaction
// when the request is the same, 422 when it is another. It returns nil when the key is new.
func (s *Server) replay(key, fingerprint string) (any, *apiError) {
	tx, ok := s.st.credits.byKey[key]
	if !ok {
		return nil, nil
	}
	if tx.fingerprint != fingerprint {
		return nil, codedError(http.StatusUnprocessableEntity, "idempotency_key_reused", "idempotency_key",
			"idempotency_key was already used for a different request")
	}
	return status{http.StatusCreated, &tx.CreditTransaction}, nil
}

// postLedger posts a transaction of legs: every account must accept writes, debits must equal
// credits, and no customer account may go below zero. It records the entries, moves the
// balances and emits the movement webhooks. s.mu must be held.
func (s *Server) postLedger(reference, key, fingerprint string, reversalOf *string, legs []leg) (*ledgerTx, *apiError) {
	var debits, credits big.Int
	var order []*ledgerAccount // accounts in the order of their first entry
	net := map[*ledgerAccount]*big.Int{}
	for _, l := range legs {
		if aerr := writable(l.acct); aerr != nil {
			return nil, aerr
		}
		d := net[l.acct]
		if d == nil {
			d = new(big.Int)
			net[l.acct] = d
			order = append(order, l.acct)
		}
		if l.side == creem.CreditEntryCredit {
			credits.Add(&credits, l.amount)
			d.Add(d, l.amount)
		} else {
			debits.Add(&debits, l.amount)
			d.Sub(d, l.amount)
		}
	}
	if debits.Cmp(&credits) != 0 {
		return nil, codedError(http.StatusUnprocessableEntity, "unbalanced_transaction", "entries", "Total debits must equal total credits")
	}
	for _, a := range order {
		if after := new(big.Int).Add(&a.balance, net[a]); !a.system && after.Sign() < 0 {
			return nil, codedError(http.StatusUnprocessableEntity, "insufficient_balance", "amount",
				fmt.Sprintf("Account %s has a balance of %s, less than the %s to take", a.ID, a.balance.String(), new(big.Int).Neg(net[a]).String()))
		}
	}

	st := &s.st.credits
	now := s.now().UTC().Truncate(time.Millisecond)
	ts := creem.NewTimestamp(now)
	tx := &ledgerTx{fingerprint: fingerprint, CreditTransaction: creem.CreditTransaction{
		ID: newID("cct"), StoreID: st.storeID, Reference: reference, IdempotencyKey: key,
		ReversalOf: reversalOf, Entries: make([]creem.CreditEntry, 0, len(legs)), CreatedAt: ts,
	}}
	for _, l := range legs {
		e := &ledgerEntry{at: now, amount: new(big.Int).Set(l.amount), CreditEntry: creem.CreditEntry{
			ID: newID("cce"), TransactionID: tx.ID, AccountID: l.acct.ID, Side: l.side,
			Amount: creem.CreditAmountFromBig(l.amount), CreatedAt: ts,
		}}
		l.acct.entries = append(l.acct.entries, e)
		if l.side == creem.CreditEntryCredit {
			l.acct.balance.Add(&l.acct.balance, l.amount)
		} else {
			l.acct.balance.Sub(&l.acct.balance, l.amount)
		}
		tx.Entries = append(tx.Entries, e.CreditEntry)
	}
	st.txs.put(tx.ID, tx)
	st.byKey[key] = tx

	for _, a := range order {
		d := net[a]
		if a.system || d.Sign() == 0 {
			continue
		}
		if d.Sign() > 0 {
			a.lastGrant, a.exhausted = tx.ID, "" // credits added: an exhaustion episode ends
		}
		if reversalOf != nil {
			continue
		}
		mv := &creem.CreditsMovement{
			ID: tx.ID, Object: "customer_credits_grant", CustomerID: a.CustomerID, AccountID: a.ID,
			BucketName: a.Name, UnitLabel: a.UnitLabel, AmountMinorUnits: new(big.Int).Abs(d).String(),
			BalanceAfterMinorUnits: a.balance.String(), Reference: reference, OccurredAt: ts,
		}
		event := creem.EventCreditsGranted
		if d.Sign() < 0 {
			mv.Object, event = "customer_credits_consumption", creem.EventCreditsConsumed
		}
		s.emit(event, mv)
	}
	return tx, nil
}

type createCreditAccountBody struct {
	CustomerID     string  `json:"customer_id"`
	Name           *string `json:"name"`
	UnitLabel      *string `json:"unit_label"`
	InitialBalance *string `json:"initial_balance"`
}

func (s *Server) createCreditAccount(_ *http.Request, body []byte) (any, *apiError) {
	var p createCreditAccountBody
	if aerr := decodeBody(body, "CreateAccountDto", &p); aerr != nil {
		return nil, aerr
	}
	if _, ok := s.st.customers.get(p.CustomerID); !ok {
		return nil, notFound("Customer")
	}
	name, unit := "default", "credits"
	if p.Name != nil {
		name = strings.TrimSpace(*p.Name)
		n := 0
		for _, r := range name {
			n += utf16.RuneLen(r)
		}
		switch {
		case name == "":
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "name", "name must not be blank")
		case n > 100:
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "name", "name must be shorter than or equal to 100 characters")
		}
	}
	if p.UnitLabel != nil {
		unit = *p.UnitLabel
	}
	var initial *big.Int
	if p.InitialBalance != nil {
		x, aerr := parseAmount(*p.InitialBalance, "initial_balance", false)
		if aerr != nil {
			return nil, aerr
		}
		initial = x
	}
	st := &s.st.credits
	if _, taken := st.accounts.find(func(a *ledgerAccount) bool {
		return !a.system && a.CustomerID == p.CustomerID && strings.EqualFold(a.Name, name)
	}); taken {
		return nil, codedError(http.StatusConflict, "account_exists", "name", "An account named "+name+" already exists for this customer")
	}
	now := creem.NewTimestamp(s.now().UTC())
	a := &ledgerAccount{lastGrant: "none", CreditAccount: creem.CreditAccount{
		ID: newID("cca"), StoreID: st.storeID, CustomerID: p.CustomerID, Name: name, UnitLabel: unit,
		Status: creem.CreditAccountActive, CreatedAt: now, UpdatedAt: now,
	}}
	st.accounts.put(a.ID, a)
	if initial != nil && initial.Sign() > 0 {
		legs := []leg{{a, creem.CreditEntryCredit, initial}, {s.systemAccount(unit), creem.CreditEntryDebit, initial}}
		if _, aerr := s.postLedger("initial_balance", "initial_balance:"+a.ID, "initial|"+a.ID, nil, legs); aerr != nil {
			panic("creemtest: seeding a new account: " + aerr.messages[0])
		}
	}
	return status{http.StatusCreated, &a.CreditAccount}, nil
}

func (s *Server) listCreditAccounts(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	customer := q.Get("customer_id")
	all := s.st.credits.accounts.filter(func(a *ledgerAccount) bool {
		return !a.system && (customer == "" || a.CustomerID == customer)
	})
	items := make([]*creem.CreditAccount, len(all))
	for i, a := range all {
		items[len(all)-1-i] = &a.CreditAccount // newest first
	}
	return cursorPage(q, items, func(a *creem.CreditAccount) string { return a.ID })
}

func (s *Server) getCreditAccount(r *http.Request, _ []byte) (any, *apiError) {
	a, aerr := s.creditAccount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	return &a.CreditAccount, nil
}

func (s *Server) creditBalance(r *http.Request, _ []byte) (any, *apiError) {
	a, aerr := s.creditAccount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	raw := r.URL.Query().Get("at")
	if raw == "" {
		updated := a.CreatedAt
		if n := len(a.entries); n > 0 {
			updated = a.entries[n-1].CreatedAt
		}
		return &creem.CreditBalance{Balance: creem.CreditAmountFromBig(&a.balance), UpdatedAt: updated}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		if at, err = time.Parse("2006-01-02", raw); err != nil {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "at", "at must be a valid ISO 8601 date string")
		}
	}
	return &creem.CreditBalance{Balance: creem.CreditAmountFromBig(balanceAt(a, at)), AsOf: creem.NewTimestamp(at.UTC())}, nil
}

// balanceAt derives an account's balance at a point in time from its entries.
func balanceAt(a *ledgerAccount, at time.Time) *big.Int {
	sum := new(big.Int)
	for _, e := range a.entries {
		if e.at.After(at) {
			break
		}
		if e.Side == creem.CreditEntryCredit {
			sum.Add(sum, e.amount)
		} else {
			sum.Sub(sum, e.amount)
		}
	}
	return sum
}

func (s *Server) creditEntries(r *http.Request, _ []byte) (any, *apiError) {
	a, aerr := s.creditAccount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	items := make([]*creem.CreditEntry, len(a.entries))
	for i, e := range a.entries {
		items[len(a.entries)-1-i] = &e.CreditEntry // newest first
	}
	return cursorPage(r.URL.Query(), items, func(e *creem.CreditEntry) string { return e.ID })
}

// setCreditStatus moves an account from one of the states in from to state to; 409 otherwise.
func (s *Server) setCreditStatus(r *http.Request, to creem.CreditAccountStatus, from ...creem.CreditAccountStatus) (any, *apiError) {
	a, aerr := s.creditAccount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	allowed := false
	for _, f := range from {
		allowed = allowed || a.Status == f
	}
	if !allowed {
		code := "account_" + string(a.Status)
		if a.Status == creem.CreditAccountActive {
			code = "account_not_frozen"
		}
		return nil, codedError(http.StatusConflict, code, "", "Account "+a.ID+" is "+string(a.Status))
	}
	a.Status = to
	a.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	return &a.CreditAccount, nil
}

func (s *Server) freezeCreditAccount(r *http.Request, _ []byte) (any, *apiError) {
	return s.setCreditStatus(r, creem.CreditAccountFrozen, creem.CreditAccountActive)
}

func (s *Server) unfreezeCreditAccount(r *http.Request, _ []byte) (any, *apiError) {
	return s.setCreditStatus(r, creem.CreditAccountActive, creem.CreditAccountFrozen)
}

func (s *Server) closeCreditAccount(r *http.Request, _ []byte) (any, *apiError) {
	return s.setCreditStatus(r, creem.CreditAccountClosed, creem.CreditAccountActive, creem.CreditAccountFrozen)
}

type creditDebitBody struct {
	Amount         string `json:"amount"`
	Reference      string `json:"reference"`
	IdempotencyKey string `json:"idempotency_key"`
}

// checkKeyAndReference refuses a blank reference or idempotency key.
func checkKeyAndReference(reference, key string) *apiError {
	if strings.TrimSpace(reference) == "" {
		return codedError(http.StatusBadRequest, "invalid_parameter", "reference", "reference must not be empty")
	}
	if strings.TrimSpace(key) == "" {
		return codedError(http.StatusBadRequest, "invalid_parameter", "idempotency_key", "idempotency_key must not be empty")
	}
	return nil
}

// creditOrDebit serves POST …/credit (side credit) and …/debit (side debit): the customer's
// account takes that side, the system account for its unit label the other.
func (s *Server) creditOrDebit(side creem.CreditEntrySide) handler {
	other := creem.CreditEntryDebit
	if side == creem.CreditEntryDebit {
		other = creem.CreditEntryCredit
	}
	return func(r *http.Request, body []byte) (any, *apiError) {
		var p creditDebitBody
		if aerr := decodeBody(body, "CreditDebitRequestDto", &p); aerr != nil {
			return nil, aerr
		}
		amount, aerr := parseAmount(p.Amount, "amount", true)
		if aerr != nil {
			return nil, aerr
		}
		if aerr := checkKeyAndReference(p.Reference, p.IdempotencyKey); aerr != nil {
			return nil, aerr
		}
		id := r.PathValue("id")
		fingerprint := strings.Join([]string{string(side), id, amount.String(), p.Reference}, "|")
		if out, aerr := s.replay(p.IdempotencyKey, fingerprint); out != nil || aerr != nil {
			return out, aerr
		}
		a, aerr := s.creditAccount(id)
		if aerr != nil {
			return nil, aerr
		}
		legs := []leg{{a, side, amount}, {s.systemAccount(a.UnitLabel), other, amount}}
		tx, aerr := s.postLedger(p.Reference, p.IdempotencyKey, fingerprint, nil, legs)
		if aerr != nil {
			return nil, aerr
		}
		return status{http.StatusCreated, &tx.CreditTransaction}, nil
	}
}

type postTransactionBody struct {
	Reference      string `json:"reference"`
	IdempotencyKey string `json:"idempotency_key"`
	Entries        []struct {
		AccountID string `json:"account_id"`
		Side      string `json:"side"`
		Amount    string `json:"amount"`
	} `json:"entries"`
}

func (s *Server) postCreditTransaction(_ *http.Request, body []byte) (any, *apiError) {
	var p postTransactionBody
	if aerr := decodeBody(body, "PostTransactionDto", &p); aerr != nil {
		return nil, aerr
	}
	if aerr := checkKeyAndReference(p.Reference, p.IdempotencyKey); aerr != nil {
		return nil, aerr
	}
	if len(p.Entries) < 2 {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "entries", "entries must contain at least 2 elements")
	}
	amounts := make([]*big.Int, len(p.Entries))
	fp := []string{"post", p.Reference}
	for i, e := range p.Entries {
		x, aerr := parseAmount(e.Amount, fmt.Sprintf("entries[%d].amount", i), true)
		if aerr != nil {
			return nil, aerr
		}
		amounts[i] = x
		fp = append(fp, e.AccountID+":"+e.Side+":"+x.String())
	}
	fingerprint := strings.Join(fp, "|")
	if out, aerr := s.replay(p.IdempotencyKey, fingerprint); out != nil || aerr != nil {
		return out, aerr
	}
	legs := make([]leg, len(p.Entries))
	for i, e := range p.Entries {
		a, aerr := s.creditAccount(e.AccountID)
		if aerr != nil {
			return nil, aerr
		}
		legs[i] = leg{a, creem.CreditEntrySide(e.Side), amounts[i]}
	}
	tx, aerr := s.postLedger(p.Reference, p.IdempotencyKey, fingerprint, nil, legs)
	if aerr != nil {
		return nil, aerr
	}
	return status{http.StatusCreated, &tx.CreditTransaction}, nil
}

// reverse posts the reversal of tx. s.mu must be held.
func (s *Server) reverse(tx *ledgerTx) (any, *apiError) {
	st := &s.st.credits
	if tx.ReversalOf != nil {
		return nil, codedError(http.StatusBadRequest, "cannot_reverse_reversal", "transaction_id", "Transaction "+tx.ID+" is a reversal and cannot be reversed")
	}
	if id, done := st.reversal[tx.ID]; done {
		return nil, codedError(http.StatusBadRequest, "already_reversed", "transaction_id", "Transaction "+tx.ID+" was already reversed by "+id)
	}
	legs := make([]leg, len(tx.Entries))
	for i, e := range tx.Entries {
		a, _ := st.accounts.get(e.AccountID)
		side := creem.CreditEntryCredit
		if e.Side == creem.CreditEntryCredit {
			side = creem.CreditEntryDebit
		}
		legs[i] = leg{a, side, e.Amount.Big()}
	}
	original := tx.ID
	rev, aerr := s.postLedger(tx.Reference, "reversal:"+original, "reversal|"+original, &original, legs)
	if aerr != nil {
		return nil, aerr
	}
	st.reversal[original] = rev.ID
	return status{http.StatusCreated, &rev.CreditTransaction}, nil
}

func (s *Server) reverseOnCreditAccount(r *http.Request, body []byte) (any, *apiError) {
	var p struct {
		TransactionID string `json:"transaction_id"`
	}
	if aerr := decodeBody(body, "ReverseTransactionRequestDto", &p); aerr != nil {
		return nil, aerr
	}
	a, aerr := s.creditAccount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	tx, ok := s.st.credits.txs.get(p.TransactionID)
	if !ok || len(tx.EntriesFor(a.ID)) == 0 {
		return nil, notFound("Transaction")
	}
	return s.reverse(tx)
}

func (s *Server) reverseCreditTransaction(r *http.Request, _ []byte) (any, *apiError) {
	tx, ok := s.st.credits.txs.get(r.PathValue("id"))
	if !ok {
		return nil, notFound("Transaction")
	}
	return s.reverse(tx)
}

func (s *Server) getCreditTransaction(r *http.Request, _ []byte) (any, *apiError) {
	tx, ok := s.st.credits.txs.get(r.PathValue("id"))
	if !ok {
		return nil, notFound("Transaction")
	}
	return &tx.CreditTransaction, nil
}

func (s *Server) creditTransactionsByReference(r *http.Request, _ []byte) (any, *apiError) {
	ref := r.URL.Query().Get("reference")
	if ref == "" {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "reference", "reference must be a string")
	}
	out := &cursorList[*creem.CreditTransaction]{Object: "list", Data: []*creem.CreditTransaction{}}
	for _, tx := range s.st.credits.txs.filter(func(tx *ledgerTx) bool { return tx.Reference == ref }) {
		out.Data = append(out.Data, &tx.CreditTransaction)
	}
	return out, nil
}

// ErrCreditsExhausted is returned by ChargeUsage when the bucket's balance cannot cover the
// charge.
var ErrCreditsExhausted = errors.New("creemtest: the customer's credits are exhausted")

// ChargeUsage settles a usage charge against a customer's credit bucket, as Creem does for
// metered usage paid with credits: it debits amount from the customer's account named bucket
// (compared case-insensitively) and emits credits.consumed. When the balance cannot cover the
// charge, nothing is debited, ChargeUsage returns ErrCreditsExhausted, and an exhaustion episode
// begins: customer_credits.exhausted is emitted once per episode, which lasts until credits are
// next added to the bucket. Its shortfall is what the balance lacked to cover the charge, and its
// ID is "credits-exhausted:<store>:<customer>:<bucket>:<last transaction that added credits, or none>".
//
// An API debit beyond the balance fails with 422 insufficient_balance and emits nothing, as on
// Creem; ChargeUsage stands in for the usage-billing path that emits the exhausted event.
func (s *Server) ChargeUsage(customerID, bucket string, amount creem.CreditAmount, reference string) (*creem.CreditTransaction, error) {
	if amount.Sign() <= 0 {
		return nil, errors.New("creemtest: ChargeUsage: the amount must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st.credits
	a, ok := st.accounts.find(func(a *ledgerAccount) bool {
		return !a.system && a.CustomerID == customerID && strings.EqualFold(a.Name, bucket)
	})
	if !ok {
		return nil, fmt.Errorf("creemtest: ChargeUsage: customer %s has no credit account named %q", customerID, bucket)
	}
	if aerr := writable(a); aerr != nil {
		return nil, fmt.Errorf("creemtest: ChargeUsage: %s", aerr.messages[0])
	}
	x := amount.Big()
	if a.balance.Cmp(x) < 0 {
		if a.exhausted == "" {
			a.exhausted = strings.Join([]string{"credits-exhausted", st.storeID, a.CustomerID, a.Name, a.lastGrant}, ":")
			s.emit(creem.EventCustomerCreditsExhausted, &creem.CreditsExhaustion{
				ID: a.exhausted, Object: "customer_credits_exhaustion", CustomerID: a.CustomerID,
				BucketName: a.Name, UnitLabel: a.UnitLabel, ShortfallMinorUnits: new(big.Int).Sub(x, &a.balance).String(),
				OccurredAt: creem.NewTimestamp(s.now().UTC()),
			})
		}
		return nil, fmt.Errorf("%w: %s has %s %s, the charge is %s", ErrCreditsExhausted, a.ID, a.balance.String(), a.UnitLabel, amount)
	}
	key := "usage:" + newUUID()
	legs := []leg{{a, creem.CreditEntryDebit, x}, {s.systemAccount(a.UnitLabel), creem.CreditEntryCredit, x}}
	tx, aerr := s.postLedger(reference, key, "usage|"+key, nil, legs)
	if aerr != nil {
		return nil, fmt.Errorf("creemtest: ChargeUsage: %s", aerr.messages[0])
	}
	out := tx.CreditTransaction
	out.Entries = append([]creem.CreditEntry(nil), tx.Entries...)
	return &out, nil
}

// CreditLedger is a snapshot of the customer-credits ledger, for assertions in tests.
//
// The fake keeps a double-entry ledger. Every account's balance is the sum of its entries:
// credit entries add, debit entries take away. A credit or debit through the API is a balanced
// transaction of two entries: one on the customer's account and the opposite one on the store's
// system account for the unit label, which the API does not serve (it is not listed and answers
// 404). Customer accounts never go below zero; system accounts do, by as much as they issued.
//
// Choices where Creem's documentation says nothing:
//   - A repeated idempotency_key with the same body answers the original transaction (201) and
//     posts nothing; with a different body (another account, amount, side or reference) it is
//     refused with 422 idempotency_key_reused. Only posted transactions hold their key.
//   - A reversal posts the opposite of every entry of the original under the same reference, with
//     reversal_of set and the idempotency key "reversal:<original ID>". A transaction is reversed
//     at most once (400 already_reversed), a reversal is not reversed (400
//     cannot_reverse_reversal), and reversing a credit that was spent fails with 422
//     insufficient_balance.
//   - Frozen and closed accounts refuse credits, debits, transactions and reversals with 409
//     account_frozen or account_closed. A name already taken answers 409 account_exists.
//   - Lists are newest first; transactions by reference oldest first.
//   - credits.granted is emitted for every account whose balance a transaction raises, and
//     credits.consumed for every one it lowers (one event per account, with the net amount);
//     reversals emit neither. customer_credits.exhausted comes only from ChargeUsage.
type CreditLedger struct {
	// Accounts are every account, customer and system ones, in creation order.
	Accounts []CreditLedgerAccount
	// Transactions are every posted transaction with its entries, in posting order.
	Transactions []creem.CreditTransaction
}

// CreditLedgerAccount is an account of a CreditLedger.
type CreditLedgerAccount struct {
	creem.CreditAccount
	// System marks the store's own account for a unit label: the other side of every credit and
	// debit. The API does not serve it; its balance is negative by what the store issued.
	System bool
	// Balance is the projected balance, as GET …/balance serves it. The sum of the account's
	// entries in Transactions always equals it.
	Balance creem.CreditAmount
}

// CreditLedger returns a consistent copy of the whole customer-credits ledger: every account
// with its balance and every transaction with its entries. Use it to check what your code did to
// the ledger.
func (s *Server) CreditLedger() CreditLedger {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st.credits
	var l CreditLedger
	for _, a := range st.accounts.filter(nil) {
		l.Accounts = append(l.Accounts, CreditLedgerAccount{CreditAccount: a.CreditAccount, System: a.system, Balance: creem.CreditAmountFromBig(&a.balance)})
	}
	for _, tx := range st.txs.filter(nil) {
		c := tx.CreditTransaction
		c.Entries = append([]creem.CreditEntry(nil), tx.Entries...)
		l.Transactions = append(l.Transactions, c)
	}
	return l
}
