package creemtest_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// newerError returns the error object of the newer envelope.
func newerError(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "newer error envelope: %v", body)
	return e
}

// affiliate invites and accepts one affiliate.
func affiliate(t *testing.T, srv *creemtest.Server, c *creem.Client, email string) *creem.Affiliate {
	t.Helper()
	inv, err := c.Affiliates.CreateInvite(context.Background(), &creem.CreateAffiliateInviteParams{Email: email, Name: "Partner"})
	require.NoError(t, err)
	aff, err := srv.AcceptAffiliateInvite(inv.ID)
	require.NoError(t, err)
	return aff
}

func TestAffiliateInvitesAndAffiliates(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()

	inv, err := c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "Partner@Example.com", Name: "Jane Partner"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(inv.ID, "ainv_"))
	assert.Equal(t, "affiliate-invite", inv.Object)
	assert.Equal(t, creem.ModeTest, inv.Mode)
	assert.Equal(t, "partner@example.com", inv.Email)
	assert.Equal(t, "Jane Partner", *inv.Name)
	assert.Equal(t, creem.AffiliateInviteStatusPending, inv.Status)
	assert.True(t, inv.CreatedAt.IsMillis(), "created_at is a number in the spec")

	// One invitation per address, whatever its case: 409.
	_, err = c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "partner@EXAMPLE.com", Name: "Again"})
	assert.ErrorIs(t, err, creem.ErrConflict)
	assert.NotContains(t, err.Error(), "partner@", "no address in the error")
	// The store's program may be named; another program does not exist.
	_, err = c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "b@example.com", Name: "B", ProgramID: srv.AffiliateProgramID()})
	require.NoError(t, err)
	_, err = c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "c@example.com", Name: "C", ProgramID: "prog_other"})
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// Invitees are no affiliates until they accept.
	page, err := c.Affiliates.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Equal(t, 0, page.Pagination.TotalRecords)

	aff, err := srv.AcceptAffiliateInvite(inv.ID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(aff.ID, "aff_"))
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}$`), aff.ReferralCode)
	assert.Equal(t, srv.URL+"/affiliate?code="+aff.ReferralCode, aff.ReferralLink)
	assert.Equal(t, creem.AffiliateStatusActive, aff.Status)
	assert.Equal(t, "partner@example.com", aff.Email)
	assert.Equal(t, "Jane Partner", *aff.Name)
	_, err = srv.AcceptAffiliateInvite(inv.ID)
	assert.ErrorContains(t, err, "is accepted")
	_, err = srv.AcceptAffiliateInvite("ainv_missing")
	assert.Error(t, err)

	invites, err := c.Affiliates.ListInvites(ctx, nil)
	require.NoError(t, err)
	require.Len(t, invites.Items, 2)
	assert.Equal(t, creem.AffiliateInviteStatusAccepted, invites.Items[0].Status)
	assert.Equal(t, creem.AffiliateInviteStatusPending, invites.Items[1].Status)

	require.NoError(t, srv.RecordAffiliateClick(aff.ReferralCode))
	require.NoError(t, srv.RecordAffiliateClick(aff.ReferralCode))
	assert.Error(t, srv.RecordAffiliateClick("nope"))
	got, err := c.Affiliates.Get(ctx, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Clicks)
	assert.Equal(t, int64(0), got.Conversions)
	assert.Equal(t, int64(0), got.Earnings)

	_, err = c.Affiliates.Get(ctx, "aff_missing")
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Affiliates.ListCommissions(ctx, "aff_missing", nil)
	assert.ErrorIs(t, err, creem.ErrNotFound)

	// The spec's validation: unknown and missing properties.
	status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/affiliates/invites", srv.APIKey, `{"email":"d@example.com","name":"D","role":"admin"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, newerError(t, body)["message"], "property role should not exist")
	status, body = rawCall(t, http.MethodPost, srv.URL+"/v1/affiliates/invites", srv.APIKey, `{"email":"d@example.com"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, newerError(t, body)["message"], "The 'name' field is required.")
	status, body = rawCall(t, http.MethodPost, srv.URL+"/v1/affiliates/invites", srv.APIKey, `{"email":"no-address","name":"D"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "email", newerError(t, body)["param"])
}

// The invitation and affiliate lists default to 50 items a page, commissions to 10, as the
// spec says; All walks every page.
func TestAffiliateListsPageSizes(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	var ids []string
	for i := range 55 {
		ids = append(ids, affiliate(t, srv, c, fmt.Sprintf("p%d@example.com", i)).ID)
	}
	invites, err := c.Affiliates.ListInvites(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, invites.Items, 50)
	assert.Equal(t, 2, invites.Pagination.TotalPages)
	page, err := c.Affiliates.List(ctx, &creem.ListAffiliatesParams{ListParams: creem.ListParams{PageNumber: 2}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 5)
	var all []string
	for a, err := range c.Affiliates.All(ctx, &creem.ListAffiliatesParams{ListParams: creem.ListParams{PageSize: 20}}) {
		require.NoError(t, err)
		all = append(all, a.ID)
	}
	assert.Equal(t, ids, all)
	n := 0
	for _, err := range c.Affiliates.AllInvites(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 55, n)

	prod := product(t, c, "Guide", 1000, creem.BillingTypeOnetime)
	code, err := c.Affiliates.Get(ctx, ids[0])
	require.NoError(t, err)
	for i := range 12 {
		buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: code.ReferralCode}, fmt.Sprintf("b%d@example.com", i))
	}
	commissions, err := c.Affiliates.ListCommissions(ctx, ids[0], nil)
	require.NoError(t, err)
	assert.Len(t, commissions.Items, 10)
	assert.Equal(t, 12, commissions.Pagination.TotalRecords)
}

func TestCommissions(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	aff := affiliate(t, srv, c, "partner@example.com")
	other := affiliate(t, srv, c, "other@example.com")
	eur := product(t, c, "Course", 10000, creem.BillingTypeOnetime)
	usd, err := c.Products.Create(ctx, &creem.CreateProductParams{Name: "Plan", Price: creem.Int64(4999), Currency: creem.CurrencyUSD, BillingType: creem.BillingTypeRecurring})
	require.NoError(t, err)

	first := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: eur.ID, AffiliateCode: aff.ReferralCode}, "a@example.com")
	assert.Equal(t, aff.ID, *first.Order.Affiliate, "the order names the affiliate")
	sub := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: usd.ID, Units: 3, AffiliateCode: aff.ReferralCode}, "b@example.com")
	require.NotNil(t, sub.Subscription, "a subscription's first payment earns a commission too")
	buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: usd.ID, AffiliateCode: other.ReferralCode}, "c@example.com")
	plain := buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: eur.ID}, "d@example.com")
	assert.Nil(t, plain.Order.Affiliate)

	page, err := c.Affiliates.ListCommissions(ctx, aff.ID, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	eurC, usdC := page.Items[0], page.Items[1]
	assert.True(t, strings.HasPrefix(eurC.ID, "comm_"))
	assert.Equal(t, "commission", eurC.Object)
	assert.Equal(t, int64(2000), eurC.Amount, "20% by default")
	assert.Equal(t, creem.CurrencyEUR, eurC.Currency)
	assert.Equal(t, *first.Order.Transaction, *eurC.Sale)
	assert.Equal(t, int64(2999), usdC.Amount, "20% of 3 × 49.99 = 29.994, rounded")
	assert.Equal(t, creem.CurrencyUSD, usdC.Currency)
	assert.Equal(t, *sub.Order.Transaction, *usdC.Sale)

	// Earnings are reported in the highest-earning currency only.
	got, err := c.Affiliates.Get(ctx, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2999), got.Earnings)
	assert.Equal(t, creem.CurrencyUSD, got.Currency)
	assert.Equal(t, int64(2), got.Conversions)

	// Settlement moves on; the status filter follows.
	require.NoError(t, srv.SetCommissionStatus(eurC.ID, creem.CommissionStatusPaid))
	assert.Error(t, srv.SetCommissionStatus("comm_missing", creem.CommissionStatusPaid))
	paid, err := c.Affiliates.ListCommissions(ctx, aff.ID, &creem.ListCommissionsParams{Status: creem.CommissionStatusPaid})
	require.NoError(t, err)
	require.Len(t, paid.Items, 1)
	assert.Equal(t, eurC.ID, paid.Items[0].ID)
	pending, err := c.Affiliates.ListCommissions(ctx, aff.ID, &creem.ListCommissionsParams{Status: creem.CommissionStatusPending})
	require.NoError(t, err)
	require.Len(t, pending.Items, 1)
	assert.Equal(t, usdC.ID, pending.Items[0].ID)
	_, err = c.Affiliates.ListCommissions(ctx, aff.ID, &creem.ListCommissionsParams{Status: "bogus"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, "status", apiErr.Param)
}

func TestSuspendedAffiliatesEarnNothing(t *testing.T) {
	srv, c := newServer(t, creemtest.WithAffiliateCommission(50))
	ctx := context.Background()
	aff := affiliate(t, srv, c, "partner@example.com")
	prod := product(t, c, "Guide", 1000, creem.BillingTypeOnetime)

	// Suspended between checkout and payment: the sale is not attributed.
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: aff.ReferralCode})
	require.NoError(t, err)
	require.NoError(t, srv.SetAffiliateStatus(aff.ID, creem.AffiliateStatusSuspended))
	_, err = srv.Pay(ctx, ch.ID, "a@example.com")
	require.NoError(t, err)
	page, err := c.Affiliates.ListCommissions(ctx, aff.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items)

	// A suspended affiliate's code is refused like an unknown one.
	for _, code := range []string{aff.ReferralCode, "00000000"} {
		_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: code})
		var apiErr *creem.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, []string{"Affiliate code is invalid"}, apiErr.Messages)
	}
	assert.Error(t, srv.SetAffiliateStatus("aff_missing", creem.AffiliateStatusActive))

	require.NoError(t, srv.SetAffiliateStatus(aff.ID, creem.AffiliateStatusActive))
	buy(t, srv, c, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: aff.ReferralCode}, "b@example.com")
	page, err = c.Affiliates.ListCommissions(ctx, aff.ID, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, int64(500), page.Items[0].Amount)
}

func TestSplits(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	prod := product(t, c, "Course", 10000, creem.BillingTypeOnetime)

	whole, err := c.Splits.Create(ctx, &creem.CreateSplitParams{
		Type: creem.SplitTypeStore, TypeReference: srv.StoreID(),
		Recipients: []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_partner", Amount: 30}},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(whole.ID, "split_"))
	assert.Equal(t, "split", whole.Object)
	assert.Equal(t, srv.StoreID(), whole.StoreID)
	assert.True(t, whole.Enabled)
	assert.Nil(t, whole.Description)
	assert.True(t, whole.CreatedAt.IsMillis())
	assert.Equal(t, []creem.SplitRecipient{{
		Type: creem.SplitShareTypePercentage, RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_partner", Amount: 30, Enabled: true,
	}}, whole.Recipients)

	invited, err := c.Splits.Create(ctx, &creem.CreateSplitParams{
		Description: "Co-author", Type: creem.SplitTypeProduct, TypeReference: prod.ID,
		Recipients: []creem.SplitRecipientParams{
			{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_partner", Amount: 10},
			{RecipientType: creem.SplitRecipientTypeEmail, RecipientReference: "Coauthor@Example.com", Amount: 40.5},
		},
	})
	require.NoError(t, err)
	assert.False(t, invited.Enabled, "disabled until the invitee accepts")
	inv := invited.Recipients[1]
	assert.Equal(t, "C***@Example.com", inv.RecipientReference, "the address is masked")
	assert.False(t, inv.Enabled)
	assert.Equal(t, creem.SplitInviteStatusPending, *inv.InviteStatus)
	assert.Equal(t, 40.5, inv.Amount)

	assert.Error(t, srv.AcceptSplitInvite(invited.ID, "someone@example.com"))
	require.NoError(t, srv.AcceptSplitInvite(invited.ID, "coauthor@example.com"))
	got, err := c.Splits.Get(ctx, invited.ID)
	require.NoError(t, err)
	assert.True(t, got.Enabled)
	assert.Equal(t, creem.SplitRecipientTypeUser, got.Recipients[1].RecipientType)
	assert.True(t, strings.HasPrefix(got.Recipients[1].RecipientReference, "user_"))
	assert.True(t, got.Recipients[1].Enabled)
	assert.Nil(t, got.Recipients[1].InviteStatus)
	assert.Error(t, srv.AcceptSplitInvite(invited.ID, "coauthor@example.com"), "accepted once")

	page, err := c.Splits.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, whole.ID, page.Items[0].ID)

	deleted, err := c.Splits.Delete(ctx, whole.ID)
	require.NoError(t, err)
	assert.Equal(t, whole.ID, deleted.ID)
	_, err = c.Splits.Get(ctx, whole.ID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	_, err = c.Splits.Delete(ctx, whole.ID)
	assert.ErrorIs(t, err, creem.ErrNotFound)
	var ids []string
	for sp, err := range c.Splits.All(ctx, &creem.ListSplitsParams{ListParams: creem.ListParams{PageSize: 1}}) {
		require.NoError(t, err)
		ids = append(ids, sp.ID)
	}
	assert.Equal(t, []string{invited.ID}, ids)

	// The split applies to this store or one of its products.
	_, err = c.Splits.Create(ctx, &creem.CreateSplitParams{
		Type: creem.SplitTypeStore, TypeReference: "store_someone_else",
		Recipients: []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_partner", Amount: 30}},
	})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "type_reference", apiErr.Param)
	_, err = c.Splits.Create(ctx, &creem.CreateSplitParams{
		Type: creem.SplitTypeProduct, TypeReference: "prod_missing",
		Recipients: []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_partner", Amount: 30}},
	})
	assert.ErrorIs(t, err, creem.ErrNotFound)
}

// The fake refuses what Creem refuses, also when a client other than the SDK sends it.
func TestSplitsValidation(t *testing.T) {
	srv, _ := newServer(t)
	store := srv.StoreID()
	recipient := func(typ, ref string, amount any) string {
		return fmt.Sprintf(`{"recipient_type":%q,"recipient_reference":%q,"amount":%v}`, typ, ref, amount)
	}
	split := func(recipients ...string) string {
		return `{"type":"store","type_reference":"` + store + `","recipients":[` + strings.Join(recipients, ",") + `]}`
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = recipient("store", fmt.Sprintf("store_%d", i), 5)
	}
	cases := map[string]struct{ body, param, message string }{
		"no recipients":         {split(), "recipients", "between 1 and 10"},
		"eleven recipients":     {split(eleven...), "recipients", "between 1 and 10"},
		"share below 1":         {split(recipient("store", "store_a", 0.5)), "recipients[0].amount", "between 1 and 100"},
		"share above 100":       {split(recipient("store", "store_a", 101)), "recipients[0].amount", "between 1 and 100"},
		"shares above 100":      {split(recipient("store", "store_a", 60), recipient("store", "store_b", 41)), "recipients", "must not exceed 100"},
		"blank reference":       {split(recipient("store", " ", 10)), "recipients[0].recipient_reference", "should not be empty"},
		"invitee without @":     {split(recipient("email", "someone", 10)), "recipients[0].recipient_reference", "must be an email"},
		"user recipient":        {split(recipient("user", "user_1", 10)), "", "recipients[0].recipient_type must be one of the following values: store, email"},
		"amount as a string":    {split(recipient("store", "store_a", `"10"`)), "", "recipients[0].amount must be a number"},
		"unknown type":          {`{"type":"org","type_reference":"x","recipients":[` + recipient("store", "store_a", 10) + `]}`, "", "type must be one of the following values: store, product"},
		"unknown property":      {`{"type":"store","type_reference":"` + store + `","recipients":[],"currency":"EUR"}`, "", "property currency should not exist"},
		"missing recipients":    {`{"type":"store","type_reference":"` + store + `"}`, "", "The 'recipients' field is required."},
		"unknown recipient key": {split(`{"recipient_type":"store","recipient_reference":"store_a","amount":10,"fixed":true}`), "", "property recipients[0].fixed should not exist"},
	}
	for name, tc := range cases {
		status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/splits", srv.APIKey, tc.body)
		assert.Equal(t, http.StatusBadRequest, status, name)
		e := newerError(t, body)
		assert.Contains(t, e["message"], tc.message, name)
		if tc.param != "" {
			assert.Equal(t, tc.param, e["param"], name)
		}
	}
	assert.Equal(t, len(cases), srv.Calls("POST /v1/splits"))
	status, body := rawCall(t, http.MethodGet, srv.URL+"/v1/splits", srv.APIKey, "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, []any{}, body["items"], "nothing invalid was stored")
}

func TestModerationStub(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	screen := func(prompt string) *creem.PromptScreening {
		t.Helper()
		r, err := c.Moderation.ScreenPrompt(ctx, &creem.ScreenPromptParams{Prompt: prompt, ExternalID: "gen_1"})
		require.NoError(t, err)
		return r
	}
	r := screen("How to build a bomb")
	assert.Equal(t, creem.ModerationDecisionAllow, r.Decision, "allows everything until told otherwise")
	assert.True(t, strings.HasPrefix(r.ID, "mod_"))
	assert.Equal(t, "moderation_result", r.Object)
	assert.Equal(t, "How to build a bomb", r.Prompt)
	assert.Equal(t, "gen_1", r.ExternalID)
	assert.Equal(t, 1.0, r.Usage.Units)

	srv.SetModerationRules(creemtest.ModerationRules{Deny: []string{"BOMB"}, Flag: []string{"weapon", "bomb"}})
	assert.Equal(t, creem.ModerationDecisionDeny, screen("How to build a bomb").Decision, "case-insensitive, deny wins over flag")
	assert.Equal(t, creem.ModerationDecisionFlag, screen("A medieval Weapon shop").Decision)
	assert.Equal(t, creem.ModerationDecisionAllow, screen("A cat in a hat").Decision)

	// external_id is optional: absent from the answer when the request had none.
	status, body := rawCall(t, http.MethodPost, srv.URL+"/v1/moderation/prompt", srv.APIKey, `{"prompt":"hello"}`)
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, body, "external_id")
	assert.Equal(t, "allow", body["decision"])
	status, body = rawCall(t, http.MethodPost, srv.URL+"/v1/moderation/prompt", srv.APIKey, `{"prompt":""}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "prompt", newerError(t, body)["param"])
	status, body = rawCall(t, http.MethodPost, srv.URL+"/v1/moderation/prompt", srv.APIKey, `{"text":"hello"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, newerError(t, body)["message"], "property text should not exist")

	srv.SetModerationRules(creemtest.ModerationRules{Disabled: true})
	status, body = rawCall(t, http.MethodPost, srv.URL+"/v1/moderation/prompt", srv.APIKey, `{"prompt":"hello"}`)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, "moderation_disabled", newerError(t, body)["code"])

	// The rules are copied: changing the caller's slice later changes nothing.
	deny := []string{"alpha"}
	srv.SetModerationRules(creemtest.ModerationRules{Deny: deny})
	deny[0] = "beta"
	assert.Equal(t, creem.ModerationDecisionDeny, screen("alpha").Decision)
	assert.Equal(t, creem.ModerationDecisionAllow, screen("beta").Decision)
}
