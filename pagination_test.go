package creem_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// productPages serves pages of products: pages[i] items on page i+1, next_page until the last.
func productPages(t *testing.T, pages []int, failOn int) (*creem.Client, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page_number"))
		if n == failOn {
			writeJSON(w, http.StatusBadRequest, errorBody(400, "page_number must not be greater than 3"))
			return
		}
		if n < 1 || n > len(pages) {
			writeJSON(w, http.StatusOK, []byte(`{"items":[],"pagination":{"total_records":0,"total_pages":0,"current_page":`+strconv.Itoa(n)+`,"next_page":null,"prev_page":null}}`))
			return
		}
		items := make([]string, pages[n-1])
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"prod_%d_%d","name":"P"}`, n, i)
		}
		next := "null"
		if n < len(pages) {
			next = strconv.Itoa(n + 1)
		}
		writeJSON(w, http.StatusOK, []byte(fmt.Sprintf(`{"items":[%s],"pagination":{"total_records":99,"total_pages":%d,"current_page":%d,"next_page":%s,"prev_page":null}}`,
			strings.Join(items, ","), len(pages), n, next)))
	})
	return newClient(t, srv.URL, creem.WithRetryMax(0)), rec
}

func collect(t *testing.T, c *creem.Client, params *creem.ListProductsParams) ([]string, error) {
	var ids []string
	for p, err := range c.Products.All(context.Background(), params) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

func TestAllWalksEveryPageAndStopsOnTheLast(t *testing.T) {
	c, rec := productPages(t, []int{2, 2, 1}, 0)
	params := &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 2}, Status: creem.ProductStatusActive}
	ids, err := collect(t, c, params)
	require.NoError(t, err)
	assert.Equal(t, []string{"prod_1_0", "prod_1_1", "prod_2_0", "prod_2_1", "prod_3_0"}, ids)
	reqs := rec.all()
	require.Len(t, reqs, 3, "no request after the last page")
	for i, r := range reqs {
		assert.Equal(t, fmt.Sprintf("page_number=%d&page_size=2&status=active", i+1), r.RawQuery)
	}
	assert.Equal(t, 0, params.PageNumber, "the caller's params are not modified")

	// Ranging again starts over.
	ids, err = collect(t, c, params)
	require.NoError(t, err)
	assert.Len(t, ids, 5)
}

func TestAllStartsAtTheGivenPage(t *testing.T) {
	c, _ := productPages(t, []int{1, 1, 1}, 0)
	ids, err := collect(t, c, &creem.ListProductsParams{ListParams: creem.ListParams{PageNumber: 2}})
	require.NoError(t, err)
	assert.Equal(t, []string{"prod_2_0", "prod_3_0"}, ids)
}

func TestAllStopsOnAnEmptyPage(t *testing.T) {
	c, rec := productPages(t, []int{2, 0, 2}, 0)
	ids, err := collect(t, c, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"prod_1_0", "prod_1_1"}, ids)
	assert.Equal(t, 2, rec.count())
}

func TestAllStopsOnAnError(t *testing.T) {
	c, rec := productPages(t, []int{1, 1, 1}, 2)
	var ids []string
	var errs []error
	for p, err := range c.Products.All(context.Background(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue // even if the caller keeps ranging, the iterator ends
		}
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{"prod_1_0"}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], creem.ErrBadRequest)
	assert.Equal(t, 2, rec.count())
}

func TestAllStopsWhenTheCallerBreaks(t *testing.T) {
	c, rec := productPages(t, []int{3, 3}, 0)
	for range c.Products.All(context.Background(), nil) {
		break
	}
	assert.Equal(t, 1, rec.count())
}

func TestAllGuardsAgainstANextPageThatDoesNotAdvance(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{"items":[{"id":"prod_1"}],"pagination":{"total_records":1,"total_pages":1,"current_page":1,"next_page":1,"prev_page":null}}`)))
	c := newClient(t, srv.URL)
	n := 0
	for _, err := range c.Products.All(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, rec.count())
}

// idPages serves any list endpoint: pages of `per` items {"id": "<page>_<i>"}, `pages` pages.
func idPages(t *testing.T, pages, per int) (*creem.Client, *recorder) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page_number"))
		items := make([]string, 0, per)
		for i := 0; i < per && n <= pages; i++ {
			items = append(items, fmt.Sprintf(`{"id":"%d_%d"}`, n, i))
		}
		next := "null"
		if n < pages {
			next = strconv.Itoa(n + 1)
		}
		writeJSON(w, http.StatusOK, []byte(fmt.Sprintf(`{"items":[%s],"pagination":{"total_records":%d,"total_pages":%d,"current_page":%d,"next_page":%s,"prev_page":null}}`,
			strings.Join(items, ","), pages*per, pages, n, next)))
	})
	return newClient(t, srv.URL), rec
}

// ids drains an iterator of items with an ID.
func ids[T any](seq iter.Seq2[*T, error], id func(*T) string) ([]string, error) {
	var out []string
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, id(v))
	}
	return out, nil
}

// Every All method walks the same paginator: each one is checked across three pages, with the
// path it fetches.
func TestEveryAllWalksEveryPage(t *testing.T) {
	ctx := context.Background()
	lp := &creem.ListParams{PageSize: 2}
	cases := map[string]func(c *creem.Client) ([]string, error){
		"/v1/products/search": func(c *creem.Client) ([]string, error) {
			return ids(c.Products.All(ctx, &creem.ListProductsParams{ListParams: *lp}), func(v *creem.Product) string { return v.ID })
		},
		"/v1/customers/list": func(c *creem.Client) ([]string, error) {
			return ids(c.Customers.All(ctx, &creem.ListCustomersParams{ListParams: *lp}), func(v *creem.Customer) string { return v.ID })
		},
		"/v1/customers/cust_1/orders": func(c *creem.Client) ([]string, error) {
			return ids(c.Customers.AllOrders(ctx, "cust_1", lp), func(v *creem.Order) string { return v.ID })
		},
		"/v1/customers/cust_1/subscriptions": func(c *creem.Client) ([]string, error) {
			return ids(c.Customers.AllSubscriptions(ctx, "cust_1", lp), func(v *creem.Subscription) string { return v.ID })
		},
		"/v1/customers/cust_1/licenses": func(c *creem.Client) ([]string, error) {
			return ids(c.Customers.AllLicenses(ctx, "cust_1", lp), func(v *creem.License) string { return v.ID })
		},
		"/v1/subscriptions/search": func(c *creem.Client) ([]string, error) {
			return ids(c.Subscriptions.All(ctx, &creem.ListSubscriptionsParams{ListParams: *lp}), func(v *creem.Subscription) string { return v.ID })
		},
		"/v1/licenses/lic_1/instances": func(c *creem.Client) ([]string, error) {
			return ids(c.Licenses.AllInstances(ctx, "lic_1", lp), func(v *creem.LicenseInstance) string { return v.ID })
		},
		"/v1/discounts/search": func(c *creem.Client) ([]string, error) {
			return ids(c.Discounts.All(ctx, &creem.ListDiscountsParams{ListParams: *lp}), func(v *creem.Discount) string { return v.ID })
		},
		"/v1/transactions/search": func(c *creem.Client) ([]string, error) {
			return ids(c.Transactions.All(ctx, &creem.ListTransactionsParams{ListParams: *lp}), func(v *creem.Transaction) string { return v.ID })
		},
	}
	for path, walk := range cases {
		t.Run(path, func(t *testing.T) {
			c, rec := idPages(t, 3, 2)
			got, err := walk(c)
			require.NoError(t, err)
			assert.Equal(t, []string{"1_0", "1_1", "2_0", "2_1", "3_0", "3_1"}, got)
			reqs := rec.all()
			require.Len(t, reqs, 3)
			for i, r := range reqs {
				assert.Equal(t, path, r.Path)
				assert.Equal(t, fmt.Sprintf("page_number=%d&page_size=2", i+1), r.RawQuery)
			}
		})
	}
}

// All fetches lazily and lets go of each page once it moves on: while the third page is being
// read, the first page's items have been garbage-collected.
func TestAllHoldsOnePageAtATime(t *testing.T) {
	c, rec := idPages(t, 3, 50)
	var firstPageFreed atomic.Bool
	seen := 0
	for p, err := range c.Products.All(context.Background(), nil) {
		require.NoError(t, err)
		seen++
		switch seen {
		case 1:
			// p points at the start of page 1's backing array; watch it.
			runtime.SetFinalizer(p, func(*creem.Product) { firstPageFreed.Store(true) })
			assert.Equal(t, 1, rec.count(), "no page is fetched ahead")
		case 50:
			assert.Equal(t, 1, rec.count(), "page 2 is fetched only once page 1 is consumed")
		case 101:
			assert.Equal(t, 3, rec.count())
			require.Eventually(t, func() bool {
				runtime.GC()
				return firstPageFreed.Load()
			}, 5*time.Second, 10*time.Millisecond, "page 1 must be collectable while page 3 is read")
		}
	}
	assert.Equal(t, 150, seen)
}
