package creem_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func init() {
	registry["screenPrompt"] = specOp{method: "Moderation.ScreenPrompt", body: reflect.TypeFor[creem.ScreenPromptParams](), result: reflect.TypeFor[creem.PromptScreening]()}
	familyWireCases = append(familyWireCases, moderationWireCases)
}

func moderationWireCases() []wireCase {
	return []wireCase{
		{
			name: "Moderation.ScreenPrompt",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Moderation.ScreenPrompt(ctx, &creem.ScreenPromptParams{Prompt: "Draw a cat wearing a top hat", ExternalID: "gen_81923"})
			},
			method: http.MethodPost, path: "/v1/moderation/prompt", golden: "moderation_screen.json", fixture: "moderation_result.json",
			check: func(t *testing.T, out any) {
				r := out.(*creem.PromptScreening)
				assert.Equal(t, "mod_2Bc4De6Fg8Hi1Jk3Lm5No7", r.ID)
				assert.Equal(t, "moderation_result", r.Object)
				assert.Equal(t, creem.ModerationDecisionFlag, r.Decision)
				assert.Equal(t, "gen_81923", r.ExternalID)
				assert.Equal(t, 1.0, r.Usage.Units)
			},
		},
		{
			name: "Moderation.ScreenPrompt without external ID",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Moderation.ScreenPrompt(ctx, &creem.ScreenPromptParams{Prompt: "Write a poem about \"rain\" & <snow>\n"})
			},
			method: http.MethodPost, path: "/v1/moderation/prompt", golden: "moderation_screen_minimal.json", fixture: "moderation_result.json",
		},
	}
}

func TestDecodeModerationFixture(t *testing.T) {
	r := decodeStrict[creem.PromptScreening](t, fixture(t, "moderation_result.json"))
	assert.Equal(t, "Draw a cat wearing a top hat", r.Prompt)
	// An unknown decision decodes untouched (open enum).
	r = decodeStrict[creem.PromptScreening](t, []byte(`{"id":"mod_1","object":"moderation_result","prompt":"p","decision":"escalate","usage":{"units":0.5}}`))
	assert.Equal(t, creem.ModerationDecision("escalate"), r.Decision)
	assert.Equal(t, 0.5, r.Usage.Units)
	assert.Empty(t, r.ExternalID)
}

func TestModerationInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for field, params := range map[string]*creem.ScreenPromptParams{"params": nil, "prompt": {ExternalID: "gen_1"}} {
		_, err := c.Moderation.ScreenPrompt(context.Background(), params)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, field, pe.Field)
		assert.Equal(t, "Moderation.ScreenPrompt", pe.Op)
	}
	assert.Zero(t, rec.count())
}

// Every screening consumes units and carries no idempotency key: after a 503 it is not
// repeated. A 429 (answered before Creem acts) is.
func TestModerationRetrySafety(t *testing.T) {
	params := &creem.ScreenPromptParams{Prompt: "hello"}
	srv, rec := newServer(t, serveJSON(http.StatusServiceUnavailable, errorBody(503, "Unavailable")))
	_, err := newClient(t, srv.URL).Moderation.ScreenPrompt(context.Background(), params)
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, rec.count(), "a screening answered 503 is not repeated")

	srv, rec = newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "moderation_result.json"))
	})
	_, err = newClient(t, srv.URL).Moderation.ScreenPrompt(context.Background(), params)
	require.NoError(t, err)
	assert.Equal(t, 2, rec.count())
}

// A store with moderation disabled answers 403 moderation_disabled: ErrUnauthorized with the
// code to match on.
func TestModerationDisabled(t *testing.T) {
	srv := creemtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	require.NoError(t, err)
	srv.SetModerationRules(creemtest.ModerationRules{Disabled: true})
	_, err = c.Moderation.ScreenPrompt(context.Background(), &creem.ScreenPromptParams{Prompt: "hi"})
	var apiErr *creem.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, creem.CodeModerationDisabled, apiErr.Code)
	assert.ErrorIs(t, err, creem.ErrUnauthorized)
}
