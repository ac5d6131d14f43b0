// Command creem is a small command-line companion of the creem-go SDK.
//
// creem listen forwards the webhook events of your Creem store to a server on your machine,
// without a tunnel: it creates a temporary webhook endpoint in cli delivery mode, polls its
// pending events, POSTs each one byte for byte with its signature headers to --forward-to,
// reports the local status back to Creem, and deletes the endpoint when you press Ctrl-C.
//
//	go install github.com/creem-go/creem/cmd/creem@latest
//	CREEM_API_KEY=creem_test_… creem listen --forward-to http://localhost:8080/webhooks
//
// It prints the endpoint's signing secret: give it to your webhook handler, which then verifies
// the forwarded deliveries exactly as production ones.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/creem-go/creem"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C, a second one ends the program at once.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `creem: command-line companion of the creem-go SDK.

Usage:
  creem listen --forward-to URL [--events TYPE,…] [flags]

Commands:
  listen    forward your store's webhook events to a local server, without a tunnel

Environment:
  CREEM_API_KEY    your Creem API key (required); it needs the webhooks:read and
                   webhooks:write scopes. creem_test_ keys use the test environment.
  CREEM_BASE_URL   the API's base URL instead of Creem's, e.g. a creemtest server

Run 'creem listen --help' for the flags of listen.
`

const listenUsage = `Usage: creem listen --forward-to URL [flags]

Creates a temporary webhook endpoint in cli delivery mode, forwards each of its events to URL
(POST, the exact body and signature headers Creem would send), tells Creem the status your
server answered, and deletes the endpoint when you press Ctrl-C. Verify the deliveries with
the signing secret it prints, exactly as in production. Events your server could not be
reached for are delivered again once it is up.

Flags:
`

// run is the program: it returns the exit code (0 done, 1 failed, 2 bad usage).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "listen":
		return listen(ctx, args[1:], getenv, stdout, stderr)
	}
	// The argument is not repeated: a key pasted in the wrong place would end up in a terminal
	// log or CI output.
	fmt.Fprintf(stderr, "creem: unknown command (the only command is listen)\n\n%s", usage)
	return 2
}

func listen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("creem listen", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // help goes to stdout, errors as one line to stderr: both below
	forwardTo := fs.String("forward-to", "", "`URL` of your local webhook handler, e.g. http://localhost:8080/webhooks (required)")
	events := fs.String("events", "", "comma-separated event `types` to forward, e.g. checkout.completed,subscription.paid (default: all)")
	endpointID := fs.String("endpoint", "", "forward the feed of this existing cli endpoint `ID` instead of creating a temporary one")
	baseURL := fs.String("base-url", "", "the API's base `URL` (default: $CREEM_BASE_URL, or Creem's API for the key)")
	poll := fs.Duration("poll-interval", creem.DefaultListenPollInterval, "how often to look for new events")
	timeout := fs.Duration("timeout", creem.DefaultListenTimeout, "how long your server may take to answer one event")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), listenUsage)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nEnvironment: CREEM_API_KEY (required, scopes webhooks:read and webhooks:write), CREEM_BASE_URL.\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "creem listen: %v (see creem listen --help)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		// Not repeated, like unknown commands: it may be a key pasted in the wrong place.
		fmt.Fprintf(stderr, "creem listen: unexpected argument after the flags (see creem listen --help)\n")
		return 2
	}
	if *forwardTo == "" {
		fmt.Fprintln(stderr, "creem listen: --forward-to is required, e.g. --forward-to http://localhost:8080/webhooks")
		return 2
	}
	key := strings.TrimSpace(getenv("CREEM_API_KEY"))
	if key == "" {
		fmt.Fprintln(stderr, "creem listen: set CREEM_API_KEY to a Creem API key with the webhooks:read and webhooks:write scopes")
		return 2
	}
	if *baseURL == "" {
		*baseURL = getenv("CREEM_BASE_URL")
	}
	opts := []creem.Option{creem.WithUserAgent("creem-cli/" + creem.Version)}
	if *baseURL != "" {
		opts = append(opts, creem.WithBaseURL(*baseURL))
	}
	client, err := creem.NewClient(key, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "creem listen:", err)
		return 2
	}
	var types []creem.EventType
	for _, t := range strings.Split(*events, ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, creem.EventType(t))
		}
	}

	lastRetry := "" // the event last reported as waiting for the local server: reported once
	l, err := creem.NewListener(ctx, client, creem.ListenerConfig{
		ForwardTo: *forwardTo, Events: types, EndpointID: *endpointID, PollInterval: *poll, Timeout: *timeout,
		OnDelivery: func(fe creem.ForwardedEvent) {
			if fe.Retry && fe.EventID == lastRetry {
				return
			}
			lastRetry = ""
			if fe.Retry {
				lastRetry = fe.EventID
			}
			fmt.Fprintln(stdout, deliveryLine(fe))
		},
		OnError: func(err error) { fmt.Fprintf(stderr, "creem listen: %v (retrying)\n", err) },
	})
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		fmt.Fprintln(stderr, explain(err, client.BaseURL()))
		return 1
	}
	which := "all events"
	if len(types) > 0 {
		which = *events
	}
	fmt.Fprintf(stdout, "Forwarding %s of endpoint %s to %s\n", which, l.EndpointID(), redactedURL(l.ForwardTo()))
	fmt.Fprintf(stdout, "Webhook signing secret: %s\n", string(l.Secret()))
	fmt.Fprintln(stdout, "Verify deliveries with this secret (e.g. CREEM_WEBHOOK_SECRET). Press Ctrl-C to stop.")

	if err := l.Run(ctx); err != nil {
		fmt.Fprintln(stderr, explain(err, client.BaseURL()))
		return 1
	}
	if l.Temporary() {
		fmt.Fprintf(stdout, "Stopped; deleted endpoint %s.\n", l.EndpointID())
	} else {
		fmt.Fprintln(stdout, "Stopped.")
	}
	return 0
}

// deliveryLine is one line per delivery: time, event type, event ID, local status, duration.
func deliveryLine(fe creem.ForwardedEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-30s  %s  ", fe.At.Format("2006-01-02 15:04:05"), fe.EventType, fe.EventID)
	cause := fe.Err
	var uerr *url.Error
	if errors.As(cause, &uerr) {
		cause = uerr.Err // without the repeated method and URL
	}
	switch {
	case fe.Retry:
		fmt.Fprintf(&b, "---  could not connect to your server (%v); retrying until it is up", cause)
	case fe.Err != nil:
		fmt.Fprintf(&b, "---  %s  no answer (%v)", duration(fe.Duration), cause)
	default:
		fmt.Fprintf(&b, "%d  %s", fe.StatusCode, duration(fe.Duration))
	}
	if fe.AckErr != nil {
		fmt.Fprintf(&b, "  (reporting it to Creem failed: %v)", fe.AckErr)
	}
	return b.String()
}

// duration rounds d for a delivery line: microseconds below a millisecond, else milliseconds.
func duration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// explain turns an error into one line saying what to do.
func explain(err error, baseURL string) string {
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) {
		text := strings.ToLower(apiErr.Code + " " + strings.Join(apiErr.Messages, " "))
		switch {
		case apiErr.StatusCode == http.StatusForbidden && strings.Contains(text, "scope"):
			return "creem listen: the API key lacks the webhooks:write scope (403): create a key with the webhooks:read and webhooks:write scopes and set CREEM_API_KEY to it"
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			return fmt.Sprintf("creem listen: Creem refused the API key (%d %s): check CREEM_API_KEY (creem_test_ keys for the test environment), and that it has the webhooks:read and webhooks:write scopes",
				apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
		case apiErr.StatusCode == http.StatusNotFound:
			return "creem listen: the webhook endpoint was not found (deleted meanwhile, or another store's): " + err.Error()
		}
		return "creem listen: " + err.Error()
	}
	if errors.Is(err, creem.ErrInvalidParams) {
		return "creem listen: " + err.Error()
	}
	return fmt.Sprintf("creem listen: cannot reach the Creem API at %s: %v", baseURL, err)
}

// redactedURL is u with any password replaced, for printing.
func redactedURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "the local URL"
	}
	return parsed.Redacted()
}
