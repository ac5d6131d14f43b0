package creem

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
