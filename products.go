package creem

import (
	"context"
	"iter"
)

// ProductsService manages products: POST /v1/products, GET|PATCH|DELETE /v1/products/{id} and
// GET /v1/products/search.
type ProductsService service

// ProductStatus is the lifecycle status of a product. It is an open enum.
type ProductStatus string

// Known product statuses.
const (
	ProductStatusActive   ProductStatus = "active"
	ProductStatusArchived ProductStatus = "archived"
)

// BillingType tells one-time products from subscriptions. It is an open enum.
type BillingType string

// Known billing types.
const (
	BillingTypeRecurring BillingType = "recurring"
	BillingTypeOnetime   BillingType = "onetime"
)

// BillingPeriod is how often a recurring product bills. It is an open enum.
type BillingPeriod string

// Known billing periods.
const (
	BillingPeriodOnce            BillingPeriod = "once"
	BillingPeriodEveryDay        BillingPeriod = "every-day"
	BillingPeriodEveryMonth      BillingPeriod = "every-month"
	BillingPeriodEveryThreeMonth BillingPeriod = "every-three-months"
	BillingPeriodEverySixMonths  BillingPeriod = "every-six-months"
	BillingPeriodEveryYear       BillingPeriod = "every-year"
	// BillingPeriodCustom bills every RecurringIntervalCount RecurringIntervals.
	BillingPeriodCustom BillingPeriod = "custom"
)

// RecurringInterval is the unit of a custom billing period. It is an open enum.
type RecurringInterval string

// Known recurring intervals.
const (
	RecurringIntervalDay   RecurringInterval = "day"
	RecurringIntervalWeek  RecurringInterval = "week"
	RecurringIntervalMonth RecurringInterval = "month"
	RecurringIntervalYear  RecurringInterval = "year"
)

// TaxMode tells whether a price includes tax. It is an open enum.
type TaxMode string

// Known tax modes.
const (
	TaxModeInclusive TaxMode = "inclusive"
	TaxModeExclusive TaxMode = "exclusive"
)

// TaxCategory is the tax category of a product. It is an open enum.
type TaxCategory string

// Known tax categories.
const (
	TaxCategorySaaS                TaxCategory = "saas"
	TaxCategoryDigitalGoodsService TaxCategory = "digital-goods-service"
	TaxCategoryEbooks              TaxCategory = "ebooks"
)

// FeatureType is the kind of a product feature. It is an open enum.
type FeatureType string

// Known feature types.
const (
	FeatureTypeCustom          FeatureType = "custom"
	FeatureTypeFile            FeatureType = "file"
	FeatureTypeLicenseKey      FeatureType = "licenseKey"
	FeatureTypeCustomerCredits FeatureType = "customerCredits"
)

// CustomFieldType is the kind of a checkout custom field. It is an open enum.
type CustomFieldType string

// Known custom field types.
const (
	CustomFieldTypeText     CustomFieldType = "text"
	CustomFieldTypeCheckbox CustomFieldType = "checkbox"
)

// UsagePriceSettlementMode tells when metered usage is paid. It is an open enum.
type UsagePriceSettlementMode string

// Known settlement modes.
const (
	SettlementModePrepaid  UsagePriceSettlementMode = "prepaid"
	SettlementModePostpaid UsagePriceSettlementMode = "postpaid"
)

// UsagePriceTargetAccount tells which credit account a usage charge debits. It is an open enum.
type UsagePriceTargetAccount string

// Known target accounts.
const (
	TargetAccountShared  UsagePriceTargetAccount = "shared"
	TargetAccountPerUnit UsagePriceTargetAccount = "per_unit"
)

// UsagePriceTrialUsageMode tells how usage during a trial is billed. It is an open enum.
type UsagePriceTrialUsageMode string

// Known trial usage modes.
const (
	TrialUsageModeFree   UsagePriceTrialUsageMode = "free"
	TrialUsageModeAccrue UsagePriceTrialUsageMode = "accrue"
)

// Product is a product you sell (ProductEntity). Amounts are in minor units (cents).
//
// Where an entity refers to a product only by ID (checkout.product, subscription.product), only
// ID is filled.
type Product struct {
	ID                     string             `json:"id"`
	Mode                   Mode               `json:"mode"`
	Object                 string             `json:"object"`
	Name                   string             `json:"name"`
	Description            string             `json:"description"`
	ImageURL               string             `json:"image_url"`
	ImageURLs              []string           `json:"image_urls"` // first is the cover image
	Features               []ProductFeature   `json:"features"`
	UsagePrices            []UsagePrice       `json:"usage_prices"`
	Price                  int64              `json:"price"` // minor units: 1000 = 10.00
	Currency               Currency           `json:"currency"`
	BillingType            BillingType        `json:"billing_type"`
	BillingPeriod          BillingPeriod      `json:"billing_period"`
	RecurringInterval      *RecurringInterval `json:"recurring_interval"`
	RecurringIntervalCount *int               `json:"recurring_interval_count"`
	TrialPeriodDays        *int               `json:"trial_period_days"`
	TrialPrice             *int64             `json:"trial_price"` // minor units charged to start the trial
	Status                 ProductStatus      `json:"status"`
	TaxMode                TaxMode            `json:"tax_mode"`
	BusinessNetPricing     bool               `json:"business_net_pricing"`
	TaxCategory            TaxCategory        `json:"tax_category"`
	ProductURL             string             `json:"product_url"`
	DefaultSuccessURL      *string            `json:"default_success_url"`
	CustomFields           []CustomField      `json:"custom_fields"`
	CreatedAt              Timestamp          `json:"created_at"`
	UpdatedAt              Timestamp          `json:"updated_at"`
}

// ProductFeature is a feature a product grants (FeatureEntity).
type ProductFeature struct {
	ID              string                  `json:"id"`
	Type            FeatureType             `json:"type"`
	Description     string                  `json:"description"`
	CustomerCredits *CustomerCreditsFeature `json:"customer_credits"` // only for customerCredits features
}

// CustomerCreditsFeature is the credit grant of a customerCredits feature, in responses and requests.
type CustomerCreditsFeature struct {
	// Amount is the number of credits, a decimal string to keep big-integer precision.
	Amount     string  `json:"amount"`
	UnitLabel  *string `json:"unit_label,omitempty"`  // e.g. "tokens"
	BucketName *string `json:"bucket_name,omitempty"` // the customer's credit account it funds
}

// UsagePrice is a metered charge billed on top of a recurring product's price (UsagePriceEntity).
type UsagePrice struct {
	ID      string `json:"id"`
	MeterID string `json:"meter_id"`
	// UnitPrice is the tax-exclusive price of one meter unit in minor units; it may be fractional.
	UnitPrice         float64                  `json:"unit_price"`
	FreeAllowance     int64                    `json:"free_allowance"` // free units per period
	Cap               *int64                   `json:"cap"`            // minor units per period; nil is uncapped
	SettlementMode    UsagePriceSettlementMode `json:"settlement_mode"`
	TargetAccount     UsagePriceTargetAccount  `json:"target_account"`
	TargetAccountName *string                  `json:"target_account_name"`
	TrialUsageMode    UsagePriceTrialUsageMode `json:"trial_usage_mode"`
}

// CustomField is a field collected at checkout, with the customer's answer on checkouts (CustomField).
type CustomField struct {
	Type     CustomFieldType      `json:"type"`
	Key      string               `json:"key"`
	Label    string               `json:"label"`
	Optional *bool                `json:"optional"`
	Text     *CustomFieldText     `json:"text"`
	Checkbox *CustomFieldCheckbox `json:"checkbox"`
}

// CustomFieldText configures a text field and holds its value.
type CustomFieldText struct {
	MaxLength     *int    `json:"max_length"`
	MinimumLength *int    `json:"minimum_length"`
	Value         *string `json:"value"`
}

// CustomFieldCheckbox configures a checkbox field and holds its value.
type CustomFieldCheckbox struct {
	Label *string `json:"label"` // markdown
	Value *bool   `json:"value"`
}

// CustomFieldParams asks for a custom field at checkout (CustomFieldRequestEntity).
type CustomFieldParams struct {
	Type     CustomFieldType      `json:"type"`
	Key      string               `json:"key"`   // alphanumeric, unique, up to 200 characters
	Label    string               `json:"label"` // up to 50 characters
	Optional *bool                `json:"optional,omitempty"`
	Text     *TextFieldConfig     `json:"text,omitempty"`
	Checkbox *CheckboxFieldConfig `json:"checkbox,omitempty"`
}

// TextFieldConfig constrains a text custom field.
type TextFieldConfig struct {
	MaxLength int `json:"max_length,omitempty"`
	MinLength int `json:"min_length,omitempty"`
}

// CheckboxFieldConfig labels a checkbox custom field.
type CheckboxFieldConfig struct {
	Label string `json:"label,omitempty"` // markdown
}

// UsagePriceParams sets a metered charge on a product (UsagePriceRequestEntity).
type UsagePriceParams struct {
	ID                string                   `json:"id,omitempty"` // edit this existing charge (updates only)
	MeterID           string                   `json:"meter_id"`
	UnitPrice         float64                  `json:"unit_price"` // minor units per meter unit
	FreeAllowance     *int64                   `json:"free_allowance,omitempty"`
	Cap               *int64                   `json:"cap,omitempty"`
	SettlementMode    UsagePriceSettlementMode `json:"settlement_mode"`
	TargetAccount     UsagePriceTargetAccount  `json:"target_account,omitempty"`
	TargetAccountName string                   `json:"target_account_name,omitempty"`
	TrialUsageMode    UsagePriceTrialUsageMode `json:"trial_usage_mode,omitempty"`
}

// ProductFeatureParams sets a credit-granting feature on a product (ProductFeatureRequestEntity).
// Only customerCredits features can be managed through the API.
type ProductFeatureParams struct {
	ID              string                 `json:"id,omitempty"` // edit this existing feature (updates only)
	Type            FeatureType            `json:"type"`         // FeatureTypeCustomerCredits
	Description     string                 `json:"description"`
	CustomerCredits CustomerCreditsFeature `json:"customer_credits"`
}

// CreateProductParams are the parameters of Products.Create (CreateProductRequestEntity).
// Name, Description, Price, Currency and BillingType are required; the rest is omitted when unset.
type CreateProductParams struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	ImageURL    string   `json:"image_url,omitempty"`
	ImageURLs   []string `json:"image_urls,omitempty"` // up to 8; the first is the cover
	// Price in minor units: 0 (a free product) or at least 100. A pointer, so that forgetting it
	// is an error rather than a free product: Price: creem.Int64(1000).
	Price                  *int64              `json:"price"`
	Currency               Currency            `json:"currency"`
	BillingType            BillingType         `json:"billing_type"`
	BillingPeriod          BillingPeriod       `json:"billing_period,omitempty"`
	RecurringInterval      RecurringInterval   `json:"recurring_interval,omitempty"`
	RecurringIntervalCount *int                `json:"recurring_interval_count,omitempty"` // required with BillingPeriodCustom
	TaxMode                TaxMode             `json:"tax_mode,omitempty"`
	BusinessNetPricing     *bool               `json:"business_net_pricing,omitempty"`
	TaxCategory            TaxCategory         `json:"tax_category,omitempty"`
	PayWhatYouWant         *bool               `json:"pay_what_you_want,omitempty"`
	SuggestedPrice         *int64              `json:"suggested_price,omitempty"`
	TrialPeriodDays        *int                `json:"trial_period_days,omitempty"`
	TrialPrice             *int64              `json:"trial_price,omitempty"`
	DefaultSuccessURL      string              `json:"default_success_url,omitempty"`
	CustomFields           []CustomFieldParams `json:"custom_fields,omitempty"` // up to 3
	// Deprecated: use CustomFields.
	CustomField                  []CustomFieldParams    `json:"custom_field,omitempty"`
	AbandonedCartRecoveryEnabled *bool                  `json:"abandoned_cart_recovery_enabled,omitempty"`
	UsagePrices                  []UsagePriceParams     `json:"usage_prices,omitempty"`
	Features                     []ProductFeatureParams `json:"features,omitempty"`
}

// UpdateProductParams are the parameters of Products.Update (UpdateProductRequestEntity). Only
// fields that are set are sent and change; Nullable fields can also be cleared with Null.
// Slices are sent when non-nil: an empty, non-nil slice removes all images, usage prices or
// features.
type UpdateProductParams struct {
	Name                   *string            `json:"name,omitempty"`
	Description            *string            `json:"description,omitempty"`
	ImageURL               *string            `json:"image_url,omitempty"`
	ImageURLs              []string           `json:"image_urls,omitzero"`
	DefaultSuccessURL      *string            `json:"default_success_url,omitempty"`
	Price                  *int64             `json:"price,omitempty"`
	Currency               Currency           `json:"currency,omitempty"`
	BillingType            BillingType        `json:"billing_type,omitempty"`
	BillingPeriod          BillingPeriod      `json:"billing_period,omitempty"`
	RecurringInterval      RecurringInterval  `json:"recurring_interval,omitempty"`
	RecurringIntervalCount *int               `json:"recurring_interval_count,omitempty"`
	TaxMode                TaxMode            `json:"tax_mode,omitempty"`
	BusinessNetPricing     *bool              `json:"business_net_pricing,omitempty"`
	TrialPeriodDays        Nullable[int]      `json:"trial_period_days,omitzero"` // Null removes the trial
	TrialPrice             Nullable[int64]    `json:"trial_price,omitzero"`       // Null makes the trial free
	PayWhatYouWant         *bool              `json:"pay_what_you_want,omitempty"`
	SuggestedPrice         *int64             `json:"suggested_price,omitempty"` // minor units, pay-what-you-want only
	UsagePrices            []UsagePriceParams `json:"usage_prices,omitzero"`     // the complete set after the update
	// Features is the complete set of credit features after the update.
	Features []ProductFeatureParams `json:"features,omitzero"`
}

// ListProductsParams filters Products.List and Products.All.
type ListProductsParams struct {
	ListParams
	Status ProductStatus `url:"status,omitempty"`
}

// Create creates a product (POST /v1/products). It sends an Idempotency-Key, generated once per
// call unless WithIdempotencyKey gives one, so Creem returns the original product instead of a
// duplicate and the call is retried like a read.
func (s *ProductsService) Create(ctx context.Context, params *CreateProductParams, opts ...RequestOption) (*Product, error) {
	const op = "Products.Create"
	switch {
	case params == nil:
		return nil, invalid(op, "params", "are required")
	case params.Name == "":
		return nil, invalid(op, "name", "is required")
	case params.Price == nil:
		return nil, invalid(op, "price", "is required (0 makes a free product)")
	case *params.Price < 0:
		return nil, invalid(op, "price", "must not be negative")
	case params.Currency == "":
		return nil, invalid(op, "currency", "is required")
	case params.BillingType == "":
		return nil, invalid(op, "billing_type", "is required")
	}
	ep := post("/v1/products")
	ep.idempotencyKey = true
	return send[Product](ctx, s.client, ep, "", params, opts)
}

// Get retrieves a product by ID (GET /v1/products/{id}). Retried like every read.
func (s *ProductsService) Get(ctx context.Context, productID string, opts ...RequestOption) (*Product, error) {
	seg, err := pathID("Products.Get", "id", productID)
	if err != nil {
		return nil, err
	}
	return send[Product](ctx, s.client, get("/v1/products/"+seg), "", nil, opts)
}

// List returns one page of products (GET /v1/products/search). Retried like every read.
func (s *ProductsService) List(ctx context.Context, params *ListProductsParams, opts ...RequestOption) (*Page[Product], error) {
	return list[Product](ctx, s.client, "/v1/products/search", params, opts)
}

// All iterates over every product matching params, fetching one page at a time; see Page.
func (s *ProductsService) All(ctx context.Context, params *ListProductsParams, opts ...RequestOption) iter.Seq2[*Product, error] {
	return all(ctx, params, s.List, opts)
}

// Update changes the fields set in params (PATCH /v1/products/{id}) and returns the product.
// Not retried after the request may have reached Creem.
func (s *ProductsService) Update(ctx context.Context, productID string, params *UpdateProductParams, opts ...RequestOption) (*Product, error) {
	const op = "Products.Update"
	seg, err := pathID(op, "id", productID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.Price != nil && *params.Price < 0 {
		return nil, invalid(op, "price", "must not be negative")
	}
	return send[Product](ctx, s.client, patch("/v1/products/"+seg), "", params, opts)
}

// Archive archives a product (DELETE /v1/products/{id}): it can no longer be bought but stays
// for past orders. Not retried after the request may have reached Creem.
func (s *ProductsService) Archive(ctx context.Context, productID string, opts ...RequestOption) (*Product, error) {
	seg, err := pathID("Products.Archive", "id", productID)
	if err != nil {
		return nil, err
	}
	return send[Product](ctx, s.client, del("/v1/products/"+seg), "", nil, opts)
}
