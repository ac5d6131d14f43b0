package creem

import (
	"context"
	"iter"
	"strings"
)

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
// Product and Customer arrive either as objects or as bare IDs (see ProductRef); either way their
// ID is filled.
type Subscription struct {
	ID                     string             `json:"id"`
	Mode                   Mode               `json:"mode"`
	Object                 string             `json:"object"`
	Product                *ProductRef        `json:"product"`
	Customer               *CustomerRef       `json:"customer"`
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

// SubscriptionItem is one priced line of a subscription (SubscriptionItemEntity).
type SubscriptionItem struct {
	ID        string `json:"id"`
	Mode      Mode   `json:"mode"`
	Object    string `json:"object"`
	ProductID string `json:"product_id"`
	PriceID   string `json:"price_id"`
	Units     *int   `json:"units"`
	// CreatedAt and UpdatedAt appear in webhook payloads, though the spec does not list them.
	CreatedAt *Timestamp `json:"created_at"`
	UpdatedAt *Timestamp `json:"updated_at"`
}

// SubscriptionsService manages subscriptions: GET /v1/subscriptions, GET /v1/subscriptions/search
// and POST /v1/subscriptions/{id}[/cancel|/upgrade|/pause|/resume].
type SubscriptionsService service

// UpdateBehavior says how a subscription change is billed. It is an open enum.
type UpdateBehavior string

// Known update behaviors.
const (
	// UpdateBehaviorProrationChargeImmediately charges the prorated difference right away.
	UpdateBehaviorProrationChargeImmediately UpdateBehavior = "proration-charge-immediately"
	// UpdateBehaviorProrationCharge adds the prorated difference to the next invoice.
	UpdateBehaviorProrationCharge UpdateBehavior = "proration-charge"
	// UpdateBehaviorProrationNone changes the subscription without proration.
	UpdateBehaviorProrationNone UpdateBehavior = "proration-none"
)

// CancelMode says when a cancellation takes effect. It is an open enum.
type CancelMode string

// Known cancellation modes.
const (
	CancelModeImmediate CancelMode = "immediate" // cancel now
	CancelModeScheduled CancelMode = "scheduled" // cancel at the end of the current period
)

// CancelAction is what a scheduled cancellation does when it executes. It is an open enum.
type CancelAction string

// Known cancellation actions.
const (
	CancelActionCancel CancelAction = "cancel"
	CancelActionPause  CancelAction = "pause"
)

// SubscriptionItemParams adds or changes one item of a subscription (UpsertSubscriptionItemEntity).
// Without ID the item is created.
type SubscriptionItemParams struct {
	ID        string `json:"id,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	PriceID   string `json:"price_id,omitempty"`
	Units     *int   `json:"units,omitempty"` // seats
}

// UpdateSubscriptionParams are the parameters of Subscriptions.Update (UpdateSubscriptionRequestEntity).
type UpdateSubscriptionParams struct {
	Items          []SubscriptionItemParams `json:"items,omitempty"`
	UpdateBehavior UpdateBehavior           `json:"update_behavior,omitempty"` // Creem defaults to proration
}

// UpgradeSubscriptionParams are the parameters of Subscriptions.Upgrade (UpgradeSubscriptionRequestEntity).
type UpgradeSubscriptionParams struct {
	ProductID      string         `json:"product_id"`                // required: the product to move to
	UpdateBehavior UpdateBehavior `json:"update_behavior,omitempty"` // Creem defaults to proration-charge-immediately
}

// CancelSubscriptionParams are the parameters of Subscriptions.Cancel (CancelSubscriptionRequestEntity).
// Both are optional: the store's billing settings decide the default.
type CancelSubscriptionParams struct {
	Mode      CancelMode   `json:"mode,omitempty"`
	OnExecute CancelAction `json:"onExecute,omitempty"` // only with CancelModeScheduled
}

// ListSubscriptionsParams page through Subscriptions.List and Subscriptions.All.
type ListSubscriptionsParams struct {
	ListParams
}

// Get retrieves a subscription (GET /v1/subscriptions?subscription_id=). Retried like every read.
func (s *SubscriptionsService) Get(ctx context.Context, subscriptionID string, opts ...RequestOption) (*Subscription, error) {
	if err := requireID("Subscriptions.Get", "subscription_id", subscriptionID); err != nil {
		return nil, err
	}
	return send[Subscription](ctx, s.client, get("/v1/subscriptions"), param("subscription_id", subscriptionID), nil, opts)
}

// List returns one page of subscriptions (GET /v1/subscriptions/search). Retried like every read.
func (s *SubscriptionsService) List(ctx context.Context, params *ListSubscriptionsParams, opts ...RequestOption) (*Page[Subscription], error) {
	return list[Subscription](ctx, s.client, "/v1/subscriptions/search", params, opts)
}

// All iterates over every subscription, fetching one page at a time.
func (s *SubscriptionsService) All(ctx context.Context, params *ListSubscriptionsParams, opts ...RequestOption) iter.Seq2[*Subscription, error] {
	return all(ctx, params, s.List, opts)
}

// Update adds or changes subscription items, e.g. the number of seats
// (POST /v1/subscriptions/{id}). It may charge the customer; it is not retried after the
// request may have reached Creem.
func (s *SubscriptionsService) Update(ctx context.Context, subscriptionID string, params *UpdateSubscriptionParams, opts ...RequestOption) (*Subscription, error) {
	const op = "Subscriptions.Update"
	seg, err := pathID(op, "id", subscriptionID)
	if err != nil {
		return nil, err
	}
	if params == nil || len(params.Items) == 0 {
		return nil, invalid(op, "items", "are required")
	}
	for _, it := range params.Items {
		if it.Units != nil && *it.Units < 0 {
			return nil, invalid(op, "items.units", "must not be negative")
		}
	}
	return send[Subscription](ctx, s.client, post(subscriptionPath(seg, "")), "", params, opts)
}

// Upgrade moves a subscription to another product (POST /v1/subscriptions/{id}/upgrade). It may
// charge the customer; it is not retried after the request may have reached Creem.
func (s *SubscriptionsService) Upgrade(ctx context.Context, subscriptionID string, params *UpgradeSubscriptionParams, opts ...RequestOption) (*Subscription, error) {
	const op = "Subscriptions.Upgrade"
	seg, err := pathID(op, "id", subscriptionID)
	if err != nil {
		return nil, err
	}
	if params == nil || strings.TrimSpace(params.ProductID) == "" {
		return nil, invalid(op, "product_id", "is required")
	}
	return send[Subscription](ctx, s.client, post(subscriptionPath(seg, "/upgrade")), "", params, opts)
}

// Cancel cancels a subscription now or at the end of its period (POST /v1/subscriptions/{id}/cancel).
// params may be nil for the store's defaults. Not retried after the request may have reached Creem.
func (s *SubscriptionsService) Cancel(ctx context.Context, subscriptionID string, params *CancelSubscriptionParams, opts ...RequestOption) (*Subscription, error) {
	const op = "Subscriptions.Cancel"
	seg, err := pathID(op, "id", subscriptionID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = &CancelSubscriptionParams{}
	}
	if params.OnExecute != "" && params.Mode != CancelModeScheduled {
		return nil, invalid(op, "onExecute", "applies only with mode scheduled")
	}
	return send[Subscription](ctx, s.client, post(subscriptionPath(seg, "/cancel")), "", params, opts)
}

// Pause pauses a subscription's billing (POST /v1/subscriptions/{id}/pause). Not retried after
// the request may have reached Creem.
func (s *SubscriptionsService) Pause(ctx context.Context, subscriptionID string, opts ...RequestOption) (*Subscription, error) {
	seg, err := pathID("Subscriptions.Pause", "id", subscriptionID)
	if err != nil {
		return nil, err
	}
	return send[Subscription](ctx, s.client, post(subscriptionPath(seg, "/pause")), "", nil, opts)
}

// Resume resumes a paused subscription (POST /v1/subscriptions/{id}/resume). It may charge the
// customer; it is not retried after the request may have reached Creem.
func (s *SubscriptionsService) Resume(ctx context.Context, subscriptionID string, opts ...RequestOption) (*Subscription, error) {
	seg, err := pathID("Subscriptions.Resume", "id", subscriptionID)
	if err != nil {
		return nil, err
	}
	return send[Subscription](ctx, s.client, post(subscriptionPath(seg, "/resume")), "", nil, opts)
}

// subscriptionPath joins an escaped ID from pathID and an action.
func subscriptionPath(seg, action string) string {
	return "/v1/subscriptions/" + seg + action
}
