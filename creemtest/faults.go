package creemtest

import (
	"net/http"
	"time"
)

// Fault describes how the server misbehaves on a call, for testing retry and error paths.
type Fault struct {
	// Status answers with this HTTP status and Creem's error body instead of handling the call.
	// Zero handles the call normally (after Delay).
	Status int
	// Message is the error body's message; it defaults to the status text.
	Message string
	// RetryAfter is sent as the Retry-After header with Status, e.g. "2" or an HTTP date.
	RetryAfter string
	// Delay makes the server wait this long before answering: a hang, when longer than the
	// client's timeout. The wait ends early when the client gives up or the server closes.
	Delay time.Duration
	// Drop closes the connection (after Delay) without answering, once the request was read.
	Drop bool
	// AfterHandling handles the call first, keeping its effects, and only then misbehaves as
	// Status, Drop and Delay say: the client sees a failure (a 5xx, a reset, a timeout) for a call
	// that took effect, as when a connection breaks after Creem processed a request.
	AfterHandling bool
}

type faultRule struct {
	route string
	left  int
	fault Fault
}

// FailNext makes the next n calls to route misbehave as f says. route is a pattern as the
// server registers it ("POST /v1/checkouts", "GET /v1/products/{id}") or a method and a
// concrete path ("GET /v1/products/prod_123"). Rules apply in the order they were added.
func (s *Server) FailNext(route string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{route: route, left: n, fault: f})
}

// takeFault consumes one use of the first rule matching the call. s.mu must be held.
func (s *Server) takeFault(pattern, concrete string) *Fault {
	for i, rule := range s.faults {
		if rule.route != pattern && rule.route != concrete {
			continue
		}
		rule.left--
		if rule.left == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		f := rule.fault
		return &f
	}
	return nil
}

// applyFault carries out f. It reports whether the call was answered (or dropped) and must
// not be handled.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, env envelope, f *Fault) bool {
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return true
		case <-s.closing:
			timer.Stop()
			return true
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without a response
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	s.writeError(w, env, errorf(f.Status, msg))
	return true
}
