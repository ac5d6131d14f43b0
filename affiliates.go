package creem

import (
	"context"
	"iter"
	"strings"
)

// AffiliatesService invites affiliates and reads affiliates and commissions: /v1/affiliates/….
//
// An invitee becomes an affiliate when they accept the invitation e-mail; the API has no call to
// accept one. Affiliates earn commissions on the sales their referral code brings in (a checkout
// created with CreateCheckoutParams.AffiliateCode).
type AffiliatesService service

// AffiliateInviteStatus is the lifecycle status of an affiliate invitation. It is an open enum.
type AffiliateInviteStatus string

// Known affiliate invitation statuses.
const (
	AffiliateInviteStatusPending  AffiliateInviteStatus = "pending"  // not accepted yet
	AffiliateInviteStatusAccepted AffiliateInviteStatus = "accepted" // the invitee joined the program
)

// AffiliateStatus is an affiliate's standing in your program. It is an open enum.
type AffiliateStatus string

// Known affiliate statuses.
const (
	AffiliateStatusActive    AffiliateStatus = "active"
	AffiliateStatusPending   AffiliateStatus = "pending" // awaiting approval
	AffiliateStatusRejected  AffiliateStatus = "rejected"
	AffiliateStatusSuspended AffiliateStatus = "suspended"
	AffiliateStatusInactive  AffiliateStatus = "inactive" // left or removed
)

// CommissionStatus is the settlement status of a commission. It is an open enum.
type CommissionStatus string

// Known commission statuses.
const (
	CommissionStatusPending  CommissionStatus = "pending"  // on hold
	CommissionStatusApproved CommissionStatus = "approved" // cleared and available
	CommissionStatusPaid     CommissionStatus = "paid"     // settled by a payout
)

// AffiliateInvite is an invitation to your affiliate program (AffiliateInviteEntity). Email is
// personal data: the SDK never logs it or puts it in an error.
type AffiliateInvite struct {
	ID        string                `json:"id"`
	Mode      Mode                  `json:"mode"`
	Object    string                `json:"object"` // "affiliate-invite"
	Email     string                `json:"email"`
	Name      *string               `json:"name"`
	Status    AffiliateInviteStatus `json:"status"`
	CreatedAt Timestamp             `json:"created_at"` // epoch milliseconds on the wire
}

// Affiliate is a member of your affiliate program (AffiliateEntity). Invitees who have not
// joined yet are AffiliateInvites, not Affiliates.
type Affiliate struct {
	ID           string          `json:"id"`
	Mode         Mode            `json:"mode"`
	Object       string          `json:"object"` // "affiliate"
	Email        string          `json:"email"`
	Name         *string         `json:"name"`
	Status       AffiliateStatus `json:"status"`
	ReferralCode string          `json:"referral_code"` // pass it as CreateCheckoutParams.AffiliateCode
	ReferralLink string          `json:"referral_link"` // traffic through it is attributed to the affiliate
	// Clicks and Conversions are counts; the spec types them as numbers, they are always whole.
	Clicks      int64 `json:"clicks"`
	Conversions int64 `json:"conversions"`
	// Earnings is the lifetime commission in minor units (1000 = 10.00) of Currency, the
	// affiliate's highest-earning currency only; ListCommissions has every currency.
	Earnings int64    `json:"earnings"`
	Currency Currency `json:"currency"`
}

// Commission is what an affiliate earned on one sale (CommissionEntity).
type Commission struct {
	ID        string           `json:"id"`
	Mode      Mode             `json:"mode"`
	Object    string           `json:"object"`    // "commission"
	Affiliate string           `json:"affiliate"` // the affiliate's ID
	Amount    int64            `json:"amount"`    // minor units of Currency: 600 = 6.00
	Currency  Currency         `json:"currency"`
	Status    CommissionStatus `json:"status"`
	Sale      *string          `json:"sale"`       // ID of the transaction that earned it, if known
	CreatedAt Timestamp        `json:"created_at"` // epoch milliseconds on the wire
}

// CreateAffiliateInviteParams are the parameters of Affiliates.CreateInvite
// (CreateAffiliateInviteRequestEntity).
type CreateAffiliateInviteParams struct {
	Email string `json:"email"` // required: where the invitation is sent
	Name  string `json:"name"`  // required: the invitee's display name
	// ProgramID selects the affiliate program; leave it empty for your store's program. Only
	// stores running more than one program need it.
	ProgramID string `json:"program_id,omitempty"`
}

// ListAffiliateInvitesParams page through Affiliates.ListInvites and Affiliates.AllInvites. The
// API's default page size here is 50.
type ListAffiliateInvitesParams struct {
	ListParams
}

// ListAffiliatesParams page through Affiliates.List and Affiliates.All. The API's default page
// size here is 50.
type ListAffiliatesParams struct {
	ListParams
}

// ListCommissionsParams page through and filter Affiliates.ListCommissions and
// Affiliates.AllCommissions. The API's default page size here is 10.
type ListCommissionsParams struct {
	ListParams
	Status CommissionStatus `url:"status,omitempty"` // only commissions with this status
}

// CreateInvite invites someone to your affiliate program by e-mail
// (POST /v1/affiliates/invites, createAffiliateInvite); they become an affiliate once they
// accept. Not retried after the request may have reached Creem: a repeat cannot send a second
// invitation (Creem answers 409 for an address already invited) but would turn a success whose
// answer was lost into that 409. So an ErrConflict after an uncertain failure means the
// invitation exists; ListInvites shows it.
func (s *AffiliatesService) CreateInvite(ctx context.Context, params *CreateAffiliateInviteParams, opts ...RequestOption) (*AffiliateInvite, error) {
	const op = "Affiliates.CreateInvite"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := requireEmail(op, params.Email); err != nil {
		return nil, err
	}
	if strings.TrimSpace(params.Name) == "" {
		return nil, invalid(op, "name", "is required")
	}
	return send[AffiliateInvite](ctx, s.client, post("/v1/affiliates/invites"), "", params, opts)
}

// ListInvites returns one page of the invitations you sent, pending and accepted
// (GET /v1/affiliates/invites, listAffiliateInvites). Retried like every read.
func (s *AffiliatesService) ListInvites(ctx context.Context, params *ListAffiliateInvitesParams, opts ...RequestOption) (*Page[AffiliateInvite], error) {
	return list[AffiliateInvite](ctx, s.client, "/v1/affiliates/invites", params, opts)
}

// AllInvites iterates over every invitation, fetching one page at a time.
func (s *AffiliatesService) AllInvites(ctx context.Context, params *ListAffiliateInvitesParams, opts ...RequestOption) iter.Seq2[*AffiliateInvite, error] {
	return all(ctx, params, s.ListInvites, opts)
}

// List returns one page of your affiliates (GET /v1/affiliates, listAffiliates). Invitees who
// have not joined are not included. Retried like every read.
func (s *AffiliatesService) List(ctx context.Context, params *ListAffiliatesParams, opts ...RequestOption) (*Page[Affiliate], error) {
	return list[Affiliate](ctx, s.client, "/v1/affiliates", params, opts)
}

// All iterates over every affiliate, fetching one page at a time.
func (s *AffiliatesService) All(ctx context.Context, params *ListAffiliatesParams, opts ...RequestOption) iter.Seq2[*Affiliate, error] {
	return all(ctx, params, s.List, opts)
}

// Get retrieves an affiliate by ID (GET /v1/affiliates/{id}, retrieveAffiliate). Retried like
// every read.
func (s *AffiliatesService) Get(ctx context.Context, affiliateID string, opts ...RequestOption) (*Affiliate, error) {
	seg, err := pathID("Affiliates.Get", "id", affiliateID)
	if err != nil {
		return nil, err
	}
	return send[Affiliate](ctx, s.client, get("/v1/affiliates/"+seg), "", nil, opts)
}

// ListCommissions returns one page of an affiliate's commissions, in every currency, optionally
// only those with params.Status (GET /v1/affiliates/{id}/commissions, listAffiliateCommissions).
// Retried like every read.
func (s *AffiliatesService) ListCommissions(ctx context.Context, affiliateID string, params *ListCommissionsParams, opts ...RequestOption) (*Page[Commission], error) {
	seg, err := pathID("Affiliates.ListCommissions", "id", affiliateID)
	if err != nil {
		return nil, err
	}
	return list[Commission](ctx, s.client, "/v1/affiliates/"+seg+"/commissions", params, opts)
}

// AllCommissions iterates over every commission of an affiliate matching params, one page at a
// time.
func (s *AffiliatesService) AllCommissions(ctx context.Context, affiliateID string, params *ListCommissionsParams, opts ...RequestOption) iter.Seq2[*Commission, error] {
	return all(ctx, params, func(ctx context.Context, p *ListCommissionsParams, o ...RequestOption) (*Page[Commission], error) {
		return s.ListCommissions(ctx, affiliateID, p, o...)
	}, opts)
}
