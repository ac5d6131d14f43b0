package creemtest

import (
	"net/http"

	"github.com/creem-go/creem"
)

// checkoutJSON renders a stored checkout: ID-or-object fields as bare IDs or expanded objects.
type checkoutJSON struct {
	*creem.Checkout
	LicenseKeys  []*licenseJSON `json:"license_keys,omitempty"`
	Product      any            `json:"product"`
	Customer     any            `json:"customer,omitempty"`
	Subscription any            `json:"subscription,omitempty"`
	Order        any            `json:"order,omitempty"`
}

// subscriptionJSON renders a stored subscription with its product and customer as IDs or objects.
type subscriptionJSON struct {
	*creem.Subscription
	Product  any `json:"product"`
	Customer any `json:"customer"`
}

// checkoutView renders ch; expand replaces IDs by the objects they name, as Creem's retrieve does.
func (s *Server) checkoutView(ch *creem.Checkout, expand bool) *checkoutJSON {
	v := &checkoutJSON{Checkout: ch, Product: ch.Product.ID}
	if expand {
		v.Product = s.st.products.byID[ch.Product.ID]
	}
	if ch.Customer != nil {
		v.Customer = ch.Customer.ID
		if c, ok := s.st.customers.get(ch.Customer.ID); ok && expand {
			v.Customer = c
		}
	}
	if ch.Subscription != nil {
		v.Subscription = ch.Subscription.ID
		if sub, ok := s.st.subscriptions.get(ch.Subscription.ID); ok && expand {
			v.Subscription = s.subscriptionView(sub, false)
		}
	}
	if ch.Order != nil {
		if o, ok := s.st.orders.get(ch.Order.ID); ok {
			v.Order = o
		}
	}
	for i := range ch.LicenseKeys {
		if l, ok := s.st.licenses.get(ch.LicenseKeys[i].ID); ok {
			v.LicenseKeys = append(v.LicenseKeys, licenseView(l))
		}
	}
	return v
}

func (s *Server) subscriptionView(sub *creem.Subscription, expand bool) *subscriptionJSON {
	v := &subscriptionJSON{Subscription: sub, Product: sub.Product.ID, Customer: sub.Customer.ID}
	if expand {
		if p, ok := s.st.products.get(sub.Product.ID); ok {
			v.Product = p
		}
		if c, ok := s.st.customers.get(sub.Customer.ID); ok {
			v.Customer = c
		}
	}
	return v
}

func (s *Server) createCheckout(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateCheckoutParams
	if err := decodeBody(body, "CreateCheckoutRequest", &p); err != nil {
		return nil, err
	}
	prod, aerr := s.product(p.ProductID)
	if aerr != nil {
		return nil, aerr
	}
	if prod.Status != creem.ProductStatusActive {
		return nil, errorf(http.StatusBadRequest, "Product is not active")
	}
	units := p.Units
	if units == 0 {
		units = 1
	}
	if units < 1 {
		return nil, errorf(http.StatusBadRequest, "units must be a positive number")
	}
	if p.CustomPrice != 0 {
		if prod.BillingType != creem.BillingTypeOnetime {
			return nil, errorf(http.StatusBadRequest, "custom_price is only supported for one-time payment products")
		}
		if p.CustomPrice < 100 || p.CustomPrice > 99999999 {
			return nil, errorf(http.StatusBadRequest, "custom_price must be between 100 and 99999999")
		}
	}
	if c := p.Customer; c != nil {
		if c.ID != "" && c.Email != "" {
			return nil, errorf(http.StatusBadRequest, "You may specify only one of these parameters: id, email")
		}
		if _, ok := s.st.customers.get(c.ID); c.ID != "" && !ok {
			return nil, notFound("Customer")
		}
	}
	var discount *creem.Discount
	if p.DiscountCode != "" {
		if discount, aerr = s.applicableDiscount(p.DiscountCode, prod); aerr != nil {
			return nil, aerr
		}
	}
	var affiliate *creem.Affiliate
	if p.AffiliateCode != "" {
		if affiliate, aerr = s.activeAffiliateByCode(p.AffiliateCode); aerr != nil {
			return nil, aerr
		}
	}
	//lint:ignore SA1019 Creem still accepts the deprecated custom_field, so the fake does too.
	fields := customFields(p.CustomFields, p.CustomField)
	if len(fields) == 0 {
		// Without fields of its own, a checkout asks for the product's.
		fields = copyFields(prod.CustomFields)
	}
	id := newID("ch")
	ch := &creem.Checkout{
		ID: id, Mode: creem.ModeTest, Object: "checkout", Status: creem.CheckoutStatusPending,
		RequestID: p.RequestID, Product: &creem.ProductRef{Product: creem.Product{ID: prod.ID}}, Units: units,
		CustomFields: fields,
		CheckoutURL:  s.URL + "/checkout/" + id, Metadata: p.Metadata,
	}
	if p.CustomPrice != 0 {
		ch.CustomPrice = creem.Ptr(p.CustomPrice)
	}
	if p.SuccessURL != "" {
		ch.SuccessURL = creem.Ptr(p.SuccessURL)
	}
	if c := p.Customer; c != nil {
		if c.ID != "" {
			ch.Customer = &creem.CustomerRef{Customer: creem.Customer{ID: c.ID}}
		}
		s.st.prefill[id] = *c
	}
	if discount != nil {
		ch.Discount = applied(discount)
		s.st.checkoutDiscount[id] = discount.ID
	}
	if affiliate != nil {
		s.st.partners.checkoutAffiliate[id] = affiliate.ID
	}
	s.st.checkouts.put(id, ch)
	return s.checkoutView(ch, false), nil
}

func (s *Server) getCheckout(r *http.Request, _ []byte) (any, *apiError) {
	id := r.URL.Query().Get("checkout_id")
	if id == "" {
		return nil, errorf(http.StatusBadRequest, "The 'checkout_id' field is required.")
	}
	ch, ok := s.st.checkouts.get(id)
	if !ok {
		return nil, notFound("Checkout")
	}
	return s.checkoutView(ch, true), nil
}
