package creem_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// A meter sums the tokens of "ai.tokens" events per customer and month, leaving out internal
// traffic.
func ExampleMetersService_Create() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	meter, err := client.Meters.Create(ctx, &creem.CreateMeterParams{
		Name: "AI tokens", EventName: "ai.tokens", UnitLabel: "tokens",
		Aggregation: creem.AggregationSum, AggregationProperty: "tokens",
		Filter: &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{
			{Property: "tier", Operator: creem.FilterNotEquals, Value: "internal"},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(meter.Name, meter.Aggregation, *meter.AggregationProperty, meter.Status)

	customer, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Usage.Ingest(ctx, &creem.IngestUsageParams{Events: []creem.UsageEventParams{
		{Name: "ai.tokens", CustomerID: customer.ID, Properties: map[string]any{"tokens": 512, "tier": "pro"}},
		{Name: "ai.tokens", CustomerID: customer.ID, Properties: map[string]any{"tokens": 128, "tier": "pro"}},
		{Name: "ai.tokens", CustomerID: customer.ID, Properties: map[string]any{"tokens": 9000, "tier": "internal"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	units, err := client.Meters.ConsumedUnits(ctx, meter.ID, &creem.ConsumedUnitsParams{CustomerID: customer.ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(units.Units, meter.UnitLabel, "this month")

	// Names are unique in the store, archived meters included.
	_, err = client.Meters.Create(ctx, &creem.CreateMeterParams{
		Name: "AI tokens", EventName: "ai.tokens.v2", Aggregation: creem.AggregationCount, UnitLabel: "requests",
	})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) && apiErr.Code == creem.CodeMeterNameTaken {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// AI tokens sum tokens active
	// 640 tokens this month
	// 409 meter_name_taken
}

// Ingest is idempotent on the events' IDs: a batch sent again after a failure counts nothing
// twice.
func ExampleUsageService_Ingest() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{
		Email: "ada@example.com", Name: "Ada", ExternalID: "user-42",
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := client.Meters.Create(ctx, &creem.CreateMeterParams{
		Name: "AI tokens", EventName: "ai.tokens", UnitLabel: "tokens",
		Aggregation: creem.AggregationSum, AggregationProperty: "tokens",
	}); err != nil {
		log.Fatal(err)
	}

	// Give the events IDs up front (your request IDs, or AssignEventIDs) to be able to send the
	// same batch again later; Ingest generates the missing ones otherwise.
	batch := &creem.IngestUsageParams{Events: []creem.UsageEventParams{
		{Name: "ai.tokens", ExternalCustomerID: "user-42", EventID: "req-7f3a", Properties: map[string]any{"tokens": 512}},
		{Name: "ai.images", ExternalCustomerID: "user-42", EventID: "req-7f3b", Properties: map[string]any{"size": "1024x1024"}},
	}}
	res, err := client.Usage.Ingest(ctx, batch)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted:", res.Accepted, res.EventIDs)
	for _, w := range res.Warnings { // stored, but no meter will count it as sent
		fmt.Println("warning for event", w.Index, w.Code)
	}

	if _, err := client.Usage.Ingest(ctx, batch); err != nil { // say, after a timeout
		log.Fatal(err)
	}
	fmt.Println("stored:", len(fake.UsageEvents()), "deduplicated:", fake.UsageEventReplays())

	// Creem validates the whole batch first: one bad event rejects it, and Param names it.
	_, err = client.Usage.Ingest(ctx, &creem.IngestUsageParams{Events: []creem.UsageEventParams{
		{Name: "ai.tokens", ExternalCustomerID: "user-42", Properties: map[string]any{"tokens": 64}},
		{Name: "ai.tokens", ExternalCustomerID: "user-43", Properties: map[string]any{"tokens": 64}},
	}})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Param)
	}
	// Output:
	// accepted: 2 [req-7f3a req-7f3b]
	// warning for event 1 no_matching_meter
	// stored: 2 deduplicated: 2
	// 422 customer_not_found events[1].external_customer_id
}

// An Ingester batches usage events in the background for a server that records usage on every
// request. Here Creem loses the answer to one batch after storing it: the ingester sends it
// again, and Creem counts nothing twice.
func ExampleNewIngester() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client(creem.WithRetryWait(10*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	customer, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	fake.FailNext("POST /v1/events/ingest", 1, creemtest.Fault{Status: 500, AfterHandling: true})

	ing, err := creem.NewIngester(client, creem.IngesterConfig{
		OnFailure: func(f creem.IngestFailure) { log.Printf("usage: %d events undelivered: %v", len(f.Events), f.Err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 200 { // in your handlers: one event per request
		if _, err := ing.Enqueue(ctx, creem.UsageEventParams{
			Name: "ai.tokens", CustomerID: customer.ID, Properties: map[string]any{"tokens": 10 + i%5},
		}); err != nil {
			log.Println(err) // the queue stayed full as long as ctx allowed
		}
	}

	// On shutdown: deliver what is queued, giving up after 10 seconds.
	shutdown, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ing.Close(shutdown); err != nil {
		log.Println(err) // a *creem.UndeliveredError
	}
	stats := ing.Stats()
	fmt.Println("delivered:", stats.Delivered, "failed:", stats.Failed)
	fmt.Println("stored:", len(fake.UsageEvents()), "resent and deduplicated:", fake.UsageEventReplays() > 0)
	// Output:
	// delivered: 200 failed: 0
	// stored: 200 resent and deduplicated: true
}

// Debit takes credits from a customer's account, and refuses with insufficient_balance when
// the balance does not cover it.
func ExampleCreditsService_Debit() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	customer, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	account, err := client.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{
		CustomerID: customer.ID, Name: "images", UnitLabel: "images", InitialBalance: creem.NewCreditAmount(5),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Pay for one image; an idempotency key is generated, so the call is retried safely.
	tx, err := client.Credits.Debit(ctx, account.ID, &creem.CreditDebitParams{
		Amount: creem.NewCreditAmount(2), Reference: "job-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	entry := tx.EntriesFor(account.ID)[0] // the other side is the store's system account
	fmt.Println(tx.Reference, entry.Side, entry.Amount)

	// The next image costs more than is left.
	_, err = client.Credits.Debit(ctx, account.ID, &creem.CreditDebitParams{
		Amount: creem.NewCreditAmount(4), Reference: "job-2",
	})
	var apiErr *creem.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == creem.CodeInsufficientBalance: // 422, nothing debited
		fmt.Println("job-2 refused:", apiErr.Code)
	case errors.Is(err, creem.ErrConflict): // 409: the account is frozen or closed
		fmt.Println("job-2 refused: account locked")
	case err != nil:
		log.Fatal(err)
	}

	balance, err := client.Credits.Balance(ctx, account.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(balance.Balance, account.UnitLabel, "left")
	// Output:
	// job-1 debit 2
	// job-2 refused: insufficient_balance
	// 3 images left
}
