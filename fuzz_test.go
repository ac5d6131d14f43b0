package creem_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creem-go/creem"
)

// parseQuery splits a raw query the way Creem's signature needs it, independently of the SDK:
// pairs in URL order, percent-decoded, with empty and "null" values and the signature left out.
func parseQuery(raw string) (pairs []kv, signature string, ok bool) {
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, "", false
		}
		if key == "signature" {
			signature = value
			continue
		}
		if value != "" && value != "null" {
			pairs = append(pairs, kv{key, value})
		}
	}
	return pairs, signature, true
}

var creemKeys = map[string]bool{"request_id": true, "checkout_id": true, "order_id": true, "customer_id": true, "subscription_id": true, "product_id": true}

// FuzzVerifyRedirect: no input panics, and a query is accepted only if its signature is one of
// the documented constructions, computed here independently, for that key.
func FuzzVerifyRedirect(f *testing.F) {
	f.Add(query(sixParams, creemDigest(sixParams, redirectKey)), redirectKey)
	f.Add(query(sixParams, docsHMAC(sixParams, redirectKey)), redirectKey)
	folded := []kv{{"checkout_id", "ch_1"}, {"customer_id", "cust_1|subscription_id=sub_1"}}
	f.Add(query(folded, creemDigest(folded, redirectKey)), redirectKey)
	f.Add("ref=x&"+query(sixParams, creemDigest(sixParams, redirectKey)), redirectKey)
	f.Add("checkout_id=ch_1&signature=", redirectKey)
	f.Add("checkout_id=%zz", "k")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, rawQuery, key string) {
		p, err := creem.VerifyRedirect(rawQuery, key)
		if err != nil {
			if p != nil {
				t.Fatal("params returned with an error")
			}
			return
		}
		pairs, signature, ok := parseQuery(rawQuery)
		if !ok || key == "" {
			t.Fatalf("accepted an unparsable query or an empty key: %q", rawQuery)
		}
		var creemOnly []kv
		for _, pr := range pairs {
			if creemKeys[pr[0]] {
				creemOnly = append(creemOnly, pr)
			}
		}
		sig := strings.ToLower(strings.TrimSpace(signature))
		valid := false
		for _, set := range [][]kv{creemOnly, pairs} {
			valid = valid || sig == creemDigest(set, key)
		}
		if !valid {
			t.Fatalf("accepted a signature Creem's construction does not produce: %q", rawQuery)
		}
		// Nothing verified can hold a delimiter that would make the signed string ambiguous.
		for _, v := range []string{p.RequestID, p.CheckoutID, p.OrderID, p.CustomerID, p.SubscriptionID, p.ProductID} {
			if strings.Contains(v, "|") {
				t.Fatalf("verified a value holding |: %q", rawQuery)
			}
		}
		for _, pr := range creemOnly {
			got := map[string]string{"request_id": p.RequestID, "checkout_id": p.CheckoutID, "order_id": p.OrderID,
				"customer_id": p.CustomerID, "subscription_id": p.SubscriptionID, "product_id": p.ProductID}[pr[0]]
			if got != pr[1] {
				t.Fatalf("%s = %q, the query says %q", pr[0], got, pr[1])
			}
		}
	})
}

// FuzzParseWebhook: no input panics, and a delivery is accepted only with a signature computed
// here independently from the secret.
func FuzzParseWebhook(f *testing.F) {
	body := []byte(`{"id":"evt_1","eventType":"checkout.completed","created_at":1728734325927,"object":{"id":"ch_1","product":"prod_1"}}`)
	now := time.Now().Unix()
	f.Add(body, hexHMAC(webhookSecret, body), webhookSecret, "", "", "")
	f.Add(body, "sha256="+strings.ToUpper(hexHMAC(webhookSecret, body)), webhookSecret, "", "", "")
	f.Add(body, "", "whsec_c2VjcmV0", "msg_1", strconv.FormatInt(now, 10), "v1,"+standardSig([]byte("secret"), "msg_1", now, body))
	f.Add([]byte(`{"id":"evt_2","eventType":"subscription.paid","created_at":"x","object":[]}`), "00", "s", "", "", "")
	f.Add([]byte(`not json`), "", "", "", "", "")
	f.Fuzz(func(t *testing.T, payload []byte, signature, secret, id, ts, std string) {
		h := http.Header{}
		for k, v := range map[string]string{"creem-signature": signature, "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": std} {
			if v != "" {
				h.Set(k, v)
			}
		}
		e, err := creem.ParseWebhook(payload, h, secret)
		if err != nil {
			if !errors.Is(err, creem.ErrMissingSignature) && !errors.Is(err, creem.ErrInvalidSignature) && !errors.Is(err, creem.ErrTimestampOutOfRange) {
				// Only a verified body may fail to decode.
				if verr := creem.VerifyWebhook(payload, h, secret); verr != nil {
					t.Fatalf("unexpected error kind: %v", err)
				}
			}
			return
		}
		if secret == "" {
			t.Fatal("accepted with an empty secret")
		}
		if strings.TrimSpace(h.Get("creem-signature")) != "" {
			got := strings.ToLower(strings.TrimSpace(signature))
			got = strings.TrimPrefix(got, "sha256=")
			if strings.TrimSpace(got) != hexHMAC(secret, payload) {
				t.Fatalf("accepted a creem-signature the secret did not produce")
			}
		}
		if std != "" || id != "" || ts != "" {
			secs, _ := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
			match := false
			for _, key := range [][]byte{[]byte(secret), decodedKey(secret)} {
				want := "v1," + standardSig(key, id, secs, payload)
				for _, entry := range strings.Fields(std) {
					match = match || (key != nil && entry == want)
				}
			}
			if !match {
				t.Fatalf("accepted Standard Webhooks headers the secret did not produce")
			}
		}
		// The accessors never panic, whatever the object holds.
		_, _ = e.Checkout()
		_, _ = e.Subscription()
		_, _ = e.Refund()
		_, _ = e.Dispute()
		_, _ = e.CreditsMovement()
		_, _ = e.CreditsExhaustion()
		_, _ = e.CreditsAutoRecharge()
	})
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// decodedKey is the Standard Webhooks key of a whsec_ secret, or nil.
func decodedKey(secret string) []byte {
	b, err := base64Decode(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

// FuzzTimestamp: no input panics; whatever decodes encodes again and decodes to the same
// instant (to the millisecond) in the same form.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{`"2024-10-12T11:58:33.097Z"`, `1728734325927`, `"1728734325927"`, `null`, `"2024-10-12"`, `1.7e12`, `"2024-10-12T13:58:33.097+02:00"`, `""`, `-1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ts creem.Timestamp
		if err := json.Unmarshal(data, &ts); err != nil {
			return
		}
		out, err := json.Marshal(ts)
		if err != nil {
			if ts.Year() >= 0 && ts.Year() <= 9999 {
				t.Fatalf("%s decoded but does not encode: %v", data, err)
			}
			return
		}
		var back creem.Timestamp
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s encoded as %s, which does not decode: %v", data, out, err)
		}
		if back.UnixMilli() != ts.UnixMilli() || back.IsMillis() != ts.IsMillis() || back.IsZero() != ts.IsZero() {
			t.Fatalf("%s → %s → %v, was %v", data, out, back.Time, ts.Time)
		}
	})
}

// FuzzIDOrObject: no input panics; a JSON string fills only the ID, an object decodes as one.
func FuzzIDOrObject(f *testing.F) {
	for _, s := range []string{`"prod_1"`, `{"id":"prod_2","name":"P","price":100}`, `null`, `42`, `"\u0070rod"`, ` "x"`, `{"id":1}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sub creem.Subscription
		doc := append(append([]byte(`{"product":`), data...), '}')
		if err := json.Unmarshal(doc, &sub); err != nil {
			return
		}
		var s string
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) > 0 && trimmed[0] == '"' && json.Unmarshal(trimmed, &s) == nil {
			if sub.Product == nil || sub.Product.ID != s || sub.Product.Name != "" || !sub.Product.IDOnly() {
				t.Fatalf("the string %s did not fill just the ID: %+v", data, sub.Product)
			}
			back, err := json.Marshal(sub.Product)
			if want, _ := json.Marshal(s); err != nil || !bytes.Equal(back, want) {
				t.Fatalf("the ID %q re-encodes as %s", s, back)
			}
		} else if len(trimmed) > 0 && trimmed[0] != '"' && sub.Product != nil && sub.Product.IDOnly() {
			t.Fatalf("%s is not a bare ID", data)
		}
		var ch creem.Checkout
		_ = json.Unmarshal(data, &ch)
		var o creem.Order
		_ = json.Unmarshal(data, &o)
	})
}
