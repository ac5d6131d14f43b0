package creem

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// CreditsService manages customer credit accounts and their double-entry ledger:
// /v1/customer-credits/accounts/… and /v1/customer-credits/transactions/….
//
// An account (a bucket) holds one customer's credits of one kind, e.g. "images". Credit adds
// to it, Debit takes from it, PostTransaction moves credits between accounts in one balanced
// transaction, and the reverses undo a transaction with a new one that keeps the history.
// Amounts are CreditAmount values: exact decimal strings on the wire, never floats.
//
// # Retries
//
// Credit, Debit and PostTransaction carry an idempotency key in their body, which Creem honours:
// the SDK generates one per call when you give none, sends the same bytes on every attempt, and
// so retries these calls like reads. Freeze, Unfreeze, Close, CreateAccount and both reverses are
// not idempotent: they are retried only after 429 or when no connection was made.
//
// After a Credit or Debit fails with a generated key, you cannot repeat it safely under that
// key: look the transaction up with TransactionsByReference, or give your own key
// (CreditDebitParams.IdempotencyKey or WithIdempotencyKey) and repeat the call with it.
//
// # Errors
//
// Refusals are *APIError values with a machine-readable Code:
//
//	tx, err := client.Credits.Debit(ctx, accountID, &creem.CreditDebitParams{Amount: cost, Reference: jobID})
//	var apiErr *creem.APIError
//	switch {
//	case errors.As(err, &apiErr) && apiErr.Code == creem.CodeInsufficientBalance: // 422: not enough credits
//	case errors.Is(err, creem.ErrConflict): // 409: the account is frozen or closed
//	case errors.Is(err, creem.ErrNotFound): // 404: no such account
//	}
//
// errors.Is(err, creem.ErrBadRequest) matches every 400 and 422.
type CreditsService service

// Error codes of the credits API, found in APIError.Code.
const (
	// CodeInsufficientBalance (422): a debit, or a transaction's debit entry, exceeds the
	// account's balance. Nothing was posted.
	CodeInsufficientBalance = "insufficient_balance"
	// CodeUnbalancedTransaction (422): a transaction's debits do not equal its credits. The SDK
	// refuses such a transaction before sending it, so only a server-side check yields it.
	CodeUnbalancedTransaction = "unbalanced_transaction"
)

// ErrInvalidCreditAmount matches the error of ParseCreditAmount and of decoding a JSON value
// that is not a credit amount.
var ErrInvalidCreditAmount = errors.New("creem: invalid credit amount")

// CreditAmount is an exact whole number of credits (in the bucket's minor units), as Creem sends
// it: a decimal string, to keep numbers beyond 2^53 (and beyond int64) exact. It is never a
// float. The zero value is 0.
//
// Create one with NewCreditAmount, ParseCreditAmount or CreditAmountFromBig; read it with
// String, Int64 or Big. Values are canonical (no leading zeros, no "-0"), so == compares amounts.
//
// It encodes as a JSON string of digits. It decodes a JSON string of digits with an optional
// leading "-" (leading zeros are dropped: "007" is 7), a JSON integer number (read from its
// digits, never through float64), and null (a no-op). It refuses, with ErrInvalidCreditAmount, an
// empty string, a "+" sign, white space, fractions, exponents and anything else. A negative
// amount decodes so that a response never fails over a sign, but the SDK refuses to send one.
type CreditAmount struct {
	s string // canonical decimal; "" stands for 0
}

// NewCreditAmount returns n credits.
func NewCreditAmount(n int64) CreditAmount {
	if n == 0 {
		return CreditAmount{}
	}
	return CreditAmount{strconv.FormatInt(n, 10)}
}

// CreditAmountFromBig returns x credits; nil is 0. x is not retained.
func CreditAmountFromBig(x *big.Int) CreditAmount {
	if x == nil || x.Sign() == 0 {
		return CreditAmount{}
	}
	return CreditAmount{x.String()}
}

// ParseCreditAmount parses a decimal string of ASCII digits with an optional leading "-".
// Leading zeros are allowed and dropped. Anything else ("", "+1", " 1", "1.0", "1e3", "0x10")
// is refused with an error matching ErrInvalidCreditAmount.
func ParseCreditAmount(s string) (CreditAmount, error) {
	digits, neg := strings.CutPrefix(s, "-")
	if !isDigits(digits) {
		return CreditAmount{}, fmt.Errorf("%w: %s is not a whole number of ASCII digits", ErrInvalidCreditAmount, quoteShort(s))
	}
	digits = strings.TrimLeft(digits, "0")
	switch {
	case digits == "":
		return CreditAmount{}, nil
	case neg:
		return CreditAmount{"-" + digits}, nil
	}
	return CreditAmount{digits}, nil
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

// String returns the amount in decimal, e.g. "1000" or "0".
func (a CreditAmount) String() string {
	if a.s == "" {
		return "0"
	}
	return a.s
}

// Int64 returns the amount as an int64, and false when it does not fit in one.
func (a CreditAmount) Int64() (int64, bool) {
	if a.s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(a.s, 10, 64)
	return n, err == nil
}

// Big returns the amount as a new big.Int.
func (a CreditAmount) Big() *big.Int {
	x, _ := new(big.Int).SetString(a.String(), 10)
	return x
}

// IsZero reports whether the amount is 0. An optional amount that is zero is not sent.
func (a CreditAmount) IsZero() bool { return a.s == "" }

// Sign returns -1, 0 or +1 as the amount is negative, zero or positive.
func (a CreditAmount) Sign() int {
	switch {
	case a.s == "":
		return 0
	case a.s[0] == '-':
		return -1
	}
	return 1
}

// Cmp compares a and b: -1 if a < b, 0 if a == b, +1 if a > b.
func (a CreditAmount) Cmp(b CreditAmount) int {
	sa, sb := a.Sign(), b.Sign()
	if sa != sb || sa == 0 {
		return cmp.Compare(sa, sb)
	}
	ma, mb := strings.TrimPrefix(a.s, "-"), strings.TrimPrefix(b.s, "-")
	c := cmp.Compare(len(ma), len(mb))
	if c == 0 {
		c = strings.Compare(ma, mb)
	}
	return c * sa
}

// MarshalJSON encodes the amount as a JSON string of digits.
func (a CreditAmount) MarshalJSON() ([]byte, error) {
	s := a.String()
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a JSON string of digits, a JSON integer, or null; see CreditAmount.
func (a *CreditAmount) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return fmt.Errorf("%w: empty JSON value", ErrInvalidCreditAmount)
	case string(data) == "null":
		return nil
	case data[0] == '"':
		var s string
		if len(data) >= 2 && data[len(data)-1] == '"' && bytes.IndexByte(data, '\\') < 0 {
			s = string(data[1 : len(data)-1])
		} else if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidCreditAmount, err)
		}
		v, err := ParseCreditAmount(s)
		if err != nil {
			return err
		}
		*a = v
		return nil
	case data[0] == '-' || (data[0] >= '0' && data[0] <= '9'):
		// A JSON number: only an integer literal is a credit amount; its digits are read as
		// they are, never through float64.
		v, err := ParseCreditAmount(string(data))
		if err != nil {
			return fmt.Errorf("%w: the number %s is not a whole number", ErrInvalidCreditAmount, quoteShort(string(data)))
		}
		*a = v
		return nil
	}
	return fmt.Errorf("%w: %s is neither a string nor a number", ErrInvalidCreditAmount, quoteShort(string(data)))
}

// CreditAccountStatus is the state of a credit account. It is an open enum.
type CreditAccountStatus string

// Known account states.
const (
	CreditAccountActive CreditAccountStatus = "active" // accepts credits, debits and transactions
	CreditAccountFrozen CreditAccountStatus = "frozen" // refuses them with 409 until unfrozen
	CreditAccountClosed CreditAccountStatus = "closed" // refuses them with 409, for good
)

// CreditAccount is a customer's credit account, a bucket of one kind of credits
// (AccountResponseDto).
type CreditAccount struct {
	ID         string              `json:"id"` // cca_…
	StoreID    string              `json:"store_id"`
	CustomerID string              `json:"customer_id"` // the owner
	Name       string              `json:"name"`        // unique per customer, case-insensitively, e.g. "default"
	UnitLabel  string              `json:"unit_label"`  // display unit, e.g. "credits" or "tokens"
	Status     CreditAccountStatus `json:"status"`
	CreatedAt  Timestamp           `json:"created_at"`
	UpdatedAt  Timestamp           `json:"updated_at"`
}

// CreditBalance is an account's balance (BalanceResponseDto).
type CreditBalance struct {
	Balance CreditAmount `json:"balance"`
	// UpdatedAt is when the current balance last changed; set on the current balance, zero on a
	// balance at a point in time.
	UpdatedAt Timestamp `json:"updated_at,omitzero"`
	// AsOf is the point in time a historical balance was computed at; zero on the current balance.
	AsOf Timestamp `json:"as_of,omitzero"`
}

// CreditEntrySide is the side of a ledger entry. It is an open enum.
type CreditEntrySide string

// The two sides of an entry. On a customer's account a credit entry adds to the balance and a
// debit entry takes from it.
const (
	CreditEntryDebit  CreditEntrySide = "debit"
	CreditEntryCredit CreditEntrySide = "credit"
)

// CreditEntry is one line of the ledger: an amount on one side of one account, posted as part
// of a transaction (EntryResponseDto).
type CreditEntry struct {
	ID            string          `json:"id"`             // cce_…
	TransactionID string          `json:"transaction_id"` // cct_…
	AccountID     string          `json:"account_id"`     // cca_…
	Side          CreditEntrySide `json:"side"`
	Amount        CreditAmount    `json:"amount"` // positive; Side gives the direction
	CreatedAt     Timestamp       `json:"created_at"`
}

// CreditTransaction is a balanced set of ledger entries posted at once
// (TransactionResponseDto). A credit or debit is a transaction too.
type CreditTransaction struct {
	ID             string        `json:"id"` // cct_…
	StoreID        string        `json:"store_id"`
	Reference      string        `json:"reference"`       // your reference, e.g. an order ID
	IdempotencyKey string        `json:"idempotency_key"` // the key it was posted under
	ReversalOf     *string       `json:"reversal_of"`     // the transaction this one reverses, or nil
	Entries        []CreditEntry `json:"entries"`
	CreatedAt      Timestamp     `json:"created_at"`
}

// EntriesFor returns the transaction's entries on accountID.
func (t *CreditTransaction) EntriesFor(accountID string) []CreditEntry {
	var out []CreditEntry
	for _, e := range t.Entries {
		if e.AccountID == accountID {
			out = append(out, e)
		}
	}
	return out
}

// CreateCreditAccountParams are the parameters of Credits.CreateAccount (CreateAccountDto).
type CreateCreditAccountParams struct {
	CustomerID string `json:"customer_id"` // required: the owner
	// Name of the bucket, unique per customer compared case-insensitively; at most 100
	// characters. Creem uses "default" when empty.
	Name string `json:"name,omitempty"`
	// UnitLabel is the display unit; Creem uses "credits" when empty.
	UnitLabel string `json:"unit_label,omitempty"`
	// InitialBalance seeds the account with this many credits (a credit transaction); zero
	// seeds nothing. It must not be negative.
	InitialBalance CreditAmount `json:"initial_balance,omitzero"`
}

// ListCreditAccountsParams filter and page Credits.ListAccounts and Credits.AllAccounts.
type ListCreditAccountsParams struct {
	CursorParams
	CustomerID string `url:"customer_id,omitempty"` // only this customer's accounts
}

// CreditBalanceParams are the parameters of Credits.Balance. The zero value asks for the
// current balance.
type CreditBalanceParams struct {
	// At asks for the balance at this point in time instead of now. It is sent as ISO 8601 in UTC
	// with millisecond precision.
	At time.Time `url:"at,omitempty"`
}

// CreditDebitParams are the parameters of Credits.Credit and Credits.Debit (CreditDebitRequestDto).
type CreditDebitParams struct {
	Amount CreditAmount `json:"amount"` // required, positive
	// Reference links the transaction to something in your system (an order, a job, a
	// campaign); required. TransactionsByReference finds transactions by it.
	Reference string `json:"reference"`
	// IdempotencyKey makes repeating the call safe: Creem posts one transaction per key. When
	// empty, the SDK generates one per call (the same on every attempt); the transaction carries
	// the key it was posted under.
	IdempotencyKey string `json:"idempotency_key"`
}

// PostCreditTransactionParams are the parameters of Credits.PostTransaction (PostTransactionDto).
type PostCreditTransactionParams struct {
	Reference string `json:"reference"` // required, as in CreditDebitParams
	// IdempotencyKey works as in CreditDebitParams; generated per call when empty.
	IdempotencyKey string `json:"idempotency_key"`
	// Entries are at least two entries whose debits add up to exactly their credits.
	Entries []CreditEntryParams `json:"entries"`
}

// CreditEntryParams is one entry of a transaction to post (EntryInputDto).
type CreditEntryParams struct {
	AccountID string          `json:"account_id"` // required
	Side      CreditEntrySide `json:"side"`       // CreditEntryDebit or CreditEntryCredit
	Amount    CreditAmount    `json:"amount"`     // required, positive
}

const (
	creditAccountsPath     = "/v1/customer-credits/accounts"
	creditTransactionsPath = "/v1/customer-credits/transactions"
)

// CreateAccount creates a credit account for a customer, optionally seeded with an initial
// balance (POST /v1/customer-credits/accounts). A 409 means the customer has an account of that
// name already. Not retried after the request may have reached Creem: after a failure, look for
// the account with ListAccounts before creating it again.
func (s *CreditsService) CreateAccount(ctx context.Context, params *CreateCreditAccountParams, opts ...RequestOption) (*CreditAccount, error) {
	const op = "Credits.CreateAccount"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := requireID(op, "customer_id", params.CustomerID); err != nil {
		return nil, err
	}
	if n := utf16Len(strings.TrimSpace(params.Name)); n > 100 {
		return nil, invalid(op, "name", fmt.Sprintf("must be at most 100 characters, not %d", n))
	}
	if params.InitialBalance.Sign() < 0 {
		return nil, invalid(op, "initial_balance", "must not be negative")
	}
	return send[CreditAccount](ctx, s.client, post(creditAccountsPath), "", params, opts)
}

// utf16Len counts characters as Creem's API does: in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// GetAccount retrieves a credit account (GET /v1/customer-credits/accounts/{id}). Retried like
// every read.
func (s *CreditsService) GetAccount(ctx context.Context, accountID string, opts ...RequestOption) (*CreditAccount, error) {
	seg, err := pathID("Credits.GetAccount", "id", accountID)
	if err != nil {
		return nil, err
	}
	return send[CreditAccount](ctx, s.client, get(creditAccountsPath+"/"+seg), "", nil, opts)
}

// ListAccounts returns one page of the store's credit accounts, or one customer's
// (GET /v1/customer-credits/accounts). Creem leaves its system accounts out. Retried like every
// read.
func (s *CreditsService) ListAccounts(ctx context.Context, params *ListCreditAccountsParams, opts ...RequestOption) (*CursorPage[CreditAccount], error) {
	return listCursor[CreditAccount](ctx, s.client, "Credits.ListAccounts", creditAccountsPath, params, opts)
}

// AllAccounts iterates over every account ListAccounts would list, fetching one page at a time.
func (s *CreditsService) AllAccounts(ctx context.Context, params *ListCreditAccountsParams, opts ...RequestOption) iter.Seq2[*CreditAccount, error] {
	return allCursor(ctx, "Credits.AllAccounts", params, s.ListAccounts, func(a *CreditAccount) string { return a.ID }, opts)
}

// Balance returns an account's current balance, or its balance at params.At
// (GET /v1/customer-credits/accounts/{id}/balance). params may be nil. Retried like every read.
func (s *CreditsService) Balance(ctx context.Context, accountID string, params *CreditBalanceParams, opts ...RequestOption) (*CreditBalance, error) {
	const op = "Credits.Balance"
	seg, err := pathID(op, "id", accountID)
	if err != nil {
		return nil, err
	}
	query := ""
	if params != nil && !params.At.IsZero() {
		at := params.At.UTC()
		if y := at.Year(); y < 0 || y > 9999 {
			return nil, invalid(op, "at", "must be between the years 0 and 9999")
		}
		query = param("at", at.Format(isoLayout))
	}
	return send[CreditBalance](ctx, s.client, get(creditAccountsPath+"/"+seg+"/balance"), query, nil, opts)
}

// ListEntries returns one page of an account's ledger entries, its credit and debit history
// (GET /v1/customer-credits/accounts/{id}/entries). params may be nil. Retried like every read.
func (s *CreditsService) ListEntries(ctx context.Context, accountID string, params *CursorParams, opts ...RequestOption) (*CursorPage[CreditEntry], error) {
	const op = "Credits.ListEntries"
	seg, err := pathID(op, "id", accountID)
	if err != nil {
		return nil, err
	}
	return listCursor[CreditEntry](ctx, s.client, op, creditAccountsPath+"/"+seg+"/entries", params, opts)
}

// AllEntries iterates over every entry of an account, fetching one page at a time.
func (s *CreditsService) AllEntries(ctx context.Context, accountID string, params *CursorParams, opts ...RequestOption) iter.Seq2[*CreditEntry, error] {
	list := func(ctx context.Context, p *CursorParams, o ...RequestOption) (*CursorPage[CreditEntry], error) {
		return s.ListEntries(ctx, accountID, p, o...)
	}
	return allCursor(ctx, "Credits.AllEntries", params, list, func(e *CreditEntry) string { return e.ID }, opts)
}

// Freeze freezes an account: it refuses credits, debits and transactions (409) until Unfreeze
// (POST /v1/customer-credits/accounts/{id}/freeze). A frozen or closed account answers 409
// (ErrConflict). Not retried after the request may have reached Creem.
func (s *CreditsService) Freeze(ctx context.Context, accountID string, opts ...RequestOption) (*CreditAccount, error) {
	return s.accountAction(ctx, "Credits.Freeze", accountID, "freeze", opts)
}

// Unfreeze makes a frozen account active again (POST /v1/customer-credits/accounts/{id}/unfreeze).
// An account that is not frozen answers 409 (ErrConflict). Not retried after the request may
// have reached Creem.
func (s *CreditsService) Unfreeze(ctx context.Context, accountID string, opts ...RequestOption) (*CreditAccount, error) {
	return s.accountAction(ctx, "Credits.Unfreeze", accountID, "unfreeze", opts)
}

// Close closes an account for good (POST /v1/customer-credits/accounts/{id}/close); it cannot be
// reopened. A closed account answers 409 (ErrConflict). Not retried after the request may have
// reached Creem.
func (s *CreditsService) Close(ctx context.Context, accountID string, opts ...RequestOption) (*CreditAccount, error) {
	return s.accountAction(ctx, "Credits.Close", accountID, "close", opts)
}

func (s *CreditsService) accountAction(ctx context.Context, op, accountID, action string, opts []RequestOption) (*CreditAccount, error) {
	seg, err := pathID(op, "id", accountID)
	if err != nil {
		return nil, err
	}
	return send[CreditAccount](ctx, s.client, post(creditAccountsPath+"/"+seg+"/"+action), "", nil, opts)
}

// Credit adds params.Amount credits to an account and returns the transaction
// (POST /v1/customer-credits/accounts/{id}/credit). A frozen or closed account answers 409
// (ErrConflict).
//
// Safe to retry: the body carries params.IdempotencyKey, or one generated for this call, and
// every attempt sends the same bytes; Creem posts one transaction per key and answers a repeat
// with the original. A key given with WithIdempotencyKey counts as params.IdempotencyKey.
func (s *CreditsService) Credit(ctx context.Context, accountID string, params *CreditDebitParams, opts ...RequestOption) (*CreditTransaction, error) {
	return s.move(ctx, "Credits.Credit", accountID, "credit", params, opts)
}

// Debit takes params.Amount credits from an account and returns the transaction
// (POST /v1/customer-credits/accounts/{id}/debit). More than the balance is refused with 422 and
// APIError.Code CodeInsufficientBalance; a frozen or closed account answers 409 (ErrConflict).
//
// Safe to retry, like Credit.
func (s *CreditsService) Debit(ctx context.Context, accountID string, params *CreditDebitParams, opts ...RequestOption) (*CreditTransaction, error) {
	return s.move(ctx, "Credits.Debit", accountID, "debit", params, opts)
}

func (s *CreditsService) move(ctx context.Context, op, accountID, action string, params *CreditDebitParams, opts []RequestOption) (*CreditTransaction, error) {
	seg, err := pathID(op, "id", accountID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.Amount.Sign() <= 0 {
		return nil, invalid(op, "amount", "must be a positive whole number")
	}
	if strings.TrimSpace(params.Reference) == "" {
		return nil, invalid(op, "reference", "is required")
	}
	body := *params // the key is filled in on a copy: the caller's params stay as they were
	key, opts, err := bodyIdempotencyKey(op, body.IdempotencyKey, opts)
	if err != nil {
		return nil, err
	}
	body.IdempotencyKey = key
	return send[CreditTransaction](ctx, s.client, postSafe(creditAccountsPath+"/"+seg+"/"+action), "", &body, opts)
}

// bodyIdempotencyKey settles the idempotency key a call sends in its body: the params' key, or
// the one given with WithIdempotencyKey (which is taken out of opts: these endpoints take no
// header), or a new one. Two different keys, or a blank one, are refused.
func bodyIdempotencyKey(op, key string, opts []RequestOption) (string, []RequestOption, error) {
	rest := make([]RequestOption, 0, len(opts))
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		var o requestOptions
		opt(&o)
		if o.idempotencyKey == "" {
			rest = append(rest, opt)
			continue
		}
		if key != "" && key != o.idempotencyKey {
			return "", nil, invalid(op, "idempotency_key", "differs from the key given with WithIdempotencyKey")
		}
		key = o.idempotencyKey
	}
	switch {
	case key == "":
		key = newIdempotencyKey()
	case strings.TrimSpace(key) == "":
		return "", nil, invalid(op, "idempotency_key", "is blank")
	}
	return key, rest, nil
}

// ReverseOnAccount reverses a credit or debit of this account: a new transaction posts the
// opposite entries, keeping the history (POST /v1/customer-credits/accounts/{id}/reverse).
// Not idempotent, so not retried after the request may have reached Creem: after a failure,
// check the account's entries (ListEntries) before trying again.
func (s *CreditsService) ReverseOnAccount(ctx context.Context, accountID, transactionID string, opts ...RequestOption) (*CreditTransaction, error) {
	const op = "Credits.ReverseOnAccount"
	seg, err := pathID(op, "id", accountID)
	if err != nil {
		return nil, err
	}
	if err := requireID(op, "transaction_id", transactionID); err != nil {
		return nil, err
	}
	body := struct {
		TransactionID string `json:"transaction_id"`
	}{transactionID}
	return send[CreditTransaction](ctx, s.client, post(creditAccountsPath+"/"+seg+"/reverse"), "", &body, opts)
}

// PostTransaction posts a multi-entry transaction, e.g. a transfer between two accounts
// (POST /v1/customer-credits/transactions).
//
// Refused before sending, with ErrInvalidParams: fewer than two entries, an entry without an
// account, with a side other than debit or credit or with an amount that is not positive, and
// entries whose debits do not add up to exactly their credits (summed exactly, beyond int64).
// Creem answers 422 CodeInsufficientBalance when a debit exceeds an account's balance and 409
// when an account is frozen or closed.
//
// Safe to retry, like Credit.
func (s *CreditsService) PostTransaction(ctx context.Context, params *PostCreditTransactionParams, opts ...RequestOption) (*CreditTransaction, error) {
	const op = "Credits.PostTransaction"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if strings.TrimSpace(params.Reference) == "" {
		return nil, invalid(op, "reference", "is required")
	}
	if err := checkBalanced(op, params.Entries); err != nil {
		return nil, err
	}
	body := *params
	key, opts, err := bodyIdempotencyKey(op, body.IdempotencyKey, opts)
	if err != nil {
		return nil, err
	}
	body.IdempotencyKey = key
	return send[CreditTransaction](ctx, s.client, postSafe(creditTransactionsPath), "", &body, opts)
}

// checkBalanced refuses entries Creem would certainly refuse, summing amounts exactly.
func checkBalanced(op string, entries []CreditEntryParams) error {
	if len(entries) < 2 {
		return invalid(op, "entries", fmt.Sprintf("needs at least two entries, not %d", len(entries)))
	}
	var debits, credits big.Int
	for i, e := range entries {
		field := func(name string) string { return fmt.Sprintf("entries[%d].%s", i, name) }
		if strings.TrimSpace(e.AccountID) == "" {
			return invalid(op, field("account_id"), "is required")
		}
		if e.Amount.Sign() <= 0 {
			return invalid(op, field("amount"), "must be a positive whole number")
		}
		switch e.Side {
		case CreditEntryDebit:
			debits.Add(&debits, e.Amount.Big())
		case CreditEntryCredit:
			credits.Add(&credits, e.Amount.Big())
		default:
			return invalid(op, field("side"), `must be "debit" or "credit"`)
		}
	}
	if debits.Cmp(&credits) != 0 {
		return invalid(op, "entries", fmt.Sprintf("do not balance: debits add up to %s, credits to %s", debits.String(), credits.String()))
	}
	return nil
}

// GetTransaction retrieves a ledger transaction (GET /v1/customer-credits/transactions/{id}).
// Retried like every read.
func (s *CreditsService) GetTransaction(ctx context.Context, transactionID string, opts ...RequestOption) (*CreditTransaction, error) {
	seg, err := pathID("Credits.GetTransaction", "id", transactionID)
	if err != nil {
		return nil, err
	}
	return send[CreditTransaction](ctx, s.client, get(creditTransactionsPath+"/"+seg), "", nil, opts)
}

// TransactionsByReference returns the transactions posted under reference
// (GET /v1/customer-credits/transactions?reference=). The list takes no paging parameters.
// Retried like every read.
func (s *CreditsService) TransactionsByReference(ctx context.Context, reference string, opts ...RequestOption) (*CursorPage[CreditTransaction], error) {
	if err := requireID("Credits.TransactionsByReference", "reference", reference); err != nil {
		return nil, err
	}
	return send[CursorPage[CreditTransaction]](ctx, s.client, get(creditTransactionsPath), param("reference", reference), nil, opts)
}

// ReverseTransaction reverses a transaction on every account it touched: a new transaction posts
// the opposite entries (POST /v1/customer-credits/transactions/{id}/reverse). A frozen or closed
// account answers 409 (ErrConflict). Not idempotent, so not retried after the request may have
// reached Creem, like ReverseOnAccount.
func (s *CreditsService) ReverseTransaction(ctx context.Context, transactionID string, opts ...RequestOption) (*CreditTransaction, error) {
	seg, err := pathID("Credits.ReverseTransaction", "id", transactionID)
	if err != nil {
		return nil, err
	}
	return send[CreditTransaction](ctx, s.client, post(creditTransactionsPath+"/"+seg+"/reverse"), "", nil, opts)
}
