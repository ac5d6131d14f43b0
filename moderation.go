package creem

// ModerationService screens prompts: POST /v1/moderation/prompt.
type ModerationService service
