package creemtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creem-go/creem"
)

// Test card numbers, in the style of Creem's and Stripe's test modes. The hosted payment page has a card
// field prefilled with CardSucceeds; PayWith takes the number in Payment.Card. Spaces and
// dashes in a number are ignored. Any other number that passes the Luhn check succeeds like
// CardSucceeds; one that does not is refused as incorrect.
const (
	// CardSucceeds pays, now and at every renewal.
	CardSucceeds = "4242424242424242"
	// CardDeclined is declined at checkout: nothing is created and the checkout stays pending,
	// so the buyer may retry with another card.
	CardDeclined = "4000000000000002"
	// CardRenewalsDeclined pays at checkout, but every later charge of the subscription it
	// started is declined: its renewals (or the end of its trial) make it past_due, then
	// unpaid. SetRenewalsFail turns this on or off for any subscription.
	CardRenewalsDeclined = "4000000000000341"
)

// ErrCardDeclined is the error PayWith (and Pay) returns, wrapped, when the card is declined.
var ErrCardDeclined = errors.New("creemtest: card declined")

// Payment is what a buyer enters on the hosted payment page. PayWith pays with it.
type Payment struct {
	// Email is the buyer's e-mail. It may be empty when the checkout was created for a customer.
	Email string
	// Card is the card number; empty pays with CardSucceeds.
	Card string
	// CustomFields answers the checkout's custom fields by their key: the text of a text field,
	// "true" or "false" for a checkbox. Required fields must be answered (a required checkbox
	// checked), texts within the field's length limits; an unknown key is an error.
	CustomFields map[string]string
}

// PayWith completes checkout checkoutID as a buyer who entered p on the hosted payment page; see
// Pay for what paying creates and returns. A declined card returns an error matching
// ErrCardDeclined (errors.Is) and changes nothing: the checkout stays pending. Missing or invalid
// custom-field answers return an error naming the field, and change nothing either. The answers
// are stored on the checkout (custom_fields[].text.value, custom_fields[].checkbox.value), as
// GET /v1/checkouts and the checkout.completed webhook show them.
func (s *Server) PayWith(ctx context.Context, checkoutID string, p Payment) (string, error) {
	return s.payAs(ctx, "PayWith", checkoutID, p)
}

func (s *Server) payAs(ctx context.Context, op, checkoutID string, p Payment) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	redirect, aerr := s.pay(checkoutID, p)
	if aerr != nil {
		return "", &payError{op: op, checkoutID: checkoutID, aerr: aerr}
	}
	return redirect, nil
}

// payError is a refused payment. It matches ErrCardDeclined when the card was declined.
type payError struct {
	op, checkoutID string
	aerr           *apiError
}

func (e *payError) Error() string {
	return fmt.Sprintf("creemtest: %s %s: %d %s", e.op, e.checkoutID, e.aerr.status, strings.Join(e.aerr.messages, "; "))
}

func (e *payError) Is(target error) bool {
	return target == ErrCardDeclined && e.aerr.status == http.StatusPaymentRequired
}

// cardDeclined is the answer to a declined card, shown as is on the payment page.
func cardDeclined() *apiError {
	return errorf(http.StatusPaymentRequired, "Your card was declined.")
}

// checkCard normalises a card number and checks it can be charged at checkout. Empty is
// CardSucceeds.
func checkCard(number string) (string, *apiError) {
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, number)
	if digits == "" {
		return CardSucceeds, nil
	}
	if !luhn(digits) {
		return "", errorf(http.StatusBadRequest, "Your card number is incorrect.")
	}
	if digits == CardDeclined {
		return "", cardDeclined()
	}
	return digits, nil
}

// luhn reports whether s is 12 to 19 digits with a valid Luhn check digit.
func luhn(s string) bool {
	if len(s) < 12 || len(s) > 19 {
		return false
	}
	sum := 0
	for i := range len(s) {
		c := s[len(s)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// answerFields checks answers against a checkout's custom fields and returns copies of the
// fields holding the answers; fields is left unchanged. Every problem is reported, one message
// per field.
func answerFields(fields []creem.CustomField, answers map[string]string) ([]creem.CustomField, *apiError) {
	var msgs []string
	known := map[string]bool{}
	out := make([]creem.CustomField, len(fields))
	for i, f := range fields {
		known[f.Key] = true
		f = copyField(f)
		answer, given := answers[f.Key]
		required := f.Optional == nil || !*f.Optional
		label := f.Label
		if label == "" {
			label = f.Key
		}
		switch f.Type {
		case creem.CustomFieldTypeCheckbox:
			checked, ok := parseCheckbox(answer)
			switch {
			case !ok:
				msgs = append(msgs, label+" must be true or false.")
			case required && !checked:
				msgs = append(msgs, label+" must be checked.")
			}
			if f.Checkbox == nil {
				f.Checkbox = &creem.CustomFieldCheckbox{}
			}
			f.Checkbox.Value = creem.Ptr(checked)
		default:
			answer = strings.TrimSpace(answer)
			n := utf8.RuneCountInString(answer)
			if f.Text == nil {
				f.Text = &creem.CustomFieldText{}
			}
			switch {
			case answer == "" && required:
				msgs = append(msgs, label+" is required.")
			case answer == "":
			case f.Text.MinimumLength != nil && n < *f.Text.MinimumLength:
				msgs = append(msgs, fmt.Sprintf("%s must be at least %d characters.", label, *f.Text.MinimumLength))
			case f.Text.MaxLength != nil && n > *f.Text.MaxLength:
				msgs = append(msgs, fmt.Sprintf("%s must be at most %d characters.", label, *f.Text.MaxLength))
			}
			if given && answer != "" {
				f.Text.Value = creem.Ptr(answer)
			}
		}
		out[i] = f
	}
	var unknown []string
	for key := range answers {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		msgs = append(msgs, "This checkout has no custom field "+strconv.Quote(key)+".")
	}
	if len(msgs) > 0 {
		return nil, errorf(http.StatusBadRequest, msgs...)
	}
	return out, nil
}

// parseCheckbox reads a checkbox answer: absent or empty is unchecked; a browser sends "true"
// (the page's value) or "on".
func parseCheckbox(v string) (checked, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "off", "0", "no":
		return false, true
	case "true", "on", "1", "yes":
		return true, true
	}
	return false, false
}

// copyField copies a custom field, so answers written to the copy do not reach the original.
func copyField(f creem.CustomField) creem.CustomField {
	if f.Optional != nil {
		f.Optional = creem.Ptr(*f.Optional)
	}
	if f.Text != nil {
		t := *f.Text
		f.Text = &t
	}
	if f.Checkbox != nil {
		c := *f.Checkbox
		f.Checkbox = &c
	}
	return f
}

// copyFields copies a list of custom fields; it never returns nil.
func copyFields(fields []creem.CustomField) []creem.CustomField {
	out := make([]creem.CustomField, 0, len(fields))
	for _, f := range fields {
		out = append(out, copyField(f))
	}
	return out
}
