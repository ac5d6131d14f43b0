package creem_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

const webhookSecret = "whsec_3kP9qLm2XvB7nR4tY8wZ1cD6"

// hexHMAC computes, independently of the SDK, the creem-signature of body.
func hexHMAC(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// standardSig computes, independently of the SDK, a Standard Webhooks v1 signature.
func standardSig(key []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + itoa64(ts) + "." + string(body)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func signed(body []byte) http.Header {
	h := http.Header{}
	h.Set("creem-signature", hexHMAC(webhookSecret, body))
	return h
}

// objectTypes maps each event type to the Go type of its object and the accessor returning it.
var objectTypes = map[creem.EventType]func(t *testing.T, e *creem.Event) any{
	creem.EventCheckoutCompleted: func(t *testing.T, e *creem.Event) any {
		decodeStrict[creem.Checkout](t, e.Object)
		v, err := e.Checkout()
		require.NoError(t, err)
		return v
	},
	creem.EventRefundCreated: func(t *testing.T, e *creem.Event) any {
		decodeStrict[creem.Refund](t, e.Object)
		v, err := e.Refund()
		require.NoError(t, err)
		return v
	},
	creem.EventDisputeCreated: func(t *testing.T, e *creem.Event) any {
		decodeStrict[creem.Dispute](t, e.Object)
		v, err := e.Dispute()
		require.NoError(t, err)
		return v
	},
}

func subscriptionObject(t *testing.T, e *creem.Event) any {
	decodeStrict[creem.Subscription](t, e.Object)
	v, err := e.Subscription()
	require.NoError(t, err)
	return v
}

// Every example payload of the docs parses into the right event type and typed object, with
// no field left behind.
func TestWebhookFixturesParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 13)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			require.NoError(t, err)
			e, err := creem.ParseWebhook(body, signed(body), webhookSecret)
			require.NoError(t, err)
			wantType := creem.EventType(strings.TrimSuffix(filepath.Base(f), ".json"))
			assert.Equal(t, wantType, e.Type)
			assert.True(t, strings.HasPrefix(e.ID, "evt_"))
			assert.True(t, e.CreatedAt.IsMillis())
			assert.Greater(t, e.CreatedAt.Year(), 2023)
			decodeStrict[creem.Event](t, body)

			obj := objectTypes[e.Type]
			if obj == nil {
				obj = subscriptionObject
			}
			switch v := obj(t, e).(type) {
			case *creem.Checkout:
				assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", v.Product.ID)
				assert.Equal(t, "Monthly", v.Product.Name)
				assert.Equal(t, "sub_6pC2lNB6joCRQIZ1aMrTpi", v.Subscription.ID)
				assert.Equal(t, "cust_1OcIK1GEuVvXZwD19tjq2z", v.Subscription.Customer.ID, "a bare ID inside an expanded object")
				assert.Equal(t, creem.Mode("local"), v.Mode, "an unknown mode is kept")
			case *creem.Refund:
				assert.Equal(t, int64(1210), v.RefundAmount)
				assert.Equal(t, creem.RefundReasonRequestedByCustomer, v.Reason)
				assert.Equal(t, creem.TransactionStatusRefunded, v.Transaction.Status)
				assert.Equal(t, "ch_4l0N34kxo16AhRKUHFUuXr", v.Checkout.ID)
				assert.Equal(t, int64(1728734351525), v.CreatedAt.UnixMilli())
			case *creem.Dispute:
				assert.Equal(t, int64(1331), v.Amount)
				assert.Equal(t, creem.TransactionStatus("chargeback"), v.Transaction.Status)
			case *creem.Subscription:
				assert.Equal(t, subscriptionStatusIn[wantType], v.Status)
				assert.True(t, strings.HasPrefix(v.ID, "sub_"))
				assert.True(t, strings.HasPrefix(v.Product.ID, "prod_"))
				assert.True(t, strings.HasPrefix(v.Customer.ID, "cust_"))
			default:
				t.Fatalf("unexpected object %T", v)
			}
		})
	}
}

// subscriptionStatusIn is the status each docs example carries.
var subscriptionStatusIn = map[creem.EventType]creem.SubscriptionStatus{
	creem.EventSubscriptionActive:          creem.SubscriptionStatusActive,
	creem.EventSubscriptionCanceled:        creem.SubscriptionStatusCanceled,
	creem.EventSubscriptionExpired:         creem.SubscriptionStatusActive,
	creem.EventSubscriptionPaid:            creem.SubscriptionStatusActive,
	creem.EventSubscriptionPastDue:         creem.SubscriptionStatusPastDue,
	creem.EventSubscriptionPaused:          creem.SubscriptionStatusPaused,
	creem.EventSubscriptionScheduledCancel: creem.SubscriptionStatusScheduledCancel,
	creem.EventSubscriptionTrialing:        creem.SubscriptionStatusTrialing,
	creem.EventSubscriptionUnpaid:          creem.SubscriptionStatusUnpaid,
	creem.EventSubscriptionUpdate:          creem.SubscriptionStatusActive,
}

func TestEventTypesMatchTheSpec(t *testing.T) {
	var spec struct {
		Components struct {
			Schemas struct {
				WebhookEventType struct {
					Enum []string `json:"enum"`
				} `json:"WebhookEventType"`
				WebhookEventEntity struct {
					OneOf []any `json:"oneOf"`
				} `json:"WebhookEventEntity"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "openapi.json"), &spec))
	var want []creem.EventType
	for _, e := range spec.Components.Schemas.WebhookEventType.Enum {
		want = append(want, creem.EventType(e))
	}
	assert.Len(t, spec.Components.Schemas.WebhookEventEntity.OneOf, 17)
	assert.ElementsMatch(t, want, creem.EventTypes)
	assert.Len(t, creem.EventTypes, 17)
}

func TestVerifyWebhookCreemSignature(t *testing.T) {
	body := readTestdata(t, "webhooks", "checkout.completed.json")
	good := hexHMAC(webhookSecret, body)
	assert.Equal(t, good, creem.SignWebhook(body, webhookSecret))

	ok := map[string]http.Header{
		"exact":             {"Creem-Signature": {good}},
		"sha256= prefix":    {"Creem-Signature": {"sha256=" + good}},
		"upper-case hex":    {"Creem-Signature": {strings.ToUpper(good)}},
		"white space":       {"Creem-Signature": {"  " + good + "\t"}},
		"x-creem-signature": {"X-Creem-Signature": {good}},
	}
	for name, h := range ok {
		assert.NoError(t, creem.VerifyWebhook(body, h, webhookSecret), name)
	}

	tampered := bytes.Replace(body, []byte(`"amount": 1000`), []byte(`"amount": 1`), 1)
	require.NotEqual(t, body, tampered)
	bad := []struct {
		name   string
		body   []byte
		header http.Header
		secret string
		want   error
	}{
		{"tampered body", tampered, http.Header{"Creem-Signature": {good}}, webhookSecret, creem.ErrInvalidSignature},
		{"wrong secret", body, http.Header{"Creem-Signature": {good}}, "whsec_other", creem.ErrInvalidSignature},
		{"signed with another secret", body, http.Header{"Creem-Signature": {hexHMAC("whsec_other", body)}}, webhookSecret, creem.ErrInvalidSignature},
		{"empty secret", body, http.Header{"Creem-Signature": {hexHMAC("", body)}}, "", creem.ErrInvalidSignature},
		{"missing header", body, http.Header{}, webhookSecret, creem.ErrMissingSignature},
		{"empty header", body, http.Header{"Creem-Signature": {"  "}}, webhookSecret, creem.ErrMissingSignature},
		{"truncated", body, http.Header{"Creem-Signature": {good[:40]}}, webhookSecret, creem.ErrInvalidSignature},
		{"not hex", body, http.Header{"Creem-Signature": {"zz" + good[2:]}}, webhookSecret, creem.ErrInvalidSignature},
	}
	for _, tc := range bad {
		err := creem.VerifyWebhook(tc.body, tc.header, tc.secret)
		assert.ErrorIs(t, err, tc.want, tc.name)
		assert.NotContains(t, errString(err), webhookSecret, tc.name)
		_, perr := creem.ParseWebhook(tc.body, tc.header, tc.secret)
		assert.ErrorIs(t, perr, tc.want, tc.name)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestVerifyWebhookStandardWebhooks(t *testing.T) {
	body := readTestdata(t, "webhooks", "subscription.paid.json")
	key := []byte("a 24-byte secret key....")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	v := &creem.WebhookVerifier{Secret: secret, Now: func() time.Time { return now }}
	header := func(ts time.Time, sigs ...string) http.Header {
		return http.Header{
			"Webhook-Id":        {"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"},
			"Webhook-Timestamp": {itoa64(ts.Unix())},
			"Webhook-Signature": {strings.Join(sigs, " ")},
		}
	}
	good := "v1," + standardSig(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now.Unix(), body)
	other := "v1," + standardSig([]byte("another key"), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now.Unix(), body)

	assert.NoError(t, v.Verify(body, header(now, good)))
	assert.NoError(t, v.Verify(body, header(now, other, good)), "any one of several signatures may match")
	assert.NoError(t, v.Verify(body, header(now, "v2,whatever", good)), "unknown versions are skipped")
	assert.NoError(t, v.Verify(body, header(now.Add(-4*time.Minute), "v1,"+standardSig(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now.Add(-4*time.Minute).Unix(), body))))

	assert.ErrorIs(t, v.Verify(body, header(now, other)), creem.ErrInvalidSignature)
	assert.ErrorIs(t, v.Verify(bytes.Replace(body, []byte("active"), []byte("paused"), 1), header(now, good)), creem.ErrInvalidSignature)
	assert.ErrorIs(t, v.Verify(body, header(now, "v2,"+strings.TrimPrefix(good, "v1,"))), creem.ErrInvalidSignature)
	stale := now.Add(-6 * time.Minute)
	assert.ErrorIs(t, v.Verify(body, header(stale, "v1,"+standardSig(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", stale.Unix(), body))), creem.ErrTimestampOutOfRange)
	future := now.Add(6 * time.Minute)
	assert.ErrorIs(t, v.Verify(body, header(future, "v1,"+standardSig(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", future.Unix(), body))), creem.ErrTimestampOutOfRange)
	h := header(now, good)
	h.Del("Webhook-Id")
	assert.ErrorIs(t, v.Verify(body, h), creem.ErrMissingSignature)
	h = header(now, good)
	h.Set("Webhook-Timestamp", "yesterday")
	assert.ErrorIs(t, v.Verify(body, h), creem.ErrInvalidSignature)

	// A wider tolerance accepts the stale delivery.
	wide := &creem.WebhookVerifier{Secret: secret, Now: v.Now, Tolerance: 10 * time.Minute}
	assert.NoError(t, wide.Verify(body, header(stale, "v1,"+standardSig(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", stale.Unix(), body))))

	// Both schemes present: both must hold.
	both := header(now, good)
	both.Set("creem-signature", hexHMAC(secret, body))
	assert.NoError(t, v.Verify(body, both))
	both.Set("creem-signature", hexHMAC("whsec_other", body))
	assert.ErrorIs(t, v.Verify(body, both), creem.ErrInvalidSignature)

	// The SDK's own signer agrees with the independent computation.
	signedByLib := creem.SignStandardWebhook("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body, secret)
	assert.Equal(t, good, signedByLib.Get("webhook-signature"))
}

func TestVerifyWebhookStandardWithANonBase64Secret(t *testing.T) {
	body := []byte(`{"id":"evt_1","eventType":"checkout.completed","created_at":1,"object":{}}`)
	secret := "whsec_not-base64!"
	now := time.Now()
	h := http.Header{
		"Webhook-Id":        {"msg_1"},
		"Webhook-Timestamp": {itoa64(now.Unix())},
		"Webhook-Signature": {"v1," + standardSig([]byte(secret), "msg_1", now.Unix(), body)},
	}
	assert.NoError(t, creem.VerifyWebhook(body, h, secret))
}

func TestEventAccessors(t *testing.T) {
	body := readTestdata(t, "webhooks", "refund.created.json")
	e, err := creem.ParseWebhook(body, signed(body), webhookSecret)
	require.NoError(t, err)
	_, err = e.Checkout()
	assert.ErrorIs(t, err, creem.ErrWrongEventType)
	_, err = e.Subscription()
	assert.ErrorIs(t, err, creem.ErrWrongEventType)

	credits := []byte(`{"id":"evt_c1","eventType":"credits.granted","created_at":1758096000000,"object":{"id":"cct_1","object":"customer_credits_grant","customer_id":"cust_1","account_id":"cca_1","bucket_name":"ai-tokens","unit_label":"tokens","amount_minor_units":"100000000000000000001","balance_after_minor_units":"100000000000000000001","reference":"chk_1","occurred_at":"2026-11-21T12:00:00.000Z"}}`)
	e, err = creem.ParseWebhook(credits, signed(credits), webhookSecret)
	require.NoError(t, err)
	mv, err := e.CreditsMovement()
	require.NoError(t, err)
	assert.Equal(t, "100000000000000000001", mv.AmountMinorUnits, "big amounts stay exact")
	decodeStrict[creem.CreditsMovement](t, e.Object)

	exhausted := []byte(`{"id":"evt_c2","eventType":"customer_credits.exhausted","created_at":1758096000000,"object":{"id":"cce_1","object":"customer_credits_exhaustion","customer_id":"cust_1","bucket_name":"ai-tokens","unit_label":"tokens","shortfall_minor_units":"250","occurred_at":"2026-11-21T12:00:00.000Z"}}`)
	e, err = creem.ParseWebhook(exhausted, signed(exhausted), webhookSecret)
	require.NoError(t, err)
	ex, err := e.CreditsExhaustion()
	require.NoError(t, err)
	assert.Equal(t, "250", ex.ShortfallMinorUnits)
	decodeStrict[creem.CreditsExhaustion](t, e.Object)

	recharge := []byte(`{"id":"evt_c3","eventType":"credits.auto_recharged","created_at":1758096000000,"object":{"id":"cct_2","object":"customer_credits_auto_recharge","customer_id":"cust_1","bucket_name":"ai-tokens","unit_label":"tokens","amount_minor_units":"5000","currency":"EUR","charge_reference":"pi_1","reference":"win_1"}}`)
	e, err = creem.ParseWebhook(recharge, signed(recharge), webhookSecret)
	require.NoError(t, err)
	rc, err := e.CreditsAutoRecharge()
	require.NoError(t, err)
	assert.Equal(t, creem.CurrencyEUR, rc.Currency)
	decodeStrict[creem.CreditsAutoRecharge](t, e.Object)
}

func TestUnknownEventTypesKeepTheirObject(t *testing.T) {
	body := []byte(`{"id":"evt_new","eventType":"payout.sent","created_at":1758096000000,"object":{"id":"po_1","amount":99}}`)
	e, err := creem.ParseWebhook(body, signed(body), webhookSecret)
	require.NoError(t, err)
	assert.Equal(t, creem.EventType("payout.sent"), e.Type)
	assert.JSONEq(t, `{"id":"po_1","amount":99}`, string(e.Object))

	_, err = creem.ParseWebhook([]byte(`{"eventType":"x"}`), signed([]byte(`{"eventType":"x"}`)), webhookSecret)
	assert.Error(t, err, "an envelope without an id")
	_, err = creem.ParseWebhook([]byte(`not json`), signed([]byte(`not json`)), webhookSecret)
	assert.Error(t, err)
}

// delivery posts body to h with a valid signature (or the given header).
func delivery(h http.Handler, body []byte, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/creem", bytes.NewReader(body))
	if header == nil {
		header = signed(body)
	}
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestWebhookHandler(t *testing.T) {
	body := readTestdata(t, "webhooks", "checkout.completed.json")

	t.Run("dispatches a verified event", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		var got *creem.Checkout
		h.On(creem.EventCheckoutCompleted, func(_ context.Context, e *creem.Event) error {
			var err error
			got, err = e.Checkout()
			return err
		})
		rec := delivery(h, body, nil)
		assert.Equal(t, http.StatusOK, rec.Code)
		require.NotNil(t, got)
		assert.Equal(t, "ch_4l0N34kxo16AhRKUHFUuXr", got.ID)
	})

	t.Run("bad signature: 401, the callback is not called", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		called := false
		h.OnAny(func(context.Context, *creem.Event) error { called = true; return nil })
		rec := delivery(h, body, http.Header{"Creem-Signature": {hexHMAC("whsec_other", body)}})
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		rec = delivery(h, body, http.Header{})
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.False(t, called)
	})

	t.Run("oversized body: 413", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		h.MaxBody = 1024
		called := false
		h.OnAny(func(context.Context, *creem.Event) error { called = true; return nil })
		big := append([]byte(`{"id":"evt_big","eventType":"x","created_at":1,"object":"`), bytes.Repeat([]byte("x"), 2048)...)
		big = append(big, `"}`...)
		rec := delivery(h, big, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.False(t, called)
		// The default cap is 1 MiB.
		h2 := creem.NewWebhookHandler(webhookSecret)
		huge := bytes.Repeat([]byte(" "), 1<<20+1)
		assert.Equal(t, http.StatusRequestEntityTooLarge, delivery(h2, huge, nil).Code)
	})

	t.Run("callback error: 500, then the redelivery is processed", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		calls := 0
		h.On(creem.EventCheckoutCompleted, func(context.Context, *creem.Event) error {
			calls++
			if calls == 1 {
				return errors.New("database is down")
			}
			return nil
		})
		assert.Equal(t, http.StatusInternalServerError, delivery(h, body, nil).Code)
		assert.Equal(t, http.StatusOK, delivery(h, body, nil).Code)
		assert.Equal(t, http.StatusOK, delivery(h, body, nil).Code, "a third delivery is a duplicate")
		assert.Equal(t, 2, calls)
	})

	t.Run("duplicate delivery: the callback runs once", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		calls := 0
		h.OnAny(func(context.Context, *creem.Event) error { calls++; return nil })
		for i := 0; i < 3; i++ {
			assert.Equal(t, http.StatusOK, delivery(h, body, nil).Code)
		}
		assert.Equal(t, 1, calls)

		h.Dedup = nil
		delivery(h, body, nil)
		assert.Equal(t, 2, calls, "without de-duplication every delivery is handled")
	})

	t.Run("a panic is a failure and the event is released", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		calls := 0
		h.OnAny(func(context.Context, *creem.Event) error {
			calls++
			if calls == 1 {
				panic("boom")
			}
			return nil
		})
		assert.Equal(t, http.StatusInternalServerError, delivery(h, body, nil).Code)
		assert.Equal(t, http.StatusOK, delivery(h, body, nil).Code)
	})

	t.Run("unknown types reach the fallback; without one they are acknowledged", func(t *testing.T) {
		unknown := []byte(`{"id":"evt_new","eventType":"payout.sent","created_at":1758096000000,"object":{"id":"po_1"}}`)
		h := creem.NewWebhookHandler(webhookSecret)
		assert.Equal(t, http.StatusOK, delivery(h, unknown, nil).Code)
		var got creem.EventType
		h.OnAny(func(_ context.Context, e *creem.Event) error { got = e.Type; return nil })
		assert.Equal(t, http.StatusOK, delivery(h, unknown, nil).Code)
		assert.Equal(t, creem.EventType("payout.sent"), got)
	})

	t.Run("only POST", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/creem", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	})

	t.Run("a malformed but signed body: 400", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		assert.Equal(t, http.StatusBadRequest, delivery(h, []byte(`[1,2]`), nil).Code)
	})

	t.Run("concurrent deliveries of one event: handled once, the other told to retry", func(t *testing.T) {
		h := creem.NewWebhookHandler(webhookSecret)
		started, release := make(chan struct{}), make(chan struct{})
		var calls atomic.Int32
		h.OnAny(func(context.Context, *creem.Event) error {
			calls.Add(1)
			close(started)
			<-release
			return nil
		})
		var wg sync.WaitGroup
		wg.Add(1)
		var first int
		go func() { defer wg.Done(); first = delivery(h, body, nil).Code }()
		<-started
		assert.Equal(t, http.StatusConflict, delivery(h, body, nil).Code)
		close(release)
		wg.Wait()
		assert.Equal(t, http.StatusOK, first)
		assert.Equal(t, int32(1), calls.Load())
	})
}

func TestMemoryDeduplicatorForgetsTheOldest(t *testing.T) {
	d := creem.NewMemoryDeduplicator(2)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		fresh, err := d.Claim(ctx, id)
		require.NoError(t, err)
		require.True(t, fresh)
		d.Release(ctx, id, nil)
	}
	fresh, _ := d.Claim(ctx, "a")
	assert.True(t, fresh, "a was forgotten to keep two IDs")
	fresh, _ = d.Claim(ctx, "c")
	assert.False(t, fresh)
}
