package creem

// SubscriptionStatus is the status of a subscription. It is an open enum.
type SubscriptionStatus string

// Known subscription statuses.
const (
	SubscriptionStatusActive          SubscriptionStatus = "active"
	SubscriptionStatusCanceled        SubscriptionStatus = "canceled"
	SubscriptionStatusUnpaid          SubscriptionStatus = "unpaid"
	SubscriptionStatusPaused          SubscriptionStatus = "paused"
	SubscriptionStatusTrialing        SubscriptionStatus = "trialing"
	SubscriptionStatusScheduledCancel SubscriptionStatus = "scheduled_cancel"
	SubscriptionStatusPastDue         SubscriptionStatus = "past_due"
)

// CollectionMethod is how a subscription is collected. It is an open enum.
type CollectionMethod string

// Known collection methods.
const (
	CollectionMethodChargeAutomatically CollectionMethod = "charge_automatically"
)

// Subscription is a recurring purchase (SubscriptionEntity).
//
// Product and Customer arrive either as objects or as bare IDs; either way their ID is filled.
type Subscription struct {
	ID                     string             `json:"id"`
	Mode                   Mode               `json:"mode"`
	Object                 string             `json:"object"`
	Product                *Product           `json:"product"`
	Customer               *Customer          `json:"customer"`
	Items                  []SubscriptionItem `json:"items"`
	CollectionMethod       CollectionMethod   `json:"collection_method"`
	Status                 SubscriptionStatus `json:"status"`
	LastTransactionID      string             `json:"last_transaction_id"`
	LastTransaction        *Transaction       `json:"last_transaction"`
	LastTransactionDate    *Timestamp         `json:"last_transaction_date"`
	NextTransactionDate    *Timestamp         `json:"next_transaction_date"`
	CurrentPeriodStartDate *Timestamp         `json:"current_period_start_date"`
	CurrentPeriodEndDate   *Timestamp         `json:"current_period_end_date"`
	CanceledAt             *Timestamp         `json:"canceled_at"`
	CreatedAt              Timestamp          `json:"created_at"`
	UpdatedAt              Timestamp          `json:"updated_at"`
	Discount               *AppliedDiscount   `json:"discount"`
	Metadata               Metadata           `json:"metadata"`
}

// UnmarshalJSON decodes a subscription object, or a bare subscription ID into ID.
func (s *Subscription) UnmarshalJSON(data []byte) error {
	type plain Subscription
	return unmarshalIDOrObject(data, &s.ID, (*plain)(s))
}

// SubscriptionItem is one priced line of a subscription (SubscriptionItemEntity).
type SubscriptionItem struct {
	ID        string `json:"id"`
	Mode      Mode   `json:"mode"`
	Object    string `json:"object"`
	ProductID string `json:"product_id"`
	PriceID   string `json:"price_id"`
	Units     *int   `json:"units"`
}
