package creem

import (
	"context"
	"strings"
)

// CheckoutsService creates and retrieves checkout sessions: POST /v1/checkouts and
// GET /v1/checkouts?checkout_id=.
type CheckoutsService service

// CheckoutStatus is the status of a checkout session. It is an open enum.
type CheckoutStatus string

// Known checkout statuses.
const (
	CheckoutStatusPending    CheckoutStatus = "pending"
	CheckoutStatusProcessing CheckoutStatus = "processing"
	CheckoutStatusCompleted  CheckoutStatus = "completed"
	CheckoutStatusExpired    CheckoutStatus = "expired"
)

// Checkout is a checkout session (CheckoutEntity). Redirect the buyer to CheckoutURL.
//
// Product, Subscription and Customer arrive either as objects or as bare IDs (see ProductRef);
// either way the pointer is set when the field is present and its ID is filled, so
// checkout.Product.ID works.
type Checkout struct {
	ID        string         `json:"id"`
	Mode      Mode           `json:"mode"`
	Object    string         `json:"object"`
	Status    CheckoutStatus `json:"status"`
	RequestID string         `json:"request_id"`
	Product   *ProductRef    `json:"product"`
	Units     int            `json:"units"`
	// CustomPrice is the per-unit price override in minor units the checkout was created with.
	CustomPrice  *int64           `json:"custom_price"`
	Order        *Order           `json:"order"`
	Subscription *SubscriptionRef `json:"subscription"`
	Customer     *CustomerRef     `json:"customer"`
	CustomFields []CustomField    `json:"custom_fields"` // with the customer's answers
	CheckoutURL  string           `json:"checkout_url"`
	SuccessURL   *string          `json:"success_url"`
	LicenseKeys  []License        `json:"license_keys"`
	// Deprecated: use LicenseKeys. The spec documents an object, the docs an array; both decode.
	Feature  CheckoutFeatures `json:"feature"`
	Metadata Metadata         `json:"metadata"`
	Discount *AppliedDiscount `json:"discount"`
}

// CheckoutFeature is a feature issued by a purchase (ProductFeatureEntity).
type CheckoutFeature struct {
	ID              *string                 `json:"id"`
	Description     *string                 `json:"description"`
	Type            FeatureType             `json:"type"`
	PrivateNote     *string                 `json:"private_note"` // shown to the customer after purchase
	File            *FileFeature            `json:"file"`
	LicenseKey      *License                `json:"license_key"`
	CustomerCredits *CustomerCreditsFeature `json:"customer_credits"`
	// Deprecated: use LicenseKey.
	License *License `json:"license"`
}

// CheckoutFeatures decodes the deprecated checkout "feature" field from an object or an array.
type CheckoutFeatures []CheckoutFeature

// UnmarshalJSON accepts a single feature object, an array of them, or null.
func (f *CheckoutFeatures) UnmarshalJSON(data []byte) error {
	return unmarshalOneOrMany(data, (*[]CheckoutFeature)(f))
}

// MarshalJSON encodes the spec's shape: null for none, the object for one, an array for more.
func (f CheckoutFeatures) MarshalJSON() ([]byte, error) { return marshalOneOrMany(f) }

// FileFeature lists the downloadable files of a file feature (FileFeatureEntity).
type FileFeature struct {
	Files []FeatureFile `json:"files"`
}

// FeatureFile is one downloadable file (FeatureFileEntity).
type FeatureFile struct {
	ID       string `json:"id"`
	FileName string `json:"file_name"`
	URL      string `json:"url"`
	Type     string `json:"type"` // MIME type
	Size     int64  `json:"size"` // bytes
}

// OrderStatus is the status of an order. It is an open enum.
type OrderStatus string

// Known order statuses.
const (
	OrderStatusPending OrderStatus = "pending"
	OrderStatusPaid    OrderStatus = "paid"
)

// OrderType tells one-time orders from subscription orders. It is an open enum.
type OrderType string

// Known order types.
const (
	OrderTypeRecurring OrderType = "recurring"
	OrderTypeOnetime   OrderType = "onetime"
)

// Order is what a completed checkout bought (OrderEntity). Amounts are in minor units.
type Order struct {
	ID             string      `json:"id"`
	Mode           Mode        `json:"mode"`
	Object         string      `json:"object"`
	Customer       *string     `json:"customer"` // customer ID
	Product        string      `json:"product"`  // product ID
	Transaction    *string     `json:"transaction"`
	Discount       *string     `json:"discount"` // discount ID
	Amount         int64       `json:"amount"`
	SubTotal       int64       `json:"sub_total"`
	TaxAmount      int64       `json:"tax_amount"`
	DiscountAmount int64       `json:"discount_amount"`
	AmountDue      int64       `json:"amount_due"`
	AmountPaid     int64       `json:"amount_paid"`
	Currency       Currency    `json:"currency"`
	FxAmount       *int64      `json:"fx_amount"` // in FxCurrency
	FxCurrency     *Currency   `json:"fx_currency"`
	FxRate         *float64    `json:"fx_rate"`
	Status         OrderStatus `json:"status"`
	Type           OrderType   `json:"type"`
	Affiliate      *string     `json:"affiliate"`
	CreatedAt      Timestamp   `json:"created_at"`
	UpdatedAt      Timestamp   `json:"updated_at"`
}

// CheckoutCustomer prefills the customer on the checkout page (CustomerRequestEntity).
// Give ID or Email, not both.
type CheckoutCustomer struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// CreateCheckoutParams are the parameters of Checkouts.Create (CreateCheckoutRequest).
// ProductID is required; the rest is omitted when unset.
type CreateCheckoutParams struct {
	// RequestID is your reference, echoed on the success redirect and in webhooks. It must not
	// contain "|" or be "null": VerifyRedirect could not verify the redirect of a paid checkout
	// carrying such a value, so Create refuses it.
	RequestID string `json:"request_id,omitempty"`
	ProductID string `json:"product_id"`
	Units     int    `json:"units,omitempty"`
	// CustomPrice overrides the per-unit price in minor units (one-time products, 100 to 99999999).
	CustomPrice   int64               `json:"custom_price,omitempty"`
	DiscountCode  string              `json:"discount_code,omitempty"`
	AffiliateCode string              `json:"affiliate_code,omitempty"`
	Customer      *CheckoutCustomer   `json:"customer,omitempty"`
	CustomFields  []CustomFieldParams `json:"custom_fields,omitempty"` // up to 3
	// Deprecated: use CustomFields.
	CustomField []CustomFieldParams `json:"custom_field,omitempty"`
	SuccessURL  string              `json:"success_url,omitempty"`
	Metadata    Metadata            `json:"metadata,omitempty"`
}

// Create creates a checkout session (POST /v1/checkouts); redirect the buyer to its CheckoutURL.
// Not retried after the request may have reached Creem (only after 429 or a failed connect),
// so a network failure never creates a second session behind your back.
func (s *CheckoutsService) Create(ctx context.Context, params *CreateCheckoutParams, opts ...RequestOption) (*Checkout, error) {
	const op = "Checkouts.Create"
	switch {
	case params == nil:
		return nil, invalid(op, "params", "are required")
	case params.ProductID == "":
		return nil, invalid(op, "product_id", "is required")
	case params.Units < 0:
		return nil, invalid(op, "units", "must not be negative")
	case params.CustomPrice < 0:
		return nil, invalid(op, "custom_price", "must not be negative")
	case params.Customer != nil && params.Customer.ID != "" && params.Customer.Email != "":
		return nil, invalid(op, "customer", "takes id or email, not both")
	case strings.Contains(params.RequestID, "|") || params.RequestID == "null":
		return nil, invalid(op, "request_id", `must not contain "|" or be "null": the success redirect could not be verified`)
	}
	return send[Checkout](ctx, s.client, post("/v1/checkouts"), "", params, opts)
}

// Get retrieves a checkout session (GET /v1/checkouts?checkout_id=). Retried like every read.
func (s *CheckoutsService) Get(ctx context.Context, checkoutID string, opts ...RequestOption) (*Checkout, error) {
	if err := requireID("Checkouts.Get", "checkout_id", checkoutID); err != nil {
		return nil, err
	}
	return send[Checkout](ctx, s.client, get("/v1/checkouts"), param("checkout_id", checkoutID), nil, opts)
}
