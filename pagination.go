package creem

import (
	"context"
	"iter"
	"net/url"

	"github.com/google/go-querystring/query"
)

// ListParams are the paging parameters of every list call. The zero value asks for Creem's
// defaults (page 1, 10 items).
type ListParams struct {
	PageNumber int `url:"page_number,omitempty"` // 1-based page to fetch
	PageSize   int `url:"page_size,omitempty"`   // items per page
}

func (p *ListParams) listParams() *ListParams { return p }

// Pagination describes where a Page stands in the whole list.
type Pagination struct {
	TotalRecords int  `json:"total_records"` // items in the whole list
	TotalPages   int  `json:"total_pages"`   // pages in the whole list
	CurrentPage  int  `json:"current_page"`  // this page's number
	NextPage     *int `json:"next_page"`     // the next page's number, nil on the last page
	PrevPage     *int `json:"prev_page"`     // the previous page's number, nil on the first page
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T        `json:"items"`
	Pagination Pagination `json:"pagination"`
}

// list fetches one page from a list endpoint, encoding params (a pointer to a struct with
// `url` tags, possibly nil) as the query.
func list[T any, P any](ctx context.Context, c *Client, path string, params *P, opts []RequestOption) (*Page[T], error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	return send[Page[T]](ctx, c, get(path), q, nil, opts)
}

// encodeQuery encodes a params struct (a pointer, possibly nil) with `url` tags as a query string.
func encodeQuery[P any](params *P) (string, error) {
	if params == nil {
		return "", nil
	}
	v, err := query.Values(params)
	if err != nil {
		return "", err
	}
	return v.Encode(), nil
}

// param encodes a single query parameter.
func param(key, value string) string { return key + "=" + url.QueryEscape(value) }

// pageParams is the constraint of list parameter types: pointers to structs embedding ListParams.
type pageParams[P any] interface {
	*P
	listParams() *ListParams
}

// all is the one paginator behind every All method. It walks the list from params' page (or
// page 1) by calling list once per page, yielding each item. It holds one page at a time and
// stops on an error (yielded once), on the last page, on an empty page, or when the caller
// stops ranging. params is copied, never modified; ranging twice starts over.
func all[T, P any, PP pageParams[P]](ctx context.Context, params PP, list func(context.Context, PP, ...RequestOption) (*Page[T], error), opts []RequestOption) iter.Seq2[*T, error] {
	var base P
	if params != nil {
		base = *params
	}
	return func(yield func(*T, error) bool) {
		q := base
		lp := PP(&q).listParams()
		pageNo := max(lp.PageNumber, 1)
		for {
			lp.PageNumber = pageNo
			page, err := list(ctx, &q, opts...)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(page.Items) == 0 {
				return
			}
			for i := range page.Items {
				if !yield(&page.Items[i], nil) {
					return
				}
			}
			next := page.Pagination.NextPage
			if next == nil || *next <= pageNo {
				return
			}
			pageNo = *next
		}
	}
}
