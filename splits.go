package creem

import (
	"context"
	"fmt"
	"iter"
	"strings"
)

// SplitsService manages revenue splits: /v1/splits/….
//
// A split shares the net of payments to your store, or to one product, between up to 10
// recipients: existing stores, or people invited by e-mail. A split with an e-mail invitee starts
// disabled and activates once the first invitee accepts.
type SplitsService service

// SplitType is what a split applies to. It is an open enum.
type SplitType string

// Known split types.
const (
	SplitTypeStore   SplitType = "store"   // every payment to the store; TypeReference is the store ID
	SplitTypeProduct SplitType = "product" // payments for one product; TypeReference is the product ID
)

// SplitRecipientType is the kind of a split recipient. It is an open enum.
type SplitRecipientType string

// Known split recipient types. Create accepts store and email; user appears in answers once an
// e-mail invitee has accepted.
const (
	SplitRecipientTypeStore SplitRecipientType = "store" // an existing store, by store ID
	SplitRecipientTypeEmail SplitRecipientType = "email" // an invitee, by e-mail address
	SplitRecipientTypeUser  SplitRecipientType = "user"  // a resolved recipient, by user ID
)

// SplitShareType is how a recipient's share is calculated. It is an open enum.
type SplitShareType string

// Known split share types. Creem currently always answers percentage.
const (
	SplitShareTypePercentage SplitShareType = "percentage"
	SplitShareTypeFixed      SplitShareType = "fixed"
)

// SplitInviteStatus is where an e-mail recipient's invitation stands. It is an open enum.
type SplitInviteStatus string

// Known split invitation statuses.
const (
	SplitInviteStatusPending  SplitInviteStatus = "pending"  // awaiting acceptance
	SplitInviteStatusDeclined SplitInviteStatus = "declined" // the recipient declined
	SplitInviteStatusRevoked  SplitInviteStatus = "revoked"  // you cancelled it
)

// Split is a revenue split (SplitEntity).
type Split struct {
	ID            string           `json:"id"`
	Mode          Mode             `json:"mode"`
	Object        string           `json:"object"`   // "split"
	StoreID       string           `json:"store_id"` // the store that owns the split
	Description   *string          `json:"description"`
	Type          SplitType        `json:"type"`
	TypeReference string           `json:"type_reference"` // the store ID or product ID it applies to
	Enabled       bool             `json:"enabled"`        // false until the first e-mail invitee accepts
	Recipients    []SplitRecipient `json:"recipients"`
	CreatedAt     Timestamp        `json:"created_at"` // epoch milliseconds on the wire
}

// SplitRecipient is one recipient of a split and its share (SplitRecipientEntity).
type SplitRecipient struct {
	Type          SplitShareType     `json:"type"`
	RecipientType SplitRecipientType `json:"recipient_type"`
	// RecipientReference is a store ID, a user ID, or for an e-mail invitee a masked address:
	// Creem never returns an invitee's address.
	RecipientReference string  `json:"recipient_reference"`
	Amount             float64 `json:"amount"`  // the share in percent of the split net: 25 = 25%
	Enabled            bool    `json:"enabled"` // receiving its share; e-mail invitees start disabled
	// InviteStatus is set only for e-mail invitees that have not accepted.
	InviteStatus *SplitInviteStatus `json:"invite_status"`
}

// CreateSplitParams are the parameters of Splits.Create (CreateSplitRequestEntity).
type CreateSplitParams struct {
	Description string `json:"description,omitempty"` // optional, human-readable
	// Type and TypeReference are required: SplitTypeStore with your store ID, or SplitTypeProduct
	// with a product ID.
	Type          SplitType `json:"type"`
	TypeReference string    `json:"type_reference"`
	// Recipients are required: 1 to 10, each with a share of 1 to 100 percent, together at most 100.
	Recipients []SplitRecipientParams `json:"recipients"`
}

// SplitRecipientParams is one recipient of a new split (CreateSplitRecipientRequestEntity).
type SplitRecipientParams struct {
	// RecipientType is SplitRecipientTypeStore (RecipientReference is a store ID, added directly)
	// or SplitRecipientTypeEmail (RecipientReference is an e-mail address, invited; the split stays
	// disabled until an invitee accepts).
	RecipientType      SplitRecipientType `json:"recipient_type"`
	RecipientReference string             `json:"recipient_reference"`
	Amount             float64            `json:"amount"` // percent of the split net, 1 to 100
}

// ListSplitsParams page through Splits.List and Splits.All. The API's default page size here
// is 50.
type ListSplitsParams struct {
	ListParams
}

// Limits of CreateSplitParams.Recipients, from the spec.
const (
	maxSplitRecipients = 10
	minSplitShare      = 1
	maxSplitShare      = 100
	// shareTolerance absorbs float rounding in the sum: 0.2 + 83.9 + 15.9 adds up to
	// 100.00000000000001, and is a valid split.
	shareTolerance = 1e-9
)

// Create creates a revenue split for the store the API key belongs to (POST /v1/splits,
// createSplit). It refuses before sending what the spec rules out: no type or type reference, no
// recipients or more than 10, a recipient without type or reference, an e-mail recipient whose
// reference is not an address, a share outside 1–100, or shares summing to more than 100. Not
// retried after the request may have reached Creem: the API takes no idempotency key, and a
// repeat could create a second split (and send invitations again).
func (s *SplitsService) Create(ctx context.Context, params *CreateSplitParams, opts ...RequestOption) (*Split, error) {
	const op = "Splits.Create"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	switch {
	case params.Type == "":
		return nil, invalid(op, "type", "is required")
	case strings.TrimSpace(params.TypeReference) == "":
		return nil, invalid(op, "type_reference", "is required")
	case len(params.Recipients) == 0:
		return nil, invalid(op, "recipients", "must name at least one recipient")
	case len(params.Recipients) > maxSplitRecipients:
		return nil, invalid(op, "recipients", fmt.Sprintf("must name at most %d recipients", maxSplitRecipients))
	}
	var sum float64
	for i, r := range params.Recipients {
		field := func(name string) string { return fmt.Sprintf("recipients[%d].%s", i, name) }
		switch {
		case r.RecipientType == "":
			return nil, invalid(op, field("recipient_type"), "is required")
		case strings.TrimSpace(r.RecipientReference) == "":
			return nil, invalid(op, field("recipient_reference"), "is required")
		case !(r.Amount >= minSplitShare && r.Amount <= maxSplitShare): // also refuses NaN
			return nil, invalid(op, field("amount"), "must be between 1 and 100 (percent)")
		}
		if r.RecipientType == SplitRecipientTypeEmail {
			if err := requireEmail(op, r.RecipientReference); err != nil {
				return nil, invalid(op, field("recipient_reference"), "is not an e-mail address")
			}
		}
		sum += r.Amount
	}
	if sum > maxSplitShare+shareTolerance {
		return nil, invalid(op, "recipients", "shares must sum to at most 100 (percent)")
	}
	return send[Split](ctx, s.client, post("/v1/splits"), "", params, opts)
}

// List returns one page of your store's splits (GET /v1/splits, listSplits). Retried like every
// read.
func (s *SplitsService) List(ctx context.Context, params *ListSplitsParams, opts ...RequestOption) (*Page[Split], error) {
	return list[Split](ctx, s.client, "/v1/splits", params, opts)
}

// All iterates over every split, fetching one page at a time.
func (s *SplitsService) All(ctx context.Context, params *ListSplitsParams, opts ...RequestOption) iter.Seq2[*Split, error] {
	return all(ctx, params, s.List, opts)
}

// Get retrieves a split by ID (GET /v1/splits/{id}, retrieveSplit). Splits of other stores are
// not found. Retried like every read.
func (s *SplitsService) Get(ctx context.Context, splitID string, opts ...RequestOption) (*Split, error) {
	seg, err := pathID("Splits.Get", "id", splitID)
	if err != nil {
		return nil, err
	}
	return send[Split](ctx, s.client, get("/v1/splits/"+seg), "", nil, opts)
}

// Delete deletes a split (DELETE /v1/splits/{id}, deleteSplit) and returns it; it stops applying
// to future payments at once. Not retried after the request may have reached Creem: a repeat
// cannot delete anything else, but would turn a deletion whose answer was lost into a 404. After
// an uncertain failure, Get tells whether the split is gone (ErrNotFound).
func (s *SplitsService) Delete(ctx context.Context, splitID string, opts ...RequestOption) (*Split, error) {
	seg, err := pathID("Splits.Delete", "id", splitID)
	if err != nil {
		return nil, err
	}
	return send[Split](ctx, s.client, del("/v1/splits/"+seg), "", nil, opts)
}
