package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/creem-go/creem"
)

// benchKey is the key both clients send.
const benchKey = "creem_test_benchmarkbenchmark"

// benchServer answers every benchmarked route with a realistic fixture. Both the SDK and the raw
// client talk to the same server, so its work cancels out of the ratios.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	checkout := mustRead(b, "testdata/fixtures/checkout.json")
	subscription := mustRead(b, "testdata/fixtures/subscription.json")
	products := productPage100(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		var body []byte
		switch r.URL.Path {
		case "/v1/checkouts":
			body = checkout
		case "/v1/products/search":
			body = products
		case "/v1/subscriptions":
			body = subscription
		default:
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func mustRead(b *testing.B, path string) []byte {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// productPage100 is a page of 100 realistic products (about 96 KB), built from the fixture.
func productPage100(b *testing.B) []byte {
	var p map[string]any
	if err := json.Unmarshal(mustRead(b, "testdata/fixtures/product.json"), &p); err != nil {
		b.Fatal(err)
	}
	items := make([]any, 100)
	for i := range items {
		c := make(map[string]any, len(p))
		for k, v := range p {
			c[k] = v
		}
		c["id"] = fmt.Sprintf("prod_%022d", i)
		items[i] = c
	}
	page, err := json.Marshal(map[string]any{
		"items":      items,
		"pagination": map[string]any{"total_records": 100, "total_pages": 1, "current_page": 1, "next_page": nil, "prev_page": nil},
	})
	if err != nil {
		b.Fatal(err)
	}
	return page
}

// rawClient is what a careful hand-written integration uses: the same keep-alive transport
// settings and the same client timeout as the SDK's defaults.
func rawClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: creem.DefaultTimeout}
}

// rawCall is the hand-written equivalent of one SDK call: build the request, send it, check the
// status, decode the body into out.
func rawCall(ctx context.Context, hc *http.Client, method, u string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		payload, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("x-api-key", benchKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

var checkoutParams = &creem.CreateCheckoutParams{
	ProductID: "prod_d1AY2Sadk9YAvLI0pj97f", RequestID: "order-42", Units: 2,
	SuccessURL: "https://shop.example.com/thanks", Metadata: creem.Metadata{"userId": "user_123"},
}

// BenchmarkOverhead compares each call through the SDK with the same call made by hand with
// net/http and encoding/json, against the same local server and fixture. The budget: sdk within
// 1.05x raw in ns/op and 1.25x in allocs/op. See BENCHMARKS.md.
func BenchmarkOverhead(b *testing.B) {
	srv := benchServer(b)
	c, err := creem.NewClient(benchKey, creem.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	hc := rawClient()
	defer hc.CloseIdleConnections()
	ctx := context.Background()

	ops := []struct {
		name string
		sdk  func() error
		raw  func() error
	}{
		{
			name: "checkout_create",
			sdk:  func() error { _, err := c.Checkouts.Create(ctx, checkoutParams); return err },
			raw: func() error {
				var out creem.Checkout
				return rawCall(ctx, hc, http.MethodPost, srv.URL+"/v1/checkouts", checkoutParams, &out)
			},
		},
		{
			name: "checkout_get",
			sdk:  func() error { _, err := c.Checkouts.Get(ctx, "ch_4l0N34kxo16AhRKUHFUuXr"); return err },
			raw: func() error {
				var out creem.Checkout
				return rawCall(ctx, hc, http.MethodGet, srv.URL+"/v1/checkouts?checkout_id=ch_4l0N34kxo16AhRKUHFUuXr", nil, &out)
			},
		},
		{
			name: "product_list_100",
			sdk: func() error {
				_, err := c.Products.List(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 100}})
				return err
			},
			raw: func() error {
				var out creem.Page[creem.Product]
				return rawCall(ctx, hc, http.MethodGet, srv.URL+"/v1/products/search?page_size=100", nil, &out)
			},
		},
		{
			name: "subscription_get_expanded",
			sdk:  func() error { _, err := c.Subscriptions.Get(ctx, "sub_6pC2lNB6joCRQIZ1aMrTpi"); return err },
			raw: func() error {
				var out creem.Subscription
				return rawCall(ctx, hc, http.MethodGet, srv.URL+"/v1/subscriptions?subscription_id=sub_6pC2lNB6joCRQIZ1aMrTpi", nil, &out)
			},
		},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			for _, impl := range []struct {
				name string
				call func() error
			}{{"sdk", op.sdk}, {"raw", op.raw}} {
				b.Run(impl.name, func(b *testing.B) {
					if err := impl.call(); err != nil { // warm the connection
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := impl.call(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkAllCustomers walks 10,000 customers in pages of 100 with Customers.All. It reports
// the allocations per item and the largest live heap seen at page boundaries, which stays at
// about one page however long the list.
func BenchmarkAllCustomers(b *testing.B) {
	const total, pageSize = 10000, 100
	customer := mustRead(b, "testdata/fixtures/customer.json")
	var pages [total / pageSize][]byte
	for p := range pages {
		var buf bytes.Buffer
		buf.WriteString(`{"items":[`)
		for i := 0; i < pageSize; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(bytes.Replace(customer, []byte(`"cust_1OcIK1GEuVvXZwD19tjq2z"`), []byte(fmt.Sprintf(`"cust_%05d"`, p*pageSize+i)), 1))
		}
		next := "null"
		if p+1 < len(pages) {
			next = strconv.Itoa(p + 2)
		}
		fmt.Fprintf(&buf, `],"pagination":{"total_records":%d,"total_pages":%d,"current_page":%d,"next_page":%s,"prev_page":null}}`, total, len(pages), p+1, next)
		pages[p] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page_number"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(pages[n-1])
	}))
	defer srv.Close()
	c, err := creem.NewClient(benchKey, creem.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	params := &creem.ListCustomersParams{ListParams: creem.ListParams{PageSize: pageSize}}

	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapAlloc
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for cu, err := range c.Customers.All(ctx, params) {
			if err != nil {
				b.Fatal(err)
			}
			if cu.ID == "" {
				b.Fatal("empty customer")
			}
			n++
			if i == 0 && n%(10*pageSize) == pageSize/2 { // mid-page, every tenth page
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				b.StartTimer()
			}
		}
		if n != total {
			b.Fatalf("%d customers, want %d", n, total)
		}
	}
	b.StopTimer()
	// The live heap during the walk, above what the benchmark itself holds (the 10,000
	// customers' JSON), is about one decoded page: All keeps nothing else.
	b.ReportMetric(float64(peak-min(peak, baseline))/1024, "walk-live-KB")
	b.ReportMetric(float64(len(pages[0]))/1024, "page-JSON-KB")
	b.ReportMetric(float64(testingAllocsPerItem(b, c, params, total)), "allocs/item")
}

// testingAllocsPerItem measures allocations per customer over one full walk.
func testingAllocsPerItem(b *testing.B, c *creem.Client, params *creem.ListCustomersParams, total int) float64 {
	allocs := testing.AllocsPerRun(1, func() {
		for _, err := range c.Customers.All(context.Background(), params) {
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	return allocs / float64(total)
}

// BenchmarkParallelMixed shares one Client among GOMAXPROCS goroutines doing mixed calls.
func BenchmarkParallelMixed(b *testing.B) {
	srv := benchServer(b)
	c, err := creem.NewClient(benchKey, creem.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			var err error
			switch n.Add(1) % 3 {
			case 0:
				_, err = c.Checkouts.Get(ctx, "ch_1")
			case 1:
				_, err = c.Checkouts.Create(ctx, checkoutParams)
			case 2:
				_, err = c.Subscriptions.Get(ctx, "sub_1")
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
