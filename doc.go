// Package creem is the Go SDK for the Creem payments API (https://creem.io): every operation of
// Creem's newest OpenAPI spec, a transport that never sends a payment twice, verifiers for the
// signed success redirect and for webhooks, and (in package creemtest) an in-process fake Creem
// server for offline tests.
//
// # Client and services
//
// Create one Client with NewClient and your API key and share it: it is safe for concurrent use.
// Keys starting with creem_test_ talk to Creem's test environment. The client's services follow
// the API's resources:
//
//   - Checkouts, Products, Customers, Subscriptions, Licenses, Discounts, Transactions (with
//     refunds) and Stats: the core of selling through Creem.
//   - Meters and Usage: usage-based billing; NewIngester batches usage events for a server.
//   - Credits: customer credit accounts and their double-entry ledger, with exact CreditAmount
//     values.
//   - Webhooks: webhook endpoints from code, and the pending feed of cli endpoints; NewListener
//     forwards it to a local server (the `creem listen` command in cmd/creem).
//   - Affiliates, Splits and Moderation.
//
// Every method takes a context first and returns the decoded entity or an error. Lists come as
// Page (page numbers) or CursorPage (cursors), with List returning one page and All iterating
// over every item, one page in memory at a time. Client.Raw reaches endpoints this version does
// not model through the same request path; WithExtraFields and WithRawResponseBody reach fields.
//
// # Errors
//
// Failures from Creem are *APIError values: the status, Creem's messages, its machine-readable
// Code and Param when it gives them, and the raw body. They match the sentinels ErrBadRequest,
// ErrUnauthorized, ErrNotFound, ErrConflict, ErrRateLimited and ErrServer with errors.Is:
//
//	var apiErr *creem.APIError
//	switch {
//	case errors.As(err, &apiErr) && apiErr.Code == creem.CodeInsufficientBalance:
//	case errors.Is(err, creem.ErrNotFound):
//	}
//
// Input the API would certainly refuse is refused before sending with an *InvalidParamsError
// (ErrInvalidParams). No error string, log line or formatted value carries the API key, a
// webhook secret or a customer's e-mail address.
//
// # Retries
//
// A call is retried only when repeating it cannot create a second checkout, charge or refund:
// reads, previews and calls carrying an idempotency key the API honours (Products.Create,
// Credits.Credit, Debit and PostTransaction, Usage.Ingest with its event IDs) after transport
// errors, timeouts, 429 and 5xx; other writes only after 429 or when the connection could not be
// made at all. No other layer repeats an unsafe write either: not even Go's HTTP/2 transport,
// which resends some requests by itself. See NewClient's options for the limits and waits.
//
// # Optional parameters
//
// A params field whose zero value is never valid is a plain value, left out when zero. A field
// whose zero value means something is a pointer, left out when nil: build it with String, Int,
// Int64, Float64, Bool or Ptr. Only a field of an update that the spec lets you clear is a
// Nullable: Value(v) sets it, Null[T]() clears it, the zero Nullable leaves it unchanged.
//
// # Redirects and webhooks
//
// VerifyRedirect and VerifyRedirectHandler check the signature Creem puts on the success URL;
// VerifyWebhook, ParseWebhook and WebhookHandler check webhook deliveries and decode their
// events. They need no Client.
//
// # Performance
//
// Every response is decoded in one pass of encoding/json; the objects in fields Creem sends in
// two shapes (an object or a bare ID, an object or an array) are decoded in one pass too, by a
// small decoder that leaves anything but plain JSON to encoding/json and gives the same results.
// Built with GOEXPERIMENT=jsonv2 (Go 1.25 or newer), encoding/json runs on the json/v2 engine
// and decoding gets about twice as fast, with the same results; the SDK needs no change for it.
// See BENCHMARKS.md.
package creem
