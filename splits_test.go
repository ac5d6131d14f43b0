package creem_test

import (
	"context"
	"math"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

func init() {
	registry["createSplit"] = specOp{method: "Splits.Create", body: reflect.TypeFor[creem.CreateSplitParams](), result: reflect.TypeFor[creem.Split]()}
	registry["listSplits"] = specOp{method: "Splits.List", query: reflect.TypeFor[creem.ListSplitsParams](), result: reflect.TypeFor[creem.Page[creem.Split]]()}
	registry["retrieveSplit"] = specOp{method: "Splits.Get", args: []string{"id"}, result: reflect.TypeFor[creem.Split]()}
	registry["deleteSplit"] = specOp{method: "Splits.Delete", args: []string{"id"}, result: reflect.TypeFor[creem.Split]()}
	extraMethods = append(extraMethods, "Splits.All")
	familyWireCases = append(familyWireCases, splitWireCases)
}

const splitID = "split_8Hj2Kl4Mn6Pq8Rs1Tu3Vw5"

func splitWireCases() []wireCase {
	return []wireCase{
		{
			name: "Splits.Create",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Splits.Create(ctx, &creem.CreateSplitParams{
					Description: "Q3 revenue share", Type: creem.SplitTypeProduct, TypeReference: "prod_1a2b3c4d",
					Recipients: []creem.SplitRecipientParams{
						{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_9z8y7x6w", Amount: 25},
						{RecipientType: creem.SplitRecipientTypeEmail, RecipientReference: "cofounder@example.com", Amount: 12.5},
					},
				})
			},
			method: http.MethodPost, path: "/v1/splits", golden: "splits_create.json", fixture: "splits_split.json",
			check: func(t *testing.T, out any) {
				sp := out.(*creem.Split)
				assert.Equal(t, splitID, sp.ID)
				assert.Equal(t, "store_1a2b3c4d", sp.StoreID)
				assert.Equal(t, creem.SplitTypeProduct, sp.Type)
				assert.False(t, sp.Enabled, "disabled until an e-mail invitee accepts")
				require.Len(t, sp.Recipients, 2)
				assert.Equal(t, creem.SplitShareTypePercentage, sp.Recipients[0].Type)
				assert.Nil(t, sp.Recipients[0].InviteStatus, "absent for resolved recipients")
				assert.Equal(t, 12.5, sp.Recipients[1].Amount)
				assert.Equal(t, "c***@example.com", sp.Recipients[1].RecipientReference)
				assert.Equal(t, creem.SplitInviteStatusPending, *sp.Recipients[1].InviteStatus)
				assert.Equal(t, int64(1735689600000), sp.CreatedAt.UnixMilli())
			},
		},
		{
			name: "Splits.Create minimal",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Splits.Create(ctx, &creem.CreateSplitParams{
					Type: creem.SplitTypeStore, TypeReference: "store_1a2b3c4d",
					Recipients: []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_9z8y7x6w", Amount: 100}},
				})
			},
			method: http.MethodPost, path: "/v1/splits", golden: "splits_create_minimal.json", fixture: "splits_split.json",
		},
		{
			name: "Splits.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Splits.List(ctx, &creem.ListSplitsParams{ListParams: creem.ListParams{PageNumber: 3, PageSize: 10}})
			},
			method: http.MethodGet, path: "/v1/splits", rawQuery: "page_number=3&page_size=10", fixture: "splits_list.json",
			check: func(t *testing.T, out any) {
				sp := out.(*creem.Page[creem.Split]).Items[0]
				assert.Nil(t, sp.Description)
				assert.Equal(t, creem.SplitRecipientTypeUser, sp.Recipients[0].RecipientType)
				assert.Nil(t, sp.Recipients[0].InviteStatus)
			},
		},
		{
			name:   "Splits.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Splits.Get(ctx, splitID) },
			method: http.MethodGet, path: "/v1/splits/" + splitID, fixture: "splits_split.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "Q3 revenue share", *out.(*creem.Split).Description)
			},
		},
		{
			name:   "Splits.Delete",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Splits.Delete(ctx, splitID) },
			method: http.MethodDelete, path: "/v1/splits/" + splitID, fixture: "splits_split.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, splitID, out.(*creem.Split).ID)
			},
		},
		{
			name:   "Splits.Delete escapes the ID",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Splits.Delete(ctx, "../v1/products") },
			method: http.MethodDelete, path: "/v1/splits/..%2Fv1%2Fproducts", fixture: "splits_split.json",
		},
	}
}

func TestDecodeSplitFixtures(t *testing.T) {
	sp := decodeStrict[creem.Split](t, fixture(t, "splits_split.json"))
	assert.Equal(t, "prod_1a2b3c4d", sp.TypeReference)
	decodeStrict[creem.Page[creem.Split]](t, fixture(t, "splits_list.json"))
}

func TestSplitsInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	const addr = "cofounder-at-example.com"
	store := func(amount float64) creem.SplitRecipientParams {
		return creem.SplitRecipientParams{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_x", Amount: amount}
	}
	create := func(mod func(*creem.CreateSplitParams)) func(ctx context.Context, c *creem.Client) error {
		return func(ctx context.Context, c *creem.Client) error {
			p := &creem.CreateSplitParams{Type: creem.SplitTypeStore, TypeReference: "store_1", Recipients: []creem.SplitRecipientParams{store(50)}}
			mod(p)
			_, err := c.Splits.Create(ctx, p)
			return err
		}
	}
	eleven := make([]creem.SplitRecipientParams, 11)
	for i := range eleven {
		eleven[i] = store(5)
	}
	cases := []struct {
		field string
		call  func(ctx context.Context, c *creem.Client) error
	}{
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Splits.Create(ctx, nil); return err }},
		{"type", create(func(p *creem.CreateSplitParams) { p.Type = "" })},
		{"type_reference", create(func(p *creem.CreateSplitParams) { p.TypeReference = " " })},
		{"recipients", create(func(p *creem.CreateSplitParams) { p.Recipients = nil })},
		{"recipients", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{} })},
		{"recipients", create(func(p *creem.CreateSplitParams) { p.Recipients = eleven })},
		{"recipients", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(60), store(40.5)} })},
		{"recipients[1].recipient_type", create(func(p *creem.CreateSplitParams) {
			p.Recipients = []creem.SplitRecipientParams{store(10), {RecipientReference: "store_y", Amount: 10}}
		})},
		{"recipients[0].recipient_reference", create(func(p *creem.CreateSplitParams) {
			p.Recipients = []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, Amount: 10}}
		})},
		{"recipients[0].recipient_reference", create(func(p *creem.CreateSplitParams) {
			p.Recipients = []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeEmail, RecipientReference: addr, Amount: 10}}
		})},
		{"recipients[0].amount", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(0)} })},
		{"recipients[0].amount", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(0.5)} })},
		{"recipients[0].amount", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(100.01)} })},
		{"recipients[0].amount", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(math.NaN())} })},
		{"recipients[0].amount", create(func(p *creem.CreateSplitParams) { p.Recipients = []creem.SplitRecipientParams{store(math.Inf(1))} })},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Splits.Get(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Splits.Delete(ctx, "."); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Splits.Delete(ctx, ""); return err }},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for i, tc := range cases {
		err := tc.call(context.Background(), c)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, "case %d (%s)", i, tc.field)
		assert.Equal(t, tc.field, pe.Field, "case %d", i)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
		assert.NotContains(t, err.Error(), addr, "an e-mail address never goes into an error")
	}
	assert.Zero(t, rec.count(), "no request may reach the server")
}

// Shares that add up to exactly 100 in decimal are accepted although their float sum is a
// hair above it.
func TestSplitsCreateAcceptsSharesSummingTo100(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "splits_split.json")))
	c := newClient(t, srv.URL)
	r := func(a float64) creem.SplitRecipientParams {
		return creem.SplitRecipientParams{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_x", Amount: a}
	}
	shares := []float64{1.2, 82.9, 15.9}
	var sum float64
	for _, a := range shares {
		sum += a
	}
	require.Greater(t, sum, 100.0, "the float sum is a hair above 100")
	_, err := c.Splits.Create(context.Background(), &creem.CreateSplitParams{
		Type: creem.SplitTypeStore, TypeReference: "store_1", Recipients: []creem.SplitRecipientParams{r(shares[0]), r(shares[1]), r(shares[2])},
	})
	require.NoError(t, err)
	ten := make([]creem.SplitRecipientParams, 10)
	for i := range ten {
		ten[i] = r(10)
	}
	_, err = c.Splits.Create(context.Background(), &creem.CreateSplitParams{Type: creem.SplitTypeStore, TypeReference: "store_1", Recipients: ten})
	require.NoError(t, err, "ten recipients sharing 100 percent are within the limits")
	assert.Equal(t, 2, rec.count())
}

// Reads are retried after a 503; creating and deleting a split are not.
func TestSplitsRetrySafety(t *testing.T) {
	ctx := context.Background()
	flaky := func() (*creem.Client, *recorder) {
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Unavailable"))
				return
			}
			if r.URL.Path == "/v1/splits" && r.Method == http.MethodGet {
				writeJSON(w, http.StatusOK, fixture(t, "splits_list.json"))
				return
			}
			writeJSON(w, http.StatusOK, fixture(t, "splits_split.json"))
		})
		return newClient(t, srv.URL), rec
	}
	c, rec := flaky()
	_, err := c.Splits.List(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, rec.count())
	c, rec = flaky()
	_, err = c.Splits.Get(ctx, splitID)
	require.NoError(t, err)
	assert.Equal(t, 2, rec.count())

	c, rec = flaky()
	_, err = c.Splits.Create(ctx, &creem.CreateSplitParams{
		Type: creem.SplitTypeStore, TypeReference: "store_1",
		Recipients: []creem.SplitRecipientParams{{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "store_2", Amount: 10}},
	})
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, rec.count(), "a split answered 503 is not created twice")
	c, rec = flaky()
	_, err = c.Splits.Delete(ctx, splitID)
	assert.ErrorIs(t, err, creem.ErrServer)
	assert.Equal(t, 1, rec.count(), "a deletion answered 503 is sent once")
}
