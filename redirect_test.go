package creem_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

const redirectKey = "creem_test_7DkZrP2qWm9Xv4Ls"

type kv = [2]string

// creemDigest computes, independently of the SDK, Creem's signature: hex SHA-256 of
// "k1=v1|k2=v2|…|salt=<apiKey>".
func creemDigest(pairs []kv, apiKey string) string {
	parts := make([]string, 0, len(pairs)+1)
	for _, p := range pairs {
		parts = append(parts, p[0]+"="+p[1])
	}
	parts = append(parts, "salt="+apiKey)
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(sum[:])
}

// docsHMAC computes the older docs' construction: hex HMAC-SHA256 keyed with the API key over
// the pairs sorted by key and joined with "&".
func docsHMAC(pairs []kv, apiKey string) string {
	sorted := append([]kv(nil), pairs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	parts := make([]string, 0, len(sorted))
	for _, p := range sorted {
		parts = append(parts, p[0]+"="+p[1])
	}
	m := hmac.New(sha256.New, []byte(apiKey))
	m.Write([]byte(strings.Join(parts, "&")))
	return hex.EncodeToString(m.Sum(nil))
}

// query writes pairs as a query string in the given order, percent-encoding values.
func query(pairs []kv, signature string) string {
	parts := make([]string, 0, len(pairs)+1)
	for _, p := range pairs {
		parts = append(parts, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	if signature != "" {
		parts = append(parts, "signature="+signature)
	}
	return strings.Join(parts, "&")
}

var sixParams = []kv{
	{"request_id", "order-42"},
	{"checkout_id", "ch_4l0N34kxo16AhRKUHFUuXr"},
	{"order_id", "ord_4aDwWXjMLpes4Kj4XqNnUA"},
	{"customer_id", "cust_1OcIK1GEuVvXZwD19tjq2z"},
	{"subscription_id", "sub_6pC2lNB6joCRQIZ1aMrTpi"},
	{"product_id", "prod_d1AY2Sadk9YAvLI0pj97f"},
}

func without(pairs []kv, key string) []kv {
	var out []kv
	for _, p := range pairs {
		if p[0] != key {
			out = append(out, p)
		}
	}
	return out
}

func TestVerifyRedirectAllSixParameters(t *testing.T) {
	q := query(sixParams, creemDigest(sixParams, redirectKey))
	p, err := creem.VerifyRedirect(q, redirectKey)
	require.NoError(t, err)
	assert.Equal(t, &creem.RedirectParams{
		RequestID: "order-42", CheckoutID: "ch_4l0N34kxo16AhRKUHFUuXr", OrderID: "ord_4aDwWXjMLpes4Kj4XqNnUA",
		CustomerID: "cust_1OcIK1GEuVvXZwD19tjq2z", SubscriptionID: "sub_6pC2lNB6joCRQIZ1aMrTpi", ProductID: "prod_d1AY2Sadk9YAvLI0pj97f",
	}, p)
}

func TestVerifyRedirectRequestIDPosition(t *testing.T) {
	rest := without(sixParams, "request_id")
	cases := map[string][]kv{
		"first":  sixParams,
		"last":   append(append([]kv(nil), rest...), kv{"request_id", "order-42"}),
		"absent": rest,
	}
	for name, pairs := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := creem.VerifyRedirect(query(pairs, creemDigest(pairs, redirectKey)), redirectKey)
			require.NoError(t, err)
			assert.Equal(t, "ch_4l0N34kxo16AhRKUHFUuXr", p.CheckoutID)
			if name == "absent" {
				assert.Empty(t, p.RequestID)
			} else {
				assert.Equal(t, "order-42", p.RequestID)
			}
		})
	}
	// Order matters for Creem's construction: a signature over one order does not verify another.
	moved := append(append([]kv(nil), rest...), kv{"request_id", "order-42"})
	_, err := creem.VerifyRedirect(query(moved, creemDigest(sixParams, redirectKey)), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)
}

func TestVerifyRedirectOptionalParameters(t *testing.T) {
	for _, key := range []string{"order_id", "subscription_id"} {
		signed := without(sixParams, key)
		sigValue := creemDigest(signed, redirectKey)
		for name, value := range map[string]*string{"absent": nil, "empty": creem.Ptr(""), "null": creem.Ptr("null")} {
			t.Run(key+" "+name, func(t *testing.T) {
				var sent []kv
				for _, p := range sixParams {
					if p[0] != key {
						sent = append(sent, p)
					} else if value != nil {
						sent = append(sent, kv{key, *value})
					}
				}
				p, err := creem.VerifyRedirect(query(sent, sigValue), redirectKey)
				require.NoError(t, err)
				assert.Empty(t, *fieldOf(p, key))
				assert.Equal(t, "prod_d1AY2Sadk9YAvLI0pj97f", p.ProductID)
			})
		}
	}
}

func fieldOf(p *creem.RedirectParams, key string) *string {
	switch key {
	case "order_id":
		return &p.OrderID
	case "subscription_id":
		return &p.SubscriptionID
	}
	panic(key)
}

func TestVerifyRedirectPercentEncodedRequestID(t *testing.T) {
	reqID := "cart 7/8?x=1&y=ü+€#frag%"
	pairs := append([]kv{{"request_id", reqID}}, without(sixParams, "request_id")...)
	q := query(pairs, creemDigest(pairs, redirectKey))
	assert.Contains(t, q, "request_id=cart+7%2F8%3Fx%3D1%26y%3D%C3%BC%2B%E2%82%AC%23frag%25")
	p, err := creem.VerifyRedirect(q, redirectKey)
	require.NoError(t, err)
	assert.Equal(t, reqID, p.RequestID)

	// %20 for a space decodes the same as +.
	q20 := strings.Replace(q, "cart+7", "cart%207", 1)
	_, err = creem.VerifyRedirect(q20, redirectKey)
	require.NoError(t, err)
}

func TestVerifyRedirectWithMerchantParameters(t *testing.T) {
	merchant := []kv{{"ref", "newsletter"}, {"lang", "de"}}
	sent := append(append([]kv(nil), merchant...), sixParams...)

	// Signed over Creem's parameters alone.
	p, err := creem.VerifyRedirect(query(sent, creemDigest(sixParams, redirectKey)), redirectKey)
	require.NoError(t, err)
	assert.Equal(t, "order-42", p.RequestID)

	// Signed over every parameter in URL order.
	_, err = creem.VerifyRedirect(query(sent, creemDigest(sent, redirectKey)), redirectKey)
	require.NoError(t, err)

	// A merchant parameter changed after signing over all of them fails.
	tampered := append([]kv{{"ref", "evil"}}, sent[1:]...)
	_, err = creem.VerifyRedirect(query(tampered, creemDigest(sent, redirectKey)), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)
}

// The HMAC construction of Creem's retracted older docs was never sent by Creem; accepting it
// would only add attack surface.
func TestVerifyRedirectRefusesTheRetractedHMACForm(t *testing.T) {
	_, err := creem.VerifyRedirect(query(sixParams, docsHMAC(sixParams, redirectKey)), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)

	sent := append([]kv{{"utm_source", "mail"}}, sixParams...)
	_, err = creem.VerifyRedirect(query(sent, docsHMAC(sent, redirectKey)), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)
}

// From one genuine signed redirect, a buyer must not get a different verified RedirectParams by
// moving field boundaries: Creem joins pairs with "|", so a decoded "|" could forge a boundary.
func TestVerifyRedirectBoundaryShifts(t *testing.T) {
	genuine := []kv{
		{"checkout_id", "ch_1"}, {"order_id", "ord_1"}, {"customer_id", "cust_1"},
		{"subscription_id", "sub_1"}, {"product_id", "prod_basic"},
	}
	signature := creemDigest(genuine, redirectKey)
	p, err := creem.VerifyRedirect(query(genuine, signature), redirectKey)
	require.NoError(t, err, "the genuine redirect verifies")
	assert.Equal(t, "sub_1", p.SubscriptionID)

	// Folding subscription_id into customer_id: the joined string is the same.
	folded := []kv{{"checkout_id", "ch_1"}, {"order_id", "ord_1"}, {"customer_id", "cust_1|subscription_id=sub_1"}, {"product_id", "prod_basic"}}
	require.Equal(t, signature, creemDigest(folded, redirectKey), "the attack's premise: same signed string")
	_, err = creem.VerifyRedirect(query(folded, signature), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)

	// A request_id holding buyer input ("x|product_id=prod_premium") signed by Creem for a cheap
	// purchase; the buyer lifts the premium product into its own parameter and hides the real one
	// inside customer_id.
	signed := []kv{
		{"request_id", "x|product_id=prod_premium"}, {"checkout_id", "ch_2"}, {"order_id", "ord_2"},
		{"customer_id", "cust_2"}, {"product_id", "prod_cheap"},
	}
	signature = creemDigest(signed, redirectKey)
	forged := []kv{
		{"request_id", "x"}, {"product_id", "prod_premium"}, {"checkout_id", "ch_2"}, {"order_id", "ord_2"},
		{"customer_id", "cust_2|product_id=prod_cheap"},
	}
	require.Equal(t, signature, creemDigest(forged, redirectKey), "the attack's premise: same signed string")
	_, err = creem.VerifyRedirect(query(forged, signature), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)
	// The genuine redirect with a "|" in request_id is refused too: it cannot be verified unambiguously.
	_, err = creem.VerifyRedirect(query(signed, signature), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)

	// Over all parameters: a merchant key holding "=" cannot shift a boundary either.
	merchant := append([]kv{{"lang", "de"}}, genuine...)
	signature = creemDigest(merchant, redirectKey)
	shifted := append([]kv{{"lang=de|checkout_id", "ch_1"}}, genuine[1:]...)
	require.Equal(t, signature, creemDigest(shifted, redirectKey))
	_, err = creem.VerifyRedirect(query(shifted, signature), redirectKey)
	assert.ErrorIs(t, err, creem.ErrInvalidSignature)

	// A merchant parameter holding "|" is not covered, but does not stop Creem's own parameters
	// from verifying.
	withPipe := append([]kv{{"tags", "a|b"}}, genuine...)
	p, err = creem.VerifyRedirect(query(withPipe, creemDigest(genuine, redirectKey)), redirectKey)
	require.NoError(t, err)
	assert.Equal(t, "cust_1", p.CustomerID)
}

func TestVerifyRedirectRejects(t *testing.T) {
	good := creemDigest(sixParams, redirectKey)
	tampered := append([]kv(nil), sixParams...)
	tampered[2] = kv{"order_id", "ord_someone_else"}
	cases := []struct {
		name  string
		query string
		key   string
		want  error
	}{
		{"tampered value", query(tampered, good), redirectKey, creem.ErrInvalidSignature},
		{"added Creem parameter", query(without(sixParams, "subscription_id"), creemDigest(without(sixParams, "subscription_id"), redirectKey)) + "&subscription_id=sub_x", redirectKey, creem.ErrInvalidSignature},
		{"wrong key", query(sixParams, good), "creem_test_other", creem.ErrInvalidSignature},
		{"signature of the wrong key", query(sixParams, creemDigest(sixParams, "creem_test_other")), redirectKey, creem.ErrInvalidSignature},
		{"HMAC with the wrong key", query(sixParams, docsHMAC(sixParams, "creem_test_other")), redirectKey, creem.ErrInvalidSignature},
		{"missing signature", query(sixParams, ""), redirectKey, creem.ErrMissingSignature},
		{"empty signature", query(sixParams, "") + "&signature=", redirectKey, creem.ErrMissingSignature},
		{"truncated signature", query(sixParams, good[:32]), redirectKey, creem.ErrInvalidSignature},
		{"two signatures", query(sixParams, good) + "&signature=" + good, redirectKey, creem.ErrInvalidSignature},
		{"duplicated parameter", query(sixParams, good) + "&checkout_id=ch_other", redirectKey, creem.ErrInvalidSignature},
		{"bad escape", "checkout_id=%zz&signature=" + good, redirectKey, creem.ErrInvalidSignature},
		{"empty query", "", redirectKey, creem.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := creem.VerifyRedirect(tc.query, tc.key)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, p)
		})
	}
	_, err := creem.VerifyRedirect(query(sixParams, good), "")
	assert.Error(t, err, "an empty key verifies nothing")
}

func TestVerifyRedirectAcceptsUpperCaseHex(t *testing.T) {
	_, err := creem.VerifyRedirect(query(sixParams, strings.ToUpper(creemDigest(sixParams, redirectKey))), redirectKey)
	require.NoError(t, err)
}

func TestSignRedirect(t *testing.T) {
	p := creem.RedirectParams{CheckoutID: "ch_1", OrderID: "ord_1", CustomerID: "cust_1", ProductID: "prod_1", RequestID: "r 1"}
	want := creemDigest([]kv{{"request_id", "r 1"}, {"checkout_id", "ch_1"}, {"order_id", "ord_1"}, {"customer_id", "cust_1"}, {"product_id", "prod_1"}}, redirectKey)
	assert.Equal(t, want, creem.SignRedirect(p, redirectKey))

	p.SubscriptionID = "null"
	assert.Equal(t, want, creem.SignRedirect(p, redirectKey), `"null" values are left out`)
}

func TestVerifyRedirectRequest(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/thanks?"+query(sixParams, creemDigest(sixParams, redirectKey)), nil)
	p, err := creem.VerifyRedirectRequest(r, redirectKey)
	require.NoError(t, err)
	assert.Equal(t, "cust_1OcIK1GEuVvXZwD19tjq2z", p.CustomerID)
}

func TestVerifyRedirectHandler(t *testing.T) {
	var got *creem.RedirectParams
	calls := 0
	h := creem.VerifyRedirectHandler(redirectKey, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		got, _ = creem.RedirectParamsFromContext(r.Context())
		_, _ = io.WriteString(w, "Payment verified")
	}))

	good := query(sixParams, creemDigest(sixParams, redirectKey))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thanks?"+good, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "Payment verified", rec.Body.String())
	require.NotNil(t, got)
	assert.Equal(t, "ord_4aDwWXjMLpes4Kj4XqNnUA", got.OrderID)

	for q, body := range map[string]string{
		strings.Replace(good, "ord_4aDw", "ord_XXXX", 1): "Invalid signature\n",
		query(sixParams, ""):                             "Missing signature\n",
	} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thanks?"+q, nil))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Equal(t, body, rec.Body.String())
	}
	assert.Equal(t, 1, calls, "next runs only for verified redirects")

	_, ok := creem.RedirectParamsFromContext(httptest.NewRequest(http.MethodGet, "/", nil).Context())
	assert.False(t, ok)
}

func TestVerifyRedirectHandlerCustomFailure(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next ran for an unverified redirect") })
	var seen []error
	h := creem.VerifyRedirectHandler(redirectKey, next, creem.WithRedirectFailure(func(w http.ResponseWriter, r *http.Request, err error) {
		seen = append(seen, err)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<p>We could not confirm this payment. <a href="/">Back to the shop</a></p>`)
	}))
	good := query(sixParams, creemDigest(sixParams, redirectKey))
	for _, q := range []string{strings.Replace(good, "ord_4aDw", "ord_XXXX", 1), query(sixParams, "")} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thanks?"+q, nil))
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Contains(t, rec.Body.String(), "Back to the shop")
	}
	require.Len(t, seen, 2)
	assert.ErrorIs(t, seen[0], creem.ErrInvalidSignature)
	assert.ErrorIs(t, seen[1], creem.ErrMissingSignature)

	// A nil failure function keeps the plain 401.
	rec := httptest.NewRecorder()
	creem.VerifyRedirectHandler(redirectKey, next, creem.WithRedirectFailure(nil), nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thanks", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}
