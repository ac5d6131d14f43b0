package creemtest

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/creem-go/creem"
)

// Pay completes checkout checkoutID as if a buyer with the given e-mail had paid on the hosted
// page with CardSucceeds: it creates the customer (or reuses the one with that e-mail), the
// order and the transaction, and a subscription for recurring products (trialing, for products
// with trial_period_days). It returns the URL Creem would redirect the browser to: the success
// URL with signed parameters appended. A checkout whose custom fields are required cannot be
// paid this way: use PayWith, which also takes a card number.
func (s *Server) Pay(ctx context.Context, checkoutID, email string) (string, error) {
	return s.payAs(ctx, "Pay", checkoutID, Payment{Email: email})
}

// pay completes a checkout. Every check comes before anything is created: a refused payment
// changes nothing. s.mu must be held.
func (s *Server) pay(checkoutID string, p Payment) (string, *apiError) {
	ch, ok := s.st.checkouts.get(checkoutID)
	if !ok {
		return "", notFound("Checkout")
	}
	if ch.Status != creem.CheckoutStatusPending {
		return "", errorf(http.StatusConflict, "Checkout is "+string(ch.Status))
	}
	email := strings.TrimSpace(p.Email)
	prefill := s.st.prefill[checkoutID]
	if email == "" {
		email = prefill.Email
	}
	if !validEmail(email) && prefill.ID == "" {
		return "", errorf(http.StatusBadRequest, "email must be an email")
	}
	prod, aerr := s.product(ch.Product.ID)
	if aerr != nil {
		return "", aerr
	}
	answered, aerr := answerFields(ch.CustomFields, p.CustomFields)
	if aerr != nil {
		return "", aerr
	}
	var discount *creem.Discount
	if id, ok := s.st.checkoutDiscount[checkoutID]; ok {
		// The code was valid at creation; it must still be when the buyer pays.
		if discount, aerr = s.applicableDiscount(s.st.discounts.byID[id].Code, prod); aerr != nil {
			return "", aerr
		}
	}
	card, aerr := checkCard(p.Card)
	if aerr != nil {
		return "", aerr
	}

	now := s.now().UTC()
	ts := creem.NewTimestamp(now)
	cust := s.customerFor(prefill, email, now)

	recurring := prod.BillingType == creem.BillingTypeRecurring
	trialDays := 0
	if recurring && prod.TrialPeriodDays != nil && *prod.TrialPeriodDays > 0 {
		trialDays = *prod.TrialPeriodDays
	}
	unit := prod.Price
	if ch.CustomPrice != nil {
		unit = *ch.CustomPrice
	}
	if trialDays > 0 {
		// A trial starts with its own price (none for a free trial); the full price is charged
		// when it ends.
		unit = 0
		if prod.TrialPrice != nil {
			unit = *prod.TrialPrice
		}
	}
	subTotal := unit * int64(ch.Units)
	var off int64
	if discount != nil {
		off = discountOff(discount, subTotal)
	}
	amount := subTotal - off

	order := &creem.Order{
		ID: newID("ord"), Mode: creem.ModeTest, Object: "order", Customer: creem.Ptr(cust.ID), Product: prod.ID,
		Amount: amount, SubTotal: subTotal, DiscountAmount: off, AmountDue: amount, AmountPaid: amount, Currency: prod.Currency,
		Status: creem.OrderStatusPaid, Type: creem.OrderTypeOnetime, CreatedAt: ts, UpdatedAt: ts,
	}
	if discount != nil {
		order.Discount = creem.Ptr(discount.ID)
		discount.RedeemCount++
	}
	tran := &creem.Transaction{
		ID: newID("tran"), Mode: creem.ModeTest, Object: "transaction", Amount: amount, AmountPaid: creem.Ptr(amount),
		DiscountAmount: creem.Ptr(off), Currency: prod.Currency, Type: creem.TransactionTypePayment,
		TaxAmount: creem.Int64(0), Status: creem.TransactionStatusPaid, Order: creem.Ptr(order.ID),
		Customer: creem.Ptr(cust.ID), Description: prod.Name, CreatedAt: creem.TimestampFromMillis(now.UnixMilli()),
	}
	order.Transaction = creem.Ptr(tran.ID)

	var sub *creem.Subscription
	if recurring {
		order.Type = creem.OrderTypeRecurring
		status := creem.SubscriptionStatusActive
		end := addPeriod(prod, now, now.Day())
		if trialDays > 0 {
			status = creem.SubscriptionStatusTrialing
			end = now.AddDate(0, 0, trialDays)
		}
		start, next := creem.NewTimestamp(now), creem.NewTimestamp(end)
		sub = &creem.Subscription{
			ID: newID("sub"), Mode: creem.ModeTest, Object: "subscription",
			Product: &creem.ProductRef{Product: creem.Product{ID: prod.ID}}, Customer: &creem.CustomerRef{Customer: creem.Customer{ID: cust.ID}},
			Items: []creem.SubscriptionItem{{
				ID: newID("sitem"), Mode: creem.ModeTest, Object: "subscription_item",
				ProductID: prod.ID, PriceID: "pprice_" + strings.TrimPrefix(prod.ID, "prod_"), Units: creem.Ptr(ch.Units),
			}},
			CollectionMethod: creem.CollectionMethodChargeAutomatically, Status: status,
			LastTransactionID: tran.ID, LastTransactionDate: &start, NextTransactionDate: &next,
			CurrentPeriodStartDate: &start, CurrentPeriodEndDate: &next,
			CreatedAt: ts, UpdatedAt: ts, Metadata: ch.Metadata,
		}
		tran.Type = creem.TransactionTypeInvoice
		tran.Subscription = creem.Ptr(sub.ID)
		tran.PeriodStart = creem.Ptr(creem.TimestampFromMillis(now.UnixMilli()))
		tran.PeriodEnd = creem.Ptr(creem.TimestampFromMillis(end.UnixMilli()))
		sub.LastTransaction = tran
		if discount != nil {
			sub.Discount = applied(discount)
		}
		s.st.subscriptions.put(sub.ID, sub)
		// Monthly periods end on the day billing started: the checkout's, or the trial end's.
		anchor := now.Day()
		if trialDays > 0 {
			anchor = end.Day()
		}
		s.st.billing[sub.ID] = &billing{renewalsFail: card == CardRenewalsDeclined, anchorDay: anchor, trial: trialDays > 0}
	}
	s.st.orders.put(order.ID, order)
	s.st.transactions.put(tran.ID, tran)
	s.st.transactionProduct[tran.ID] = prod.ID
	s.creditAffiliate(checkoutID, order, tran)
	if lic := s.issueLicense(prod, cust.ID); lic != nil {
		ch.LicenseKeys = []creem.License{{ID: lic.ID}}
	}

	ch.Status = creem.CheckoutStatusCompleted
	ch.CustomFields = answered
	ch.Order = &creem.Order{ID: order.ID}
	ch.Customer = &creem.CustomerRef{Customer: creem.Customer{ID: cust.ID}}
	params := creem.RedirectParams{RequestID: ch.RequestID, CheckoutID: ch.ID, OrderID: order.ID, CustomerID: cust.ID, ProductID: prod.ID}
	if sub != nil {
		ch.Subscription = &creem.SubscriptionRef{Subscription: creem.Subscription{ID: sub.ID}}
		params.SubscriptionID = sub.ID
	}

	s.emit(creem.EventCheckoutCompleted, s.checkoutView(ch, true))
	switch {
	case sub != nil && sub.Status == creem.SubscriptionStatusTrialing:
		s.emit(creem.EventSubscriptionTrialing, s.subscriptionView(sub, true))
	case sub != nil:
		s.emit(creem.EventSubscriptionActive, s.subscriptionView(sub, true))
		s.emit(creem.EventSubscriptionPaid, s.subscriptionView(sub, true))
	}

	target := s.URL + "/checkout/" + ch.ID + "/complete"
	if ch.SuccessURL != nil && *ch.SuccessURL != "" {
		target = *ch.SuccessURL
	} else if prod.DefaultSuccessURL != nil && *prod.DefaultSuccessURL != "" {
		target = *prod.DefaultSuccessURL
	}
	return signedRedirect(target, params, s.APIKey), nil
}

// customerFor returns the customer paying: the one named at checkout creation, the one with
// this e-mail, or a new one. s.mu must be held.
func (s *Server) customerFor(prefill creem.CheckoutCustomer, email string, now time.Time) *creem.Customer {
	if c, ok := s.st.customers.get(prefill.ID); ok {
		return c
	}
	if c := s.customerByEmail(email); c != nil {
		return c
	}
	ts := creem.NewTimestamp(now)
	c := &creem.Customer{ID: newID("cust"), Mode: creem.ModeTest, Object: "customer", Email: email, Country: creem.Ptr("NL"), CreatedAt: ts, UpdatedAt: ts}
	if prefill.Name != "" {
		c.Name = creem.Ptr(prefill.Name)
	}
	s.st.customers.put(c.ID, c)
	return c
}

// signedRedirect appends Creem's parameters, in Creem's order, and their signature to target,
// keeping any query target already has.
func signedRedirect(target string, p creem.RedirectParams, apiKey string) string {
	var parts []string
	for _, kv := range [...][2]string{
		{"request_id", p.RequestID}, {"checkout_id", p.CheckoutID}, {"order_id", p.OrderID},
		{"customer_id", p.CustomerID}, {"subscription_id", p.SubscriptionID}, {"product_id", p.ProductID},
	} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+url.QueryEscape(kv[1]))
		}
	}
	parts = append(parts, "signature="+creem.SignRedirect(p, apiKey))
	query := strings.Join(parts, "&")
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	if u.RawQuery != "" {
		query = u.RawQuery + "&" + query
	}
	u.RawQuery = query
	return u.String()
}

func validEmail(email string) bool {
	at := strings.IndexByte(email, '@')
	return at > 0 && at < len(email)-1 && !strings.ContainsAny(email, " \t\r\n<>")
}

var pageTemplate = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}} · creemtest checkout</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
.price{font-size:2rem;margin:.5rem 0}.note{color:#666}input,button{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0}
input[type=checkbox]{width:auto}label{display:block;margin-top:.5rem}#message{color:#b00020}</style>
</head>
<body>
<p class="note">Test mode · creemtest</p>
<h1 id="product">{{.Title}}</h1>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Price}}<p class="price" id="price">{{.Price}}{{if .Units}} × {{.Units}}{{end}}</p>{{end}}
{{if .Trial}}<p id="trial">{{.Trial}}</p>{{end}}
{{if .Message}}<p id="message" role="alert">{{.Message}}</p>{{end}}
{{if .Payable}}<form method="post" action="{{.Action}}">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" required value="{{.Email}}">
{{range .Fields}}{{if .Checkbox}}<p class="field-label">{{.Label}}{{if not .Required}} (optional){{end}}</p>
<label for="{{.ID}}"><input id="{{.ID}}" name="{{.ID}}" type="checkbox" value="true"{{if .Checked}} checked{{end}}{{if .Required}} required{{end}}> {{.CheckboxLabel}}</label>
{{else}}<label for="{{.ID}}">{{.Label}}{{if not .Required}} (optional){{end}}</label>
<input id="{{.ID}}" name="{{.ID}}" type="text" value="{{.Value}}"{{if .Required}} required{{end}}{{if .MinLength}} minlength="{{.MinLength}}"{{end}}{{if .MaxLength}} maxlength="{{.MaxLength}}"{{end}}>
{{end}}{{end}}<label for="card">Card number</label>
<input id="card" name="card" type="text" inputmode="numeric" autocomplete="cc-number" value="{{.Card}}">
<p class="note">Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined;
4000 0000 0000 0341 pays now, but its renewals are declined.</p>
<button id="pay" type="submit">Pay</button>
</form>{{end}}
</body>
</html>
`))

// fieldPrefix starts the form names (and element ids) of custom-field inputs: custom_field_<key>.
const fieldPrefix = "custom_field_"

type pageData struct {
	Title, Description, Price, Trial, Message, Action, Email, Card string
	Units                                                          int
	Payable                                                        bool
	Fields                                                         []pageField
}

// pageField is a custom field's input on the payment page.
type pageField struct {
	ID, Label, CheckboxLabel, Value string
	Checkbox, Required, Checked     bool
	MinLength, MaxLength            int
}

func formatPrice(amount int64, currency creem.Currency) string {
	symbol := map[creem.Currency]string{creem.CurrencyEUR: "€", creem.CurrencyUSD: "$"}[currency]
	if symbol == "" {
		symbol = string(currency) + " "
	}
	return fmt.Sprintf("%s%d.%02d", symbol, amount/100, amount%100)
}

func (s *Server) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, d)
}

// checkoutPage serves the hosted payment page: product, price, an e-mail field, the checkout's
// custom fields, a card field and a Pay button.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, status := s.pageFor(r.PathValue("id"), nil)
	s.mu.Unlock()
	s.renderPage(w, status, d)
}

// pageFor builds the page of a checkout, its inputs filled with entered when not nil (a form
// shown again with an error), else with the prefilled e-mail and CardSucceeds. s.mu must be held.
func (s *Server) pageFor(id string, entered *Payment) (pageData, int) {
	ch, ok := s.st.checkouts.get(id)
	if !ok {
		return pageData{Title: "Checkout not found"}, http.StatusNotFound
	}
	prod := s.st.products.byID[ch.Product.ID]
	unit := prod.Price
	if ch.CustomPrice != nil {
		unit = *ch.CustomPrice
	}
	d := pageData{
		Title: prod.Name, Description: prod.Description, Price: formatPrice(unit, prod.Currency),
		Action: "/checkout/" + ch.ID, Email: s.st.prefill[id].Email, Card: "4242 4242 4242 4242",
		Payable: ch.Status == creem.CheckoutStatusPending,
	}
	if prod.BillingType == creem.BillingTypeRecurring && prod.TrialPeriodDays != nil && *prod.TrialPeriodDays > 0 {
		price := "free"
		if prod.TrialPrice != nil {
			price = formatPrice(*prod.TrialPrice, prod.Currency)
		}
		d.Trial = fmt.Sprintf("%d-day trial: %s today, then the price above.", *prod.TrialPeriodDays, price)
	}
	if entered != nil {
		d.Email, d.Card = entered.Email, entered.Card
	}
	for _, f := range ch.CustomFields {
		pf := pageField{ID: fieldPrefix + f.Key, Label: f.Label, Required: f.Optional == nil || !*f.Optional}
		if pf.Label == "" {
			pf.Label = f.Key
		}
		if entered != nil {
			pf.Value = entered.CustomFields[f.Key]
		}
		if f.Type == creem.CustomFieldTypeCheckbox {
			pf.Checkbox = true
			pf.Checked, _ = parseCheckbox(pf.Value)
			if f.Checkbox != nil && f.Checkbox.Label != nil {
				pf.CheckboxLabel = *f.Checkbox.Label
			}
		} else if f.Text != nil {
			if f.Text.MinimumLength != nil {
				pf.MinLength = *f.Text.MinimumLength
			}
			if f.Text.MaxLength != nil {
				pf.MaxLength = *f.Text.MaxLength
			}
		}
		d.Fields = append(d.Fields, pf)
	}
	if ch.Units > 1 {
		d.Units = ch.Units
	}
	if !d.Payable {
		d.Message = "This checkout is " + string(ch.Status) + "."
	}
	return d, http.StatusOK
}

// checkoutPay handles the Pay button: it completes the checkout and answers 303 See Other to
// the signed success URL. A refused payment (declined card, missing answer) shows the page
// again with the entries and the reason, and changes nothing.
func (s *Server) checkoutPay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Bad request", Message: "The form could not be read."})
		return
	}
	p := Payment{Email: r.PostFormValue("email"), Card: r.PostFormValue("card"), CustomFields: map[string]string{}}
	for name, values := range r.PostForm {
		if key, ok := strings.CutPrefix(name, fieldPrefix); ok && len(values) > 0 {
			p.CustomFields[key] = values[0]
		}
	}
	s.mu.Lock()
	redirect, aerr := s.pay(id, p)
	var d pageData
	if aerr != nil {
		d, _ = s.pageFor(id, &p)
	}
	s.mu.Unlock()
	if aerr != nil {
		d.Message = strings.Join(aerr.messages, " ")
		s.renderPage(w, aerr.status, d)
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// checkoutComplete is where checkouts without a success URL land.
func (s *Server) checkoutComplete(w http.ResponseWriter, r *http.Request) {
	title := "Payment successful"
	if _, err := creem.VerifyRedirectRequest(r, s.APIKey); err != nil {
		title = "Invalid signature"
		if errors.Is(err, creem.ErrMissingSignature) {
			title = "Missing signature"
		}
		s.renderPage(w, http.StatusUnauthorized, pageData{Title: title})
		return
	}
	s.renderPage(w, http.StatusOK, pageData{Title: title, Message: "Checkout " + r.PathValue("id") + " is completed."})
}
