package creem_test

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

func TestNewClientModeFromKey(t *testing.T) {
	c, err := creem.NewClient("creem_test_abc")
	require.NoError(t, err)
	assert.True(t, c.TestMode())
	assert.Equal(t, "https://test-api.creem.io", c.BaseURL())

	c, err = creem.NewClient("creem_abc")
	require.NoError(t, err)
	assert.False(t, c.TestMode())
	assert.Equal(t, "https://api.creem.io", c.BaseURL())

	c, err = creem.NewClient("creem_test_abc", creem.WithTestMode(true))
	require.NoError(t, err)
	assert.Equal(t, creem.TestBaseURL, c.BaseURL())

	// A key without Creem's prefix follows the explicit mode.
	c, err = creem.NewClient("legacy-key", creem.WithTestMode(true))
	require.NoError(t, err)
	assert.Equal(t, creem.TestBaseURL, c.BaseURL())

	c, err = creem.NewClient("creem_test_abc", creem.WithBaseURL("http://127.0.0.1:8080/proxy/"))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/proxy", c.BaseURL())
	assert.True(t, c.TestMode())
}

func TestNewClientErrors(t *testing.T) {
	const secret = "creem_test_SECRETSECRET"
	cases := []struct {
		name string
		key  string
		opts []creem.Option
	}{
		{"empty key", "", nil},
		{"blank key", "   ", nil},
		{"key with a line break", "creem_test_abc\n", nil},
		{"test key in live mode", secret, []creem.Option{creem.WithTestMode(false)}},
		{"live key in test mode", "creem_LIVESECRET", []creem.Option{creem.WithTestMode(true)}},
		{"relative base URL", secret, []creem.Option{creem.WithBaseURL("/v1")}},
		{"unparsable base URL", secret, []creem.Option{creem.WithBaseURL("http://[::1")}},
		{"ftp base URL", secret, []creem.Option{creem.WithBaseURL("ftp://example.com")}},
		{"base URL with query", secret, []creem.Option{creem.WithBaseURL("https://example.com/?x=1")}},
		{"negative retries", secret, []creem.Option{creem.WithRetryMax(-1)}},
		{"negative wait", secret, []creem.Option{creem.WithRetryWait(-time.Second, time.Second)}},
		{"max below min", secret, []creem.Option{creem.WithRetryWait(time.Second, time.Millisecond)}},
		{"negative timeout", secret, []creem.Option{creem.WithTimeout(-time.Second)}},
		{"nil HTTP client", secret, []creem.Option{creem.WithHTTPClient(nil)}},
		{"user agent with CRLF", secret, []creem.Option{creem.WithUserAgent("x\r\nX-Evil: 1")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *creem.Client
			var err error
			require.NotPanics(t, func() { c, err = creem.NewClient(tc.key, tc.opts...) })
			require.Error(t, err)
			assert.Nil(t, c)
			assert.NotContains(t, err.Error(), "SECRET", "no error string contains the key")
		})
	}
}

func TestUserAgent(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	c := newClient(t, srv.URL, creem.WithUserAgent("myshop/1.2"))
	_, err := c.Products.Get(context.Background(), "prod_1")
	require.NoError(t, err)
	assert.Equal(t, "myshop/1.2 creem-go/"+creem.Version+" ("+runtime.Version()+"; "+runtime.GOOS+"/"+runtime.GOARCH+")", rec.all()[0].Header.Get("User-Agent"))
}

func TestWithHTTPClientIsUsedAndNotModified(t *testing.T) {
	srv, _ := newServer(t, serveJSON(http.StatusOK, fixture(t, "product.json")))
	used := false
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newClient(t, srv.URL, creem.WithHTTPClient(hc), creem.WithTimeout(time.Second))
	_, err := c.Products.Get(context.Background(), "prod_1")
	require.NoError(t, err)
	assert.True(t, used)
	assert.Zero(t, hc.Timeout, "the caller's client is copied, not changed")
	assert.Nil(t, hc.CheckRedirect)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
