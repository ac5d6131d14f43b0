package creemtest

import (
	"net/http"
	"strings"
	"time"

	"github.com/creem-go/creem"
)

func (s *Server) discount(id string) (*creem.Discount, *apiError) {
	d, ok := s.st.discounts.get(id)
	if !ok {
		return nil, notFound("Discount")
	}
	return d, nil
}

// discountByCode finds a discount that is not deleted by its code, case-insensitively. s.mu
// must be held.
func (s *Server) discountByCode(code string) *creem.Discount {
	d, _ := s.st.discounts.find(func(d *creem.Discount) bool {
		return strings.EqualFold(d.Code, code) && d.Status != creem.DiscountStatusDeleted
	})
	return d
}

func (s *Server) createDiscount(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateDiscountParams
	if err := decodeBody(body, "CreateDiscountRequestEntity", &p); err != nil {
		return nil, err
	}
	d := &creem.Discount{
		ID: newID("dis"), Mode: creem.ModeTest, Object: "discount", Status: creem.DiscountStatusActive,
		Name: p.Name, Code: strings.ToUpper(p.Code), Type: p.Type, Duration: p.Duration, AppliesToProducts: p.AppliesToProducts,
	}
	switch p.Type {
	case creem.DiscountTypePercentage:
		if p.Percentage <= 0 || p.Percentage > 100 {
			return nil, errorf(http.StatusBadRequest, "percentage must be between 0 and 100")
		}
		d.Amount, d.Percentage = p.Percentage, creem.Ptr(p.Percentage)
	case creem.DiscountTypeFixed:
		if p.Amount <= 0 || p.Currency == "" {
			return nil, errorf(http.StatusBadRequest, "amount and currency are required for a fixed discount")
		}
		d.Amount, d.Currency = float64(p.Amount), creem.Ptr(p.Currency)
	}
	if p.Duration == creem.DiscountDurationRepeating {
		if p.DurationInMonths <= 0 {
			return nil, errorf(http.StatusBadRequest, "duration_in_months is required for a repeating discount")
		}
		d.DurationInMonths = creem.Ptr(p.DurationInMonths)
	}
	for _, id := range p.AppliesToProducts {
		if _, aerr := s.product(id); aerr != nil {
			return nil, aerr
		}
	}
	if d.Code == "" {
		d.Code = strings.ToUpper(randomID(8))
	}
	if s.discountByCode(d.Code) != nil {
		return nil, errorf(http.StatusBadRequest, "A resource with this identifier already exists")
	}
	if !p.ExpiryDate.IsZero() {
		d.ExpiryDate = creem.Ptr(creem.NewTimestamp(p.ExpiryDate.UTC()))
	}
	if p.MaxRedemptions > 0 {
		d.MaxRedemptions = creem.Ptr(p.MaxRedemptions)
	}
	s.st.discounts.put(d.ID, d)
	s.st.created[d.ID] = s.now()
	return d, nil
}

func (s *Server) getDiscount(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	id, code := q.Get("discount_id"), q.Get("discount_code")
	switch {
	case id != "" && code != "":
		return nil, errorf(http.StatusBadRequest, "Provide either discount_id or discount_code, not both")
	case id != "":
		return s.discount(id)
	case code != "":
		if d := s.discountByCode(code); d != nil {
			return d, nil
		}
		return nil, notFound("Discount")
	}
	return nil, errorf(http.StatusBadRequest, "Either discount_id or discount_code is required")
}

func (s *Server) deleteDiscount(r *http.Request, _ []byte) (any, *apiError) {
	d, aerr := s.discount(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	d.Status = creem.DiscountStatusDeleted
	return d, nil
}

func (s *Server) searchDiscounts(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	var after, before time.Time
	for name, dst := range map[string]*time.Time{"created_after": &after, "created_before": &before} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, name+" must be a valid ISO 8601 date string")
			}
			*dst = t
		}
	}
	items := s.st.discounts.filter(func(d *creem.Discount) bool {
		created := s.st.created[d.ID]
		return (q.Get("status") == "" || string(d.Status) == q.Get("status")) &&
			(q.Get("type") == "" || string(d.Type) == q.Get("type")) &&
			(q.Get("product_id") == "" || len(d.AppliesToProducts) == 0 || contains(d.AppliesToProducts, q.Get("product_id"))) &&
			(after.IsZero() || created.After(after)) && (before.IsZero() || created.Before(before))
	})
	return paginate(q, items)
}

// applicableDiscount checks that code may be used on a checkout for prod. s.mu must be held.
func (s *Server) applicableDiscount(code string, prod *creem.Product) (*creem.Discount, *apiError) {
	d := s.discountByCode(code)
	switch {
	case d == nil:
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" is invalid")
	case d.Status != creem.DiscountStatusActive:
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" is "+string(d.Status))
	case d.ExpiryDate != nil && d.ExpiryDate.Before(s.now()):
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" has expired")
	case d.MaxRedemptions != nil && d.RedeemCount >= *d.MaxRedemptions:
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" has been fully redeemed")
	case len(d.AppliesToProducts) > 0 && !contains(d.AppliesToProducts, prod.ID):
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" does not apply to this product")
	case d.Type == creem.DiscountTypeFixed && d.Currency != nil && *d.Currency != prod.Currency:
		return nil, errorf(http.StatusBadRequest, "Discount code "+code+" is in another currency")
	}
	return d, nil
}

// discountOff returns how much d takes off amount, in minor units.
func discountOff(d *creem.Discount, amount int64) int64 {
	var off int64
	if d.Type == creem.DiscountTypePercentage && d.Percentage != nil {
		off = int64(float64(amount)**d.Percentage/100 + 0.5)
	} else {
		off = int64(d.Amount)
	}
	return min(off, amount)
}

func applied(d *creem.Discount) *creem.AppliedDiscount {
	a := &creem.AppliedDiscount{ID: d.ID, DiscountCode: d.Code, Name: d.Name, Type: d.Type, Amount: d.Amount, Duration: d.Duration}
	if d.DurationInMonths != nil {
		a.DurationInMonths = *d.DurationInMonths
	}
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
