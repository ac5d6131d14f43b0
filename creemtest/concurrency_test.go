package creemtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// Handlers return pointers into the store; if answers were encoded after the lock is released, a
// concurrent update would race with the encoding (caught by -race) and an answer could mix two
// states. Each resource is hammered with reads, lists and writes at once; every answer must be a
// state that existed: the fields written together are read together.
func TestConcurrentReadsAndWritesSeeWholeStates(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.Background()
	const writers, readers, rounds = 4, 4, 25

	prod := createProduct(t, c, creem.BillingTypeRecurring)
	cust, err := c.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "race@example.com", Name: "v0"})
	require.NoError(t, err)
	ch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: prod.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, ch.ID, "buyer@example.com")
	require.NoError(t, err)
	subs, err := c.Subscriptions.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, subs.Items, 1)
	sub := subs.Items[0]
	lic := createProduct(t, c, creem.BillingTypeOnetime)
	require.NoError(t, srv.EnableLicenseKeys(lic.ID, 1000))
	lch, err := c.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: lic.ID})
	require.NoError(t, err)
	_, err = srv.Pay(ctx, lch.ID, "buyer@example.com")
	require.NoError(t, err)
	licenses, err := c.Customers.ListLicenses(ctx, subs.Items[0].Customer.ID, nil)
	require.NoError(t, err)
	require.NotEmpty(t, licenses.Items)
	key := licenses.Items[0].Key

	// whole checks that name and description (or name and metadata) carry the same version.
	version := func(s string) string { return s[strings.LastIndexByte(s, '-')+1:] }
	var wg sync.WaitGroup
	var mu sync.Mutex
	var torn []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		torn = append(torn, fmt.Sprintf(format, args...))
	}
	run := func(n int, f func(i, round int)) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := 0; round < rounds; round++ {
					f(i, round)
				}
			}()
		}
	}

	// Products: PATCH name and description together; GET and list.
	run(writers, func(i, round int) {
		v := fmt.Sprintf("%d.%d", i, round)
		_, err := c.Products.Update(ctx, prod.ID, &creem.UpdateProductParams{Name: creem.Ptr("name-" + v), Description: creem.Ptr("desc-" + v)})
		assert.NoError(t, err)
	})
	checkProduct := func(p *creem.Product) {
		if p.ID == prod.ID && p.Name != "Pro plan" && version(p.Name) != version(p.Description) {
			report("product %q / %q", p.Name, p.Description)
		}
	}
	run(readers, func(int, int) {
		p, err := c.Products.Get(ctx, prod.ID)
		if assert.NoError(t, err) {
			checkProduct(p)
		}
		page, err := c.Products.List(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 50}})
		if assert.NoError(t, err) {
			for i := range page.Items {
				checkProduct(&page.Items[i])
			}
		}
	})

	// Customers: PATCH name and metadata together; GET and list.
	run(writers, func(i, round int) {
		v := fmt.Sprintf("%d.%d", i, round)
		_, err := c.Customers.Update(ctx, cust.ID, &creem.UpdateCustomerParams{Name: creem.Ptr("name-" + v), Metadata: creem.Metadata{"v": v}})
		assert.NoError(t, err)
	})
	checkCustomer := func(cu *creem.Customer) {
		if cu.ID == cust.ID && cu.Name != nil && *cu.Name != "v0" && version(*cu.Name) != cu.Metadata["v"] {
			report("customer %q / %v", *cu.Name, cu.Metadata)
		}
	}
	run(readers, func(int, int) {
		cu, err := c.Customers.Get(ctx, cust.ID)
		if assert.NoError(t, err) {
			checkCustomer(cu)
		}
		page, err := c.Customers.List(ctx, &creem.ListCustomersParams{ListParams: creem.ListParams{PageSize: 50}})
		if assert.NoError(t, err) {
			for i := range page.Items {
				checkCustomer(&page.Items[i])
			}
		}
	})

	// Subscriptions: seats, pause and resume; GET and list.
	run(2, func(i, round int) {
		units := 1 + round
		_, err := c.Subscriptions.Update(ctx, sub.ID, &creem.UpdateSubscriptionParams{Items: []creem.SubscriptionItemParams{{ID: sub.Items[0].ID, Units: &units}}})
		assert.NoError(t, err)
		if i == 0 {
			_, _ = c.Subscriptions.Pause(ctx, sub.ID) // 409 when already paused is fine
		} else {
			_, _ = c.Subscriptions.Resume(ctx, sub.ID)
		}
	})
	run(readers, func(int, int) {
		_, err := c.Subscriptions.Get(ctx, sub.ID)
		assert.NoError(t, err)
		_, err = c.Subscriptions.List(ctx, nil)
		assert.NoError(t, err)
		_, err = c.Customers.ListSubscriptions(ctx, sub.Customer.ID, nil)
		assert.NoError(t, err)
	})

	// Licenses: activate and deactivate instances; validate and list instances.
	run(writers, func(i, round int) {
		l, err := c.Licenses.Activate(ctx, &creem.ActivateLicenseParams{Key: key, InstanceName: "host-" + strconv.Itoa(i)})
		if assert.NoError(t, err) && len(l.Instances) > 0 {
			_, err = c.Licenses.Deactivate(ctx, &creem.DeactivateLicenseParams{Key: key, InstanceID: l.Instances[0].ID})
			assert.NoError(t, err)
		}
	})
	run(readers, func(int, int) {
		_, err := c.Licenses.ListInstances(ctx, licenses.Items[0].ID, nil)
		assert.NoError(t, err)
		_, err = c.Customers.ListLicenses(ctx, sub.Customer.ID, nil)
		assert.NoError(t, err)
	})

	// Discounts and transactions: reads while the hosted pages and webhooks read the same state.
	run(2, func(i, round int) {
		d, err := c.Discounts.Create(ctx, &creem.CreateDiscountParams{
			Name: "d", Code: fmt.Sprintf("RACE%d%d", i, round), Type: creem.DiscountTypePercentage, Percentage: 10,
			Duration: creem.DiscountDurationOnce, AppliesToProducts: []string{prod.ID},
		})
		if assert.NoError(t, err) {
			_, err = c.Discounts.Delete(ctx, d.ID)
			assert.NoError(t, err)
		}
	})
	run(readers, func(int, int) {
		_, err := c.Discounts.List(ctx, nil)
		assert.NoError(t, err)
		_, err = c.Transactions.List(ctx, nil)
		assert.NoError(t, err)
		resp, err := http.Get(ch.CheckoutURL)
		if assert.NoError(t, err) {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})

	wg.Wait()
	assert.Empty(t, torn, "answers mixing two states")
}
