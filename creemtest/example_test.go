package creemtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// A monthly subscription renews when the clock passes its period's end; once its card declines,
// the next renewal makes it past_due, and when the retries run out it is unpaid.
func ExampleServer_Advance() {
	start := time.Date(2026, time.January, 15, 9, 0, 0, 0, time.UTC)
	srv := creemtest.NewServer(creemtest.WithClock(func() time.Time { return start }))
	defer srv.Close()
	client, _ := srv.Client()
	ctx := context.Background()

	product, _ := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro", Price: creem.Ptr[int64](1500), Currency: creem.CurrencyEUR,
		BillingType: creem.BillingTypeRecurring, BillingPeriod: creem.BillingPeriodEveryMonth,
	})
	checkout, _ := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{ProductID: product.ID})
	_, _ = srv.PayWith(ctx, checkout.ID, creemtest.Payment{Email: "ada@example.com", Card: creemtest.CardSucceeds})
	checkout, _ = client.Checkouts.Get(ctx, checkout.ID)
	subscriptionID := checkout.Subscription.ID

	srv.Advance(31 * 24 * time.Hour)              // February 15: renewed
	_ = srv.SetRenewalsFail(subscriptionID, true) // the card on file now declines
	srv.Advance(28 * 24 * time.Hour)              // March 15: declined, past due
	srv.Advance(7 * 24 * time.Hour)               // retried on March 18, 20 and 22: unpaid

	for _, e := range srv.Events() {
		if sub, err := e.Subscription(); err == nil {
			fmt.Printf("%s %-21s %-8s paid until %s\n", e.CreatedAt.Format(time.DateOnly), e.Type, sub.Status,
				sub.CurrentPeriodEndDate.Format(time.DateOnly))
		}
	}
	sub, _ := client.Subscriptions.Get(ctx, subscriptionID)
	fmt.Println("last paid:", sub.LastTransaction.Amount, "for", sub.LastTransaction.PeriodStart.UTC().Format(time.DateOnly))
	// Output:
	// 2026-01-15 subscription.active   active   paid until 2026-02-15
	// 2026-01-15 subscription.paid     active   paid until 2026-02-15
	// 2026-02-15 subscription.paid     active   paid until 2026-03-15
	// 2026-03-15 subscription.past_due past_due paid until 2026-03-15
	// 2026-03-22 subscription.unpaid   unpaid   paid until 2026-03-15
	// last paid: 1500 for 2026-02-15
}
