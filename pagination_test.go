package creem_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

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
