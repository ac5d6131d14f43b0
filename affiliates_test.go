package creem_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func init() {
	registry["createAffiliateInvite"] = specOp{method: "Affiliates.CreateInvite", body: reflect.TypeFor[creem.CreateAffiliateInviteParams](), result: reflect.TypeFor[creem.AffiliateInvite]()}
	registry["listAffiliateInvites"] = specOp{method: "Affiliates.ListInvites", query: reflect.TypeFor[creem.ListAffiliateInvitesParams](), result: reflect.TypeFor[creem.Page[creem.AffiliateInvite]]()}
	registry["listAffiliates"] = specOp{method: "Affiliates.List", query: reflect.TypeFor[creem.ListAffiliatesParams](), result: reflect.TypeFor[creem.Page[creem.Affiliate]]()}
	registry["retrieveAffiliate"] = specOp{method: "Affiliates.Get", args: []string{"id"}, result: reflect.TypeFor[creem.Affiliate]()}
	registry["listAffiliateCommissions"] = specOp{method: "Affiliates.ListCommissions", args: []string{"id"}, query: reflect.TypeFor[creem.ListCommissionsParams](), result: reflect.TypeFor[creem.Page[creem.Commission]]()}
	extraMethods = append(extraMethods, "Affiliates.AllInvites", "Affiliates.All", "Affiliates.AllCommissions")
	familyWireCases = append(familyWireCases, affiliateWireCases)
}

const affID = "aff_1234567890"

func affiliateWireCases() []wireCase {
	return []wireCase{
		{
			name: "Affiliates.CreateInvite",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "partner@example.com", Name: "Jane Partner"})
			},
			method: http.MethodPost, path: "/v1/affiliates/invites", golden: "affiliates_create_invite.json", fixture: "affiliates_invite.json",
			check: func(t *testing.T, out any) {
				inv := out.(*creem.AffiliateInvite)
				assert.Equal(t, "ainv_5Qw8rT2yU4iO6pA1sD3fG7", inv.ID)
				assert.Equal(t, creem.AffiliateInviteStatusPending, inv.Status)
				assert.Equal(t, "Jane Partner", *inv.Name)
				assert.Equal(t, int64(1767225600000), inv.CreatedAt.UnixMilli())
				assert.True(t, inv.CreatedAt.IsMillis())
			},
		},
		{
			name: "Affiliates.CreateInvite into a program",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{
					Email: "partner+q3@example.com", Name: "Jane <Partner> & Co", ProgramID: "prog_1234567890",
				})
			},
			method: http.MethodPost, path: "/v1/affiliates/invites", golden: "affiliates_create_invite_program.json", fixture: "affiliates_invite.json",
		},
		{
			name: "Affiliates.ListInvites",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.ListInvites(ctx, &creem.ListAffiliateInvitesParams{ListParams: creem.ListParams{PageNumber: 1, PageSize: 20}})
			},
			method: http.MethodGet, path: "/v1/affiliates/invites", rawQuery: "page_number=1&page_size=20", fixture: "affiliates_invite_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.Page[creem.AffiliateInvite])
				require.Len(t, page.Items, 2)
				assert.Nil(t, page.Items[1].Name)
				assert.Equal(t, creem.AffiliateInviteStatusAccepted, page.Items[1].Status)
			},
		},
		{
			name: "Affiliates.ListInvites without params",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.ListInvites(ctx, nil)
			},
			method: http.MethodGet, path: "/v1/affiliates/invites", fixture: "affiliates_invite_list.json",
		},
		{
			name: "Affiliates.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.List(ctx, &creem.ListAffiliatesParams{ListParams: creem.ListParams{PageSize: 2}})
			},
			method: http.MethodGet, path: "/v1/affiliates", rawQuery: "page_size=2", fixture: "affiliates_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.Page[creem.Affiliate])
				require.Len(t, page.Items, 2)
				assert.Equal(t, creem.AffiliateStatusSuspended, page.Items[1].Status)
				assert.Equal(t, creem.CurrencyEUR, page.Items[1].Currency)
				assert.Equal(t, creem.Ptr(2), page.Pagination.NextPage)
			},
		},
		{
			name:   "Affiliates.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Affiliates.Get(ctx, affID) },
			method: http.MethodGet, path: "/v1/affiliates/" + affID, fixture: "affiliates_affiliate.json",
			check: func(t *testing.T, out any) {
				a := out.(*creem.Affiliate)
				assert.Equal(t, creem.AffiliateStatusActive, a.Status)
				assert.Equal(t, "a1b2c3d4", a.ReferralCode)
				assert.Equal(t, "https://creem.io/affiliate?code=a1b2c3d4", a.ReferralLink)
				assert.Equal(t, int64(128), a.Clicks)
				assert.Equal(t, int64(12), a.Conversions)
				assert.Equal(t, int64(4200), a.Earnings)
				assert.Equal(t, creem.CurrencyUSD, a.Currency)
			},
		},
		{
			name:   "Affiliates.Get escapes the ID",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Affiliates.Get(ctx, "aff/../x?y") },
			method: http.MethodGet, path: "/v1/affiliates/aff%2F..%2Fx%3Fy", fixture: "affiliates_affiliate.json",
		},
		{
			name: "Affiliates.ListCommissions",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.ListCommissions(ctx, affID, &creem.ListCommissionsParams{
					ListParams: creem.ListParams{PageNumber: 2, PageSize: 5}, Status: creem.CommissionStatusApproved,
				})
			},
			method: http.MethodGet, path: "/v1/affiliates/" + affID + "/commissions", rawQuery: "page_number=2&page_size=5&status=approved",
			fixture: "affiliates_commission_list.json",
			check: func(t *testing.T, out any) {
				items := out.(*creem.Page[creem.Commission]).Items
				require.Len(t, items, 2)
				assert.Equal(t, affID, items[0].Affiliate)
				assert.Equal(t, int64(600), items[0].Amount)
				assert.Equal(t, creem.CurrencyUSD, items[0].Currency)
				assert.Equal(t, "tran_5yMaWzAl3jxuGJMCOrYWwk", *items[0].Sale)
				assert.Equal(t, int64(1450), items[1].Amount)
				assert.Equal(t, creem.CurrencyEUR, items[1].Currency)
				assert.Nil(t, items[1].Sale)
				assert.Equal(t, creem.CommissionStatusApproved, items[1].Status)
			},
		},
		{
			name: "Affiliates.ListCommissions without params",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Affiliates.ListCommissions(ctx, affID, nil)
			},
			method: http.MethodGet, path: "/v1/affiliates/" + affID + "/commissions", fixture: "affiliates_commission_list.json",
		},
	}
}

func TestDecodeAffiliateFixtures(t *testing.T) {
	decodeStrict[creem.AffiliateInvite](t, fixture(t, "affiliates_invite.json"))
	decodeStrict[creem.Page[creem.AffiliateInvite]](t, fixture(t, "affiliates_invite_list.json"))
	a := decodeStrict[creem.Affiliate](t, fixture(t, "affiliates_affiliate.json"))
	assert.Equal(t, "Jane Partner", *a.Name)
	decodeStrict[creem.Page[creem.Affiliate]](t, fixture(t, "affiliates_list.json"))
	p := decodeStrict[creem.Page[creem.Commission]](t, fixture(t, "affiliates_commission_list.json"))
	assert.Equal(t, int64(1767312000000), p.Items[1].CreatedAt.UnixMilli())
}

func TestAffiliatesInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	const addr = "not-an-address.example.com"
	cases := []struct {
		field string
		call  func(ctx context.Context, c *creem.Client) error
	}{
		{"params", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Affiliates.CreateInvite(ctx, nil)
			return err
		}},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Name: "Jane"})
			return err
		}},
		{"email", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: addr, Name: "Jane"})
			return err
		}},
		{"name", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "jane@example.com", Name: "  "})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Affiliates.Get(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Affiliates.Get(ctx, ".."); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Affiliates.ListCommissions(ctx, " ", nil)
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			for _, err := range c.Affiliates.AllCommissions(ctx, "", nil) {
				return err
			}
			return nil
		}},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for i, tc := range cases {
		err := tc.call(context.Background(), c)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, "case %d (%s)", i, tc.field)
		assert.Equal(t, tc.field, pe.Field, "case %d", i)
		assert.Equal(t, "creem: Affiliates.", err.Error()[:len("creem: Affiliates.")], "case %d", i)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
		assert.NotContains(t, err.Error(), addr, "an e-mail address never goes into an error")
	}
	assert.Zero(t, rec.count(), "no request may reach the server")
}

// Reads are retried after a 503; creating an invitation is not (a repeat would answer 409 for
// an invitation that was in fact sent), but is after a 429, which Creem answers before acting.
func TestAffiliatesRetrySafety(t *testing.T) {
	ctx := context.Background()
	reads := map[string]func(c *creem.Client) error{
		"affiliates_invite_list.json":     func(c *creem.Client) error { _, err := c.Affiliates.ListInvites(ctx, nil); return err },
		"affiliates_list.json":            func(c *creem.Client) error { _, err := c.Affiliates.List(ctx, nil); return err },
		"affiliates_affiliate.json":       func(c *creem.Client) error { _, err := c.Affiliates.Get(ctx, affID); return err },
		"affiliates_commission_list.json": func(c *creem.Client) error { _, err := c.Affiliates.ListCommissions(ctx, affID, nil); return err },
	}
	for fx, call := range reads {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Unavailable"))
				return
			}
			writeJSON(w, http.StatusOK, fixture(t, fx))
		})
		require.NoError(t, call(newClient(t, srv.URL)), fx)
		assert.Equal(t, 2, rec.count(), fx)
	}

	invite := &creem.CreateAffiliateInviteParams{Email: "partner@example.com", Name: "Jane"}
	srv, rec := newServer(t, serveJSON(http.StatusServiceUnavailable, errorBody(503, "Unavailable")))
	_, err := newClient(t, srv.URL).Affiliates.CreateInvite(ctx, invite)
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, rec.count(), "an invitation answered 503 is sent once")

	srv, rec = newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "Too many requests"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "affiliates_invite.json"))
	})
	_, err = newClient(t, srv.URL).Affiliates.CreateInvite(ctx, invite)
	require.NoError(t, err)
	assert.Equal(t, 2, rec.count())
}

// AllCommissions keeps the status filter on every page and walks to the last page.
func TestAffiliatesAllCommissionsAcrossPages(t *testing.T) {
	item := func(id string) string {
		return `{"id":"` + id + `","mode":"test","object":"commission","affiliate":"aff_1","amount":100,"currency":"EUR","status":"paid","sale":null,"created_at":1767225600000}`
	}
	pages := []string{
		`{"items":[` + item("comm_1") + `,` + item("comm_2") + `],"pagination":{"total_records":3,"total_pages":2,"current_page":1,"next_page":2,"prev_page":null}}`,
		`{"items":[` + item("comm_3") + `],"pagination":{"total_records":3,"total_pages":2,"current_page":2,"next_page":null,"prev_page":1}}`,
	}
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		writeJSON(w, http.StatusOK, []byte(pages[n-1]))
	})
	c := newClient(t, srv.URL)
	params := &creem.ListCommissionsParams{ListParams: creem.ListParams{PageSize: 2}, Status: creem.CommissionStatusPaid}
	var ids []string
	for cm, err := range c.Affiliates.AllCommissions(context.Background(), "aff_1", params) {
		require.NoError(t, err)
		ids = append(ids, cm.ID)
	}
	assert.Equal(t, []string{"comm_1", "comm_2", "comm_3"}, ids)
	reqs := rec.all()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v1/affiliates/aff_1/commissions", reqs[1].Path)
	assert.Equal(t, "page_number=1&page_size=2&status=paid", reqs[0].RawQuery)
	assert.Equal(t, "page_number=2&page_size=2&status=paid", reqs[1].RawQuery)
	assert.Equal(t, 0, params.PageNumber, "params are not modified")
}

// Acceptance: a checkout carrying an affiliate's code, paid on creemtest (programmatically and
// on the hosted page), gives the affiliate a commission that the SDK reads back.
func TestAffiliateCommissionFromAPaidCheckout(t *testing.T) {
	srv := creemtest.NewServer(creemtest.WithAffiliateCommission(25))
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	inv, err := c.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{Email: "partner@example.com", Name: "Jane Partner"})
	require.NoError(t, err)
	affiliates, err := c.Affiliates.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, affiliates.Items, "an invitee is no affiliate before accepting")
	accepted, err := srv.AcceptAffiliateInvite(inv.ID)
	require.NoError(t, err)

	prod, err := c.Products.Create(ctx, &creem.CreateProductParams{Name: "Pro", Price: creem.Int64(2999), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime})
	require.NoError(t, err)

	// Paid with srv.Pay.
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, Units: 2, AffiliateCode: accepted.ReferralCode})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "buyer@example.com")
	require.NoError(t, err)
	done, err := c.Checkouts.Get(ctx, ch.ID)
	require.NoError(t, err)
	require.NotNil(t, done.Order.Affiliate)
	assert.Equal(t, accepted.ID, *done.Order.Affiliate)

	page, err := c.Affiliates.ListCommissions(ctx, accepted.ID, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	cm := page.Items[0]
	assert.Equal(t, accepted.ID, cm.Affiliate)
	assert.Equal(t, int64(1500), cm.Amount, "25% of 2 × 29.99, rounded to the cent")
	assert.Equal(t, creem.CurrencyEUR, cm.Currency)
	assert.Equal(t, creem.CommissionStatusPending, cm.Status)
	require.NotNil(t, cm.Sale)
	assert.Equal(t, *done.Order.Transaction, *cm.Sale, "the sale is the checkout's transaction")

	// Paid on the hosted page.
	ch2, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: accepted.ReferralCode})
	require.NoError(t, err)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(ch2.CheckoutURL, url.Values{"email": {"second@example.com"}})
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	var amounts []int64
	for cm, err := range c.Affiliates.AllCommissions(ctx, accepted.ID, &creem.ListCommissionsParams{ListParams: creem.ListParams{PageSize: 1}}) {
		require.NoError(t, err)
		amounts = append(amounts, cm.Amount)
	}
	assert.Equal(t, []int64{1500, 750}, amounts)

	got, err := c.Affiliates.Get(ctx, accepted.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Conversions)
	assert.Equal(t, int64(2250), got.Earnings)
	assert.Equal(t, creem.CurrencyEUR, got.Currency)

	// A checkout without the code earns nothing; an unknown code is refused.
	ch3, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch3.ID, "third@example.com")
	require.NoError(t, err)
	page, err = c.Affiliates.ListCommissions(ctx, accepted.ID, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
	_, err = c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID, AffiliateCode: strings.ToUpper("zz" + accepted.ReferralCode)})
	assert.ErrorIs(t, err, creem.ErrBadRequest)
}
