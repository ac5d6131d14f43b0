package creem_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

const ingestRoute = "POST /v1/events/ingest"

// usageFake is a creemtest server with customers to attribute usage to.
type usageFake struct {
	srv       *creemtest.Server
	client    *creem.Client
	customers []string
}

func newUsageFake(t *testing.T, customers int, opts ...creem.Option) *usageFake {
	t.Helper()
	srv := creemtest.NewServer()
	t.Cleanup(srv.Close)
	base := []creem.Option{creem.WithRetryWait(time.Millisecond, 5*time.Millisecond)}
	c, err := srv.Client(append(base, opts...)...)
	require.NoError(t, err)
	f := &usageFake{srv: srv, client: c}
	for i := range customers {
		cu, err := c.Customers.Create(context.Background(), &creem.CreateCustomerParams{
			Email: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i), ExternalID: fmt.Sprintf("user-%d", i),
		})
		require.NoError(t, err)
		f.customers = append(f.customers, cu.ID)
	}
	return f
}

// failures collects what an ingester reports.
type failures struct {
	mu   sync.Mutex
	list []creem.IngestFailure
}

func (f *failures) add(x creem.IngestFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, x)
}

func (f *failures) all() []creem.IngestFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]creem.IngestFailure(nil), f.list...)
}

func (f *failures) events() []creem.UsageEventParams {
	var out []creem.UsageEventParams
	for _, x := range f.all() {
		out = append(out, x.Events...)
	}
	return out
}

func newIngester(t *testing.T, c *creem.Client, cfg creem.IngesterConfig) *creem.Ingester {
	t.Helper()
	if cfg.RetryWaitMin == 0 && cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	}
	ing, err := creem.NewIngester(c, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ing.Close(ctx)
	})
	return ing
}

func storedIDs(srv *creemtest.Server) map[string]creem.UsageEvent {
	out := map[string]creem.UsageEvent{}
	for _, ev := range srv.UsageEvents() {
		out[ev.EventID] = ev
	}
	return out
}

// Full batches go out as soon as they are full, the rest on Flush; every event carries the ID
// Enqueue returned.
func TestIngesterBatchesAndFlush(t *testing.T) {
	f := newUsageFake(t, 1)
	ing := newIngester(t, f.client, creem.IngesterConfig{FlushInterval: time.Hour, Senders: 2})
	ctx := context.Background()
	ids := map[string]int{}
	for i := range 250 {
		id, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0], Properties: map[string]any{"seq": i}})
		require.NoError(t, err)
		assert.Regexp(t, uuidV4, id)
		ids[id] = i
	}
	require.NoError(t, ing.Flush(ctx))
	assert.Equal(t, 3, f.srv.Calls(ingestRoute), "100 + 100 + 50")
	stored := storedIDs(f.srv)
	require.Len(t, stored, 250)
	for id, seq := range ids {
		assert.Equal(t, float64(seq), stored[id].Properties["seq"])
	}
	st := ing.Stats()
	assert.Equal(t, uint64(250), st.Delivered)
	assert.Zero(t, st.Held)
	require.NoError(t, ing.Close(ctx))
	_, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	assert.ErrorIs(t, err, creem.ErrIngesterClosed)
	_, err = ing.TryEnqueue(creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	assert.ErrorIs(t, err, creem.ErrIngesterClosed)
	assert.NoError(t, ing.Close(ctx), "a second Close is a no-op")
}

// A partial batch goes out after FlushInterval without a Flush.
func TestIngesterFlushInterval(t *testing.T) {
	f := newUsageFake(t, 1)
	ing := newIngester(t, f.client, creem.IngesterConfig{FlushInterval: 5 * time.Millisecond})
	_, err := ing.Enqueue(context.Background(), creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0], EventID: "  tick-1 "})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(f.srv.UsageEvents()) == 1 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, "tick-1", f.srv.UsageEvents()[0].EventID, "event IDs are sent trimmed")
}

// Enqueue checks events like Ingest, keeps the caller's ID (trimmed), and copies the properties
// map, so the caller may reuse it.
func TestIngesterEnqueueChecksAndCopies(t *testing.T) {
	f := newUsageFake(t, 1)
	ing := newIngester(t, f.client, creem.IngesterConfig{FlushInterval: time.Hour})
	ctx := context.Background()
	_, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call"})
	var pe *creem.InvalidParamsError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "customer_id", pe.Field)
	_, err = ing.TryEnqueue(creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0], EventID: "   "})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "event_id", pe.Field)
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, err = ing.Enqueue(done, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	require.ErrorIs(t, err, context.Canceled)

	props := map[string]any{"tokens": 1}
	id, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0], EventID: " mine ", Properties: props})
	require.NoError(t, err)
	assert.Equal(t, "mine", id)
	props["tokens"] = 999
	require.NoError(t, ing.Flush(ctx))
	assert.Equal(t, map[string]any{"tokens": float64(1)}, storedIDs(f.srv)["mine"].Properties)
	assert.Equal(t, 1, f.srv.Calls(ingestRoute), "refused events never reach the server")
}

// A 422 naming one event drops that event, reports it with Creem's error, and sends the rest of
// the batch again at once.
func TestIngester422DropsTheNamedEvent(t *testing.T) {
	for _, withCallback := range []bool{true, false} {
		t.Run(fmt.Sprint("OnFailure=", withCallback), func(t *testing.T) {
			f := newUsageFake(t, 2)
			var got failures
			cfg := creem.IngesterConfig{FlushInterval: time.Hour}
			if withCallback {
				cfg.OnFailure = got.add
			}
			ing := newIngester(t, f.client, cfg)
			ctx := context.Background()
			var bad []string
			for i := range 10 {
				ev := creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[i%2]}
				switch i {
				case 3:
					ev.CustomerID = "cust_ghost"
				case 7:
					ev.CustomerID, ev.ExternalCustomerID = "", "user-404"
				}
				id, err := ing.Enqueue(ctx, ev)
				require.NoError(t, err)
				if i == 3 || i == 7 {
					bad = append(bad, id)
				}
			}
			err := ing.Flush(ctx)
			reported := got.all()
			if !withCallback {
				var ue *creem.UndeliveredError
				require.ErrorAs(t, err, &ue)
				reported = ue.Failures
				assert.Len(t, ue.Events(), 2)
				var apiErr *creem.APIError
				assert.ErrorAs(t, err, &apiErr, "the failures' errors unwrap")
			} else {
				require.NoError(t, err)
			}
			require.Len(t, reported, 2)
			params := []string{}
			for i, r := range reported {
				require.Len(t, r.Events, 1)
				assert.Equal(t, bad[i], r.Events[0].EventID)
				var apiErr *creem.APIError
				require.ErrorAs(t, r.Err, &apiErr)
				assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode)
				params = append(params, apiErr.Param)
			}
			// The batch shrank after the first 422, so the second bad event moved up by one.
			assert.Equal(t, []string{"events[3].customer_id", "events[6].external_customer_id"}, params)
			stored := storedIDs(f.srv)
			assert.Len(t, stored, 8)
			for _, id := range bad {
				assert.NotContains(t, stored, id)
			}
			assert.Equal(t, 3, f.srv.Calls(ingestRoute))
			assert.Equal(t, uint64(2), ing.Stats().Failed)
			assert.NoError(t, ing.Flush(ctx), "kept failures are returned once")
		})
	}
}

// Retries go on after 5xx, 429 and resets until the attempts run out; then the batch is reported
// with the last error.
func TestIngesterRetriesThenReports(t *testing.T) {
	f := newUsageFake(t, 1, creem.WithRetryMax(0))
	var got failures
	ing := newIngester(t, f.client, creem.IngesterConfig{FlushInterval: time.Hour, MaxAttempts: 4, OnFailure: got.add})
	ctx := context.Background()
	f.srv.FailNext(ingestRoute, 1, creemtest.Fault{Status: http.StatusInternalServerError})
	f.srv.FailNext(ingestRoute, 1, creemtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	f.srv.FailNext(ingestRoute, 1, creemtest.Fault{Drop: true, AfterHandling: true})
	_, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	require.NoError(t, err)
	require.NoError(t, ing.Flush(ctx))
	assert.Empty(t, got.all())
	assert.Equal(t, 4, f.srv.Calls(ingestRoute))
	assert.Len(t, f.srv.UsageEvents(), 1)
	assert.Equal(t, 1, f.srv.UsageEventReplays(), "the retry after the dropped answer was deduplicated")
	assert.Equal(t, uint64(3), ing.Stats().Retries)

	f.srv.FailNext(ingestRoute, 4, creemtest.Fault{Status: http.StatusServiceUnavailable})
	id, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	require.NoError(t, err)
	require.NoError(t, ing.Flush(ctx))
	reported := got.all()
	require.Len(t, reported, 1)
	assert.Equal(t, id, reported[0].Events[0].EventID)
	assert.ErrorIs(t, reported[0].Err, creem.ErrServer)
	assert.Contains(t, reported[0].Err.Error(), "giving up after 4 attempts")
	assert.Equal(t, 8, f.srv.Calls(ingestRoute))
}

// A 400 cannot be fixed by sending again: the batch is reported at once.
func TestIngester400IsPermanent(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusBadRequest, []byte(`{"error":{"type":"invalid_request_error","code":null,"message":"bad","param":null,"request_id":"r"}}`)))
	c := newClient(t, srv.URL)
	var got failures
	ing := newIngester(t, c, creem.IngesterConfig{FlushInterval: time.Hour, OnFailure: got.add})
	for range 3 {
		_, err := ing.Enqueue(context.Background(), creem.UsageEventParams{Name: "e", CustomerID: "c"})
		require.NoError(t, err)
	}
	require.NoError(t, ing.Flush(context.Background()))
	require.Len(t, got.all(), 1)
	assert.Len(t, got.events(), 3)
	assert.ErrorIs(t, got.all()[0].Err, creem.ErrBadRequest)
	assert.Equal(t, 1, rec.count())
}

// blockingServer accepts ingest requests only once released.
func blockingServer(t *testing.T) (url string, release func(), rec *recorder) {
	gate := make(chan struct{})
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		writeJSON(w, http.StatusAccepted, []byte(`{"accepted":1,"event_ids":["x"]}`))
	})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return srv.URL, release, rec
}

// A full queue makes TryEnqueue refuse and Enqueue wait until its context ends: the caller always
// learns the event was not taken. Room comes back as batches are delivered.
func TestIngesterFullQueue(t *testing.T) {
	url, release, _ := blockingServer(t)
	c := newClient(t, url)
	ing := newIngester(t, c, creem.IngesterConfig{BatchSize: 10, QueueSize: 20, Senders: 1, FlushInterval: time.Hour})
	ctx := context.Background()
	ev := creem.UsageEventParams{Name: "e", CustomerID: "c"}
	for range 20 {
		_, err := ing.TryEnqueue(ev)
		require.NoError(t, err)
	}
	assert.Equal(t, 20, ing.Stats().Held)
	_, err := ing.TryEnqueue(ev)
	require.ErrorIs(t, err, creem.ErrQueueFull)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = ing.Enqueue(short, ev)
	require.ErrorIs(t, err, creem.ErrQueueFull)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// A waiting Enqueue gets in once the server answers.
	done := make(chan error, 1)
	go func() { _, err := ing.Enqueue(ctx, ev); done <- err }()
	release()
	require.NoError(t, <-done)
	require.NoError(t, ing.Flush(ctx))
	st := ing.Stats()
	assert.Equal(t, uint64(21), st.Delivered)
	assert.Zero(t, st.Held)
}

// Flush with a context that ends first says how many events are still pending; they keep going.
func TestIngesterFlushContext(t *testing.T) {
	url, release, _ := blockingServer(t)
	ing := newIngester(t, newClient(t, url), creem.IngesterConfig{FlushInterval: time.Hour})
	for range 5 {
		_, err := ing.Enqueue(context.Background(), creem.UsageEventParams{Name: "e", CustomerID: "c"})
		require.NoError(t, err)
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := ing.Flush(short)
	var ue *creem.UndeliveredError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 5, ue.Pending)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	release()
	require.NoError(t, ing.Flush(context.Background()))
	assert.Equal(t, uint64(5), ing.Stats().Delivered)
}

// Close during retries gives up when its context ends: every event still queued or being retried
// is reported, with an error wrapping the context's, and no goroutine is left (goleak).
func TestIngesterCloseGivesUp(t *testing.T) {
	for _, withCallback := range []bool{true, false} {
		t.Run(fmt.Sprint("OnFailure=", withCallback), func(t *testing.T) {
			f := newUsageFake(t, 1, creem.WithRetryMax(0))
			var got failures
			cfg := creem.IngesterConfig{BatchSize: 10, Senders: 2, FlushInterval: time.Hour, MaxAttempts: -1, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond}
			if withCallback {
				cfg.OnFailure = got.add
			}
			ing, err := creem.NewIngester(f.client, cfg)
			require.NoError(t, err)
			f.srv.FailNext(ingestRoute, 1<<30, creemtest.Fault{Status: http.StatusServiceUnavailable})
			ids := map[string]bool{}
			for range 45 {
				id, err := ing.Enqueue(context.Background(), creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
				require.NoError(t, err)
				ids[id] = true
			}
			require.Eventually(t, func() bool { return ing.Stats().Retries >= 4 }, 10*time.Second, time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			err = ing.Close(ctx)
			var ue *creem.UndeliveredError
			require.ErrorAs(t, err, &ue)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 45, ue.Abandoned)
			reported := got.events()
			if !withCallback {
				reported = ue.Events()
				assert.Empty(t, got.all())
			} else {
				assert.Empty(t, ue.Failures)
			}
			require.Len(t, reported, 45)
			for _, ev := range reported {
				assert.True(t, ids[ev.EventID])
				delete(ids, ev.EventID)
			}
			for _, fl := range append(got.all(), ue.Failures...) {
				assert.ErrorIs(t, fl.Err, context.DeadlineExceeded)
			}
			assert.Empty(t, f.srv.UsageEvents())
			assert.Equal(t, uint64(45), ing.Stats().Failed)
		})
	}
}

// A panicking callback neither reaches the caller nor stops the ingester.
func TestIngesterCallbackPanics(t *testing.T) {
	f := newUsageFake(t, 1)
	calls := 0
	var mu sync.Mutex
	ing := newIngester(t, f.client, creem.IngesterConfig{
		FlushInterval: time.Hour,
		OnFailure: func(creem.IngestFailure) {
			mu.Lock()
			calls++
			mu.Unlock()
			panic("boom")
		},
		OnWarning: func(creem.EventWarning) { panic("boom too") },
	})
	ctx := context.Background()
	for range 2 {
		_, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: "cust_ghost"})
		require.NoError(t, err)
		_, err = ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
		require.NoError(t, err)
		require.NoError(t, ing.Flush(ctx))
	}
	mu.Lock()
	assert.Equal(t, 2, calls)
	mu.Unlock()
	assert.Len(t, f.srv.UsageEvents(), 2)
	require.NoError(t, ing.Close(ctx))
}

// Creem's warnings reach OnWarning with the event they are about.
func TestIngesterWarnings(t *testing.T) {
	f := newUsageFake(t, 1)
	_, err := f.client.Meters.Create(context.Background(), &creem.CreateMeterParams{Name: "Calls", EventName: "api.call", Aggregation: creem.AggregationCount, UnitLabel: "calls"})
	require.NoError(t, err)
	var mu sync.Mutex
	var warnings []creem.EventWarning
	ing := newIngester(t, f.client, creem.IngesterConfig{FlushInterval: time.Hour, OnWarning: func(w creem.EventWarning) {
		mu.Lock()
		warnings = append(warnings, w)
		mu.Unlock()
	}})
	ctx := context.Background()
	_, err = ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[0]})
	require.NoError(t, err)
	id, err := ing.Enqueue(ctx, creem.UsageEventParams{Name: "api.typo", CustomerID: f.customers[0]})
	require.NoError(t, err)
	require.NoError(t, ing.Flush(ctx), "Flush waits for the callbacks")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, warnings, 1)
	assert.Equal(t, creem.WarningNoMatchingMeter, warnings[0].Code)
	assert.Equal(t, id, warnings[0].Event.EventID)
	assert.Equal(t, "api.typo", warnings[0].Event.Name)
}

func TestNewIngesterRefusesBadConfig(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	for field, cfg := range map[string]creem.IngesterConfig{
		"BatchSize":     {BatchSize: 101},
		"FlushInterval": {FlushInterval: -1},
		"QueueSize":     {BatchSize: 50, QueueSize: 49},
		"Senders":       {Senders: -1},
		"RetryWaitMin":  {RetryWaitMin: 2 * time.Second, RetryWaitMax: time.Second},
	} {
		_, err := creem.NewIngester(c, cfg)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
	}
	_, err := creem.NewIngester(nil, creem.IngesterConfig{})
	require.ErrorIs(t, err, creem.ErrInvalidParams)
}

func TestUndeliveredErrorMessage(t *testing.T) {
	e := &creem.UndeliveredError{
		Failures:  []creem.IngestFailure{{Events: make([]creem.UsageEventParams, 2), Err: errors.New("boom")}},
		Abandoned: 2, Err: context.DeadlineExceeded,
	}
	assert.Equal(t, "creem: ingester: 2 events failed (first: boom), 2 events abandoned, context deadline exceeded", e.Error())
	assert.Equal(t, "creem: ingester: 3 events still pending", (&creem.UndeliveredError{Pending: 3}).Error())
}

// TestIngesterFaultMatrix sends 100,000 events (20,000 under the race detector, which makes it
// about five times slower; see faultMatrixEvents) from 16 goroutines through an ingester into
// creemtest while the server misbehaves in every way a network and an API can: 5xx before and
// after processing, 429 with Retry-After, connections reset before and after the request was
// processed, timeouts before and after processing, events Creem rejects with a 422, a queue too
// small for the producers, and finally Close while every request fails. Every event must end up
// stored by the server exactly once or reported to the caller: none lost, none counted twice.
func TestIngesterFaultMatrix(t *testing.T) {
	const producers = 16
	total := faultMatrixEvents
	f := newUsageFake(t, 4, creem.WithRetryMax(1), creem.WithTimeout(150*time.Millisecond))
	_, err := f.client.Meters.Create(context.Background(), &creem.CreateMeterParams{Name: "Calls", EventName: "api.call", Aggregation: creem.AggregationCount, UnitLabel: "calls"})
	require.NoError(t, err)
	var got failures
	ing, err := creem.NewIngester(f.client, creem.IngesterConfig{
		BatchSize: 100, QueueSize: 1000, Senders: 4, FlushInterval: 2 * time.Millisecond,
		MaxAttempts: -1, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		OnFailure: got.add,
	})
	require.NoError(t, err)
	const tail = 200                                                            // enqueued once every request fails, for Close to give up on
	ghosts := map[int]bool{1234: true, total / 2: true, total - tail - 1: true} // customers Creem does not know: 422

	// The chaos monkey arms two faulty calls every 15 calls, going round the fault kinds.
	kinds := []creemtest.Fault{
		{Status: http.StatusInternalServerError},
		{Status: http.StatusServiceUnavailable, AfterHandling: true},
		{Status: http.StatusTooManyRequests, RetryAfter: "1"},
		{Drop: true},
		{Drop: true, AfterHandling: true},
		{Delay: 400 * time.Millisecond},                      // a timeout
		{Delay: 400 * time.Millisecond, AfterHandling: true}, // a timeout after processing
		{Status: http.StatusBadGateway, AfterHandling: true},
	}
	stopChaos := make(chan struct{})
	chaosDone := make(chan struct{})
	armed := 0
	go func() {
		defer close(chaosDone)
		next := 0
		for {
			select {
			case <-stopChaos:
				return
			case <-time.After(time.Millisecond):
			}
			if n := f.srv.Calls(ingestRoute); n >= next {
				f.srv.FailNext(ingestRoute, 2, kinds[armed%len(kinds)])
				armed++
				next = n + 15
			}
		}
	}()

	ids := make([]string, total)
	event := func(i int) creem.UsageEventParams {
		ev := creem.UsageEventParams{Name: "api.call", CustomerID: f.customers[i%len(f.customers)], Properties: map[string]any{"seq": i}}
		if ghosts[i] {
			ev.CustomerID = "cust_ghost"
		}
		return ev
	}
	refused := make([]int, producers)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < total-tail; i += producers {
				ev := event(i)
				var id string
				var err error
				if p%2 == 0 {
					id, err = ing.Enqueue(context.Background(), ev) // waits while the queue is full
				} else {
					for {
						if id, err = ing.TryEnqueue(ev); !errors.Is(err, creem.ErrQueueFull) {
							break
						}
						refused[p]++ // told, not lost: try again
						time.Sleep(50 * time.Microsecond)
					}
				}
				if err != nil {
					t.Errorf("event %d: %v", i, err)
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	close(stopChaos)
	<-chaosDone

	// Close during retries: once what was queued is delivered, every call fails, the first few
	// after taking effect; the last events arrive meanwhile, and Close comes while the ingester
	// retries them.
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), time.Minute)
	defer cancelFlush()
	require.NoError(t, ing.Flush(flushCtx))
	f.srv.FailNext(ingestRoute, 3, creemtest.Fault{Status: http.StatusServiceUnavailable, AfterHandling: true})
	f.srv.FailNext(ingestRoute, 1<<30, creemtest.Fault{Status: http.StatusServiceUnavailable})
	retriesBefore := ing.Stats().Retries
	for i := total - tail; i < total; i++ {
		id, err := ing.TryEnqueue(event(i)) // the queue has room for them all
		require.NoError(t, err)
		ids[i] = id
	}
	require.Eventually(t, func() bool { return ing.Stats().Retries > retriesBefore }, 10*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	closeErr := ing.Close(ctx)

	// Accounting. Every ID is distinct; every stored event carries the ID Enqueue returned for its
	// seq, once; every reported event too.
	seqOf := map[string]int{}
	for i, id := range ids {
		require.NotEmpty(t, id, "event %d was not enqueued", i)
		_, dup := seqOf[id]
		require.False(t, dup, "ID %s given twice", id)
		seqOf[id] = i
	}
	stored := make([]bool, total)
	for _, ev := range f.srv.UsageEvents() {
		seq := int(ev.Properties["seq"].(float64))
		require.Equal(t, ids[seq], ev.EventID, "event %d was stored under another ID", seq)
		require.False(t, stored[seq], "event %d ingested twice", seq)
		stored[seq] = true
	}
	reported := make([]bool, total)
	abandoned := 0
	for _, fl := range got.all() {
		var apiErr *creem.APIError
		is422 := errors.As(fl.Err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity
		for _, ev := range fl.Events {
			seq := ev.Properties["seq"].(int)
			require.Equal(t, ids[seq], ev.EventID)
			require.False(t, reported[seq], "event %d reported twice", seq)
			reported[seq] = true
			if ghosts[seq] {
				require.True(t, is422, "event %d: %v", seq, fl.Err)
				assert.Regexp(t, `^events\[\d+\]\.customer_id$`, apiErr.Param)
			} else {
				require.ErrorIs(t, fl.Err, context.DeadlineExceeded, "event %d: only Close gives up", seq)
				abandoned++
			}
		}
	}
	lost, both := 0, 0
	for i := range total {
		if ghosts[i] {
			assert.True(t, reported[i] && !stored[i], "event %d: Creem rejected it", i)
			continue
		}
		if !stored[i] && !reported[i] {
			lost++
		}
		if stored[i] && reported[i] {
			both++ // given up after Creem had processed it: reported, and safe to resend
		}
	}
	assert.Zero(t, lost, "events lost silently")

	st := ing.Stats()
	assert.Equal(t, uint64(total), st.Delivered+st.Failed, "every event was delivered or reported")
	assert.Zero(t, st.Held)
	var ue *creem.UndeliveredError
	require.ErrorAs(t, closeErr, &ue)
	assert.Equal(t, abandoned, ue.Abandoned)
	assert.Equal(t, tail, abandoned, "Close gave up on the events sent into the failing server")
	assert.ErrorIs(t, closeErr, context.DeadlineExceeded)
	totalRefused := 0
	for _, n := range refused {
		totalRefused += n
	}
	assert.Positive(t, f.srv.UsageEventReplays(), "retries after processed requests were deduplicated")
	assert.Positive(t, totalRefused, "the queue was full at times")
	t.Logf("%d events: %d stored, %d reported (%d abandoned at Close, %d of them stored), %d calls, %d fault rules, %d replays, %d retries, %d TryEnqueue refusals",
		total, st.Delivered, st.Failed, abandoned, both, f.srv.Calls(ingestRoute), armed, f.srv.UsageEventReplays(), st.Retries, totalRefused)
}
