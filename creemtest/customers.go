package creemtest

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/creem-go/creem"
)

func (s *Server) customer(id string) (*creem.Customer, *apiError) {
	c, ok := s.st.customers.get(id)
	if !ok {
		return nil, notFound("Customer")
	}
	return c, nil
}

// customerByEmail finds a customer by e-mail, case-insensitively. s.mu must be held.
func (s *Server) customerByEmail(email string) *creem.Customer {
	c, _ := s.st.customers.find(func(c *creem.Customer) bool { return strings.EqualFold(c.Email, email) })
	return c
}

func (s *Server) getCustomer(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	id, email := q.Get("customer_id"), q.Get("email")
	switch {
	case id != "" && email != "":
		return nil, errorf(http.StatusBadRequest, "Provide either customer_id or email, not both")
	case id != "":
		return s.customer(id)
	case email != "":
		if c := s.customerByEmail(email); c != nil {
			return c, nil
		}
		return nil, notFound("Customer")
	}
	return nil, errorf(http.StatusBadRequest, "Either customer_id or email is required")
}

func (s *Server) listCustomers(r *http.Request, _ []byte) (any, *apiError) {
	return paginate(r.URL.Query(), s.st.customers.filter(nil))
}

func (s *Server) createCustomer(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateCustomerParams
	if err := decodeBody(body, "CreateCustomerRequestEntity", &p); err != nil {
		return nil, err
	}
	if !validEmail(p.Email) {
		return nil, errorf(http.StatusBadRequest, "email must be an email")
	}
	if s.customerByEmail(p.Email) != nil {
		return nil, errorf(http.StatusConflict, "A customer with this email already exists")
	}
	if aerr := s.checkExternalID(p.ExternalID, ""); aerr != nil {
		return nil, aerr
	}
	ts := creem.NewTimestamp(s.now().UTC())
	c := &creem.Customer{
		ID: newID("cust"), Mode: creem.ModeTest, Object: "customer", Email: strings.ToLower(p.Email),
		Name: creem.Ptr(p.Name), Metadata: p.Metadata, CreatedAt: ts, UpdatedAt: ts,
	}
	if p.ExternalID != "" {
		c.ExternalID = creem.Ptr(p.ExternalID)
	}
	s.st.customers.put(c.ID, c)
	return c, nil
}

// checkExternalID enforces the uniqueness of external IDs within the store.
func (s *Server) checkExternalID(externalID, self string) *apiError {
	if externalID == "" {
		return nil
	}
	for _, c := range s.st.customers.filter(nil) {
		if c.ID != self && c.ExternalID != nil && *c.ExternalID == externalID {
			return errorf(http.StatusConflict, "external_id is already used by another customer")
		}
	}
	return nil
}

func (s *Server) updateCustomer(_ *http.Request, body []byte) (any, *apiError) {
	var p struct {
		CustomerID string `json:"customer_id"`
		creem.UpdateCustomerParams
	}
	if err := decodeBody(body, "UpdateCustomerRequestEntity", &p); err != nil {
		return nil, err
	}
	c, aerr := s.customer(p.CustomerID)
	if aerr != nil {
		return nil, aerr
	}
	up := *c
	if p.Name != nil {
		up.Name = p.Name
	}
	if p.Email != nil {
		if !validEmail(*p.Email) {
			return nil, errorf(http.StatusBadRequest, "email must be an email")
		}
		if other := s.customerByEmail(*p.Email); other != nil && other.ID != c.ID {
			return nil, errorf(http.StatusConflict, "A customer with this email already exists")
		}
		up.Email = strings.ToLower(*p.Email)
	}
	if p.Metadata != nil {
		up.Metadata = p.Metadata
	}
	if p.ExternalID.IsNull() {
		up.ExternalID = nil
	} else if v, ok := p.ExternalID.Get(); ok {
		if aerr := s.checkExternalID(v, c.ID); aerr != nil {
			return nil, aerr
		}
		up.ExternalID = &v
	}
	up.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	*c = up
	return c, nil
}

func (s *Server) customerBilling(_ *http.Request, body []byte) (any, *apiError) {
	var p struct {
		CustomerID string `json:"customer_id"`
	}
	if err := decodeBody(body, "CreateCustomerPortalLinkRequestEntity", &p); err != nil {
		return nil, err
	}
	if _, aerr := s.customer(p.CustomerID); aerr != nil {
		return nil, aerr
	}
	return creem.CustomerLinks{CustomerPortalLink: s.URL + "/portal/" + p.CustomerID}, nil
}

func (s *Server) customerOrders(r *http.Request, _ []byte) (any, *apiError) {
	c, aerr := s.customer(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	return paginate(r.URL.Query(), s.st.orders.filter(func(o *creem.Order) bool { return o.Customer != nil && *o.Customer == c.ID }))
}

func (s *Server) customerSubscriptions(r *http.Request, _ []byte) (any, *apiError) {
	c, aerr := s.customer(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	var views []*subscriptionJSON
	for _, sub := range s.st.subscriptions.filter(func(sub *creem.Subscription) bool { return sub.Customer.ID == c.ID }) {
		views = append(views, s.subscriptionView(sub, false))
	}
	return paginate(r.URL.Query(), views)
}

func (s *Server) customerLicenses(r *http.Request, _ []byte) (any, *apiError) {
	c, aerr := s.customer(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	var views []*licenseJSON
	for _, l := range s.st.licenses.filter(func(l *creem.License) bool { return s.st.licenseOwner[l.ID] == c.ID }) {
		views = append(views, licenseView(l))
	}
	return paginate(r.URL.Query(), views)
}

var portalTemplate = template.Must(template.New("portal").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Billing portal · creemtest</title></head>
<body><h1>Billing portal</h1><p id="customer">{{.Email}}</p>
<ul>{{range .Subs}}<li class="subscription">{{.ID}}: {{.Status}}</li>{{end}}</ul></body></html>
`))

// portalPage is what a customer portal link opens.
func (s *Server) portalPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.st.customers.get(r.PathValue("id"))
	var data struct {
		Email string
		Subs  []creem.Subscription
	}
	if ok {
		data.Email = c.Email
		for _, sub := range s.st.subscriptions.filter(func(sub *creem.Subscription) bool { return sub.Customer.ID == c.ID }) {
			data.Subs = append(data.Subs, *sub)
		}
	}
	// Rendered before unlocking: the copies above still share nested values with the store.
	var page bytes.Buffer
	_ = portalTemplate.Execute(&page, data)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
	}
	_, _ = w.Write(page.Bytes())
}
