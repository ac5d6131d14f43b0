package creem

import (
	"context"
	"iter"
)

// TransactionType tells payments from invoices. It is an open enum.
type TransactionType string

// Known transaction types.
const (
	TransactionTypePayment TransactionType = "payment"
	TransactionTypeInvoice TransactionType = "invoice"
)

// TransactionStatus is the status of a transaction. It is an open enum.
type TransactionStatus string

// Known transaction statuses.
const (
	TransactionStatusPending       TransactionStatus = "pending"
	TransactionStatusPaid          TransactionStatus = "paid"
	TransactionStatusRefunded      TransactionStatus = "refunded"
	TransactionStatusPartialRefund TransactionStatus = "partialRefund"
	TransactionStatusChargedBack   TransactionStatus = "chargedBack"
	TransactionStatusUncollectible TransactionStatus = "uncollectible"
	TransactionStatusDeclined      TransactionStatus = "declined"
	TransactionStatusCanceled      TransactionStatus = "canceled"
	TransactionStatusVoid          TransactionStatus = "void"
)

// Transaction is a payment or invoice (TransactionEntity). Amounts are in minor units; its
// timestamps arrive as epoch milliseconds.
type Transaction struct {
	ID             string            `json:"id"`
	Mode           Mode              `json:"mode"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	AmountPaid     *int64            `json:"amount_paid"`
	DiscountAmount *int64            `json:"discount_amount"`
	Currency       Currency          `json:"currency"`
	Type           TransactionType   `json:"type"`
	TaxCountry     *string           `json:"tax_country"` // ISO alpha-2
	TaxAmount      *int64            `json:"tax_amount"`
	Status         TransactionStatus `json:"status"`
	RefundedAmount *int64            `json:"refunded_amount"`
	Order          *string           `json:"order"`        // order ID
	Subscription   *string           `json:"subscription"` // subscription ID
	Customer       *string           `json:"customer"`     // customer ID
	Description    string            `json:"description"`
	PeriodStart    *Timestamp        `json:"period_start"`
	PeriodEnd      *Timestamp        `json:"period_end"`
	CreatedAt      Timestamp         `json:"created_at"`
}

// TransactionsService reads transactions and refunds them: GET /v1/transactions,
// GET /v1/transactions/search and POST /v1/refunds.
type TransactionsService service

// RefundStatus is the status of a refund. It is an open enum.
type RefundStatus string

// Known refund statuses.
const (
	RefundStatusPending        RefundStatus = "pending"
	RefundStatusRequiresAction RefundStatus = "requiresAction"
	RefundStatusSucceeded      RefundStatus = "succeeded"
	RefundStatusFailed         RefundStatus = "failed"
	RefundStatusCanceled       RefundStatus = "canceled"
)

// RefundReason is why a refund was made. It is an open enum.
type RefundReason string

// Known refund reasons.
const (
	RefundReasonDuplicate           RefundReason = "duplicate"
	RefundReasonFraudulent          RefundReason = "fraudulent"
	RefundReasonRequestedByCustomer RefundReason = "requested_by_customer"
	RefundReasonOther               RefundReason = "other"
)

// RefundResult is Creem's answer to a refund request (RefundResponseEntity).
type RefundResult struct {
	Status RefundStatus `json:"status"`
}

// Refund is a refund as webhooks deliver it (RefundEntity). Amounts are in minor units; its
// timestamps arrive as epoch milliseconds.
type Refund struct {
	ID             string           `json:"id"`
	Mode           Mode             `json:"mode"`
	Object         string           `json:"object"`
	Status         RefundStatus     `json:"status"`
	RefundAmount   int64            `json:"refund_amount"`
	RefundCurrency Currency         `json:"refund_currency"`
	Reason         RefundReason     `json:"reason"`
	Transaction    *Transaction     `json:"transaction"`
	Checkout       *CheckoutRef     `json:"checkout"`
	Order          *OrderRef        `json:"order"`
	Subscription   *SubscriptionRef `json:"subscription"`
	Customer       *CustomerRef     `json:"customer"`
	CreatedAt      Timestamp        `json:"created_at"`
}

// ListTransactionsParams filter Transactions.List and Transactions.All.
type ListTransactionsParams struct {
	ListParams
	CustomerID string `url:"customer_id,omitempty"`
	OrderID    string `url:"order_id,omitempty"`
	ProductID  string `url:"product_id,omitempty"`
}

// Get retrieves a transaction (GET /v1/transactions?transaction_id=). Retried like every read.
func (s *TransactionsService) Get(ctx context.Context, transactionID string, opts ...RequestOption) (*Transaction, error) {
	if err := requireID("Transactions.Get", "transaction_id", transactionID); err != nil {
		return nil, err
	}
	return send[Transaction](ctx, s.client, get("/v1/transactions"), param("transaction_id", transactionID), nil, opts)
}

// List returns one page of transactions (GET /v1/transactions/search). Retried like every read.
func (s *TransactionsService) List(ctx context.Context, params *ListTransactionsParams, opts ...RequestOption) (*Page[Transaction], error) {
	return list[Transaction](ctx, s.client, "/v1/transactions/search", params, opts)
}

// All iterates over every transaction matching params, fetching one page at a time.
func (s *TransactionsService) All(ctx context.Context, params *ListTransactionsParams, opts ...RequestOption) iter.Seq2[*Transaction, error] {
	return all(ctx, params, s.List, opts)
}

// Refund refunds a transaction in full (POST /v1/refunds). It moves money, so it is never
// retried once the request may have reached Creem (only after 429 or a failed connect): on a
// timeout or a 5xx, look the transaction up before trying again.
func (s *TransactionsService) Refund(ctx context.Context, transactionID string, opts ...RequestOption) (*RefundResult, error) {
	if err := requireID("Transactions.Refund", "transaction_id", transactionID); err != nil {
		return nil, err
	}
	body := struct {
		TransactionID string `json:"transaction_id"`
	}{transactionID}
	return send[RefundResult](ctx, s.client, post("/v1/refunds"), "", &body, opts)
}
