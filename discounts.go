package creem

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
