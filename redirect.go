package creem

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/creem-go/creem/internal/sig"
)

// Errors of the redirect and webhook verifiers.
var (
	// ErrMissingSignature: the redirect or webhook carries no signature (or an empty one).
	ErrMissingSignature = errors.New("creem: missing signature")
	// ErrInvalidSignature: the signature does not match, or the signed input is malformed.
	ErrInvalidSignature = errors.New("creem: invalid signature")
)

// RedirectParams are the parameters Creem appends to the success URL after a payment. Only a
// value returned by VerifyRedirect (or found by RedirectParamsFromContext) has been verified.
type RedirectParams struct {
	RequestID      string // your CreateCheckoutParams.RequestID, if you set one
	CheckoutID     string
	OrderID        string
	CustomerID     string
	SubscriptionID string // empty for one-time products
	ProductID      string
}

// redirectKeys are Creem's success-URL parameters in the order Creem appends them.
var redirectKeys = [...]string{"request_id", "checkout_id", "order_id", "customer_id", "subscription_id", "product_id"}

func (p *RedirectParams) field(key string) *string {
	switch key {
	case "request_id":
		return &p.RequestID
	case "checkout_id":
		return &p.CheckoutID
	case "order_id":
		return &p.OrderID
	case "customer_id":
		return &p.CustomerID
	case "subscription_id":
		return &p.SubscriptionID
	case "product_id":
		return &p.ProductID
	}
	return nil
}

type queryPair struct{ key, value string }

// SignRedirect returns the signature Creem puts on a success URL carrying p: the lowercase hex
// SHA-256 of "k1=v1|k2=v2|…|salt=<apiKey>" over p's non-empty parameters in Creem's order
// (request_id, checkout_id, order_id, customer_id, subscription_id, product_id). It is meant for
// tests and fakes such as creemtest. VerifyRedirect refuses values holding "|", whatever their
// signature.
func SignRedirect(p RedirectParams, apiKey string) string {
	pairs := make([]queryPair, 0, len(redirectKeys))
	for _, k := range redirectKeys {
		if v := *p.field(k); keepRedirectValue(v) {
			pairs = append(pairs, queryPair{k, v})
		}
	}
	return saltedDigest(pairs, apiKey)
}

// VerifyRedirect checks the signature Creem put on a success-URL redirect and returns the
// verified parameters. rawQuery is the URL's raw query string (r.URL.RawQuery): the parameter
// order matters, so it is read as sent, not through url.Values.
//
// The signature is Creem's construction: the hex SHA-256 of "k1=v1|k2=v2|…|salt=<apiKey>" over
// the percent-decoded parameters in URL order, empty and "null" values left out; either over
// Creem's parameters alone (request_id, checkout_id, order_id, customer_id, subscription_id,
// product_id) or over every parameter but the signature. Comparison is constant-time. The HMAC
// construction of Creem's retracted older docs is not accepted: Creem never sent it.
//
// The joined string is unambiguous only while no key holds "=" or "|" and no value holds "|":
// otherwise a buyer could shift field boundaries under the same signature and get different
// verified parameters. A Creem parameter holding "|" is refused; other parameters holding a
// delimiter are simply not covered. So a CreateCheckoutParams.RequestID must not contain "|".
//
// It returns ErrMissingSignature or ErrInvalidSignature (possibly wrapped) on failure.
func VerifyRedirect(rawQuery, apiKey string) (*RedirectParams, error) {
	if apiKey == "" {
		return nil, errors.New("creem: VerifyRedirect: API key is empty")
	}
	var (
		all, creemOnly []queryPair
		signature      string
		sigCount       int
		params         RedirectParams
		seen           [len(redirectKeys)]bool
		allSignable    = true // every pair of all can be joined unambiguously
	)
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, errors.Join(ErrInvalidSignature, errors.New("creem: malformed query string"))
		}
		if key == "signature" {
			signature = value
			sigCount++
			continue
		}
		if !keepRedirectValue(value) {
			continue
		}
		signable := !strings.ContainsAny(key, "=|") && !strings.Contains(value, "|")
		allSignable = allSignable && signable
		all = append(all, queryPair{key, value})
		for i, k := range redirectKeys {
			if k != key {
				continue
			}
			if seen[i] {
				return nil, errors.Join(ErrInvalidSignature, errors.New("creem: parameter "+key+" appears twice"))
			}
			if !signable {
				return nil, errors.Join(ErrInvalidSignature, errors.New(`creem: parameter `+key+` holds "|"`))
			}
			seen[i] = true
			*params.field(k) = value
			creemOnly = append(creemOnly, queryPair{key, value})
		}
	}
	if sigCount == 0 || strings.TrimSpace(signature) == "" {
		return nil, ErrMissingSignature
	}
	if sigCount > 1 {
		return nil, errors.Join(ErrInvalidSignature, errors.New("creem: more than one signature parameter"))
	}
	signature = strings.TrimSpace(signature)

	// Evaluate both candidates: no early exit reveals which one matched.
	ok := sig.EqualHex(signature, saltedDigest(creemOnly, apiKey))
	if allSignable && len(all) != len(creemOnly) {
		ok = sig.EqualHex(signature, saltedDigest(all, apiKey)) || ok
	}
	if !ok {
		return nil, ErrInvalidSignature
	}
	return &params, nil
}

// VerifyRedirectRequest is VerifyRedirect on the query of r.
func VerifyRedirectRequest(r *http.Request, apiKey string) (*RedirectParams, error) {
	if r == nil || r.URL == nil {
		return nil, ErrMissingSignature
	}
	return VerifyRedirect(r.URL.RawQuery, apiKey)
}

// keepRedirectValue reports whether a parameter value takes part in the signature: Creem leaves
// out null, empty and "null" values.
func keepRedirectValue(v string) bool { return v != "" && v != "null" }

// saltedDigest is Creem's construction: hex SHA-256 of "k1=v1|k2=v2|…|salt=<apiKey>".
func saltedDigest(pairs []queryPair, apiKey string) string {
	var b strings.Builder
	for _, p := range pairs {
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
		b.WriteByte('|')
	}
	b.WriteString("salt=")
	b.WriteString(apiKey)
	return sig.SHA256Hex(b.String())
}

type redirectParamsKey struct{}

// VerifyRedirectHandler wraps the handler of your success URL: it verifies the redirect with
// VerifyRedirectRequest and answers 401 when the signature is missing or wrong, without calling
// next. Otherwise next runs with the verified parameters in the request context; read them with
// RedirectParamsFromContext. Other query parameters on the URL are not covered by this check.
// WithRedirectFailure replaces the plain-text 401 with your own page.
func VerifyRedirectHandler(apiKey string, next http.Handler, opts ...RedirectHandlerOption) http.Handler {
	cfg := redirectHandlerConfig{fail: plainRedirectFailure}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := VerifyRedirectRequest(r, apiKey)
		if err != nil {
			cfg.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), redirectParamsKey{}, p)))
	})
}

// RedirectHandlerOption configures VerifyRedirectHandler.
type RedirectHandlerOption func(*redirectHandlerConfig)

type redirectHandlerConfig struct {
	fail func(http.ResponseWriter, *http.Request, error)
}

// WithRedirectFailure makes VerifyRedirectHandler call fail, instead of answering a plain-text
// 401, when a redirect does not verify: to show a styled page with a way back, say. err matches
// ErrMissingSignature or ErrInvalidSignature. fail should answer with a 4xx status and must not
// act on the query parameters: they are unverified. A nil fail keeps the default.
func WithRedirectFailure(fail func(w http.ResponseWriter, r *http.Request, err error)) RedirectHandlerOption {
	return func(c *redirectHandlerConfig) {
		if fail != nil {
			c.fail = fail
		}
	}
}

func plainRedirectFailure(w http.ResponseWriter, _ *http.Request, err error) {
	msg := "Invalid signature"
	if errors.Is(err, ErrMissingSignature) {
		msg = "Missing signature"
	}
	http.Error(w, msg, http.StatusUnauthorized)
}

// RedirectParamsFromContext returns the parameters VerifyRedirectHandler verified.
func RedirectParamsFromContext(ctx context.Context) (*RedirectParams, bool) {
	p, ok := ctx.Value(redirectParamsKey{}).(*RedirectParams)
	return p, ok
}
