package creem

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creem-go/creem/internal/sig"
)

// ErrTimestampOutOfRange: a Standard Webhooks delivery's webhook-timestamp is further than the
// tolerance (5 minutes by default) from now, in either direction, so it may be a replay.
var ErrTimestampOutOfRange = errors.New("creem: webhook timestamp out of range")

// errEmptySecret is returned, wrapped in ErrInvalidSignature, when no secret is configured.
var errEmptySecret = errors.New("creem: webhook secret is empty")

// EventType is the type of a webhook event ("checkout.completed", …). It is an open enum:
// events of types Creem adds later are delivered with their raw object.
type EventType string

// The event types of the spec's WebhookEventEntity.
const (
	EventCheckoutCompleted           EventType = "checkout.completed"
	EventRefundCreated               EventType = "refund.created"
	EventDisputeCreated              EventType = "dispute.created"
	EventSubscriptionActive          EventType = "subscription.active"
	EventSubscriptionTrialing        EventType = "subscription.trialing"
	EventSubscriptionCanceled        EventType = "subscription.canceled"
	EventSubscriptionScheduledCancel EventType = "subscription.scheduled_cancel"
	EventSubscriptionPaid            EventType = "subscription.paid"
	EventSubscriptionExpired         EventType = "subscription.expired"
	EventSubscriptionUnpaid          EventType = "subscription.unpaid"
	EventSubscriptionUpdate          EventType = "subscription.update"
	EventSubscriptionPastDue         EventType = "subscription.past_due"
	EventSubscriptionPaused          EventType = "subscription.paused"
	EventCustomerCreditsExhausted    EventType = "customer_credits.exhausted"
	EventCreditsGranted              EventType = "credits.granted"
	EventCreditsConsumed             EventType = "credits.consumed"
	EventCreditsAutoRecharged        EventType = "credits.auto_recharged"
)

// Headers carrying Creem's own webhook signature.
const (
	webhookSignatureHeader            = "creem-signature"
	webhookSignatureHeaderAlternative = "x-creem-signature"
)

// EventTypes lists every event type of the spec, in the spec's order.
var EventTypes = []EventType{
	EventCheckoutCompleted, EventRefundCreated, EventDisputeCreated, EventCustomerCreditsExhausted,
	EventCreditsGranted, EventCreditsConsumed, EventCreditsAutoRecharged, EventSubscriptionActive,
	EventSubscriptionTrialing, EventSubscriptionCanceled, EventSubscriptionScheduledCancel, EventSubscriptionPaid,
	EventSubscriptionExpired, EventSubscriptionUnpaid, EventSubscriptionUpdate, EventSubscriptionPastDue,
	EventSubscriptionPaused,
}

// Event is a webhook delivery's envelope. Object holds the raw object; read it typed with the
// accessor for the event's kind (Checkout, Subscription, Refund, …).
type Event struct {
	ID        string          `json:"id"`
	Type      EventType       `json:"eventType"`
	CreatedAt Timestamp       `json:"created_at"` // epoch milliseconds
	Object    json.RawMessage `json:"object"`
}

// Dispute is a chargeback opened by the customer's bank (DisputeEntity). Amounts are in minor
// units; its timestamps arrive as epoch milliseconds.
type Dispute struct {
	ID           string           `json:"id"`
	Mode         Mode             `json:"mode"`
	Object       string           `json:"object"`
	Amount       int64            `json:"amount"`
	Currency     Currency         `json:"currency"`
	Transaction  *Transaction     `json:"transaction"`
	Checkout     *CheckoutRef     `json:"checkout"`
	Order        *OrderRef        `json:"order"`
	Subscription *SubscriptionRef `json:"subscription"`
	Customer     *CustomerRef     `json:"customer"`
	CreatedAt    Timestamp        `json:"created_at"`
}

// CreditsExhaustion is the object of customer_credits.exhausted (CustomerCreditsExhaustionEntity):
// a usage charge was refused because a credit bucket ran dry. Amounts are decimal strings
// (ParseCreditAmount reads them exactly).
type CreditsExhaustion struct {
	// ID names the exhaustion episode, from the first refused charge until credits are next
	// added: a composite string such as "credits-exhausted:store_test:cust_test:default:none", not
	// an ordinary ID. Every signal about the same episode carries the same ID.
	ID                  string    `json:"id"`
	Object              string    `json:"object"`
	CustomerID          string    `json:"customer_id"`
	BucketName          string    `json:"bucket_name"`
	UnitLabel           string    `json:"unit_label"`
	ShortfallMinorUnits string    `json:"shortfall_minor_units"`
	OccurredAt          Timestamp `json:"occurred_at"`
}

// CreditsMovement is the object of credits.granted and credits.consumed
// (CustomerCreditsGrantEntity, CustomerCreditsConsumptionEntity): a ledger movement on a credit
// bucket. Amounts are decimal strings to keep big-integer precision (ParseCreditAmount reads them
// exactly); AmountMinorUnits is always positive, the event type gives the direction. One
// transaction may move several buckets: ID and AccountID together identify a movement.
type CreditsMovement struct {
	ID                     string    `json:"id"` // ledger transaction ID (cct_…)
	Object                 string    `json:"object"`
	CustomerID             string    `json:"customer_id"`
	AccountID              string    `json:"account_id"` // credit bucket account (cca_…)
	BucketName             string    `json:"bucket_name"`
	UnitLabel              string    `json:"unit_label"`
	AmountMinorUnits       string    `json:"amount_minor_units"`
	BalanceAfterMinorUnits string    `json:"balance_after_minor_units"`
	Reference              string    `json:"reference"`
	OccurredAt             Timestamp `json:"occurred_at"`
}

// CreditsAutoRecharge is the object of credits.auto_recharged (CustomerCreditsAutoRechargeEntity).
type CreditsAutoRecharge struct {
	ID               string   `json:"id"`
	Object           string   `json:"object"`
	CustomerID       string   `json:"customer_id"`
	BucketName       string   `json:"bucket_name"`
	UnitLabel        string   `json:"unit_label"`
	AmountMinorUnits string   `json:"amount_minor_units"`
	Currency         Currency `json:"currency"`
	ChargeReference  string   `json:"charge_reference"`
	Reference        string   `json:"reference"`
}

// ErrWrongEventType is returned by an Event accessor that does not match the event's type.
var ErrWrongEventType = errors.New("creem: the event does not carry this kind of object")

// decodeObject decodes e.Object into a new T when e's type is one of types, or unknown.
func decodeObject[T any](e *Event, types ...EventType) (*T, error) {
	known := false
	for _, t := range EventTypes {
		known = known || t == e.Type
	}
	match := false
	for _, t := range types {
		match = match || t == e.Type
	}
	if known && !match {
		return nil, fmt.Errorf("%w: %s", ErrWrongEventType, e.Type)
	}
	out := new(T)
	if err := unmarshalLenient(e.Object, out); err != nil {
		return nil, fmt.Errorf("creem: decoding the object of %s event %s: %w", e.Type, e.ID, err)
	}
	return out, nil
}

// Checkout returns the object of a checkout.completed event.
func (e *Event) Checkout() (*Checkout, error) {
	return decodeObject[Checkout](e, EventCheckoutCompleted)
}

// Subscription returns the object of a subscription.* event.
func (e *Event) Subscription() (*Subscription, error) {
	return decodeObject[Subscription](e, EventSubscriptionActive, EventSubscriptionTrialing, EventSubscriptionCanceled,
		EventSubscriptionScheduledCancel, EventSubscriptionPaid, EventSubscriptionExpired, EventSubscriptionUnpaid,
		EventSubscriptionUpdate, EventSubscriptionPastDue, EventSubscriptionPaused)
}

// Refund returns the object of a refund.created event.
func (e *Event) Refund() (*Refund, error) { return decodeObject[Refund](e, EventRefundCreated) }

// Dispute returns the object of a dispute.created event.
func (e *Event) Dispute() (*Dispute, error) { return decodeObject[Dispute](e, EventDisputeCreated) }

// CreditsExhaustion returns the object of a customer_credits.exhausted event.
func (e *Event) CreditsExhaustion() (*CreditsExhaustion, error) {
	return decodeObject[CreditsExhaustion](e, EventCustomerCreditsExhausted)
}

// CreditsMovement returns the object of a credits.granted or credits.consumed event.
func (e *Event) CreditsMovement() (*CreditsMovement, error) {
	return decodeObject[CreditsMovement](e, EventCreditsGranted, EventCreditsConsumed)
}

// CreditsAutoRecharge returns the object of a credits.auto_recharged event.
func (e *Event) CreditsAutoRecharge() (*CreditsAutoRecharge, error) {
	return decodeObject[CreditsAutoRecharge](e, EventCreditsAutoRecharged)
}

// DefaultWebhookTolerance is how far a Standard Webhooks timestamp may be from now.
const DefaultWebhookTolerance = 5 * time.Minute

// WebhookVerifier verifies webhook deliveries with a secret, a tolerance and a clock. The zero
// values of Tolerance and Now mean DefaultWebhookTolerance and time.Now. VerifyWebhook and
// ParseWebhook use one with the defaults.
//
// Replay protection: the creem-signature header, which is what Creem sends, signs the body
// alone, with no timestamp, so a captured delivery verifies again at any time. Against replays of
// it, de-duplicate by event ID (WebhookHandler does by default). Deliveries that also carry
// Standard Webhooks headers are refused when their timestamp is stale; set RequireTimestamp to
// refuse deliveries without them, so that dropping those headers does not get a stale delivery
// past the check.
type WebhookVerifier struct {
	Secret    string           // the endpoint's webhook secret (whsec_…), used as given
	Tolerance time.Duration    // Standard Webhooks only: allowed clock distance, both ways
	Now       func() time.Time // the clock, for tests
	// RequireTimestamp refuses, with ErrMissingSignature, deliveries without Standard Webhooks
	// headers (webhook-id, webhook-timestamp, webhook-signature), even when creem-signature
	// verifies. Only set it if your deliveries carry them.
	RequireTimestamp bool
}

// VerifyWebhook checks that payload, the raw request body, was signed by Creem with secret.
//
// The creem-signature header (or x-creem-signature) must hold the hex HMAC-SHA256 of the body
// keyed with the secret exactly as given; a "sha256=" prefix, upper-case hex and surrounding
// white space are tolerated. Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature with one or more "v1,<base64>" entries) are verified when present, with a
// 5-minute tolerance on the timestamp. Every signature scheme present must verify, and at least
// one must be present. Comparisons are constant-time.
//
// It returns ErrMissingSignature, ErrInvalidSignature or ErrTimestampOutOfRange (possibly wrapped).
func VerifyWebhook(payload []byte, header http.Header, secret string) error {
	return (&WebhookVerifier{Secret: secret}).Verify(payload, header)
}

// ParseWebhook verifies payload like VerifyWebhook, then decodes its envelope. Events of types
// this SDK does not know parse fine and keep their raw object.
func ParseWebhook(payload []byte, header http.Header, secret string) (*Event, error) {
	return (&WebhookVerifier{Secret: secret}).Parse(payload, header)
}

// SignWebhook returns the creem-signature value Creem sends with payload: the hex HMAC-SHA256 of
// the body keyed with secret. Use it to build deliveries in your tests.
func SignWebhook(payload []byte, secret string) string {
	return sig.HMACSHA256Hex([]byte(secret), payload)
}

// SignStandardWebhook returns the Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature) for payload, signed with the key the secret stands for. For tests.
func SignStandardWebhook(id string, timestamp time.Time, payload []byte, secret string) http.Header {
	ts := strconv.FormatInt(timestamp.Unix(), 10)
	mac := sig.HMACSHA256(standardKeys(secret)[0], standardContent(id, ts, payload))
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(mac))
	return h
}

// Verify checks a delivery; see VerifyWebhook.
func (v *WebhookVerifier) Verify(payload []byte, header http.Header) error {
	if v.Secret == "" {
		return errors.Join(ErrInvalidSignature, errEmptySecret)
	}
	classic := header.Get(webhookSignatureHeader)
	if classic == "" {
		classic = header.Get(webhookSignatureHeaderAlternative)
	}
	classic = strings.TrimSpace(classic)
	standard := header.Get("webhook-signature") != "" || header.Get("webhook-id") != "" || header.Get("webhook-timestamp") != ""
	if classic == "" && !standard {
		return ErrMissingSignature
	}
	if v.RequireTimestamp && !standard {
		return errors.Join(ErrMissingSignature, errNoTimestamp)
	}
	if classic != "" {
		if len(classic) > 7 && strings.EqualFold(classic[:7], "sha256=") {
			classic = strings.TrimSpace(classic[7:])
		}
		if !sig.EqualHex(classic, SignWebhook(payload, v.Secret)) {
			return ErrInvalidSignature
		}
	}
	if standard {
		return v.verifyStandard(payload, header)
	}
	return nil
}

// Parse verifies a delivery, then decodes its envelope; see ParseWebhook.
func (v *WebhookVerifier) Parse(payload []byte, header http.Header) (*Event, error) {
	if err := v.Verify(payload, header); err != nil {
		return nil, err
	}
	return decodeEvent(payload)
}

// decodeEvent decodes a verified webhook body's envelope.
func decodeEvent(payload []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("creem: decoding the webhook envelope: %w", err)
	}
	if e.ID == "" || e.Type == "" {
		return nil, errors.New("creem: the webhook envelope has no id or eventType")
	}
	return &e, nil
}

var errNoTimestamp = errors.New("creem: the verifier requires a timestamped (Standard Webhooks) signature")

func (v *WebhookVerifier) verifyStandard(payload []byte, header http.Header) error {
	id, ts, sigs := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || ts == "" || strings.TrimSpace(sigs) == "" {
		return ErrMissingSignature
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return errors.Join(ErrInvalidSignature, errors.New("creem: webhook-timestamp is not a number"))
	}
	now, tolerance := time.Now, v.Tolerance
	if v.Now != nil {
		now = v.Now
	}
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if d := now().Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return ErrTimestampOutOfRange
	}
	content := standardContent(id, strings.TrimSpace(ts), payload)
	var expected []string
	for _, key := range standardKeys(v.Secret) {
		expected = append(expected, base64.StdEncoding.EncodeToString(sig.HMACSHA256(key, content)))
	}
	ok := false
	for _, entry := range strings.Fields(sigs) {
		version, value, found := strings.Cut(entry, ",")
		if !found || version != "v1" {
			continue
		}
		for _, want := range expected {
			ok = sig.Equal(value, want) || ok
		}
	}
	if !ok {
		return ErrInvalidSignature
	}
	return nil
}

// standardContent is what Standard Webhooks sign: "<id>.<timestamp>.<body>".
func standardContent(id, ts string, payload []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(id) + len(ts) + len(payload) + 2)
	b.WriteString(id)
	b.WriteByte('.')
	b.WriteString(ts)
	b.WriteByte('.')
	b.Write(payload)
	return b.Bytes()
}

// standardKeys are the HMAC keys a secret may stand for under Standard Webhooks: the base64
// after "whsec_" decoded (the standard's rule), and the secret's own bytes for secrets that are
// not base64.
func standardKeys(secret string) [][]byte {
	if decoded, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); err == nil && len(decoded) > 0 {
		return [][]byte{decoded, []byte(secret)}
	}
	return [][]byte{[]byte(secret)}
}

// DefaultWebhookMaxBody is the largest webhook body WebhookHandler reads.
const DefaultWebhookMaxBody = 1 << 20

// EventHandlerFunc handles one verified webhook event. Returning an error makes WebhookHandler
// answer 500, so Creem delivers the event again later.
type EventHandlerFunc func(ctx context.Context, e *Event) error

// EventDeduplicator remembers which events were handled, so a redelivered event is not handled
// twice. Implementations must be safe for concurrent use; back one with your database to
// de-duplicate across processes.
type EventDeduplicator interface {
	// Claim reports whether the event should be handled now: true the first time an ID is seen
	// (or after a failed attempt was released). ErrEventInProgress means another delivery of the
	// same event is being handled right now.
	Claim(ctx context.Context, eventID string) (bool, error)
	// Release records the outcome of a claimed event. After a failure (err != nil) the ID is
	// forgotten, so the redelivery Creem makes is handled.
	Release(ctx context.Context, eventID string, err error)
}

// ErrEventInProgress is returned by EventDeduplicator.Claim when a delivery of the same event is
// being handled concurrently.
var ErrEventInProgress = errors.New("creem: event is being handled")

// WebhookHandler is an http.Handler for your webhook endpoint. It reads at most MaxBody bytes
// (413 beyond), verifies the signature before parsing anything (401 on failure, never calling
// your code), de-duplicates by event ID when Dedup is set, dispatches to the function registered
// for the event's type or to the fallback, and answers 200 only after that function returned nil
// (500 otherwise, so Creem retries). Events without a registered function are acknowledged.
//
// Build it with NewWebhookHandler, register functions with On and OnAny, then serve it:
//
//	h := creem.NewWebhookHandler(os.Getenv("CREEM_WEBHOOK_SECRET"))
//	h.On(creem.EventCheckoutCompleted, func(ctx context.Context, e *creem.Event) error {
//		checkout, err := e.Checkout()
//		…
//	})
//	http.Handle("POST /webhooks/creem", h)
//
// Register functions before serving; the handler is safe for concurrent use once serving.
type WebhookHandler struct {
	// Verifier holds the secret, tolerance and clock deliveries are verified with.
	Verifier WebhookVerifier
	// MaxBody caps the body read; zero means DefaultWebhookMaxBody.
	MaxBody int64
	// Dedup, when set, makes the handler skip events it already handled. NewWebhookHandler sets
	// an in-memory one; set nil to handle every delivery.
	Dedup EventDeduplicator
	// Logger, when set, receives a line per failed delivery: event ID and type, never the body
	// or the secret.
	Logger *slog.Logger

	handlers map[EventType]EventHandlerFunc
	fallback EventHandlerFunc
}

// NewWebhookHandler returns a handler verifying deliveries with secret and de-duplicating them
// in memory (NewMemoryDeduplicator(10000)).
func NewWebhookHandler(secret string) *WebhookHandler {
	return &WebhookHandler{
		Verifier: WebhookVerifier{Secret: secret},
		Dedup:    NewMemoryDeduplicator(10000),
		handlers: map[EventType]EventHandlerFunc{},
	}
}

// On registers fn for events of type t, replacing any earlier one.
func (h *WebhookHandler) On(t EventType, fn EventHandlerFunc) {
	if h.handlers == nil {
		h.handlers = map[EventType]EventHandlerFunc{}
	}
	h.handlers[t] = fn
}

// OnAny registers fn for events with no function of their own, including types this SDK does
// not know yet.
func (h *WebhookHandler) OnAny(fn EventHandlerFunc) { h.fallback = fn }

// ServeHTTP handles one delivery.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	if err := h.Verifier.Verify(payload, r.Header); err != nil {
		h.log(r.Context(), "creem: webhook rejected", "", "", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	e, err := decodeEvent(payload)
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	fn := h.handlers[e.Type]
	if fn == nil {
		fn = h.fallback
	}
	if fn == nil {
		w.WriteHeader(http.StatusOK) // acknowledged: nothing to do for this type
		return
	}
	ctx := r.Context()
	if h.Dedup != nil {
		fresh, err := h.Dedup.Claim(ctx, e.ID)
		switch {
		case errors.Is(err, ErrEventInProgress):
			http.Error(w, "event is being handled", http.StatusConflict)
			return
		case err != nil:
			h.log(ctx, "creem: webhook de-duplication failed", e.ID, e.Type, err)
			http.Error(w, "could not record the event", http.StatusInternalServerError)
			return
		case !fresh:
			w.WriteHeader(http.StatusOK) // handled before
			return
		}
	}
	err = h.call(ctx, fn, e)
	if h.Dedup != nil {
		h.Dedup.Release(ctx, e.ID, err)
	}
	if err != nil {
		h.log(ctx, "creem: webhook handler failed", e.ID, e.Type, err)
		http.Error(w, "handler failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// call runs fn, turning a panic into an error so the event is released and retried.
func (h *WebhookHandler) call(ctx context.Context, fn EventHandlerFunc, e *Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("creem: webhook handler panicked: %v", p)
		}
	}()
	return fn(ctx, e)
}

func (h *WebhookHandler) log(ctx context.Context, msg, id string, t EventType, err error) {
	if h.Logger == nil {
		return
	}
	h.Logger.WarnContext(ctx, msg, "event_id", id, "event_type", string(t), "error", err.Error())
}

// MemoryDeduplicator is an in-memory EventDeduplicator remembering up to a fixed number of
// handled event IDs, forgetting the oldest first. It is safe for concurrent use.
type MemoryDeduplicator struct {
	mu    sync.Mutex
	max   int
	state map[string]bool // event ID → done (false: being handled)
	order []string        // handled IDs, oldest first
}

// NewMemoryDeduplicator returns a MemoryDeduplicator remembering up to max handled events.
func NewMemoryDeduplicator(max int) *MemoryDeduplicator {
	if max < 1 {
		max = 1
	}
	return &MemoryDeduplicator{max: max, state: map[string]bool{}}
}

// Claim implements EventDeduplicator.
func (d *MemoryDeduplicator) Claim(_ context.Context, eventID string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	done, seen := d.state[eventID]
	switch {
	case !seen:
		d.state[eventID] = false
		return true, nil
	case !done:
		return false, ErrEventInProgress
	}
	return false, nil
}

// Release implements EventDeduplicator.
func (d *MemoryDeduplicator) Release(_ context.Context, eventID string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		delete(d.state, eventID)
		return
	}
	d.state[eventID] = true
	d.order = append(d.order, eventID)
	for len(d.order) > d.max {
		delete(d.state, d.order[0])
		d.order = d.order[1:]
	}
}
