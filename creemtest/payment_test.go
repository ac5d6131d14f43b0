package creemtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// page fetches a hosted page (GET, or POST of form) and returns its status and HTML.
func page(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = browser.Get(u)
	} else {
		resp, err = browser.PostForm(u, form)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// element returns the HTML tag with the given id, or "".
func element(html, id string) string {
	return regexp.MustCompile(`<[a-z0-9]+[^>]* id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(html)
}

// message returns the text of the page's #message, or "".
func message(html string) string {
	m := regexp.MustCompile(`<p id="message" role="alert">([^<]*)</p>`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return m[1]
}

// nothingCreated checks that no payment left a trace: no customer, order, transaction,
// subscription or event, and the checkout still pending.
func nothingCreated(t *testing.T, srv *creemtest.Server, c *creem.Client, checkoutID string) {
	t.Helper()
	ctx := context.Background()
	ch, err := c.Checkouts.Get(ctx, checkoutID)
	require.NoError(t, err)
	assert.Equal(t, creem.CheckoutStatusPending, ch.Status)
	assert.Nil(t, ch.Order)
	assert.Nil(t, ch.Customer)
	customers, err := c.Customers.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, customers.Items)
	trans, err := c.Transactions.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, trans.Items)
	subs, err := c.Subscriptions.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, subs.Items)
	assert.Empty(t, srv.Events())
}

var checkoutFields = []creem.CustomFieldParams{
	{Type: creem.CustomFieldTypeText, Key: "company", Label: "Company", Text: &creem.TextFieldConfig{MinLength: 2, MaxLength: 20}},
	{Type: creem.CustomFieldTypeText, Key: "vat", Label: "VAT number", Optional: creem.Ptr(true)},
	{Type: creem.CustomFieldTypeCheckbox, Key: "terms", Label: "Terms", Checkbox: &creem.CheckboxFieldConfig{Label: "I accept the terms & conditions"}},
}

// The hosted page asks for the checkout's custom fields; the server checks the answers, stores
// them on the checkout, and GET /v1/checkouts and checkout.completed show them.
func TestCustomFieldsOnTheHostedPage(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := createProduct(t, c, creem.BillingTypeOnetime)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, CustomFields: checkoutFields})
	require.NoError(t, err)

	status, html := page(t, ch.CheckoutURL, nil)
	require.Equal(t, http.StatusOK, status)
	for _, id := range []string{"email", "pay", "product", "price"} {
		assert.NotEmpty(t, element(html, id), "#%s is kept", id)
	}
	company := element(html, "custom_field_company")
	assert.Contains(t, company, `name="custom_field_company"`)
	assert.Contains(t, company, `type="text"`)
	assert.Contains(t, company, " required")
	assert.Contains(t, company, `minlength="2"`)
	assert.Contains(t, company, `maxlength="20"`)
	assert.Contains(t, html, `<label for="custom_field_company">Company</label>`)
	vat := element(html, "custom_field_vat")
	assert.NotEmpty(t, vat)
	assert.NotContains(t, vat, "required")
	assert.Contains(t, html, "VAT number (optional)")
	terms := element(html, "custom_field_terms")
	assert.Contains(t, terms, `type="checkbox"`)
	assert.Contains(t, terms, " required")
	assert.NotContains(t, terms, "checked")
	assert.Contains(t, html, "I accept the terms &amp; conditions")
	assert.Contains(t, element(html, "card"), `value="4242 4242 4242 4242"`)

	// Missing required answers: the page again, with the reasons and the entries; nothing paid.
	status, html = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Company is required. Terms must be checked.", message(html))
	assert.Contains(t, element(html, "email"), `value="ada@example.com"`)
	nothingCreated(t, srv, c, ch.ID)

	status, html = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "custom_field_company": {"A"}, "custom_field_terms": {"true"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Company must be at least 2 characters.", message(html))
	assert.Contains(t, element(html, "custom_field_company"), `value="A"`)
	assert.Contains(t, element(html, "custom_field_terms"), "checked")
	status, html = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "custom_field_company": {strings.Repeat("é", 21)}, "custom_field_terms": {"on"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Company must be at most 20 characters.", message(html))
	_, html = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "custom_field_company": {strings.Repeat("é", 20)}})
	assert.Equal(t, "Terms must be checked.", message(html), "20 characters fit, though 40 bytes")
	nothingCreated(t, srv, c, ch.ID)

	// All answers: paid; the answers are on the checkout.
	status, _ = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "custom_field_company": {" Analytical Engines "}, "custom_field_terms": {"true"}, "card": {"4242 4242 4242 4242"}})
	require.Equal(t, http.StatusSeeOther, status)
	got, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CheckoutStatusCompleted, got.Status)
	require.Len(t, got.CustomFields, 3)
	assert.Equal(t, "Analytical Engines", *got.CustomFields[0].Text.Value, "trimmed")
	assert.Equal(t, 20, *got.CustomFields[0].Text.MaxLength, "the configuration stays")
	assert.Nil(t, got.CustomFields[1].Text.Value, "an optional field left empty has no value")
	assert.True(t, *got.CustomFields[2].Checkbox.Value)

	// The wire shape: custom_fields[].text.value and custom_fields[].checkbox.value.
	code, raw := rawCall(t, http.MethodGet, srv.URL+"/v1/checkouts?checkout_id="+ch.ID, srv.APIKey, "")
	require.Equal(t, http.StatusOK, code)
	fields := raw["custom_fields"].([]any)
	assert.Equal(t, "Analytical Engines", fields[0].(map[string]any)["text"].(map[string]any)["value"])
	assert.Equal(t, true, fields[2].(map[string]any)["checkbox"].(map[string]any)["value"])

	events := srv.Events()
	require.Len(t, events, 1)
	completed, err := events[0].Checkout()
	require.NoError(t, err)
	assert.Equal(t, "Analytical Engines", *completed.CustomFields[0].Text.Value)
	assert.True(t, *completed.CustomFields[2].Checkbox.Value)
}

// A checkout without fields of its own asks for its product's; PayWith answers them by key.
func TestCheckoutAsksForTheProductsCustomFields(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	rec, _ := newEndpoint(t, srv)
	prod, err := c.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Seats", Price: creem.Ptr[int64](1000), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
		CustomFields: []creem.CustomFieldParams{
			{Type: creem.CustomFieldTypeText, Key: "team", Label: "Team name"},
			{Type: creem.CustomFieldTypeCheckbox, Key: "newsletter", Label: "Newsletter", Optional: creem.Ptr(true)},
		},
	})
	require.NoError(t, err)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	require.Len(t, ch.CustomFields, 2)
	assert.Equal(t, "team", ch.CustomFields[0].Key)
	_, html := page(t, ch.CheckoutURL, nil)
	assert.NotEmpty(t, element(html, "custom_field_team"))

	_, err = srv.Pay(ctx, ch.ID, "ada@example.com")
	assert.ErrorContains(t, err, "400 Team name is required.", "Pay answers no custom field")
	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com", CustomFields: map[string]string{"team": "Blue", "newsletter": "maybe", "tema": "typo"}})
	assert.ErrorContains(t, err, `Newsletter must be true or false.; This checkout has no custom field "tema".`)
	assert.NotErrorIs(t, err, creemtest.ErrCardDeclined)
	nothingCreated(t, srv, c, ch.ID)

	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com", CustomFields: map[string]string{"team": "Blue"}})
	require.NoError(t, err)
	got, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "Blue", *got.CustomFields[0].Text.Value)
	assert.False(t, *got.CustomFields[1].Checkbox.Value, "an optional checkbox left unchecked is false")

	p, err := c.Products.Get(ctx, prod.ID)
	require.NoError(t, err)
	assert.Nil(t, p.CustomFields[0].Text, "the product keeps its fields without answers")
	assert.Nil(t, p.CustomFields[1].Checkbox)

	// A checkout's own fields replace the product's.
	own, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, CustomFields: checkoutFields[1:2]})
	require.NoError(t, err)
	require.Len(t, own.CustomFields, 1)
	assert.Equal(t, "vat", own.CustomFields[0].Key)
	_, err = srv.Pay(ctx, own.ID, "grace@example.com")
	require.NoError(t, err, "only optional fields: Pay pays")

	waitDeliveries(t, srv)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.events, 2)
	completed, err := rec.events[0].Checkout()
	require.NoError(t, err)
	assert.Equal(t, "Blue", *completed.CustomFields[0].Text.Value, "checkout.completed carries the answers")
}

// A declined card at checkout creates nothing and leaves the checkout pending; the buyer may
// pay again with another card.
func TestDeclinedCardAtCheckout(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := createProduct(t, c, creem.BillingTypeRecurring)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)

	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com", Card: creemtest.CardDeclined})
	assert.ErrorIs(t, err, creemtest.ErrCardDeclined)
	assert.ErrorContains(t, err, "creemtest: PayWith "+ch.ID+": 402 Your card was declined.")
	nothingCreated(t, srv, c, ch.ID)

	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com", Card: "4242 4242 4242 4241"})
	assert.ErrorContains(t, err, "400 Your card number is incorrect.")
	assert.NotErrorIs(t, err, creemtest.ErrCardDeclined)
	nothingCreated(t, srv, c, ch.ID)

	// On the hosted page: the reason in #message, the entries kept, the form still there.
	status, html := page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "card": {"4000 0000 0000 0002"}})
	assert.Equal(t, http.StatusPaymentRequired, status)
	assert.Equal(t, "Your card was declined.", message(html))
	assert.Contains(t, element(html, "card"), `value="4000 0000 0000 0002"`)
	assert.Contains(t, element(html, "email"), `value="ada@example.com"`)
	assert.NotEmpty(t, element(html, "pay"))
	nothingCreated(t, srv, c, ch.ID)

	// The retry with the good card pays.
	status, _ = page(t, ch.CheckoutURL, url.Values{"email": {"ada@example.com"}, "card": {creemtest.CardSucceeds}})
	require.Equal(t, http.StatusSeeOther, status)
	got, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, creem.CheckoutStatusCompleted, got.Status)
	assert.Equal(t, creem.SubscriptionStatusActive, got.Subscription.Status)
	types := []creem.EventType{}
	for _, e := range srv.Events() {
		types = append(types, e.Type)
	}
	assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionActive, creem.EventSubscriptionPaid}, types)

	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com"})
	assert.ErrorContains(t, err, "409")
	assert.False(t, errors.Is(err, creemtest.ErrCardDeclined))
}

// A buyer who only types an e-mail pays: the only required input is the e-mail, and the card
// is prefilled. Without a card at all, PayWith and the page pay with CardSucceeds.
func TestTheDefaultPageNeedsOnlyAnEmail(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := recurring(t, c, 1000, func(p *creem.CreateProductParams) { p.TrialPeriodDays = creem.Ptr(7) })
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, html := page(t, ch.CheckoutURL, nil)
	assert.Equal(t, 1, strings.Count(html, " required"), "only the e-mail is required")
	assert.Contains(t, html, "7-day trial: free today")
	form := regexp.MustCompile(`(?s)<form.*</form>`).FindString(html)
	assert.Equal(t, 2, strings.Count(form, "<input"), "e-mail and card")

	_, err = srv.PayWith(ctx, ch.ID, creemtest.Payment{Email: "ada@example.com"})
	require.NoError(t, err)
}
