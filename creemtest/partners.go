package creemtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/creem-go/creem"
)

// Affiliates, splits and moderation in the fake.
//
// Affiliates: CreateInvite records a pending invitation (409 for an address already invited).
// Creem's API has no call to accept one (the invitee clicks a link in an e-mail), so tests use
// AcceptAffiliateInvite, which makes the invitee an active affiliate with a referral code. A
// checkout created with that code as affiliate_code (an unknown or inactive code is refused with
// 400, as before) and then paid, with Pay or on the hosted page, gives the affiliate a pending
// commission on the order's amount (WithAffiliateCommission sets the rate; 20% by default), sets
// the order's affiliate, and counts a conversion. SetCommissionStatus moves commissions on to
// approved or paid; SetAffiliateStatus suspends or reactivates an affiliate; RecordAffiliateClick
// counts a visit through the referral link.
//
// Splits: Create validates like Creem (1–10 recipients, shares of 1–100 percent summing to at
// most 100, a store split on StoreID, a product split on an existing product, e-mail
// recipients with a valid address). E-mail invitees are answered masked, disabled and pending,
// and keep the split disabled until AcceptSplitInvite. Deleted splits are gone (404).
//
// Moderation: a deterministic stub, not a content classifier. A prompt containing a term of
// ModerationRules.Deny (case-insensitively) is denied, else one containing a term of Flag is
// flagged, else it is allowed; each screening consumes 1 unit. Configure it with
// SetModerationRules; Disabled makes the endpoint answer 403 moderation_disabled.

// DefaultAffiliateCommission is the commission rate, in percent of an order's amount, of a new
// Server's affiliate program.
const DefaultAffiliateCommission = 20.0

// ModerationRules steer the fake's prompt screening. The zero value allows every prompt.
type ModerationRules struct {
	Deny     []string // a prompt containing any of these (case-insensitively) is denied
	Flag     []string // otherwise, one containing any of these is flagged
	Disabled bool     // screening answers 403 with code moderation_disabled
}

// partnersStore holds affiliates, commissions, splits and the moderation stub. Server.mu guards it.
type partnersStore struct {
	storeID    string  // the store the API key belongs to
	programID  string  // the store's affiliate program
	commission float64 // percent of an order's amount an affiliate earns

	invites     *table[creem.AffiliateInvite]
	affiliates  *table[creem.Affiliate]
	commissions *table[creem.Commission]
	splits      *table[creem.Split]

	checkoutAffiliate map[string]string   // checkout ID → affiliate ID, from affiliate_code
	splitInvitees     map[string][]string // split ID → e-mail address per recipient ("" for others)
	moderation        ModerationRules
}

func (st *partnersStore) init() {
	st.programID = newID("prog")
	st.commission = DefaultAffiliateCommission
	st.invites = newTable[creem.AffiliateInvite]()
	st.affiliates = newTable[creem.Affiliate]()
	st.commissions = newTable[creem.Commission]()
	st.splits = newTable[creem.Split]()
	st.checkoutAffiliate = map[string]string{}
	st.splitInvitees = map[string][]string{}
}

func init() {
	familyRoutes = append(familyRoutes, func(s *Server, handle func(string, handler)) {
		handle("POST /v1/affiliates/invites", s.createAffiliateInvite)
		handle("GET /v1/affiliates/invites", s.listAffiliateInvites)
		handle("GET /v1/affiliates", s.listAffiliates)
		handle("GET /v1/affiliates/{id}", s.getAffiliate)
		handle("GET /v1/affiliates/{id}/commissions", s.listCommissions)
		handle("POST /v1/splits", s.createSplit)
		handle("GET /v1/splits", s.listSplits)
		handle("GET /v1/splits/{id}", s.getSplit)
		handle("DELETE /v1/splits/{id}", s.deleteSplit)
		handle("POST /v1/moderation/prompt", s.screenPrompt)
	})
}

// WithAffiliateCommission sets the commission rate of the store's affiliate program: an
// affiliate earns percent of the amount of each order their code brought in (rounded to the
// nearest minor unit).
func WithAffiliateCommission(percent float64) Option {
	return func(s *Server) { s.st.partners.commission = percent }
}

// StoreID returns the ID of the fake's store: the type_reference of a split with type store.
func (s *Server) StoreID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.partners.storeID
}

// AffiliateProgramID returns the ID of the store's affiliate program, which
// CreateAffiliateInviteParams.ProgramID may name.
func (s *Server) AffiliateProgramID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.partners.programID
}

// AcceptAffiliateInvite does what the invitee does by following the invitation e-mail: the
// invitation becomes accepted and the invitee an active affiliate with a new referral code,
// which checkouts can carry as affiliate_code. It returns a copy of the affiliate.
func (s *Server) AcceptAffiliateInvite(inviteID string) (*creem.Affiliate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.st.partners.invites.get(inviteID)
	switch {
	case !ok:
		return nil, fmt.Errorf("creemtest: AcceptAffiliateInvite: no invitation %s", inviteID)
	case inv.Status != creem.AffiliateInviteStatusPending:
		return nil, fmt.Errorf("creemtest: AcceptAffiliateInvite: invitation %s is %s", inviteID, inv.Status)
	}
	inv.Status = creem.AffiliateInviteStatusAccepted
	code := s.newReferralCode()
	aff := &creem.Affiliate{
		ID: newID("aff"), Mode: creem.ModeTest, Object: "affiliate", Email: inv.Email, Name: inv.Name,
		Status: creem.AffiliateStatusActive, ReferralCode: code,
		ReferralLink: s.URL + "/affiliate?code=" + url.QueryEscape(code), Currency: creem.CurrencyUSD,
	}
	s.st.partners.affiliates.put(aff.ID, aff)
	out := *aff
	if out.Name != nil {
		out.Name = creem.Ptr(*out.Name) // the caller's copy shares nothing with the store
	}
	return &out, nil
}

// SetAffiliateStatus changes an affiliate's standing, e.g. to creem.AffiliateStatusSuspended.
// Only active affiliates' codes are accepted by new checkouts and earn commissions.
func (s *Server) SetAffiliateStatus(affiliateID string, status creem.AffiliateStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	aff, ok := s.st.partners.affiliates.get(affiliateID)
	if !ok {
		return fmt.Errorf("creemtest: SetAffiliateStatus: no affiliate %s", affiliateID)
	}
	aff.Status = status
	return nil
}

// RecordAffiliateClick counts one visit through the referral link of the affiliate with
// referralCode.
func (s *Server) RecordAffiliateClick(referralCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	aff, ok := s.st.partners.affiliates.find(func(a *creem.Affiliate) bool { return a.ReferralCode == referralCode })
	if !ok {
		return fmt.Errorf("creemtest: RecordAffiliateClick: no affiliate with code %q", referralCode)
	}
	aff.Clicks++
	return nil
}

// SetCommissionStatus moves a commission on, e.g. to creem.CommissionStatusApproved once it
// cleared or creem.CommissionStatusPaid after a payout; Creem does this on its own schedule.
func (s *Server) SetCommissionStatus(commissionID string, status creem.CommissionStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.partners.commissions.get(commissionID)
	if !ok {
		return fmt.Errorf("creemtest: SetCommissionStatus: no commission %s", commissionID)
	}
	c.Status = status
	return nil
}

// AcceptSplitInvite does what an e-mail recipient of a split does by accepting the invitation:
// the recipient becomes a user recipient receiving its share, and the split is enabled.
func (s *Server) AcceptSplitInvite(splitID, email string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.st.partners.splits.get(splitID)
	if !ok {
		return fmt.Errorf("creemtest: AcceptSplitInvite: no split %s", splitID)
	}
	for i, addr := range s.st.partners.splitInvitees[splitID] {
		r := &sp.Recipients[i]
		if addr == "" || !strings.EqualFold(addr, email) || r.RecipientType != creem.SplitRecipientTypeEmail {
			continue
		}
		r.RecipientType = creem.SplitRecipientTypeUser
		r.RecipientReference = newID("user")
		r.Enabled = true
		r.InviteStatus = nil
		sp.Enabled = true
		return nil
	}
	return fmt.Errorf("creemtest: AcceptSplitInvite: split %s has no pending invitation for that address", splitID)
}

// SetModerationRules replaces the rules of the moderation stub.
func (s *Server) SetModerationRules(rules ModerationRules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rules.Deny = append([]string(nil), rules.Deny...)
	rules.Flag = append([]string(nil), rules.Flag...)
	s.st.partners.moderation = rules
}

// newReferralCode returns an unused code of 8 lowercase hex digits. s.mu must be held.
func (s *Server) newReferralCode() string {
	for {
		var b [4]byte
		_, _ = rand.Read(b[:])
		code := hex.EncodeToString(b[:])
		if _, taken := s.st.partners.affiliates.find(func(a *creem.Affiliate) bool { return a.ReferralCode == code }); !taken {
			return code
		}
	}
}

// activeAffiliateByCode finds the active affiliate whose referral code a checkout carries.
// s.mu must be held.
func (s *Server) activeAffiliateByCode(code string) (*creem.Affiliate, *apiError) {
	aff, ok := s.st.partners.affiliates.find(func(a *creem.Affiliate) bool { return a.ReferralCode == code })
	if !ok || aff.Status != creem.AffiliateStatusActive {
		return nil, errorf(http.StatusBadRequest, "Affiliate code is invalid")
	}
	return aff, nil
}

// creditAffiliate gives the affiliate who referred a paid checkout its commission on the
// order, if that affiliate is still active. s.mu must be held.
func (s *Server) creditAffiliate(checkoutID string, order *creem.Order, tran *creem.Transaction) {
	aff, ok := s.st.partners.affiliates.get(s.st.partners.checkoutAffiliate[checkoutID])
	if !ok || aff.Status != creem.AffiliateStatusActive {
		return
	}
	order.Affiliate = creem.Ptr(aff.ID)
	aff.Conversions++
	amount := int64(math.Round(float64(order.Amount) * s.st.partners.commission / 100))
	if amount <= 0 {
		return
	}
	c := &creem.Commission{
		ID: newID("comm"), Mode: creem.ModeTest, Object: "commission", Affiliate: aff.ID,
		Amount: amount, Currency: order.Currency, Status: creem.CommissionStatusPending,
		Sale: creem.Ptr(tran.ID), CreatedAt: creem.TimestampFromMillis(s.now().UnixMilli()),
	}
	s.st.partners.commissions.put(c.ID, c)
	// Earnings are the lifetime total in the affiliate's highest-earning currency (the first
	// earned of equals).
	totals := map[creem.Currency]int64{}
	var currencies []creem.Currency
	for _, x := range s.st.partners.commissions.filter(func(x *creem.Commission) bool { return x.Affiliate == aff.ID }) {
		if _, seen := totals[x.Currency]; !seen {
			currencies = append(currencies, x.Currency)
		}
		totals[x.Currency] += x.Amount
	}
	best := currencies[0]
	for _, cur := range currencies[1:] {
		if totals[cur] > totals[best] {
			best = cur
		}
	}
	aff.Earnings, aff.Currency = totals[best], best
}

// pageOf answers a page-number list whose default page size is defaultSize.
func pageOf[T any](r *http.Request, defaultSize string, items []T) (any, *apiError) {
	q := r.URL.Query()
	if q.Get("page_size") == "" {
		q.Set("page_size", defaultSize)
	}
	return paginate(q, items)
}

func (s *Server) createAffiliateInvite(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateAffiliateInviteParams
	if err := decodeBody(body, "CreateAffiliateInviteRequestEntity", &p); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(p.Email)
	switch {
	case !validEmail(email):
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "email", "email must be an email")
	case strings.TrimSpace(p.Name) == "":
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "name", "name should not be empty")
	case p.ProgramID != "" && p.ProgramID != s.st.partners.programID:
		return nil, notFound("Affiliate program")
	}
	if _, dup := s.st.partners.invites.find(func(i *creem.AffiliateInvite) bool { return strings.EqualFold(i.Email, email) }); dup {
		return nil, errorf(http.StatusConflict, "An invitation has already been sent to this email address")
	}
	inv := &creem.AffiliateInvite{
		ID: newID("ainv"), Mode: creem.ModeTest, Object: "affiliate-invite", Email: strings.ToLower(email),
		Name: creem.Ptr(p.Name), Status: creem.AffiliateInviteStatusPending,
		CreatedAt: creem.TimestampFromMillis(s.now().UnixMilli()),
	}
	s.st.partners.invites.put(inv.ID, inv)
	return inv, nil
}

func (s *Server) listAffiliateInvites(r *http.Request, _ []byte) (any, *apiError) {
	return pageOf(r, "50", s.st.partners.invites.filter(nil))
}

func (s *Server) listAffiliates(r *http.Request, _ []byte) (any, *apiError) {
	return pageOf(r, "50", s.st.partners.affiliates.filter(nil))
}

func (s *Server) affiliate(id string) (*creem.Affiliate, *apiError) {
	aff, ok := s.st.partners.affiliates.get(id)
	if !ok {
		return nil, notFound("Affiliate")
	}
	return aff, nil
}

func (s *Server) getAffiliate(r *http.Request, _ []byte) (any, *apiError) {
	return s.affiliate(r.PathValue("id"))
}

func (s *Server) listCommissions(r *http.Request, _ []byte) (any, *apiError) {
	aff, aerr := s.affiliate(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	status := creem.CommissionStatus(r.URL.Query().Get("status"))
	switch status {
	case "", creem.CommissionStatusPending, creem.CommissionStatusApproved, creem.CommissionStatusPaid:
	default:
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "status", "status must be one of the following values: pending, approved, paid")
	}
	return pageOf(r, "10", s.st.partners.commissions.filter(func(c *creem.Commission) bool {
		return c.Affiliate == aff.ID && (status == "" || c.Status == status)
	}))
}

// Limits of a split, from the spec.
const (
	maxSplitRecipients = 10
	shareTolerance     = 1e-9 // float rounding in the sum of shares
)

func (s *Server) createSplit(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateSplitParams
	if err := decodeBody(body, "CreateSplitRequestEntity", &p); err != nil {
		return nil, err
	}
	bad := func(param, msg string) (any, *apiError) {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", param, msg)
	}
	switch p.Type {
	case creem.SplitTypeStore:
		if p.TypeReference != s.st.partners.storeID {
			return bad("type_reference", "type_reference must be your store id for a store split")
		}
	case creem.SplitTypeProduct:
		if _, aerr := s.product(p.TypeReference); aerr != nil {
			return nil, aerr
		}
	}
	if n := len(p.Recipients); n < 1 || n > maxSplitRecipients {
		return bad("recipients", "recipients must contain between 1 and 10 elements")
	}
	sp := &creem.Split{
		ID: newID("split"), Mode: creem.ModeTest, Object: "split", StoreID: s.st.partners.storeID,
		Type: p.Type, TypeReference: p.TypeReference, Enabled: true, Recipients: []creem.SplitRecipient{},
		CreatedAt: creem.TimestampFromMillis(s.now().UnixMilli()),
	}
	if p.Description != "" {
		sp.Description = creem.Ptr(p.Description)
	}
	invitees := make([]string, len(p.Recipients))
	var sum float64
	for i, rp := range p.Recipients {
		param := func(name string) string { return fmt.Sprintf("recipients[%d].%s", i, name) }
		ref := strings.TrimSpace(rp.RecipientReference)
		switch {
		case ref == "":
			return bad(param("recipient_reference"), param("recipient_reference")+" should not be empty")
		case rp.Amount < 1 || rp.Amount > 100:
			return bad(param("amount"), param("amount")+" must be between 1 and 100")
		case rp.RecipientType == creem.SplitRecipientTypeEmail && !validEmail(ref):
			return bad(param("recipient_reference"), param("recipient_reference")+" must be an email")
		}
		sum += rp.Amount
		r := creem.SplitRecipient{
			Type: creem.SplitShareTypePercentage, RecipientType: rp.RecipientType, RecipientReference: ref,
			Amount: rp.Amount, Enabled: true,
		}
		if rp.RecipientType == creem.SplitRecipientTypeEmail {
			invitees[i] = strings.ToLower(ref)
			r.RecipientReference = maskEmail(ref)
			r.Enabled = false
			r.InviteStatus = creem.Ptr(creem.SplitInviteStatusPending)
			sp.Enabled = false
		}
		sp.Recipients = append(sp.Recipients, r)
	}
	if sum > 100+shareTolerance {
		return bad("recipients", "the sum of recipient shares must not exceed 100")
	}
	s.st.partners.splits.put(sp.ID, sp)
	s.st.partners.splitInvitees[sp.ID] = invitees
	return sp, nil
}

// maskEmail hides an invitee's address as Creem answers it: "cofounder@example.com" becomes
// "c***@example.com".
func maskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "***"
	}
	return email[:1] + "***" + email[at:]
}

func (s *Server) listSplits(r *http.Request, _ []byte) (any, *apiError) {
	return pageOf(r, "50", s.st.partners.splits.filter(nil))
}

func (s *Server) split(id string) (*creem.Split, *apiError) {
	sp, ok := s.st.partners.splits.get(id)
	if !ok {
		return nil, notFound("Split")
	}
	return sp, nil
}

func (s *Server) getSplit(r *http.Request, _ []byte) (any, *apiError) {
	return s.split(r.PathValue("id"))
}

func (s *Server) deleteSplit(r *http.Request, _ []byte) (any, *apiError) {
	sp, aerr := s.split(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	t := s.st.partners.splits
	delete(t.byID, sp.ID)
	for i, id := range t.order {
		if id == sp.ID {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
	delete(s.st.partners.splitInvitees, sp.ID)
	return sp, nil
}

// screeningJSON leaves external_id out of the answer when the request had none, as the spec
// makes it optional (not nullable).
type screeningJSON struct {
	*creem.PromptScreening
	ExternalID string `json:"external_id,omitempty"`
}

func (s *Server) screenPrompt(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.ScreenPromptParams
	if err := decodeBody(body, "ScreenPromptRequest", &p); err != nil {
		return nil, err
	}
	rules := s.st.partners.moderation
	if rules.Disabled {
		return nil, codedError(http.StatusForbidden, creem.CodeModerationDisabled, "", "Moderation is disabled for this store")
	}
	if p.Prompt == "" {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "prompt", "prompt should not be empty")
	}
	res := &creem.PromptScreening{
		ID: newID("mod"), Object: "moderation_result", Prompt: p.Prompt,
		Decision: screen(p.Prompt, rules), Usage: creem.ModerationUsage{Units: 1},
	}
	return screeningJSON{PromptScreening: res, ExternalID: p.ExternalID}, nil
}

// screen is the stub's decision: deny terms first, then flag terms, else allow.
func screen(prompt string, rules ModerationRules) creem.ModerationDecision {
	lower := strings.ToLower(prompt)
	has := func(terms []string) bool {
		for _, t := range terms {
			if t != "" && strings.Contains(lower, strings.ToLower(t)) {
				return true
			}
		}
		return false
	}
	switch {
	case has(rules.Deny):
		return creem.ModerationDecisionDeny
	case has(rules.Flag):
		return creem.ModerationDecisionFlag
	}
	return creem.ModerationDecisionAllow
}
