package creem_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// Ingester benchmarks. An op is one event. Run them with
//
//	go test -run '^$' -bench 'Ingester' -benchmem .
//
// events/s is reported as a metric of its own; allocs/op is allocations per event.

// cannedIngestServer answers every request with a fixed 202 of 100 event IDs, as fast as it can:
// the SDK's own cost dominates what is measured.
func cannedIngestServer(b *testing.B) *httptest.Server {
	b.Helper()
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("3b9e6c1e-55a0-4b8e-9b3f-%012d", i)
	}
	body, _ := json.Marshal(map[string]any{"accepted": 100, "event_ids": ids})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchClient(b *testing.B, url, key string) *creem.Client {
	b.Helper()
	c, err := creem.NewClient(key, creem.WithBaseURL(url), creem.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchEvent(customer string, i int) creem.UsageEventParams {
	return creem.UsageEventParams{Name: "api.call", CustomerID: customer, Properties: map[string]any{"tokens": i}}
}

// runIngester enqueues b.N events from parallel producers into ing, then flushes; it reports
// events/s enqueued (Enqueue calls alone) and delivered (until Flush returned).
func runIngester(b *testing.B, ing *creem.Ingester, customer string) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	producers := runtime.GOMAXPROCS(0) * 4
	per := (b.N + producers - 1) / producers
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p * per; i < min((p+1)*per, b.N); i++ {
				if _, err := ing.Enqueue(ctx, benchEvent(customer, i)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	enqueued := time.Since(start)
	if err := ing.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	delivered := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/enqueued.Seconds(), "enqueued-events/s")
	b.ReportMetric(float64(b.N)/delivered.Seconds(), "delivered-events/s")
	if err := ing.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIngesterEnqueue measures Enqueue alone: the queue holds every event of the run, so no
// producer waits for delivery (which runs at the same time, into the canned server).
func BenchmarkIngesterEnqueue(b *testing.B) {
	srv := cannedIngestServer(b)
	ing, err := creem.NewIngester(benchClient(b, srv.URL, benchKey), creem.IngesterConfig{QueueSize: max(b.N, 100)})
	if err != nil {
		b.Fatal(err)
	}
	runIngester(b, ing, "cust_1OcIK1GEuVvXZwD19tjq2z")
}

// BenchmarkIngesterDeliverCanned measures end-to-end delivery into the canned 202 server with the
// default configuration (a queue of 10,000, 4 senders): producers wait when the queue is full.
func BenchmarkIngesterDeliverCanned(b *testing.B) {
	srv := cannedIngestServer(b)
	ing, err := creem.NewIngester(benchClient(b, srv.URL, benchKey), creem.IngesterConfig{})
	if err != nil {
		b.Fatal(err)
	}
	runIngester(b, ing, "cust_1OcIK1GEuVvXZwD19tjq2z")
}

// BenchmarkIngesterDeliverCreemtest measures delivery into creemtest, which validates, stores and
// deduplicates every event in the same process: both sides' costs are in the numbers.
func BenchmarkIngesterDeliverCreemtest(b *testing.B) {
	srv := creemtest.NewServer()
	b.Cleanup(srv.Close)
	c := benchClient(b, srv.URL, srv.APIKey)
	cu, err := c.Customers.Create(context.Background(), &creem.CreateCustomerParams{Email: "bench@example.com", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	ing, err := creem.NewIngester(c, creem.IngesterConfig{})
	if err != nil {
		b.Fatal(err)
	}
	runIngester(b, ing, cu.ID)
}

// BenchmarkIngesterFullQueueMemory fills the queue while the server holds every request, and
// reports the heap the ingester then holds: it grows with QueueSize and with nothing else.
func BenchmarkIngesterFullQueueMemory(b *testing.B) {
	for _, size := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("queue=%d", size), func(b *testing.B) {
			gate := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
				w.WriteHeader(http.StatusAccepted)
				_, _ = w.Write([]byte(`{"accepted":0,"event_ids":[]}`))
			}))
			defer srv.Close()
			c := benchClient(b, srv.URL, benchKey)
			var peak uint64
			for range b.N {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				ing, err := creem.NewIngester(c, creem.IngesterConfig{QueueSize: size})
				if err != nil {
					b.Fatal(err)
				}
				for i := range size {
					if _, err := ing.TryEnqueue(benchEvent("cust_1OcIK1GEuVvXZwD19tjq2z", i)); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := ing.TryEnqueue(benchEvent("cust_1OcIK1GEuVvXZwD19tjq2z", -1)); err == nil {
					b.Fatal("the queue took more than QueueSize events")
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if d := after.HeapAlloc - before.HeapAlloc; after.HeapAlloc > before.HeapAlloc && d > peak {
					peak = d
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				_ = ing.Close(ctx) // gives up on the held requests
				cancel()
			}
			close(gate)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(peak)/float64(size), "heap-B/queued-event")
		})
	}
}
