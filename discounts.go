package creem

import (
	"context"
	"iter"
	"strings"
	"time"
)

// DiscountsService manages discount codes: GET|POST /v1/discounts, GET /v1/discounts/search and
// DELETE /v1/discounts/{id}/delete.
type DiscountsService service

// DiscountType tells percentage discounts from fixed-amount ones. It is an open enum.
type DiscountType string

// Known discount types.
const (
	DiscountTypePercentage DiscountType = "percentage"
	DiscountTypeFixed      DiscountType = "fixed"
)

// DiscountDuration is how long a discount applies to a subscription. It is an open enum.
type DiscountDuration string

// Known discount durations.
const (
	DiscountDurationForever   DiscountDuration = "forever"
	DiscountDurationOnce      DiscountDuration = "once"
	DiscountDurationRepeating DiscountDuration = "repeating" // for DurationInMonths months
)

// DiscountStatus is the status of a discount. It is an open enum.
type DiscountStatus string

// Known discount statuses.
const (
	DiscountStatusActive    DiscountStatus = "active"
	DiscountStatusDraft     DiscountStatus = "draft"
	DiscountStatusScheduled DiscountStatus = "scheduled"
	DiscountStatusExpired   DiscountStatus = "expired"
	DiscountStatusDeleted   DiscountStatus = "deleted"
)

// Discount is a discount code (DiscountEntity).
type Discount struct {
	ID     string         `json:"id"`
	Mode   Mode           `json:"mode"`
	Object string         `json:"object"`
	Status DiscountStatus `json:"status"`
	Name   string         `json:"name"`
	Code   string         `json:"code"`
	Type   DiscountType   `json:"type"`
	// Amount is the discount's value: minor units for fixed discounts. Creem documents it as
	// "a percentage or a fixed amount", so it is a float64 and decodes either.
	Amount            float64          `json:"amount"`
	Currency          *Currency        `json:"currency"`   // fixed discounts only
	Percentage        *float64         `json:"percentage"` // percentage discounts only
	ExpiryDate        *Timestamp       `json:"expiry_date"`
	MaxRedemptions    *int             `json:"max_redemptions"`
	Duration          DiscountDuration `json:"duration"`
	DurationInMonths  *int             `json:"duration_in_months"` // repeating discounts only
	AppliesToProducts []string         `json:"applies_to_products"`
	RedeemCount       int              `json:"redeem_count"`
	// StoreID and CreatedAt arrive in live responses, though the spec does not list them.
	StoreID   string    `json:"store_id,omitempty"`
	CreatedAt Timestamp `json:"created_at,omitzero"`
}

// AppliedDiscount is the discount applied to a checkout or subscription.
type AppliedDiscount struct {
	ID           string       `json:"id"`
	DiscountCode string       `json:"discountCode"`
	Name         string       `json:"name"`
	Type         DiscountType `json:"type"`
	// Amount is a percentage for percentage discounts, minor units for fixed ones.
	Amount           float64          `json:"amount"`
	Duration         DiscountDuration `json:"duration"`
	DurationInMonths int              `json:"durationInMonths"`
}

// CreateDiscountParams are the parameters of Discounts.Create (CreateDiscountRequestEntity).
// Name, Type, Duration and AppliesToProducts are required; a percentage discount needs
// Percentage, a fixed one Amount and Currency, a repeating one DurationInMonths.
type CreateDiscountParams struct {
	Name              string           `json:"name"`
	Code              string           `json:"code,omitempty"` // generated when empty
	Type              DiscountType     `json:"type"`
	Amount            int64            `json:"amount,omitempty"` // minor units, fixed discounts
	Currency          Currency         `json:"currency,omitempty"`
	Percentage        float64          `json:"percentage,omitempty"` // e.g. 12.5
	ExpiryDate        time.Time        `json:"expiry_date,omitzero"`
	MaxRedemptions    int              `json:"max_redemptions,omitempty"`
	Duration          DiscountDuration `json:"duration"`
	DurationInMonths  int              `json:"duration_in_months,omitempty"`
	AppliesToProducts []string         `json:"applies_to_products"`
}

// ListDiscountsParams filter Discounts.List and Discounts.All.
type ListDiscountsParams struct {
	ListParams
	ProductID     string         `url:"product_id,omitempty"` // discounts that apply to this product
	Status        DiscountStatus `url:"status,omitempty"`     // active or deleted
	Type          DiscountType   `url:"type,omitempty"`
	CreatedAfter  time.Time      `url:"created_after,omitempty"` // sent as RFC 3339
	CreatedBefore time.Time      `url:"created_before,omitempty"`
}

// Get retrieves a discount by ID (GET /v1/discounts?discount_id=). Retried like every read.
func (s *DiscountsService) Get(ctx context.Context, discountID string, opts ...RequestOption) (*Discount, error) {
	if err := requireID("Discounts.Get", "discount_id", discountID); err != nil {
		return nil, err
	}
	return send[Discount](ctx, s.client, get("/v1/discounts"), param("discount_id", discountID), nil, opts)
}

// GetByCode retrieves a discount by its code (GET /v1/discounts?discount_code=). Retried like
// every read.
func (s *DiscountsService) GetByCode(ctx context.Context, code string, opts ...RequestOption) (*Discount, error) {
	if err := requireID("Discounts.GetByCode", "discount_code", code); err != nil {
		return nil, err
	}
	return send[Discount](ctx, s.client, get("/v1/discounts"), param("discount_code", code), nil, opts)
}

// Create creates a discount (POST /v1/discounts). Not retried after the request may have
// reached Creem.
func (s *DiscountsService) Create(ctx context.Context, params *CreateDiscountParams, opts ...RequestOption) (*Discount, error) {
	const op = "Discounts.Create"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	p := *params
	switch {
	case strings.TrimSpace(p.Name) == "":
		return nil, invalid(op, "name", "is required")
	case p.Type == "":
		return nil, invalid(op, "type", "is required")
	case p.Type == DiscountTypePercentage && (p.Percentage <= 0 || p.Percentage > 100):
		return nil, invalid(op, "percentage", "must be above 0 and at most 100 for a percentage discount")
	case p.Type == DiscountTypeFixed && p.Amount <= 0:
		return nil, invalid(op, "amount", "must be positive for a fixed discount")
	case p.Type == DiscountTypeFixed && p.Currency == "":
		return nil, invalid(op, "currency", "is required for a fixed discount")
	case p.Duration == "":
		return nil, invalid(op, "duration", "is required")
	case p.Duration == DiscountDurationRepeating && p.DurationInMonths <= 0:
		return nil, invalid(op, "duration_in_months", "is required for a repeating discount")
	case p.MaxRedemptions < 0:
		return nil, invalid(op, "max_redemptions", "must not be negative")
	}
	if p.AppliesToProducts == nil {
		p.AppliesToProducts = []string{} // required by the API: send [] rather than null
	}
	return send[Discount](ctx, s.client, post("/v1/discounts"), "", &p, opts)
}

// Delete deletes a discount (DELETE /v1/discounts/{id}/delete) and returns it. Not retried after
// the request may have reached Creem.
func (s *DiscountsService) Delete(ctx context.Context, discountID string, opts ...RequestOption) (*Discount, error) {
	seg, err := pathID("Discounts.Delete", "id", discountID)
	if err != nil {
		return nil, err
	}
	return send[Discount](ctx, s.client, del("/v1/discounts/"+seg+"/delete"), "", nil, opts)
}

// List returns one page of discounts (GET /v1/discounts/search). Retried like every read.
func (s *DiscountsService) List(ctx context.Context, params *ListDiscountsParams, opts ...RequestOption) (*Page[Discount], error) {
	return list[Discount](ctx, s.client, "/v1/discounts/search", params, opts)
}

// All iterates over every discount matching params, fetching one page at a time.
func (s *DiscountsService) All(ctx context.Context, params *ListDiscountsParams, opts ...RequestOption) iter.Seq2[*Discount, error] {
	return all(ctx, params, s.List, opts)
}
