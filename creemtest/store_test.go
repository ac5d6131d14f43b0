package creemtest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorPage(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	page := func(query string) (*cursorList[string], *apiError) {
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		return cursorPage(q, items, id)
	}
	cases := []struct {
		query string
		data  []string
		more  bool
	}{
		{"", []string{"a", "b", "c", "d", "e"}, false},
		{"limit=2", []string{"a", "b"}, true},
		{"limit=2&starting_after=b", []string{"c", "d"}, true},
		{"limit=2&starting_after=d", []string{"e"}, false},
		{"starting_after=e", []string{}, false},
		{"limit=2&ending_before=e", []string{"c", "d"}, true},
		{"limit=3&ending_before=c", []string{"a", "b"}, false},
		{"limit=100", []string{"a", "b", "c", "d", "e"}, false},
	}
	for _, tc := range cases {
		got, aerr := page(tc.query)
		require.Nil(t, aerr, tc.query)
		assert.Equal(t, "list", got.Object)
		assert.Equal(t, tc.data, got.Data, tc.query)
		assert.Equal(t, tc.more, got.HasMore, tc.query)
	}
	for query, param := range map[string]string{
		"limit=0": "limit", "limit=101": "limit", "limit=x": "limit",
		"starting_after=zz": "starting_after", "ending_before=zz": "ending_before",
		"starting_after=a&ending_before=c": "starting_after",
	} {
		_, aerr := page(query)
		require.NotNil(t, aerr, query)
		assert.Equal(t, http.StatusBadRequest, aerr.status, query)
		assert.Equal(t, param, aerr.param, query)
	}
}

// One fake is one store: every family's entities carry the same store ID.
func TestOneStoreID(t *testing.T) {
	st := newStore()
	require.NotEmpty(t, st.usage.storeID)
	assert.Equal(t, st.usage.storeID, st.credits.storeID)
	assert.Equal(t, st.usage.storeID, st.hooks.storeID)
	assert.Equal(t, st.usage.storeID, st.partners.storeID)
	assert.NotEqual(t, st.usage.storeID, newStore().usage.storeID, "each fake is a store of its own")
}
