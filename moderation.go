package creem

import "context"

// ModerationService screens prompts: POST /v1/moderation/prompt. The endpoint is experimental
// in Creem's API and may change.
type ModerationService service

// ModerationDecision is the verdict on a screened prompt. It is an open enum: treat a value you
// do not know as you would ModerationDecisionFlag, not as allow.
type ModerationDecision string

// Known moderation decisions.
const (
	ModerationDecisionAllow ModerationDecision = "allow" // the prompt passes the content policies
	ModerationDecisionDeny  ModerationDecision = "deny"  // the prompt violates them: do not generate
	ModerationDecisionFlag  ModerationDecision = "flag"  // borderline: generate with care or review
)

// CodeModerationDisabled is the APIError.Code of the 403 Creem answers when moderation is
// disabled for the store.
const CodeModerationDisabled = "moderation_disabled"

// PromptScreening is the result of screening a prompt (ScreenPromptResponse).
type PromptScreening struct {
	ID         string             `json:"id"`
	Object     string             `json:"object"` // "moderation_result"
	Prompt     string             `json:"prompt"`
	ExternalID string             `json:"external_id"` // as given in the request, or empty
	Decision   ModerationDecision `json:"decision"`
	Usage      ModerationUsage    `json:"usage"`
}

// ModerationUsage is what a screening consumed (UsageEntity).
type ModerationUsage struct {
	Units float64 `json:"units"` // units consumed by this call
}

// ScreenPromptParams are the parameters of Moderation.ScreenPrompt (ScreenPromptRequest).
type ScreenPromptParams struct {
	Prompt     string `json:"prompt"`                // required: the text to evaluate
	ExternalID string `json:"external_id,omitempty"` // your own ID to associate with the screening
}

// ScreenPrompt evaluates a prompt against the content policies before generation
// (POST /v1/moderation/prompt, screenPrompt) and returns the decision and the units it consumed.
// An empty prompt is refused before sending. A store with moderation disabled gets a 403
// (ErrUnauthorized) whose Code is CodeModerationDisabled.
//
// Not retried after the request may have reached Creem: every call consumes usage units (the
// answer reports them), and the API has no idempotency mechanism (ExternalID only labels the
// call), so a repeat would be counted twice. Calling again yourself after a failure is harmless
// apart from that.
func (s *ModerationService) ScreenPrompt(ctx context.Context, params *ScreenPromptParams, opts ...RequestOption) (*PromptScreening, error) {
	const op = "Moderation.ScreenPrompt"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.Prompt == "" {
		return nil, invalid(op, "prompt", "is required")
	}
	return send[PromptScreening](ctx, s.client, post("/v1/moderation/prompt"), "", params, opts)
}
