package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creem-go/creem"
)

// benchKey is the key both clients send.
const benchKey = "creem_test_benchmarkbenchmark"

// benchFixtures are the bodies the benchmark server answers with, by path.
func benchFixtures(tb testing.TB) map[string][]byte {
	return map[string][]byte{
		"/v1/checkouts":       mustRead(tb, "testdata/fixtures/checkout.json"),
		"/v1/subscriptions":   mustRead(tb, "testdata/fixtures/subscription.json"),
		"/v1/products/search": productPage100(tb),
	}
}

// fixtureHandler answers each benchmarked route with its fixture.
func fixtureHandler(bodies map[string][]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	})
}

// benchServer starts the fixture server. With BENCH_SERVER=process (what BENCHMARKS.md's
// numbers use) it runs in a child process, so that the CPU this process uses is the client's
// alone and the cpu-ns/op metric means something; otherwise in-process, which is quicker to
// start (CI runs each benchmark once).
func benchServer(b *testing.B) string {
	b.Helper()
	if os.Getenv("BENCH_SERVER") == "process" {
		return benchServerProcess(b)
	}
	srv := httptest.NewServer(fixtureHandler(benchFixtures(b)))
	b.Cleanup(srv.Close)
	return srv.URL
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// productPage100 is a page of 100 realistic products (about 96 KB), built from the fixture.
func productPage100(tb testing.TB) []byte {
	var p map[string]any
	if err := json.Unmarshal(mustRead(tb, "testdata/fixtures/product.json"), &p); err != nil {
		tb.Fatal(err)
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
		tb.Fatal(err)
	}
	return page
}

// The raw baseline decodes into structs of its own, written for the benchmark the way a user
// would hand-write them from Creem's docs and the fixtures: plain fields, time.Time for ISO
// timestamps and int64 for epoch milliseconds, no custom methods, nothing shared with the SDK.

type rawProduct struct {
	ID                     string     `json:"id"`
	Mode                   string     `json:"mode"`
	Object                 string     `json:"object"`
	Name                   string     `json:"name"`
	Description            string     `json:"description"`
	ImageURL               *string    `json:"image_url"`
	ImageURLs              []string   `json:"image_urls"`
	Features               []rawFeat  `json:"features"`
	UsagePrices            []rawUsage `json:"usage_prices"`
	Price                  int64      `json:"price"`
	Currency               string     `json:"currency"`
	BillingType            string     `json:"billing_type"`
	BillingPeriod          string     `json:"billing_period"`
	RecurringInterval      *string    `json:"recurring_interval"`
	RecurringIntervalCount *int       `json:"recurring_interval_count"`
	TrialPeriodDays        *int       `json:"trial_period_days"`
	TrialPrice             *int64     `json:"trial_price"`
	Status                 string     `json:"status"`
	TaxMode                string     `json:"tax_mode"`
	BusinessNetPricing     bool       `json:"business_net_pricing"`
	TaxCategory            string     `json:"tax_category"`
	ProductURL             string     `json:"product_url"`
	DefaultSuccessURL      *string    `json:"default_success_url"`
	CustomFields           []rawField `json:"custom_fields"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
}

type rawFeat struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	Description     string `json:"description"`
	CustomerCredits *struct {
		Amount     string `json:"amount"`
		UnitLabel  string `json:"unit_label"`
		BucketName string `json:"bucket_name"`
	} `json:"customer_credits"`
}

type rawUsage struct {
	ID                string  `json:"id"`
	MeterID           string  `json:"meter_id"`
	UnitPrice         float64 `json:"unit_price"`
	FreeAllowance     int64   `json:"free_allowance"`
	Cap               *int64  `json:"cap"`
	SettlementMode    string  `json:"settlement_mode"`
	TargetAccount     string  `json:"target_account"`
	TargetAccountName *string `json:"target_account_name"`
	TrialUsageMode    string  `json:"trial_usage_mode"`
}

type rawField struct {
	Type     string `json:"type"`
	Key      string `json:"key"`
	Label    string `json:"label"`
	Optional bool   `json:"optional"`
	Text     *struct {
		MaxLength     int     `json:"max_length"`
		MinimumLength int     `json:"minimum_length"`
		Value         *string `json:"value"`
	} `json:"text"`
	Checkbox *struct {
		Label string `json:"label"`
		Value *bool  `json:"value"`
	} `json:"checkbox"`
}

type rawPage struct {
	Items      []rawProduct `json:"items"`
	Pagination struct {
		TotalRecords int  `json:"total_records"`
		TotalPages   int  `json:"total_pages"`
		CurrentPage  int  `json:"current_page"`
		NextPage     *int `json:"next_page"`
		PrevPage     *int `json:"prev_page"`
	} `json:"pagination"`
}

type rawCustomer struct {
	ID         string         `json:"id"`
	Mode       string         `json:"mode"`
	Object     string         `json:"object"`
	Email      string         `json:"email"`
	Name       *string        `json:"name"`
	Metadata   map[string]any `json:"metadata"`
	Country    *string        `json:"country"`
	ExternalID *string        `json:"external_id"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

type rawTransaction struct {
	ID             string `json:"id"`
	Mode           string `json:"mode"`
	Object         string `json:"object"`
	Amount         int64  `json:"amount"`
	AmountPaid     int64  `json:"amount_paid"`
	DiscountAmount int64  `json:"discount_amount"`
	Currency       string `json:"currency"`
	Type           string `json:"type"`
	TaxCountry     string `json:"tax_country"`
	TaxAmount      int64  `json:"tax_amount"`
	Status         string `json:"status"`
	RefundedAmount *int64 `json:"refunded_amount"`
	Order          string `json:"order"`
	Subscription   string `json:"subscription"`
	Customer       string `json:"customer"`
	Description    string `json:"description"`
	PeriodStart    int64  `json:"period_start"`
	PeriodEnd      int64  `json:"period_end"`
	CreatedAt      int64  `json:"created_at"`
}

type rawDiscount struct {
	ID               string `json:"id"`
	DiscountCode     string `json:"discountCode"`
	Name             string `json:"name"`
	Type             string `json:"type"`
	Amount           int64  `json:"amount"`
	Duration         string `json:"duration"`
	DurationInMonths int    `json:"durationInMonths"`
}

type rawItem struct {
	ID        string `json:"id"`
	Mode      string `json:"mode"`
	Object    string `json:"object"`
	ProductID string `json:"product_id"`
	PriceID   string `json:"price_id"`
	Units     int    `json:"units"`
}

// rawSubscriptionFields are a subscription's fields but its product and customer.
type rawSubscriptionFields struct {
	ID                     string          `json:"id"`
	Mode                   string          `json:"mode"`
	Object                 string          `json:"object"`
	Items                  []rawItem       `json:"items"`
	CollectionMethod       string          `json:"collection_method"`
	Status                 string          `json:"status"`
	LastTransactionID      string          `json:"last_transaction_id"`
	LastTransaction        *rawTransaction `json:"last_transaction"`
	LastTransactionDate    *time.Time      `json:"last_transaction_date"`
	NextTransactionDate    *time.Time      `json:"next_transaction_date"`
	CurrentPeriodStartDate *time.Time      `json:"current_period_start_date"`
	CurrentPeriodEndDate   *time.Time      `json:"current_period_end_date"`
	CanceledAt             *time.Time      `json:"canceled_at"`
	CreatedAt              time.Time       `json:"created_at"`
	UpdatedAt              time.Time       `json:"updated_at"`
	Discount               *rawDiscount    `json:"discount"`
	Metadata               map[string]any  `json:"metadata"`
}

// rawSubscription is an expanded subscription: product and customer as objects.
type rawSubscription struct {
	rawSubscriptionFields
	Product  rawProduct  `json:"product"`
	Customer rawCustomer `json:"customer"`
}

// rawCheckout is the checkout fixture's shape: product, order, customer and subscription
// expanded (the subscription's own product and customer as IDs).
type rawCheckout struct {
	ID          string     `json:"id"`
	Mode        string     `json:"mode"`
	Object      string     `json:"object"`
	Status      string     `json:"status"`
	RequestID   string     `json:"request_id"`
	Product     rawProduct `json:"product"`
	Units       int        `json:"units"`
	CustomPrice *int64     `json:"custom_price"`
	Order       *struct {
		ID             string    `json:"id"`
		Mode           string    `json:"mode"`
		Object         string    `json:"object"`
		Customer       string    `json:"customer"`
		Product        string    `json:"product"`
		Transaction    string    `json:"transaction"`
		Discount       *string   `json:"discount"`
		Amount         int64     `json:"amount"`
		SubTotal       int64     `json:"sub_total"`
		TaxAmount      int64     `json:"tax_amount"`
		DiscountAmount int64     `json:"discount_amount"`
		AmountDue      int64     `json:"amount_due"`
		AmountPaid     int64     `json:"amount_paid"`
		Currency       string    `json:"currency"`
		FxAmount       *int64    `json:"fx_amount"`
		FxCurrency     *string   `json:"fx_currency"`
		FxRate         *float64  `json:"fx_rate"`
		Status         string    `json:"status"`
		Type           string    `json:"type"`
		Affiliate      *string   `json:"affiliate"`
		CreatedAt      time.Time `json:"created_at"`
		UpdatedAt      time.Time `json:"updated_at"`
	} `json:"order"`
	Subscription *struct {
		rawSubscriptionFields
		Product  string `json:"product"`
		Customer string `json:"customer"`
	} `json:"subscription"`
	Customer     *rawCustomer `json:"customer"`
	CustomFields []rawField   `json:"custom_fields"`
	CheckoutURL  string       `json:"checkout_url"`
	SuccessURL   *string      `json:"success_url"`
	LicenseKeys  []struct {
		ID              string     `json:"id"`
		Mode            string     `json:"mode"`
		Object          string     `json:"object"`
		ProductID       string     `json:"product_id"`
		Status          string     `json:"status"`
		Key             string     `json:"key"`
		Activation      int        `json:"activation"`
		ActivationLimit *int       `json:"activation_limit"`
		ExpiresAt       *time.Time `json:"expires_at"`
		CreatedAt       time.Time  `json:"created_at"`
		Instance        *struct {
			ID        string    `json:"id"`
			Mode      string    `json:"mode"`
			Object    string    `json:"object"`
			Name      string    `json:"name"`
			Status    string    `json:"status"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"instance"`
	} `json:"license_keys"`
	Feature *struct {
		ID          string `json:"id"`
		Description string `json:"description"`
		Type        string `json:"type"`
		PrivateNote string `json:"private_note"`
		File        *struct {
			Files []struct {
				ID       string `json:"id"`
				FileName string `json:"file_name"`
				URL      string `json:"url"`
				Type     string `json:"type"`
				Size     int64  `json:"size"`
			} `json:"files"`
		} `json:"file"`
	} `json:"feature"`
	Metadata map[string]any `json:"metadata"`
	Discount *rawDiscount   `json:"discount"`
}

// rawClient is what a careful hand-written integration uses: the same keep-alive transport
// settings and the same client timeout as the SDK's defaults.
func rawClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: creem.DefaultTimeout}
}

// rawCall is the hand-written equivalent of one SDK call, made the way a careful user would:
// build the request, send it, check the status, read the body with a size limit and decode it
// into out, close the body.
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
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}

// rawCheckoutParams is the body the raw client sends, built by hand.
type rawCheckoutParams struct {
	ProductID  string         `json:"product_id"`
	RequestID  string         `json:"request_id,omitempty"`
	Units      int            `json:"units,omitempty"`
	SuccessURL string         `json:"success_url,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
}

var (
	checkoutParams = &creem.CreateCheckoutParams{
		ProductID: "prod_d1AY2Sadk9YAvLI0pj97f", RequestID: "order-42", Units: 2,
		SuccessURL: "https://shop.example.com/thanks", Metadata: creem.Metadata{"userId": "user_123"},
	}
	rawParams = &rawCheckoutParams{
		ProductID: "prod_d1AY2Sadk9YAvLI0pj97f", RequestID: "order-42", Units: 2,
		SuccessURL: "https://shop.example.com/thanks", Metadata: map[string]any{"userId": "user_123"},
	}
)

// BenchmarkOverhead compares each call through the SDK with the same call made by hand with
// net/http and encoding/json into structs of its own, against the same server and fixture.
// Besides ns/op it reports cpu-ns/op, the CPU time of this process per call: the client's own
// cost when the server runs in another process (BENCH_SERVER=process). See BENCHMARKS.md.
func BenchmarkOverhead(b *testing.B) {
	base := benchServer(b)
	c, err := creem.NewClient(benchKey, creem.WithBaseURL(base))
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
				var out rawCheckout
				return rawCall(ctx, hc, http.MethodPost, base+"/v1/checkouts", rawParams, &out)
			},
		},
		{
			name: "checkout_get",
			sdk:  func() error { _, err := c.Checkouts.Get(ctx, "ch_4l0N34kxo16AhRKUHFUuXr"); return err },
			raw: func() error {
				var out rawCheckout
				return rawCall(ctx, hc, http.MethodGet, base+"/v1/checkouts?checkout_id="+url.QueryEscape("ch_4l0N34kxo16AhRKUHFUuXr"), nil, &out)
			},
		},
		{
			name: "product_list_100",
			sdk: func() error {
				_, err := c.Products.List(ctx, &creem.ListProductsParams{ListParams: creem.ListParams{PageSize: 100}})
				return err
			},
			raw: func() error {
				var out rawPage
				return rawCall(ctx, hc, http.MethodGet, base+"/v1/products/search?page_size=100", nil, &out)
			},
		},
		{
			name: "subscription_get_expanded",
			sdk:  func() error { _, err := c.Subscriptions.Get(ctx, "sub_6pC2lNB6joCRQIZ1aMrTpi"); return err },
			raw: func() error {
				var out rawSubscription
				return rawCall(ctx, hc, http.MethodGet, base+"/v1/subscriptions?subscription_id="+url.QueryEscape("sub_6pC2lNB6joCRQIZ1aMrTpi"), nil, &out)
			},
		},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			b.Run("paired", func(b *testing.B) { pairedRatio(b, op.sdk, op.raw) })
			for _, impl := range []struct {
				name string
				call func() error
			}{{"sdk", op.sdk}, {"raw", op.raw}} {
				b.Run(impl.name, func(b *testing.B) {
					if err := impl.call(); err != nil { // warm the connection
						b.Fatal(err)
					}
					b.ReportAllocs()
					cpu := processCPU()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := impl.call(); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					reportCPU(b, processCPU()-cpu)
				})
			}
		})
	}
}

// pairedRatio makes the SDK call and the raw call of one op in turn, b.N times each (alternating
// which goes first), and reports the ratio of their total wall and CPU times. Run in turn, both
// see the same machine: on a shared VM whose speed drifts by tens of percent over seconds, the
// separate sdk and raw sub-benchmarks can disagree by more than the difference being measured.
func pairedRatio(b *testing.B, sdk, raw func() error) {
	for _, f := range []func() error{sdk, raw} {
		if err := f(); err != nil { // warm the connections
			b.Fatal(err)
		}
	}
	var wall, cpu [2]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < 2; k++ {
			which := (i + k) % 2 // 0 sdk, 1 raw; the first of the pair alternates
			f := sdk
			if which == 1 {
				f = raw
			}
			t0, c0 := time.Now(), processCPU()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			wall[which] += time.Since(t0)
			cpu[which] += processCPU() - c0
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "sdk/raw-time")
	if cpu[1] > 0 {
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "sdk/raw-cpu")
	}
	b.ReportMetric(float64(wall[0].Nanoseconds())/float64(b.N), "sdk-ns/call")
	b.ReportMetric(float64(wall[1].Nanoseconds())/float64(b.N), "raw-ns/call")
}

// BenchmarkDecodeProductPage decodes the 96 KB page of 100 products of product_list_100, with
// nothing else: the SDK's types against the hand-written ones. Run it with and without
// GOEXPERIMENT=jsonv2 to compare the two engines behind encoding/json.
func BenchmarkDecodeProductPage(b *testing.B) {
	page := productPage100(b)
	b.SetBytes(int64(len(page)))
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var out creem.Page[creem.Product]
			if err := json.Unmarshal(page, &out); err != nil || len(out.Items) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var out rawPage
			if err := json.Unmarshal(page, &out); err != nil || len(out.Items) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNodeFetchParse runs testdata/bench/fetch_parse.mjs: Node's fetch and JSON.parse of
// the same 100-product page from the same server, reporting Node's CPU time per call the way
// cpu-ns/op does for Go. It is skipped when node is not installed.
func BenchmarkNodeFetchParse(b *testing.B) {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not installed")
	}
	base := benchServer(b)
	out, err := exec.Command(node, "testdata/bench/fetch_parse.mjs", base+"/v1/products/search?page_size=100", strconv.Itoa(max(b.N, 200))).Output()
	if err != nil {
		b.Fatal(err)
	}
	var res struct {
		WallNsPerOp float64 `json:"wall_ns_per_op"`
		CPUNsPerOp  float64 `json:"cpu_ns_per_op"`
		ParseNsOp   float64 `json:"parse_ns_per_op"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	b.ReportMetric(res.WallNsPerOp, "node-wall-ns/op")
	b.ReportMetric(res.CPUNsPerOp, "node-cpu-ns/op")
	b.ReportMetric(res.ParseNsOp, "node-parse-ns/op")
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
	c, err := creem.NewClient(benchKey, creem.WithBaseURL(benchServer(b)))
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

// BenchmarkDecodeCheckout decodes the 5 KB checkout of checkout_create and checkout_get, with
// nothing else: the SDK's Checkout, whose product, customer, subscription, order, feature and
// license instance fields accept two shapes each, against the hand-written rawCheckout.
func BenchmarkDecodeCheckout(b *testing.B) {
	body := mustRead(b, "testdata/fixtures/checkout.json")
	b.SetBytes(int64(len(body)))
	sdk := func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var out creem.Checkout
			if err := json.Unmarshal(body, &out); err != nil || out.Product == nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("sdk", sdk)
	b.Run("sdk-encoding-json-only", func(b *testing.B) {
		defer creem.SetSlowDecodeOnly(creem.SetSlowDecodeOnly(true))
		sdk(b)
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var out rawCheckout
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
