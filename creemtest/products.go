package creemtest

import (
	"net/http"

	"github.com/creem-go/creem"
)

func (s *Server) createProduct(r *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateProductParams
	if err := decodeBody(body, "CreateProductRequestEntity", &p); err != nil {
		return nil, err
	}
	if err := checkPrice(*p.Price); err != nil {
		return nil, err
	}
	key := r.Header.Get("Idempotency-Key")
	if id, ok := s.st.idempotency[key]; ok && key != "" {
		// A retry of a call that already succeeded gets the original product.
		return s.st.products.byID[id], nil
	}
	if err := s.checkUsagePriceMeters(p.UsagePrices); err != nil {
		return nil, err
	}
	//lint:ignore SA1019 Creem still accepts the deprecated custom_field, so the fake does too.
	fields := customFields(p.CustomFields, p.CustomField)
	now := creem.NewTimestamp(s.now().UTC())
	id := newID("prod")
	prod := &creem.Product{
		ID: id, Mode: creem.ModeTest, Object: "product",
		Name: p.Name, Description: p.Description, ImageURL: p.ImageURL, ImageURLs: p.ImageURLs,
		Features: []creem.ProductFeature{}, Price: *p.Price, Currency: p.Currency,
		BillingType: p.BillingType, BillingPeriod: p.BillingPeriod,
		RecurringIntervalCount: p.RecurringIntervalCount, TrialPeriodDays: p.TrialPeriodDays, TrialPrice: p.TrialPrice,
		Status: creem.ProductStatusActive, TaxMode: p.TaxMode, TaxCategory: p.TaxCategory,
		ProductURL: s.URL + "/payment/" + id, CustomFields: fields,
		CreatedAt: now, UpdatedAt: now,
	}
	if prod.BillingPeriod == "" {
		prod.BillingPeriod = creem.BillingPeriodOnce
		if p.BillingType == creem.BillingTypeRecurring {
			prod.BillingPeriod = creem.BillingPeriodEveryMonth
		}
	}
	if p.RecurringInterval != "" {
		prod.RecurringInterval = &p.RecurringInterval
	}
	if prod.TaxMode == "" {
		prod.TaxMode = creem.TaxModeInclusive
	}
	if prod.TaxCategory == "" {
		prod.TaxCategory = creem.TaxCategorySaaS
	}
	if p.BusinessNetPricing != nil {
		prod.BusinessNetPricing = *p.BusinessNetPricing
	}
	if p.DefaultSuccessURL != "" {
		prod.DefaultSuccessURL = &p.DefaultSuccessURL
	}
	prod.Features = creditFeatures(nil, p.Features)
	prod.UsagePrices = usagePrices(p.UsagePrices)
	s.st.products.put(id, prod)
	if key != "" {
		s.st.idempotency[key] = id
	}
	return prod, nil
}

// checkPrice applies Creem's rule: 0 (free) or at least one whole unit of the currency.
func checkPrice(price int64) *apiError {
	if price != 0 && price < 100 {
		return errorf(http.StatusBadRequest, "price must be 0 or at least 100")
	}
	return nil
}

func customFields(lists ...[]creem.CustomFieldParams) []creem.CustomField {
	out := []creem.CustomField{}
	for _, list := range lists {
		for _, f := range list {
			cf := creem.CustomField{Type: f.Type, Key: f.Key, Label: f.Label, Optional: f.Optional}
			if f.Text != nil {
				cf.Text = &creem.CustomFieldText{}
				if f.Text.MaxLength > 0 {
					cf.Text.MaxLength = creem.Ptr(f.Text.MaxLength)
				}
				if f.Text.MinLength > 0 {
					cf.Text.MinimumLength = creem.Ptr(f.Text.MinLength)
				}
			}
			if f.Checkbox != nil {
				cf.Checkbox = &creem.CustomFieldCheckbox{Label: creem.Ptr(f.Checkbox.Label)}
			}
			out = append(out, cf)
		}
	}
	return out
}

// creditFeatures replaces the customerCredits features of have with want, keeping the others
// and the IDs of features edited in place.
func creditFeatures(have []creem.ProductFeature, want []creem.ProductFeatureParams) []creem.ProductFeature {
	out := []creem.ProductFeature{}
	for _, f := range have {
		if f.Type != creem.FeatureTypeCustomerCredits {
			out = append(out, f)
		}
	}
	for _, f := range want {
		id := f.ID
		if id == "" {
			id = newID("feat")
		}
		credits := f.CustomerCredits
		out = append(out, creem.ProductFeature{ID: id, Type: f.Type, Description: f.Description, CustomerCredits: &credits})
	}
	return out
}

func usagePrices(in []creem.UsagePriceParams) []creem.UsagePrice {
	var out []creem.UsagePrice
	for _, u := range in {
		id := u.ID
		if id == "" {
			id = newID("uprice")
		}
		up := creem.UsagePrice{ID: id, MeterID: u.MeterID, UnitPrice: u.UnitPrice, Cap: u.Cap,
			SettlementMode: u.SettlementMode, TargetAccount: u.TargetAccount, TrialUsageMode: u.TrialUsageMode}
		if u.FreeAllowance != nil {
			up.FreeAllowance = *u.FreeAllowance
		}
		if up.TargetAccount == "" {
			up.TargetAccount = creem.TargetAccountShared
		}
		if up.TrialUsageMode == "" {
			up.TrialUsageMode = creem.TrialUsageModeFree
		}
		if u.TargetAccountName != "" {
			up.TargetAccountName = creem.Ptr(u.TargetAccountName)
		}
		out = append(out, up)
	}
	return out
}

func (s *Server) product(id string) (*creem.Product, *apiError) {
	p, ok := s.st.products.get(id)
	if !ok {
		return nil, notFound("Product")
	}
	return p, nil
}

func (s *Server) getProduct(r *http.Request, _ []byte) (any, *apiError) {
	return s.product(r.PathValue("id"))
}

func (s *Server) searchProducts(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	status := creem.ProductStatus(q.Get("status"))
	if status != "" && status != creem.ProductStatusActive && status != creem.ProductStatusArchived {
		return nil, errorf(http.StatusBadRequest, "status must be one of the following values: active, archived")
	}
	items := s.st.products.filter(func(p *creem.Product) bool { return status == "" || p.Status == status })
	return paginate(q, items)
}

func (s *Server) updateProduct(r *http.Request, body []byte) (any, *apiError) {
	prod, aerr := s.product(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	var p creem.UpdateProductParams
	if err := decodeBody(body, "UpdateProductRequestEntity", &p); err != nil {
		return nil, err
	}
	if p.Price != nil {
		if err := checkPrice(*p.Price); err != nil {
			return nil, err
		}
	}
	if err := s.checkUsagePriceMeters(p.UsagePrices); err != nil {
		return nil, err
	}
	up := *prod
	setIf(&up.Name, p.Name)
	setIf(&up.Description, p.Description)
	setIf(&up.ImageURL, p.ImageURL)
	setIf(&up.Price, p.Price)
	if p.RecurringIntervalCount != nil {
		up.RecurringIntervalCount = p.RecurringIntervalCount
	}
	if p.ImageURLs != nil {
		up.ImageURLs = p.ImageURLs
	}
	if p.DefaultSuccessURL != nil {
		up.DefaultSuccessURL = p.DefaultSuccessURL
	}
	if p.Currency != "" {
		up.Currency = p.Currency
	}
	if p.BillingType != "" {
		up.BillingType = p.BillingType
		if p.BillingType == creem.BillingTypeOnetime {
			up.TrialPeriodDays, up.TrialPrice = nil, nil
		}
	}
	if p.BillingPeriod != "" {
		up.BillingPeriod = p.BillingPeriod
	}
	if p.RecurringInterval != "" {
		up.RecurringInterval = &p.RecurringInterval
	}
	if p.TaxMode != "" {
		up.TaxMode = p.TaxMode
	}
	if p.BusinessNetPricing != nil {
		up.BusinessNetPricing = *p.BusinessNetPricing
	}
	if p.TrialPeriodDays.IsNull() {
		up.TrialPeriodDays, up.TrialPrice = nil, nil
	} else if v, ok := p.TrialPeriodDays.Get(); ok {
		up.TrialPeriodDays = &v
	}
	if v, ok := p.TrialPrice.Get(); ok && v > 0 {
		up.TrialPrice = &v
	} else if !p.TrialPrice.IsZero() {
		up.TrialPrice = nil
	}
	if p.UsagePrices != nil {
		up.UsagePrices = usagePrices(p.UsagePrices)
	}
	if p.Features != nil {
		up.Features = creditFeatures(up.Features, p.Features)
	}
	up.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	*prod = up
	return prod, nil
}

// setIf copies *src to *dst when src is set.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (s *Server) archiveProduct(r *http.Request, _ []byte) (any, *apiError) {
	prod, aerr := s.product(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	prod.Status = creem.ProductStatusArchived
	prod.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	return prod, nil
}
