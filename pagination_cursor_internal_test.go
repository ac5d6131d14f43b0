package creem

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cursor paginator is tested here, on a list type of its own, so that its behaviour is pinned
// down independently of the services that use it.

type cursorItem struct {
	ID string `json:"id"`
}

type listCursorItemsParams struct {
	CursorParams
	Kind string `url:"kind,omitempty"`
}

// cursorServer serves n items "it_0"…"it_{n-1}" oldest first, `limit` per page after
// starting_after; failAfter, when set, answers 500 for the page after that cursor. stuck makes
// every page repeat the first one with has_more true.
type cursorServer struct {
	n         int
	failAfter string
	stuck     bool

	mu      sync.Mutex
	queries []string
}

func (cs *cursorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cs.mu.Lock()
	cs.queries = append(cs.queries, r.URL.RawQuery)
	cs.mu.Unlock()
	q := r.URL.Query()
	after := q.Get("starting_after")
	w.Header().Set("Content-Type", "application/json")
	if cs.failAfter != "" && after == cs.failAfter {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"type":"api_error","code":null,"message":"boom","param":null,"request_id":"req_1"}}`))
		return
	}
	limit := 10
	if l := q.Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	start := 0
	if after != "" && !cs.stuck {
		i, _ := strconv.Atoi(strings.TrimPrefix(after, "it_"))
		start = i + 1
	}
	var items []string
	for i := start; i < cs.n && len(items) < limit; i++ {
		items = append(items, fmt.Sprintf(`{"id":"it_%d"}`, i))
	}
	more := cs.stuck || start+len(items) < cs.n
	fmt.Fprintf(w, `{"object":"list","data":[%s],"has_more":%t}`, strings.Join(items, ","), more)
}

func (cs *cursorServer) seen() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.queries...)
}

func cursorClient(t *testing.T, cs *cursorServer) (*Client, func(context.Context, *listCursorItemsParams, ...RequestOption) (*CursorPage[cursorItem], error)) {
	srv := httptest.NewServer(cs)
	t.Cleanup(srv.Close)
	c, err := NewClient("creem_test_x", WithBaseURL(srv.URL), WithRetryMax(0), WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	list := func(ctx context.Context, p *listCursorItemsParams, opts ...RequestOption) (*CursorPage[cursorItem], error) {
		return listCursor[cursorItem](ctx, c, "Items.List", "/v1/items", p, opts)
	}
	return c, list
}

func walk(ctx context.Context, params *listCursorItemsParams, list func(context.Context, *listCursorItemsParams, ...RequestOption) (*CursorPage[cursorItem], error)) ([]string, error) {
	var ids []string
	for it, err := range allCursor(ctx, "Items.All", params, list, func(i *cursorItem) string { return i.ID }, nil) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, it.ID)
	}
	return ids, nil
}

func TestCursorAllWalksEveryPage(t *testing.T) {
	cs := &cursorServer{n: 7}
	_, list := cursorClient(t, cs)
	params := &listCursorItemsParams{CursorParams: CursorParams{Limit: 3}, Kind: "a"}
	ids, err := walk(context.Background(), params, list)
	require.NoError(t, err)
	assert.Equal(t, []string{"it_0", "it_1", "it_2", "it_3", "it_4", "it_5", "it_6"}, ids)
	assert.Equal(t, []string{"kind=a&limit=3", "kind=a&limit=3&starting_after=it_2", "kind=a&limit=3&starting_after=it_5"}, cs.seen())
	assert.Equal(t, listCursorItemsParams{CursorParams: CursorParams{Limit: 3}, Kind: "a"}, *params, "params are not modified")

	// Ranging again starts over; a starting cursor is honoured.
	ids, err = walk(context.Background(), &listCursorItemsParams{CursorParams: CursorParams{Limit: 5, StartingAfter: "it_4"}}, list)
	require.NoError(t, err)
	assert.Equal(t, []string{"it_5", "it_6"}, ids)
}

func TestCursorAllStopsOnErrorEmptyPageAndStuckCursor(t *testing.T) {
	cs := &cursorServer{n: 9, failAfter: "it_3"}
	_, list := cursorClient(t, cs)
	ids, err := walk(context.Background(), &listCursorItemsParams{CursorParams: CursorParams{Limit: 2}}, list)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, []string{"it_0", "it_1", "it_2", "it_3"}, ids, "items before the failing page are yielded, then the error once")
	assert.Len(t, cs.seen(), 3)

	empty := &cursorServer{n: 0}
	_, list = cursorClient(t, empty)
	ids, err = walk(context.Background(), nil, list)
	require.NoError(t, err)
	assert.Empty(t, ids)
	assert.Equal(t, []string{""}, empty.seen())

	// A server that keeps answering the same page with has_more must not loop forever.
	stuck := &cursorServer{n: 2, stuck: true}
	_, list = cursorClient(t, stuck)
	ids, err = walk(context.Background(), &listCursorItemsParams{CursorParams: CursorParams{Limit: 2}}, list)
	require.NoError(t, err)
	assert.Equal(t, []string{"it_0", "it_1", "it_0", "it_1"}, ids)
	assert.Len(t, stuck.seen(), 2, "the second page did not move the cursor: stop")
}

func TestCursorAllBreakStopsFetching(t *testing.T) {
	cs := &cursorServer{n: 50}
	_, list := cursorClient(t, cs)
	n := 0
	for _, err := range allCursor(context.Background(), "Items.All", &listCursorItemsParams{CursorParams: CursorParams{Limit: 10}}, list, func(i *cursorItem) string { return i.ID }, nil) {
		require.NoError(t, err)
		n++
		if n == 12 {
			break
		}
	}
	assert.Len(t, cs.seen(), 2)
}

func TestCursorParamsRefusedBeforeSending(t *testing.T) {
	cs := &cursorServer{n: 3}
	_, list := cursorClient(t, cs)
	for _, p := range []*listCursorItemsParams{
		{CursorParams: CursorParams{Limit: -1}},
		{CursorParams: CursorParams{Limit: 101}},
		{CursorParams: CursorParams{StartingAfter: "a", EndingBefore: "b"}},
	} {
		_, err := list(context.Background(), p)
		assert.ErrorIs(t, err, ErrInvalidParams, "%+v", p)
	}
	_, err := walk(context.Background(), &listCursorItemsParams{CursorParams: CursorParams{EndingBefore: "it_2"}}, list)
	var ipe *InvalidParamsError
	require.True(t, errors.As(err, &ipe))
	assert.Equal(t, "ending_before", ipe.Field)
	assert.Empty(t, cs.seen(), "nothing is sent for refused params")

	page, err := list(context.Background(), &listCursorItemsParams{CursorParams: CursorParams{Limit: 100, EndingBefore: "it_2"}})
	require.NoError(t, err)
	assert.Equal(t, "list", page.Object)
	assert.Equal(t, []string{"ending_before=it_2&limit=100"}, cs.seen())
}

// A server whose pages go round in a circle (A, B, A, …) does not keep All going forever.
func TestCursorAllStopsOnACycle(t *testing.T) {
	var calls int
	list := func(_ context.Context, p *listCursorItemsParams, _ ...RequestOption) (*CursorPage[cursorItem], error) {
		calls++
		next := map[string]string{"": "a", "a": "b", "b": "a"}[p.StartingAfter]
		return &CursorPage[cursorItem]{Object: "list", Data: []cursorItem{{ID: next}}, HasMore: true}, nil
	}
	ids, err := walk(context.Background(), nil, list)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "a"}, ids, "the page naming a used cursor is the last")
	assert.Equal(t, 3, calls)
}
