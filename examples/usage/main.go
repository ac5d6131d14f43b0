// Command usage walks through usage-based billing: define a meter, preview and ingest usage
// events directly, run the batching Ingester inside a web server, and read what a customer
// consumed.
//
// Without CREEM_API_KEY it runs offline against creemtest, an in-process fake Creem server,
// which also makes the first ingest requests fail so that the retries show:
//
//	go run ./examples/usage
//
// With CREEM_API_KEY (a creem_test_ key with the meters and events scopes) it runs against
// Creem's test mode. CREEM_CUSTOMER_ID attributes the usage to an existing customer instead of
// creating one; CREEM_BASE_URL sends the requests to a proxy instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "usage:", err)
		os.Exit(1)
	}
}

const (
	eventName = "ai.tokens"
	meterName = "creem-go example: AI tokens"
)

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	apiKey := getenv("CREEM_API_KEY")
	offline := apiKey == ""
	var fake *creemtest.Server
	var opts []creem.Option
	if offline {
		fake = creemtest.NewServer()
		defer fake.Close()
		apiKey = fake.APIKey
		opts = append(opts, creem.WithBaseURL(fake.URL), creem.WithRetryWait(10*time.Millisecond, 100*time.Millisecond))
		fmt.Fprintf(out, "No CREEM_API_KEY set: using creemtest, a fake Creem server at %s\n", fake.URL)
	}
	if base := getenv("CREEM_BASE_URL"); base != "" && !offline {
		opts = append(opts, creem.WithBaseURL(base))
	}
	client, err := creem.NewClient(apiKey, opts...)
	if err != nil {
		return err
	}
	if !offline {
		fmt.Fprintf(out, "Using Creem at %s\n", client.BaseURL())
	}

	// 1. A customer to bill.
	customerID := getenv("CREEM_CUSTOMER_ID")
	if customerID == "" {
		cu, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{
			Email: "usage-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com", Name: "Usage Example",
		})
		if err != nil {
			return fmt.Errorf("creating the customer: %w", err)
		}
		customerID = cu.ID
	}
	fmt.Fprintf(out, "1. customer %s\n", customerID)

	// 2. A meter: the sum of the "tokens" property of ai.tokens events, internal traffic left out.
	meter, err := defineMeter(ctx, client)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "2. meter %s: %s of %q over %s events, in %s\n", meter.ID, meter.Aggregation, *meter.AggregationProperty, meter.EventName, meter.UnitLabel)

	// 3. Preview a batch before sending it for real: nothing is stored.
	prefix := "order-" + strconv.FormatInt(time.Now().UnixNano(), 36) // this run's event IDs, apart from earlier runs'
	batch := []creem.UsageEventParams{
		{Name: eventName, CustomerID: customerID, EventID: prefix + "-a", Properties: map[string]any{"tokens": 100, "tier": "pro"}},
		{Name: eventName, CustomerID: customerID, EventID: prefix + "-b", Properties: map[string]any{"tokens": 200, "tier": "pro"}},
		{Name: eventName, CustomerID: customerID, EventID: prefix + "-c", Properties: map[string]any{"tokens": 300, "tier": "free"}},
	}
	preview, err := client.Usage.Preview(ctx, &creem.IngestUsageParams{Events: batch})
	if err != nil {
		return fmt.Errorf("previewing: %w", err)
	}
	fmt.Fprintf(out, "3. previewed %d events: valid=%t, the first feeds %v\n", len(preview.Events), preview.Valid, preview.Events[0].MatchedMeters)

	// 4. Ingest directly. Every event has an ID, so sending the batch again counts nothing twice.
	res, err := client.Usage.Ingest(ctx, &creem.IngestUsageParams{Events: batch})
	if err != nil {
		return fmt.Errorf("ingesting: %w", err)
	}
	fmt.Fprintf(out, "4. ingested %d events directly, recorded as %v\n", res.Accepted, res.EventIDs)
	if _, err := client.Usage.Ingest(ctx, &creem.IngestUsageParams{Events: batch}); err != nil {
		return fmt.Errorf("ingesting again: %w", err)
	}
	fmt.Fprintf(out, "   sent the same batch again: Creem deduplicated it\n")

	// 5. A web server that records one event per request through an Ingester.
	if offline {
		// Creem misbehaves twice; the ingester retries the batch with the same event IDs.
		fake.FailNext("POST /v1/events/ingest", 1, creemtest.Fault{Status: http.StatusServiceUnavailable})
		fake.FailNext("POST /v1/events/ingest", 1, creemtest.Fault{Drop: true, AfterHandling: true})
	}
	served, stats, err := serveWithIngester(ctx, client, customerID, 200)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "5. served %d requests; the ingester delivered %d events, %d undelivered\n", served, stats.Delivered, stats.Failed)
	if offline {
		fmt.Fprintf(out, "   creemtest failed 2 ingest requests on purpose; the batch was sent again and the %d events that arrived twice were counted once\n",
			fake.UsageEventReplays()-len(batch))
	}

	// 6. What the customer consumed this month.
	units, err := client.Meters.ConsumedUnits(ctx, meter.ID, &creem.ConsumedUnitsParams{CustomerID: customerID})
	if err != nil {
		return fmt.Errorf("reading consumed units: %w", err)
	}
	fmt.Fprintf(out, "6. %s consumed %s %s from %s to %s\n", customerID, units.Units, meter.UnitLabel,
		units.PeriodStart.Format(time.DateOnly), units.PeriodEnd.Format(time.DateOnly))
	return nil
}

// defineMeter creates the example's meter, or reuses it when an earlier run created it (meter
// names are unique per store, archived meters included).
func defineMeter(ctx context.Context, client *creem.Client) (*creem.Meter, error) {
	meter, err := client.Meters.Create(ctx, &creem.CreateMeterParams{
		Name: meterName, EventName: eventName, UnitLabel: "tokens",
		Aggregation: creem.AggregationSum, AggregationProperty: "tokens",
		Filter: &creem.MeterFilter{Conjunction: creem.FilterAnd, Clauses: []creem.FilterClause{
			{Property: "tier", Operator: creem.FilterNotEquals, Value: "internal"},
		}},
	})
	var apiErr *creem.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != creem.CodeMeterNameTaken {
		if err != nil {
			return nil, fmt.Errorf("creating the meter: %w", err)
		}
		return meter, nil
	}
	if id, ok := apiErr.Details["archived_holder_id"].(string); ok {
		return client.Meters.Unarchive(ctx, id)
	}
	for m, err := range client.Meters.All(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if m.Name == meterName {
			return m, nil
		}
	}
	return nil, errors.New("the meter's name is taken, but no meter has it")
}

// serveWithIngester runs a small API whose every request costs tokens, recorded through an
// Ingester, calls it n times, and shuts down as a server would: the ingester is closed last, so
// the events of the last requests are delivered too.
func serveWithIngester(ctx context.Context, client *creem.Client, customerID string, n int) (int, creem.IngesterStats, error) {
	ing, err := creem.NewIngester(client, creem.IngesterConfig{
		FlushInterval: 200 * time.Millisecond,
		RetryWaitMin:  10 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond,
		OnFailure: func(f creem.IngestFailure) {
			// A real server would log these, or store them to send again later: their event IDs
			// make that safe.
			fmt.Fprintf(os.Stderr, "usage: %d events undelivered: %v\n", len(f.Events), f.Err)
		},
	})
	if err != nil {
		return 0, creem.IngesterStats{}, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/complete", func(w http.ResponseWriter, r *http.Request) {
		tokens, _ := strconv.Atoi(r.URL.Query().Get("tokens"))
		// Enqueue returns at once unless the queue is full; then it waits, at most as long as
		// the request may.
		if _, err := ing.Enqueue(r.Context(), creem.UsageEventParams{
			Name: eventName, CustomerID: customerID, Properties: map[string]any{"tokens": tokens, "tier": "pro"},
		}); err != nil {
			http.Error(w, "usage not recorded: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "completed (%d tokens)\n", tokens)
	})
	api := httptest.NewServer(mux)

	served := 0
	for i := range n {
		resp, err := http.Post(api.URL+"/v1/complete?tokens="+strconv.Itoa((i%10+1)*10), "text/plain", nil)
		if err != nil {
			api.Close()
			_ = ing.Close(ctx)
			return served, ing.Stats(), err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			served++
		}
	}
	api.Close() // no more requests ...
	if err := ing.Close(ctx); err != nil {
		return served, ing.Stats(), fmt.Errorf("closing the ingester: %w", err) // ... then deliver what is queued
	}
	return served, ing.Stats(), nil
}
