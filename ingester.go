package creem

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creem-go/creem/internal/retry"
)

// Errors of the Ingester.
var (
	// ErrQueueFull is returned by TryEnqueue when the queue is full, and wrapped (with the
	// context's error) by Enqueue when its context ended while it waited for room.
	ErrQueueFull = errors.New("creem: ingester queue is full")
	// ErrIngesterClosed is returned by Enqueue and TryEnqueue once Close was called.
	ErrIngesterClosed = errors.New("creem: ingester is closed")
)

// Defaults of IngesterConfig.
const (
	DefaultIngestBatchSize     = MaxIngestBatch
	DefaultIngestFlushInterval = time.Second
	DefaultIngestQueueSize     = 10_000
	DefaultIngestSenders       = 4
	DefaultIngestMaxAttempts   = 10
	DefaultIngestRetryWaitMin  = time.Second
	DefaultIngestRetryWaitMax  = 30 * time.Second
)

// IngesterConfig configures NewIngester. The zero value asks for the defaults.
type IngesterConfig struct {
	// BatchSize is the most events sent in one request, 1–100 (default 100). A batch is sent as
	// soon as it is full, or FlushInterval after the previous send of partial batches.
	BatchSize int
	// FlushInterval bounds how long an event waits for its batch to fill (default 1s).
	FlushInterval time.Duration
	// QueueSize is the most events the ingester holds at once: waiting, being sent, or waiting
	// for a callback or Flush to report them (default 10,000; at least BatchSize). It bounds the
	// ingester's memory. When it is reached, Enqueue waits and TryEnqueue refuses.
	QueueSize int
	// Senders is how many requests may be under way at once (default 4).
	Senders int
	// MaxAttempts is how many times a batch is sent before its events are reported as failed
	// (default 10). Each attempt is one Usage.Ingest call, with the Client's own retries inside.
	// A negative value retries until Close gives up.
	MaxAttempts int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts: exponential from min with
	// jitter, at least a 429's Retry-After, never more than max (defaults 1s and 30s). The
	// Client's own retries (WithRetryMax, WithRetryWait) happen inside each attempt.
	RetryWaitMin, RetryWaitMax time.Duration
	// OnFailure receives the events that could not be delivered, each exactly once. It is called
	// from a goroutine of the ingester, one call at a time, never from Enqueue; a panic in it is
	// recovered. While it runs, the events stay counted against QueueSize, so it must not wait
	// for room itself: to send them again from here, use TryEnqueue, or hand them to a goroutine
	// of yours (Enqueue from OnFailure can wait for the room its own events hold). When OnFailure
	// is nil, failures are kept (and keep their room in the queue) until Flush or Close returns
	// them.
	OnFailure func(IngestFailure)
	// OnWarning receives Creem's warnings about delivered events (no matching meter, …), called
	// like OnFailure. Nil ignores them.
	OnWarning func(EventWarning)
}

// IngestFailure reports events the Ingester did not deliver.
type IngestFailure struct {
	// Events are the undelivered events, with the EventIDs they were sent under: sending them
	// again (Usage.Ingest, or an Ingester: from OnFailure with TryEnqueue) cannot count any of
	// them twice.
	Events []UsageEventParams
	// Err is why: an *APIError with status 422 for one event Creem rejected (Param names it), a
	// 400 for a batch Creem cannot read, the last error when the attempts ran out, or an error
	// wrapping the context's error when Close gave up. Except after a 422 or 400, Creem may have
	// ingested some of the events.
	Err error
}

// EventWarning is a warning of Creem's about one delivered event.
type EventWarning struct {
	Event   UsageEventParams
	Code    UsageWarningCode
	Message string
}

// UndeliveredError is returned by Flush and Close when events were not delivered.
type UndeliveredError struct {
	// Failures are the failures kept since the last Flush or Close returned, when
	// IngesterConfig.OnFailure is nil (with OnFailure set they went to it instead).
	Failures []IngestFailure
	// Pending counts the events Flush waited for and that were still queued or in flight when
	// its context ended; the ingester keeps delivering them.
	Pending int
	// Abandoned counts the events Close gave up on when its context ended. They are in Failures,
	// or were passed to OnFailure.
	Abandoned int
	// Err is the context's error when it cut the wait short, else nil.
	Err error
}

// Events returns the events of every kept failure.
func (e *UndeliveredError) Events() []UsageEventParams {
	var out []UsageEventParams
	for _, f := range e.Failures {
		out = append(out, f.Events...)
	}
	return out
}

// Error summarises the failure.
func (e *UndeliveredError) Error() string {
	var b strings.Builder
	b.WriteString("creem: ingester:")
	sep := " "
	if n := len(e.Events()); n > 0 {
		fmt.Fprintf(&b, "%s%d events failed", sep, n)
		sep = ", "
		if len(e.Failures) > 0 && e.Failures[0].Err != nil {
			fmt.Fprintf(&b, " (first: %v)", e.Failures[0].Err)
		}
	}
	if e.Pending > 0 {
		fmt.Fprintf(&b, "%s%d events still pending", sep, e.Pending)
		sep = ", "
	}
	if e.Abandoned > 0 {
		fmt.Fprintf(&b, "%s%d events abandoned", sep, e.Abandoned)
		sep = ", "
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "%s%v", sep, e.Err)
	}
	return b.String()
}

// Unwrap returns the context's error and the failures' errors, for errors.Is and errors.As.
func (e *UndeliveredError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	for _, f := range e.Failures {
		if f.Err != nil {
			out = append(out, f.Err)
		}
	}
	return out
}

// IngesterStats are counters of an Ingester since it was created.
type IngesterStats struct {
	Held      int    // events held now: queued, in flight, or waiting to be reported
	Delivered uint64 // events Creem accepted (202)
	Failed    uint64 // events reported as failed
	Retries   uint64 // attempts that failed and were repeated (the Client's own retries inside an attempt are not counted)
}

// Ingester sends usage events in batches from a bounded queue, for backends that record usage
// all the time. Create it with NewIngester, add events with Enqueue or TryEnqueue from any number
// of goroutines, and Close it on shutdown.
//
// Every event gets its EventID when it is enqueued (a UUIDv4 unless it has one), so a batch can
// be sent again after any failure without counting an event twice. Batches of up to BatchSize
// events go out when full or every FlushInterval, with up to Senders requests at once. A batch is
// retried with backoff after every error but a 422 or a 400; after a 422 the event Creem names
// in Param is dropped and reported, and the rest of the batch is sent again at once.
//
// Every event Enqueue accepted is, in the end, either ingested or reported exactly once as an
// IngestFailure: to IngesterConfig.OnFailure, or when that is nil in the *UndeliveredError of the
// next Flush or Close. Nothing is dropped silently.
//
// The queue holds at most QueueSize events. When it is full, Enqueue waits for room until its
// context ends and TryEnqueue refuses at once with ErrQueueFull: a producer always learns that an
// event was not taken.
//
// Requests run under the ingester's own context, not Enqueue's: an HTTP handler may enqueue with
// its request's context and return, and the event is still delivered. Only Close ends them.
//
// An Ingester is safe for concurrent use. Its goroutines (Senders, a ticker and one for the
// callbacks) run until Close returns.
type Ingester struct {
	usage *UsageService
	cfg   IngesterConfig

	ready chan *ingestBatch // batches waiting for a sender; never full (see cut)
	wake  chan struct{}     // wakes the notifier; capacity 1
	ctx   context.Context   // cancelled when Close gives up: ends sends and waits
	abort context.CancelCauseFunc
	stop  chan struct{} // closed when senders and the ticker must exit
	// closing is closed when Close starts, ending Enqueue's waits for room.
	closing chan struct{}
	workers sync.WaitGroup // senders and ticker
	notify  sync.WaitGroup // the notifier

	closeMu sync.Mutex // serialises Close

	mu       sync.Mutex
	held     int                // events held: queued, in flight, or waiting to be reported
	room     chan struct{}      // closed (and replaced) when room is made while Enqueue waits for it
	cur      []UsageEventParams // the batch being filled
	curFirst uint64             // sequence number of cur[0]
	next     uint64             // sequence number of the next event enqueued
	records  []*ingestBatch     // batches not yet resolved, in sequence order
	waiters  []*flushWaiter
	kept     []IngestFailure // failures kept for Flush and Close (OnFailure nil)
	notes    []note          // callbacks for the notifier
	closed   bool            // Close was called: no more events
	done     bool            // the notifier may exit once notes is empty

	delivered, failed, retries atomic.Uint64
	abandonedBySenders         atomic.Int64 // events senders gave up on after Close's context ended
}

// ingestBatch is a batch from its cut to its resolution. Its fields other than first and
// events are guarded by Ingester.mu; events belongs to the sender working on it.
type ingestBatch struct {
	first    uint64 // sequence number of the first event
	events   []UsageEventParams
	size     int // len(events), for readers holding Ingester.mu
	open     int // parts not resolved: the send, and each note not yet processed
	resolved bool
}

type flushWaiter struct {
	target uint64 // every event below it must be resolved
	ch     chan struct{}
}

// note is a callback for the notifier, holding slots until it returned.
type note struct {
	batch    *ingestBatch
	slots    int
	failure  *IngestFailure
	warnings []EventWarning
}

// NewIngester starts an Ingester sending through client.Usage. Close it when done: its
// goroutines run until then.
func NewIngester(client *Client, cfg IngesterConfig) (*Ingester, error) {
	const op = "NewIngester"
	if client == nil {
		return nil, invalid(op, "client", "is nil")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultIngestBatchSize
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = DefaultIngestFlushInterval
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = max(DefaultIngestQueueSize, cfg.BatchSize)
	}
	if cfg.Senders == 0 {
		cfg.Senders = DefaultIngestSenders
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultIngestMaxAttempts
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = DefaultIngestRetryWaitMin
		if cfg.RetryWaitMax > 0 {
			cfg.RetryWaitMin = min(cfg.RetryWaitMin, cfg.RetryWaitMax)
		}
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = max(DefaultIngestRetryWaitMax, cfg.RetryWaitMin)
	}
	switch {
	case cfg.BatchSize < 1 || cfg.BatchSize > MaxIngestBatch:
		return nil, invalid(op, "BatchSize", "must be between 1 and 100")
	case cfg.FlushInterval < 0:
		return nil, invalid(op, "FlushInterval", "is negative")
	case cfg.QueueSize < cfg.BatchSize:
		return nil, invalid(op, "QueueSize", "is smaller than BatchSize")
	case cfg.Senders < 1:
		return nil, invalid(op, "Senders", "must be at least 1")
	case cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < cfg.RetryWaitMin:
		return nil, invalid(op, "RetryWaitMin", "must be between 0 and RetryWaitMax")
	}
	ctx, abort := context.WithCancelCause(context.Background())
	ing := &Ingester{
		usage:   client.Usage,
		cfg:     cfg,
		room:    make(chan struct{}),
		ready:   make(chan *ingestBatch, cfg.QueueSize),
		wake:    make(chan struct{}, 1),
		ctx:     ctx,
		abort:   abort,
		stop:    make(chan struct{}),
		closing: make(chan struct{}),
		cur:     make([]UsageEventParams, 0, cfg.BatchSize),
	}
	ing.workers.Add(cfg.Senders + 1)
	for range cfg.Senders {
		go ing.sender()
	}
	go ing.ticker()
	ing.notify.Add(1)
	go ing.notifier()
	return ing, nil
}

// Enqueue adds an event to the queue and returns the EventID it will be sent under: its own,
// trimmed, or a generated UUIDv4. The event is checked first as Usage.Ingest checks it (an
// *InvalidParamsError refuses it). Enqueue keeps a copy of ev and of its Properties map; values
// nested inside Properties must not be modified afterwards.
//
// When the queue is full, Enqueue waits for room until ctx ends, and then returns an error
// matching both ErrQueueFull and ctx's error; a ctx that has ended already refuses the event at
// once. After Close it returns ErrIngesterClosed. On any error the event was not taken. ctx only
// bounds the wait: the event's delivery does not depend on it.
func (ing *Ingester) Enqueue(ctx context.Context, ev UsageEventParams) (string, error) {
	return ing.enqueue(ctx, ev, true)
}

// TryEnqueue is Enqueue without waiting: when the queue is full it returns ErrQueueFull at once
// and the event is not taken.
func (ing *Ingester) TryEnqueue(ev UsageEventParams) (string, error) {
	return ing.enqueue(context.Background(), ev, false)
}

func (ing *Ingester) enqueue(ctx context.Context, ev UsageEventParams, wait bool) (string, error) {
	const op = "Ingester.Enqueue"
	if ctx == nil {
		return "", errors.New("creem: nil context")
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := checkEvent(op, "", &ev); err != nil {
		return "", err
	}
	if ev.EventID == "" {
		ev.EventID = newIdempotencyKey()
	} else {
		ev.EventID = strings.TrimSpace(ev.EventID)
	}
	if ev.Properties != nil {
		ev.Properties = maps.Clone(ev.Properties)
	}
	ing.mu.Lock()
	for ing.held >= ing.cfg.QueueSize && !ing.closed {
		room := ing.room
		ing.mu.Unlock()
		if !wait {
			return "", ErrQueueFull
		}
		select {
		case <-room:
		case <-ctx.Done():
			return "", fmt.Errorf("%w: %w", ErrQueueFull, ctx.Err())
		case <-ing.closing:
		}
		ing.mu.Lock()
	}
	if ing.closed {
		ing.mu.Unlock()
		return "", ErrIngesterClosed
	}
	ing.held++
	if len(ing.cur) == 0 {
		ing.curFirst = ing.next
	}
	ing.cur = append(ing.cur, ev)
	ing.next++
	if len(ing.cur) >= ing.cfg.BatchSize {
		ing.cutLocked()
	}
	ing.mu.Unlock()
	return ev.EventID, nil
}

// cutLocked turns the batch being filled into a batch for the senders. ready never blocks:
// every batch in it holds at least one event, and at most QueueSize events are held.
func (ing *Ingester) cutLocked() {
	b := &ingestBatch{first: ing.curFirst, events: ing.cur, size: len(ing.cur), open: 1}
	ing.records = append(ing.records, b)
	ing.cur = make([]UsageEventParams, 0, ing.cfg.BatchSize)
	ing.ready <- b
}

// Flush sends the events queued so far without waiting for their batches to fill, and waits
// until every event enqueued before the call was ingested or reported as failed (callbacks
// included). It returns nil, or an *UndeliveredError holding the failures kept since the last
// Flush or Close (when OnFailure is nil), or, when ctx ends first, an *UndeliveredError whose Err
// is ctx's error: the events still pending keep being delivered.
func (ing *Ingester) Flush(ctx context.Context) error {
	if ctx == nil {
		return errors.New("creem: nil context")
	}
	ing.mu.Lock()
	if len(ing.cur) > 0 {
		ing.cutLocked()
	}
	w := ing.waitLocked(ing.next)
	ing.mu.Unlock()

	var ctxErr error
	pending := 0
	select {
	case <-w.ch:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		ing.mu.Lock()
		ing.dropWaiterLocked(w)
		pending = ing.pendingLocked(w.target)
		ing.mu.Unlock()
	}
	return ing.report(ctxErr, pending, 0)
}

// Close stops taking events (Enqueue returns ErrIngesterClosed) and delivers everything queued,
// retrying as configured, until ctx ends. Events still undelivered then are given up: their
// requests are cancelled and they are reported as failures whose Err wraps ctx's error (to
// OnFailure, or in the returned *UndeliveredError, whose Abandoned counts them). Close returns
// once every goroutine of the ingester has exited and every callback has returned; it returns
// nil when nothing was left to report. Calling Close again returns nil.
func (ing *Ingester) Close(ctx context.Context) error {
	if ctx == nil {
		return errors.New("creem: nil context")
	}
	ing.closeMu.Lock()
	defer ing.closeMu.Unlock()
	ing.mu.Lock()
	if ing.closed {
		ing.mu.Unlock()
		return nil
	}
	ing.closed = true
	close(ing.closing)
	if len(ing.cur) > 0 {
		ing.cutLocked()
	}
	w := ing.waitLocked(ing.next)
	ing.mu.Unlock()

	var ctxErr error
	abandoned := 0
	select {
	case <-w.ch:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		ing.mu.Lock()
		ing.dropWaiterLocked(w)
		ing.mu.Unlock()
		ing.abort(ctxErr)
	}
	close(ing.stop)
	ing.workers.Wait()
	// Only after an abort can batches be left: those no sender took.
	for {
		select {
		case b := <-ing.ready:
			abandoned += len(b.events)
			ing.fail(b, b.events, ing.abandonErr(nil))
			ing.resolve(b)
			continue
		default:
		}
		break
	}
	if ctxErr != nil {
		abandoned += int(ing.abandonedBySenders.Load())
	}
	ing.mu.Lock()
	ing.done = true
	ing.mu.Unlock()
	ing.signal()
	ing.notify.Wait()
	ing.abort(ErrIngesterClosed) // releases the context's resources
	return ing.report(ctxErr, 0, abandoned)
}

// report builds the result of Flush and Close, handing over the kept failures.
func (ing *Ingester) report(ctxErr error, pending, abandoned int) error {
	ing.mu.Lock()
	kept := ing.kept
	ing.kept = nil
	ing.mu.Unlock()
	for _, f := range kept {
		ing.release(len(f.Events))
	}
	if len(kept) == 0 && ctxErr == nil && pending == 0 && abandoned == 0 {
		return nil
	}
	return &UndeliveredError{Failures: kept, Pending: pending, Abandoned: abandoned, Err: ctxErr}
}

// Stats returns the ingester's counters.
func (ing *Ingester) Stats() IngesterStats {
	return IngesterStats{
		Held:      ing.heldNow(),
		Delivered: ing.delivered.Load(),
		Failed:    ing.failed.Load(),
		Retries:   ing.retries.Load(),
	}
}

// waitLocked registers a waiter for every event below target. Its channel is closed at once when
// they are resolved already.
func (ing *Ingester) waitLocked(target uint64) *flushWaiter {
	w := &flushWaiter{target: target, ch: make(chan struct{})}
	if ing.settledLocked(target) {
		close(w.ch)
		return w
	}
	ing.waiters = append(ing.waiters, w)
	return w
}

func (ing *Ingester) dropWaiterLocked(w *flushWaiter) {
	for i, x := range ing.waiters {
		if x == w {
			ing.waiters = append(ing.waiters[:i], ing.waiters[i+1:]...)
			return
		}
	}
}

// settledLocked reports whether every event below target is resolved. Events below target are
// all in records (Flush and Close cut the batch being filled first).
func (ing *Ingester) settledLocked(target uint64) bool {
	return len(ing.records) == 0 || ing.records[0].first >= target
}

// pendingLocked counts the events below target not resolved yet.
func (ing *Ingester) pendingLocked(target uint64) int {
	n := 0
	for _, b := range ing.records {
		if b.first >= target {
			break
		}
		if !b.resolved {
			n += b.size
		}
	}
	return n
}

// resolve closes one part of b; when none is left, b leaves records and waiters whose events
// are all resolved are woken.
func (ing *Ingester) resolve(b *ingestBatch) {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	b.open--
	if b.open > 0 {
		return
	}
	b.resolved = true
	i := 0
	for i < len(ing.records) && ing.records[i].resolved {
		ing.records[i] = nil
		i++
	}
	ing.records = ing.records[i:]
	kept := ing.waiters[:0]
	for _, w := range ing.waiters {
		if ing.settledLocked(w.target) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	ing.waiters = kept
}

// release frees room for n events and wakes the Enqueue calls waiting for it.
func (ing *Ingester) release(n int) {
	if n == 0 {
		return
	}
	ing.mu.Lock()
	ing.held -= n
	if ing.held < ing.cfg.QueueSize {
		close(ing.room)
		ing.room = make(chan struct{})
	}
	ing.mu.Unlock()
}

func (ing *Ingester) heldNow() int {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	return ing.held
}

func (ing *Ingester) signal() {
	select {
	case ing.wake <- struct{}{}:
	default:
	}
}

// fail reports events of b as failed: to OnFailure through the notifier (b stays open until it
// ran), or into the kept failures. events is copied.
func (ing *Ingester) fail(b *ingestBatch, events []UsageEventParams, err error) {
	f := IngestFailure{Events: append([]UsageEventParams(nil), events...), Err: err}
	ing.failed.Add(uint64(len(events)))
	ing.mu.Lock()
	if ing.cfg.OnFailure == nil {
		ing.kept = append(ing.kept, f)
		ing.mu.Unlock()
		return
	}
	b.open++
	ing.notes = append(ing.notes, note{batch: b, slots: len(events), failure: &f})
	ing.mu.Unlock()
	ing.signal()
}

// sender delivers batches until stop.
func (ing *Ingester) sender() {
	defer ing.workers.Done()
	for {
		select {
		case b := <-ing.ready:
			ing.deliver(b)
		case <-ing.stop:
			return
		}
	}
}

// ticker cuts the batch being filled every FlushInterval, until stop.
func (ing *Ingester) ticker() {
	defer ing.workers.Done()
	t := time.NewTicker(ing.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ing.mu.Lock()
			if len(ing.cur) > 0 {
				ing.cutLocked()
			}
			ing.mu.Unlock()
		case <-ing.stop:
			return
		}
	}
}

// deliver sends b until it is delivered or reported, then resolves it.
func (ing *Ingester) deliver(b *ingestBatch) {
	defer ing.resolve(b)
	attempts := 0
	for {
		if ing.ctx.Err() != nil {
			ing.abandonedBySenders.Add(int64(len(b.events)))
			ing.fail(b, b.events, ing.abandonErr(nil))
			return
		}
		res, err := sendIngest[ingestAck](ing.ctx, ing.usage.client, b.events, nil)
		if err == nil {
			ing.delivered.Add(uint64(len(b.events)))
			ing.accepted(b, res)
			return
		}
		if ing.ctx.Err() != nil {
			ing.abandonedBySenders.Add(int64(len(b.events)))
			ing.fail(b, b.events, ing.abandonErr(err))
			return
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			switch apiErr.StatusCode {
			case http.StatusUnprocessableEntity:
				i, ok := eventIndex(apiErr.Param, len(b.events))
				if !ok {
					ing.fail(b, b.events, err)
					return
				}
				ing.fail(b, b.events[i:i+1], err)
				b.events = append(b.events[:i], b.events[i+1:]...)
				ing.mu.Lock()
				b.size = len(b.events)
				ing.mu.Unlock()
				if len(b.events) == 0 {
					return
				}
				continue // nothing of the batch was ingested: send the rest at once
			case http.StatusBadRequest:
				ing.fail(b, b.events, err)
				return
			}
		} else if errors.Is(err, ErrInvalidParams) {
			ing.fail(b, b.events, err)
			return
		}
		attempts++
		if ing.cfg.MaxAttempts > 0 && attempts >= ing.cfg.MaxAttempts {
			ing.fail(b, b.events, fmt.Errorf("creem: ingester: giving up after %d attempts: %w", attempts, err))
			return
		}
		ing.retries.Add(1)
		wait := retry.Exponential(ing.cfg.RetryWaitMin, ing.cfg.RetryWaitMax, attempts-1, rand.Float64())
		if apiErr != nil && apiErr.RetryAfter > wait {
			wait = min(apiErr.RetryAfter, ing.cfg.RetryWaitMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ing.ctx.Done():
			t.Stop()
			ing.abandonedBySenders.Add(int64(len(b.events)))
			ing.fail(b, b.events, ing.abandonErr(err))
			return
		}
	}
}

// abandonErr is the error of events Close gave up on; last is the last attempt's error, if any.
func (ing *Ingester) abandonErr(last error) error {
	if last != nil {
		return fmt.Errorf("creem: ingester closed before delivery: %w (last attempt: %w)", context.Cause(ing.ctx), last)
	}
	return fmt.Errorf("creem: ingester closed before delivery: %w", context.Cause(ing.ctx))
}

// ingestAck is the part of a 202 the ingester reads: it knows the event IDs already.
type ingestAck struct {
	Warnings []IngestWarning `json:"warnings"`
}

// accepted handles a 202: the events leave the queue, after their warnings were handed to
// OnWarning.
func (ing *Ingester) accepted(b *ingestBatch, res *ingestAck) {
	if ing.cfg.OnWarning == nil || len(res.Warnings) == 0 {
		ing.release(len(b.events))
		return
	}
	ws := make([]EventWarning, 0, len(res.Warnings))
	for _, w := range res.Warnings {
		ew := EventWarning{Code: w.Code, Message: w.Message}
		if w.Index >= 0 && w.Index < len(b.events) {
			ew.Event = b.events[w.Index]
		}
		ws = append(ws, ew)
	}
	ing.mu.Lock()
	b.open++
	ing.notes = append(ing.notes, note{batch: b, slots: len(b.events), warnings: ws})
	ing.mu.Unlock()
	ing.signal()
}

// notifier runs the callbacks, one at a time, until Close says it is done and nothing is left.
func (ing *Ingester) notifier() {
	defer ing.notify.Done()
	for {
		ing.mu.Lock()
		notes := ing.notes
		ing.notes = nil
		done := ing.done
		ing.mu.Unlock()
		if len(notes) == 0 {
			if done {
				return
			}
			<-ing.wake
			continue
		}
		for _, n := range notes {
			if n.failure != nil {
				ing.callback(func() { ing.cfg.OnFailure(*n.failure) })
			}
			for _, w := range n.warnings {
				ing.callback(func() { ing.cfg.OnWarning(w) })
			}
			ing.release(n.slots)
			ing.resolve(n.batch)
		}
	}
}

// callback runs a user callback, recovering a panic.
func (ing *Ingester) callback(f func()) {
	defer func() {
		if r := recover(); r != nil {
			if l := ing.usage.client.logger; l != nil {
				l.Error("creem: ingester callback panicked", "panic", fmt.Sprint(r))
			}
		}
	}()
	f()
}

// eventIndex reads the event's position from a 422's param, "events[3].customer_id".
func eventIndex(param string, n int) (int, bool) {
	rest, ok := strings.CutPrefix(param, "events[")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ']')
	if end <= 0 {
		return 0, false
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil || i < 0 || i >= n {
		return 0, false
	}
	if tail := rest[end+1:]; tail != "" && tail[0] != '.' {
		return 0, false
	}
	return i, true
}
