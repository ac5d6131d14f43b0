package creemtest

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/creem-go/creem"
)

// table keeps objects by ID in creation order.
type table[T any] struct {
	byID  map[string]*T
	order []string
}

func newTable[T any]() *table[T] { return &table[T]{byID: map[string]*T{}} }

func (t *table[T]) put(id string, v *T) {
	if _, ok := t.byID[id]; !ok {
		t.order = append(t.order, id)
	}
	t.byID[id] = v
}

func (t *table[T]) get(id string) (*T, bool) {
	v, ok := t.byID[id]
	return v, ok
}

// find returns the oldest object keep accepts.
func (t *table[T]) find(keep func(*T) bool) (*T, bool) {
	for _, id := range t.order {
		if v := t.byID[id]; keep(v) {
			return v, true
		}
	}
	return nil, false
}

// filter returns the objects keep accepts, oldest first.
func (t *table[T]) filter(keep func(*T) bool) []*T {
	var out []*T
	for _, id := range t.order {
		if v := t.byID[id]; keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// store is the server's state. Every access holds Server.mu.
type store struct {
	products      *table[creem.Product]
	checkouts     *table[creem.Checkout]
	customers     *table[creem.Customer]
	orders        *table[creem.Order]
	transactions  *table[creem.Transaction]
	subscriptions *table[creem.Subscription]
	licenses      *table[creem.License]
	discounts     *table[creem.Discount]
	refunds       *table[creem.Refund]

	idempotency        map[string]string                   // Idempotency-Key → product ID
	prefill            map[string]creem.CheckoutCustomer   // checkout ID → customer given at creation
	checkoutDiscount   map[string]string                   // checkout ID → discount ID
	licenseLimit       map[string]int                      // product ID → activation limit of its license keys (0: none)
	licenseOwner       map[string]string                   // license ID → customer ID
	instances          map[string][]*creem.LicenseInstance // license ID → its instances
	transactionProduct map[string]string                   // transaction ID → product ID
	created            map[string]time.Time                // creation time of objects whose entity has none
	billing            map[string]*billing                 // subscription ID → its billing state (lifecycle.go)

	// The newer API families keep their state in types of their own files.
	usage    usageStore    // meters and usage events
	credits  creditsStore  // customer credit accounts, entries and transactions
	hooks    hooksStore    // webhook endpoints registered through the API
	partners partnersStore // affiliates, commissions, splits and moderation
}

func newStore() *store {
	st := &store{
		products:      newTable[creem.Product](),
		checkouts:     newTable[creem.Checkout](),
		customers:     newTable[creem.Customer](),
		orders:        newTable[creem.Order](),
		transactions:  newTable[creem.Transaction](),
		subscriptions: newTable[creem.Subscription](),
		licenses:      newTable[creem.License](),
		discounts:     newTable[creem.Discount](),
		refunds:       newTable[creem.Refund](),

		idempotency:        map[string]string{},
		prefill:            map[string]creem.CheckoutCustomer{},
		checkoutDiscount:   map[string]string{},
		licenseLimit:       map[string]int{},
		licenseOwner:       map[string]string{},
		instances:          map[string][]*creem.LicenseInstance{},
		transactionProduct: map[string]string{},
		created:            map[string]time.Time{},
		billing:            map[string]*billing{},
	}
	st.usage.init()
	st.credits.init()
	st.hooks.init()
	st.partners.init()
	// One store, one ID, whichever family's entities carry it.
	id := newID("sto")
	st.usage.storeID, st.credits.storeID, st.hooks.storeID, st.partners.storeID = id, id, id, id
	return st
}

// page is a list answer in Creem's shape.
type page[T any] struct {
	Items      []T              `json:"items"`
	Pagination creem.Pagination `json:"pagination"`
}

// paginate cuts items by the page_number and page_size query parameters (defaults 1 and 10).
func paginate[T any](q url.Values, items []T) (*page[T], *apiError) {
	number, size := 1, 10
	for name, dst := range map[string]*int{"page_number": &number, "page_size": &size} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, errorf(http.StatusBadRequest, name+" must be a positive integer")
			}
			*dst = n
		}
	}
	total := len(items)
	pages := (total + size - 1) / size
	p := &page[T]{Items: []T{}, Pagination: creem.Pagination{TotalRecords: total, TotalPages: pages, CurrentPage: number}}
	if start := (number - 1) * size; start < total {
		p.Items = items[start:min(start+size, total)]
	}
	if number < pages {
		p.Pagination.NextPage = creem.Ptr(number + 1)
	}
	if number > 1 {
		p.Pagination.PrevPage = creem.Ptr(number - 1)
	}
	return p, nil
}

// cursorList is a cursor list answer in Creem's shape.
type cursorList[T any] struct {
	Object  string `json:"object"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
}

// cursorPage cuts items, in the list's order, by the limit (1–100, default 10), starting_after
// and ending_before query parameters; id names each item. A cursor naming no item of the list is
// refused with 400, as is a limit out of range or both cursors at once.
func cursorPage[T any](q url.Values, items []T, id func(T) string) (*cursorList[T], *apiError) {
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "limit", "limit must be an integer between 1 and 100")
		}
		limit = n
	}
	after, before := q.Get("starting_after"), q.Get("ending_before")
	if after != "" && before != "" {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "starting_after", "starting_after and ending_before cannot be combined")
	}
	index := func(name, cursor string) (int, *apiError) {
		for i, it := range items {
			if id(it) == cursor {
				return i, nil
			}
		}
		return 0, codedError(http.StatusBadRequest, "invalid_parameter", name, "no object "+cursor+" in this list")
	}
	var start, end int
	switch {
	case after != "":
		i, aerr := index("starting_after", after)
		if aerr != nil {
			return nil, aerr
		}
		start = i + 1
		end = min(start+limit, len(items))
	case before != "":
		i, aerr := index("ending_before", before)
		if aerr != nil {
			return nil, aerr
		}
		end = i
		start = max(end-limit, 0)
	default:
		end = min(limit, len(items))
	}
	out := &cursorList[T]{Object: "list", Data: append([]T{}, items[start:end]...)}
	if before != "" {
		out.HasMore = start > 0
	} else {
		out.HasMore = end < len(items)
	}
	return out, nil
}
