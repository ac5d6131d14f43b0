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

// CursorParams are the paging parameters of cursor lists (customer credits, meters): at most
// Limit items (1–100; zero asks for Creem's default of 10) after the item StartingAfter or before
// the item EndingBefore. Give at most one of the two cursors.
type CursorParams struct {
	Limit         int    `url:"limit,omitempty"`          // items per page, 1–100
	StartingAfter string `url:"starting_after,omitempty"` // ID of the item the page starts after
	EndingBefore  string `url:"ending_before,omitempty"`  // ID of the item the page ends before
}

func (p *CursorParams) cursorFields() cursorFields {
	return cursorFields{limit: &p.Limit, after: &p.StartingAfter, before: &p.EndingBefore}
}

// cursorFields points into a cursor params struct; before is nil where the list has no
// backward cursor.
type cursorFields struct {
	limit         *int
	after, before *string
}

// CursorPage is one page of a cursor list: its items, oldest or newest first as the list
// documents, and whether more follow after the last one.
type CursorPage[T any] struct {
	Object  string `json:"object"` // always "list"
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"` // items exist beyond this page
}

// cursorParams is the constraint of cursor list parameter types.
type cursorParams[P any] interface {
	*P
	cursorFields() cursorFields
}

// maxCursorLimit is the largest page a cursor list serves.
const maxCursorLimit = 100

// listCursor fetches one page from a cursor list endpoint, encoding params (possibly nil) as the
// query after checking the paging fields.
func listCursor[T any, P any, PP cursorParams[P]](ctx context.Context, c *Client, op, path string, params PP, opts []RequestOption) (*CursorPage[T], error) {
	if params != nil {
		f := params.cursorFields()
		if *f.limit < 0 || *f.limit > maxCursorLimit {
			return nil, invalid(op, "limit", "must be between 1 and 100")
		}
		if f.before != nil && *f.after != "" && *f.before != "" {
			return nil, invalid(op, "starting_after", "and ending_before cannot both be set")
		}
	}
	q, err := encodeQuery((*P)(params))
	if err != nil {
		return nil, err
	}
	return send[CursorPage[T]](ctx, c, get(path), q, nil, opts)
}

// allCursor is the one paginator behind every cursor list's All method. It walks forward from
// params' StartingAfter (or the start), passing the ID of each page's last item (read with id) as
// the next starting_after. It holds one page at a time (and the cursors it used) and stops on an
// error (yielded once), when has_more is false, on an empty page, on a cursor it already used (a
// server going round in circles), or when the caller stops ranging. params is copied, never modified. EndingBefore walks backward, which All
// does not do: it is refused.
func allCursor[T, P any, PP cursorParams[P]](ctx context.Context, op string, params PP, list func(context.Context, PP, ...RequestOption) (*CursorPage[T], error), id func(*T) string, opts []RequestOption) iter.Seq2[*T, error] {
	var base P
	if params != nil {
		base = *params
	}
	return func(yield func(*T, error) bool) {
		q := base
		f := PP(&q).cursorFields()
		if f.before != nil && *f.before != "" {
			yield(nil, invalid(op, "ending_before", "is not supported by All, which walks forward; use List"))
			return
		}
		used := map[string]bool{*f.after: true}
		for {
			page, err := list(ctx, &q, opts...)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(page.Data) == 0 {
				return
			}
			for i := range page.Data {
				if !yield(&page.Data[i], nil) {
					return
				}
			}
			next := id(&page.Data[len(page.Data)-1])
			if !page.HasMore || next == "" || used[next] {
				return
			}
			used[next] = true
			*f.after = next
		}
	}
}
