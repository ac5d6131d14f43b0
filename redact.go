package creem

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// The types below hold secrets (the API key, a webhook secret) or personal data (customer e-mail
// addresses in Creem's error messages). However they are printed (any fmt verb, slog's text and
// JSON handlers, encoding/json), the secret does not appear: they format themselves.

const redacted = "[redacted]"

// Format prints the Client without its API key, for every verb.
func (c Client) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "creem.Client{BaseURL: %q, TestMode: %t, APIKey: %s}", c.baseURL, c.testMode, redacted)
}

// LogValue logs the Client's base URL and mode, never its API key.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.baseURL), slog.Bool("test_mode", c.testMode))
}

// Format prints the verifier with its secret redacted, for every verb.
func (v WebhookVerifier) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "creem.WebhookVerifier{Secret: %s, Tolerance: %s, Now: %s}", secretMark(v.Secret), v.Tolerance, funcMark(v.Now != nil))
}

// LogValue logs the verifier without its secret.
func (v WebhookVerifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("secret", secretMark(v.Secret)), slog.Duration("tolerance", v.Tolerance))
}

// MarshalJSON encodes the verifier with its secret redacted.
func (v WebhookVerifier) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Secret    string        `json:"secret"`
		Tolerance time.Duration `json:"tolerance"`
	}{secretMark(v.Secret), v.Tolerance})
}

// Format prints the handler with its verifier's secret redacted, for every verb.
func (h WebhookHandler) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "creem.WebhookHandler{Verifier: %v, MaxBody: %d, Dedup: %s, Handlers: %d}", h.Verifier, h.MaxBody, funcMark(h.Dedup != nil), len(h.handlers))
}

// LogValue logs the handler without its secret.
func (h WebhookHandler) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("verifier", h.Verifier.LogValue()), slog.Int("handlers", len(h.handlers)))
}

// MarshalJSON encodes the handler with its verifier's secret redacted.
func (h WebhookHandler) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Verifier WebhookVerifier `json:"verifier"`
		MaxBody  int64           `json:"max_body"`
	}{h.Verifier, h.MaxBody})
}

// Format prints the error as Error does for every verb; %#v prints its fields, with e-mail
// addresses in its messages, details and body masked.
func (e *APIError) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, e.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), e.Error())
}

// GoString prints the error's fields, with e-mail addresses in its messages, details and body
// masked.
func (e *APIError) GoString() string {
	b, _ := e.MarshalJSON()
	return "&creem.APIError" + string(b)
}

// MarshalJSON encodes the error's fields with e-mail addresses in its messages, details and body
// masked, as in Error.
func (e *APIError) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(struct {
		StatusCode int            `json:"status_code"`
		Method     string         `json:"method"`
		Path       string         `json:"path"`
		TraceID    string         `json:"trace_id,omitempty"`
		RequestID  string         `json:"request_id,omitempty"`
		Type       string         `json:"type,omitempty"`
		Code       string         `json:"code,omitempty"`
		Param      string         `json:"param,omitempty"`
		Details    map[string]any `json:"details,omitempty"`
		Messages   []string       `json:"messages,omitempty"`
		RetryAfter time.Duration  `json:"retry_after,omitempty"`
		Body       string         `json:"body,omitempty"`
	}{e.StatusCode, e.Method, e.Path, e.TraceID, e.RequestID, e.Type, e.Code, e.Param, e.Details, e.Messages, e.RetryAfter, string(e.Body)})
	if err != nil {
		return nil, err
	}
	// No e-mail run crosses a JSON quote or backslash, so masking keeps the JSON well formed.
	return []byte(maskEmails(string(b))), nil
}

func secretMark(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}

func funcMark(set bool) string {
	if set {
		return "set"
	}
	return "nil"
}
