package creem

import (
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// WebhooksService manages webhook endpoints and their pending-event feed: /v1/webhooks/….
//
// Every call needs a key with the webhooks:read (Get, List, Secret, ListPending) or
// webhooks:write (Create, Update, Delete, Ack) scope; a key without it gets 403, which matches
// ErrUnauthorized. Verifying deliveries needs no Client: see VerifyWebhook and WebhookHandler.
// To forward the events of a cli endpoint to a local server, see NewListener.
type WebhooksService service

// WebhookDeliveryMode is how events reach an endpoint (WebhookDeliveryMode). It is an open enum.
type WebhookDeliveryMode string

// Delivery modes.
const (
	// WebhookDeliveryHTTP endpoints get each event POSTed to their URL.
	WebhookDeliveryHTTP WebhookDeliveryMode = "http"
	// WebhookDeliveryCLI endpoints get no HTTP posts: their events wait in the pending feed
	// (Webhooks.ListPending) until acknowledged (Webhooks.Ack). `creem listen` uses them.
	WebhookDeliveryCLI WebhookDeliveryMode = "cli"
)

// WebhookStatus tells whether an endpoint receives deliveries (WebhookStatus). It is an open enum.
type WebhookStatus string

// Endpoint statuses.
const (
	WebhookStatusEnabled  WebhookStatus = "enabled"
	WebhookStatusDisabled WebhookStatus = "disabled" // keeps its configuration, receives nothing
)

// WebhookSecret is an endpoint's signing secret (whsec_…). Convert it with string(secret) to
// use or store it, e.g. creem.NewWebhookHandler(string(endpoint.Secret)).
//
// However it is printed (any fmt verb, slog's text and JSON handlers, encoding/json), the secret
// does not appear: it shows as "[redacted]", or "" when empty. Decoding JSON reads it normally.
type WebhookSecret string

// String returns "[redacted]" (or `""` when empty), never the secret.
func (s WebhookSecret) String() string { return secretMark(string(s)) }

// GoString returns a redacted Go expression, never the secret.
func (s WebhookSecret) GoString() string {
	return "creem.WebhookSecret(" + strconv.Quote(s.String()) + ")"
}

// Format prints "[redacted]" for every verb, with the verb's flags (%q quotes it, %#v prints
// the GoString form), never the secret.
func (s WebhookSecret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// LogValue logs "[redacted]", never the secret.
func (s WebhookSecret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes "[redacted]" (or "" when empty), never the secret.
func (s WebhookSecret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// WebhookEndpoint is a URL, or a cli feed, that receives events (WebhookEntity).
type WebhookEndpoint struct {
	ID           string              `json:"id"`
	Mode         Mode                `json:"mode"`
	Object       string              `json:"object"` // "webhook"
	StoreID      string              `json:"store_id"`
	Name         *string             `json:"name"` // human-readable label; nil when unset
	URL          string              `json:"url"`  // a placeholder that is never called for cli endpoints
	DeliveryMode WebhookDeliveryMode `json:"delivery_mode"`
	Status       WebhookStatus       `json:"status"`
	// Events are the event types delivered to the endpoint; empty means every type.
	Events []EventType `json:"events"`
	// Secret signs the endpoint's deliveries. Only Webhooks.Create returns it: store
	// string(Secret) then, or fetch it later with Webhooks.Secret. It is redacted in formatted
	// output, logs and JSON.
	Secret WebhookSecret `json:"secret,omitempty"`
}

// LogValue logs the endpoint's ID, mode, status and URL; never its secret.
func (e WebhookEndpoint) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", e.ID),
		slog.String("delivery_mode", string(e.DeliveryMode)),
		slog.String("status", string(e.Status)),
		slog.String("url", e.URL),
	}
	if e.Secret != "" {
		attrs = append(attrs, slog.String("secret", e.Secret.String()))
	}
	return slog.GroupValue(attrs...)
}

// WebhookEndpointSecret holds an endpoint's signing secret (WebhookSecretEntity).
type WebhookEndpointSecret struct {
	Secret WebhookSecret `json:"secret"` // redacted in formatted output, logs and JSON
}

// LogValue logs "[redacted]" in place of the secret.
func (s WebhookEndpointSecret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("secret", s.Secret.String()))
}

// PendingWebhookEvent is an event waiting in a cli endpoint's feed (WebhookPendingEventEntity):
// the exact body and headers an HTTP delivery would carry. Forward Body byte for byte with
// Headers (the signature is computed over Body), then acknowledge it with Webhooks.Ack.
type PendingWebhookEvent struct {
	ID        string            `json:"id"`     // the event ID; acknowledge with it
	Object    string            `json:"object"` // "webhook_event"
	EventType EventType         `json:"event_type"`
	CreatedAt Timestamp         `json:"created_at"` // when the event was recorded for this endpoint
	Body      string            `json:"body"`       // the exact JSON request body
	Headers   map[string]string `json:"headers"`    // creem-signature, Content-Type, …
}

// PendingWebhookEvents is a page of a cli endpoint's feed, oldest first
// (WebhookPendingEventListEntity).
type PendingWebhookEvents struct {
	Items []PendingWebhookEvent `json:"items"`
}

// WebhookEventAck is the answer to an acknowledgment (WebhookEventAckEntity).
type WebhookEventAck struct {
	ID     string `json:"id"`
	Object string `json:"object"` // "webhook_event"
	// Success tells whether the first acknowledgment recorded a successful delivery (a 2xx).
	// Repeated acknowledgments return the stored result.
	Success bool `json:"success"`
}

// CreateWebhookEndpointParams are the parameters of Webhooks.Create (CreateWebhookRequestEntity).
type CreateWebhookEndpointParams struct {
	// URL receives the deliveries: an absolute https URL. Required unless DeliveryMode is
	// WebhookDeliveryCLI, for which it is ignored.
	URL string `json:"url,omitempty"`
	// DeliveryMode defaults to WebhookDeliveryHTTP.
	DeliveryMode WebhookDeliveryMode `json:"delivery_mode,omitempty"`
	Name         string              `json:"name,omitempty"` // a human-readable label
	// Events are the event types to deliver; empty means every type.
	Events []EventType `json:"events,omitempty"`
}

// UpdateWebhookEndpointParams are the parameters of Webhooks.Update (UpdateWebhookRequestEntity).
// Only fields that are set are sent and change. Name can be cleared with Null. Events is sent
// when non-nil: an empty, non-nil slice subscribes the endpoint to every event type.
type UpdateWebhookEndpointParams struct {
	URL    string           `json:"url,omitempty"`
	Name   Nullable[string] `json:"name,omitzero"`
	Status WebhookStatus    `json:"status,omitempty"` // WebhookStatusDisabled pauses deliveries
	Events []EventType      `json:"events,omitzero"`  // the complete set after the update
}

// ListWebhookEndpointsParams page through Webhooks.List and Webhooks.All.
type ListWebhookEndpointsParams struct {
	ListParams
}

// ListPendingWebhookEventsParams are the parameters of Webhooks.ListPending.
type ListPendingWebhookEventsParams struct {
	// Limit is the most events returned, 1–100; zero asks for Creem's default of 50.
	Limit int `url:"limit,omitempty"`
}

// MaxAckResponseBody is the most characters of a local response body an acknowledgment
// carries; Creem keeps no more.
const MaxAckResponseBody = 10000

// AckWebhookEventParams report what the local server answered to a forwarded event
// (AcknowledgeWebhookEventRequestEntity).
type AckWebhookEventParams struct {
	// StatusCode is the local server's HTTP status, 100–599. Any 2xx records a successful
	// delivery; anything else a failure.
	StatusCode int `json:"status_code"`
	// ResponseBody is the local server's response body, shown in the dashboard's event log. Ack
	// sends at most its first MaxAckResponseBody characters (counted as JavaScript counts them,
	// in UTF-16 code units, and cut between characters).
	ResponseBody string `json:"response_body,omitempty"`
}

// Create registers a webhook endpoint (POST /v1/webhooks). The answer carries the endpoint's
// signing secret in Secret: this is the only time Creem returns it with the endpoint, so store
// it now (Webhooks.Secret fetches it again). A URL is required unless params.DeliveryMode is
// WebhookDeliveryCLI. Not retried after the request may have reached Creem: a second endpoint
// would receive every event again.
func (s *WebhooksService) Create(ctx context.Context, params *CreateWebhookEndpointParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	const op = "Webhooks.Create"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.DeliveryMode != WebhookDeliveryCLI {
		if params.URL == "" {
			return nil, invalid(op, "url", "is required unless delivery_mode is cli")
		}
		if err := checkWebhookURL(op, params.URL); err != nil {
			return nil, err
		}
	}
	return send[WebhookEndpoint](ctx, s.client, post("/v1/webhooks"), "", params, opts)
}

// Get retrieves a webhook endpoint (GET /v1/webhooks/{id}). Its Secret is empty; see Secret.
// Retried like every read.
func (s *WebhooksService) Get(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpoint, error) {
	seg, err := pathID("Webhooks.Get", "id", id)
	if err != nil {
		return nil, err
	}
	return send[WebhookEndpoint](ctx, s.client, get("/v1/webhooks/"+seg), "", nil, opts)
}

// List returns one page of the store's webhook endpoints (GET /v1/webhooks). Retried like every
// read.
func (s *WebhooksService) List(ctx context.Context, params *ListWebhookEndpointsParams, opts ...RequestOption) (*Page[WebhookEndpoint], error) {
	return list[WebhookEndpoint](ctx, s.client, "/v1/webhooks", params, opts)
}

// All iterates over every webhook endpoint, fetching one page at a time.
func (s *WebhooksService) All(ctx context.Context, params *ListWebhookEndpointsParams, opts ...RequestOption) iter.Seq2[*WebhookEndpoint, error] {
	return all(ctx, params, s.List, opts)
}

// Update changes the fields set in params (PATCH /v1/webhooks/{id}). Not retried after the
// request may have reached Creem: a repeated update could undo a change made in between.
func (s *WebhooksService) Update(ctx context.Context, id string, params *UpdateWebhookEndpointParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	const op = "Webhooks.Update"
	seg, err := pathID(op, "id", id)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.URL != "" {
		if err := checkWebhookURL(op, params.URL); err != nil {
			return nil, err
		}
	}
	return send[WebhookEndpoint](ctx, s.client, patch("/v1/webhooks/"+seg), "", params, opts)
}

// Delete deletes a webhook endpoint and its delivery history (DELETE /v1/webhooks/{id}). To
// pause deliveries and keep the configuration, Update its Status to WebhookStatusDisabled
// instead. Not retried after the request may have reached Creem (a repeat would answer 404
// for an endpoint that was deleted).
func (s *WebhooksService) Delete(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpoint, error) {
	seg, err := pathID("Webhooks.Delete", "id", id)
	if err != nil {
		return nil, err
	}
	return send[WebhookEndpoint](ctx, s.client, del("/v1/webhooks/"+seg), "", nil, opts)
}

// Secret retrieves an endpoint's signing secret (GET /v1/webhooks/{id}/secret), to verify its
// deliveries. The secret is redacted in formatted output, logs and JSON. Retried like every read.
func (s *WebhooksService) Secret(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpointSecret, error) {
	seg, err := pathID("Webhooks.Secret", "id", id)
	if err != nil {
		return nil, err
	}
	return send[WebhookEndpointSecret](ctx, s.client, get("/v1/webhooks/"+seg+"/secret"), "", nil, opts)
}

// ListPending returns the events of a cli endpoint that were not acknowledged yet, oldest first
// (GET /v1/webhooks/{id}/events/pending). Only cli endpoints have a feed. params may be nil; a
// Limit outside 1–100 is refused before sending. Retried like every read.
func (s *WebhooksService) ListPending(ctx context.Context, id string, params *ListPendingWebhookEventsParams, opts ...RequestOption) (*PendingWebhookEvents, error) {
	const op = "Webhooks.ListPending"
	seg, err := pathID(op, "id", id)
	if err != nil {
		return nil, err
	}
	if params != nil && (params.Limit < 0 || params.Limit > 100) {
		return nil, invalid(op, "limit", "must be between 1 and 100")
	}
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	return send[PendingWebhookEvents](ctx, s.client, get("/v1/webhooks/"+seg+"/events/pending"), q, nil, opts)
}

// Ack acknowledges an event of a cli endpoint's feed with the status the local server answered
// (POST /v1/webhooks/{id}/events/{event_id}/ack). The event leaves the feed whatever the status;
// a 2xx records a successful delivery, anything else a failure. ResponseBody is cut to
// MaxAckResponseBody characters.
//
// Ack is retried like a read: Creem keeps the first acknowledgment of an event and answers a
// repeated one with the stored result, so sending it twice cannot record a second delivery or
// change the first.
func (s *WebhooksService) Ack(ctx context.Context, id, eventID string, params *AckWebhookEventParams, opts ...RequestOption) (*WebhookEventAck, error) {
	const op = "Webhooks.Ack"
	seg, err := pathID(op, "id", id)
	if err != nil {
		return nil, err
	}
	evt, err := pathID(op, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.StatusCode < 100 || params.StatusCode > 599 {
		return nil, invalid(op, "status_code", "must be an HTTP status between 100 and 599")
	}
	body := *params
	body.ResponseBody = truncateUTF16(body.ResponseBody, MaxAckResponseBody)
	return send[WebhookEventAck](ctx, s.client, postSafe("/v1/webhooks/"+seg+"/events/"+evt+"/ack"), "", &body, opts)
}

// checkWebhookURL refuses a URL that is not absolute http(s). The URL itself never goes into
// the error: it may carry a token.
func checkWebhookURL(op, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid(op, "url", "must be an absolute https URL")
	}
	return nil
}

// truncateUTF16 cuts s to at most n UTF-16 code units (JavaScript's string length), between
// characters. Invalid UTF-8 bytes count as one unit each (JSON encoding replaces them with U+FFFD).
func truncateUTF16(s string, n int) string {
	if len(s) <= n {
		return s // every UTF-8 byte is at most one UTF-16 unit
	}
	units := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units+w > n {
			return s[:i]
		}
		units += w
		i += size
	}
	return s
}
