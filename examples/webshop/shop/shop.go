// Package shop is the web shop of the webshop example: a product page whose Buy button creates a
// Creem checkout, a success page that verifies Creem's signed redirect and tells the buyer
// whether the payment is confirmed yet, a webhook endpoint that marks orders paid, and an orders
// page. It is a package of its own so that the browser tests in e2e/ can run it in-process.
package shop

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/creem-go/creem"
)

//go:embed templates/*.html
var templateFS embed.FS

var funcs = template.FuncMap{
	"price": FormatPrice,
	"date":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04") },
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}

// pages are the page templates, each parsed with the layout it fills.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"product.html", "success.html", "orders.html", "error.html"} {
		m[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return m
}()

// RefreshInterval is how often, in seconds, the success page reloads itself while the order
// waits for Creem's webhook; it stops after ConfirmationWait and says the wait is unusual.
const (
	RefreshInterval  = 2
	ConfirmationWait = 10 * time.Minute
)

// Config configures a Shop.
type Config struct {
	Client        *creem.Client // talks to Creem (or creemtest)
	APIKey        string        // verifies the success redirect
	WebhookSecret string        // verifies webhooks
	ProductID     string        // the product the shop sells
	// BaseURL is the shop's public URL, for the success URL; empty derives it from each request.
	BaseURL string
	// NewOrderID names the n-th order of this run (n counts from 1). The name is the checkout's
	// request_id: it comes back on the signed success redirect and in the webhook. Nil numbers
	// orders WS-1001, WS-1002, … Names must be unique and must not contain "|", which
	// VerifyRedirect refuses.
	NewOrderID func(n int) string
	// Now is the shop's clock; nil means time.Now.
	Now func() time.Time
}

// OrderStatus is where an order stands.
type OrderStatus string

// Order statuses.
const (
	StatusPending OrderStatus = "pending" // checkout created, not yet paid
	StatusPaid    OrderStatus = "paid"    // checkout.completed received
)

// Label is the status as buyers read it.
func (s OrderStatus) Label() string {
	switch s {
	case StatusPaid:
		return "Paid"
	case StatusPending:
		return "Pending"
	}
	return string(s)
}

// Order is one purchase as the shop tracks it.
type Order struct {
	ID           string // the shop's order ID, sent as the checkout's request_id
	CheckoutID   string
	CreemOrderID string // set when paid
	Product      string // the product's name
	// Amount and Currency are the product's price when the checkout was created, then what
	// Creem's order says was charged.
	Amount   int64
	Currency creem.Currency
	Status   OrderStatus
	Created  time.Time

	n int // creation order, for a stable sort
}

// Shop is the web app.
type Shop struct {
	cfg     Config
	product *creem.Product
	mux     *http.ServeMux

	mu     sync.Mutex
	orders map[string]*Order // by ID
	seq    int
}

// New loads the product and builds the shop.
func New(ctx context.Context, cfg Config) (*Shop, error) {
	product, err := cfg.Client.Products.Get(ctx, cfg.ProductID)
	if err != nil {
		return nil, fmt.Errorf("loading product %s: %w", cfg.ProductID, err)
	}
	s := &Shop{cfg: cfg, product: product, orders: map[string]*Order{}, mux: http.NewServeMux()}
	webhooks := creem.NewWebhookHandler(cfg.WebhookSecret)
	webhooks.On(creem.EventCheckoutCompleted, s.checkoutCompleted)
	s.mux.HandleFunc("GET /{$}", s.productPage)
	s.mux.HandleFunc("POST /buy", s.buy)
	s.mux.Handle("GET /success", creem.VerifyRedirectHandler(cfg.APIKey, http.HandlerFunc(s.successPage),
		creem.WithRedirectFailure(s.redirectFailure)))
	s.mux.Handle("POST /webhooks/creem", webhooks)
	s.mux.HandleFunc("GET /orders", s.ordersPage)
	return s, nil
}

// ServeHTTP serves the shop. Requests no route matches get the shop's own 404 and 405 pages.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		w = &styledErrors{ResponseWriter: w, shop: s}
	}
	h.ServeHTTP(w, r)
}

// styledErrors replaces the plain-text 404 and 405 answers of the mux with the shop's pages,
// keeping the status and headers such as Allow.
type styledErrors struct {
	http.ResponseWriter
	shop     *Shop
	replaced bool
}

func (w *styledErrors) WriteHeader(status int) {
	switch status {
	case http.StatusNotFound:
		w.replaced = true
		w.shop.errorPage(w.ResponseWriter, status, "Page not found", "There is nothing at this address. It may have moved, or the link may be mistyped.")
	case http.StatusMethodNotAllowed:
		w.replaced = true
		w.shop.errorPage(w.ResponseWriter, status, "This page can't be opened this way", "Start again from the shop.")
	default:
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *styledErrors) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the mux's plain-text body, already replaced
	}
	return w.ResponseWriter.Write(b)
}

func (s *Shop) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

func (s *Shop) newOrderID(n int) string {
	if s.cfg.NewOrderID != nil {
		return s.cfg.NewOrderID(n)
	}
	return fmt.Sprintf("WS-%d", 1000+n)
}

// Order returns a copy of the order with this ID.
func (s *Shop) Order(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Orders returns copies of every order, newest first.
func (s *Shop) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n > out[j].n })
	return out
}

// view is what the layout renders: the page's title, the navigation entry to highlight, a
// reload interval in seconds (0: none) and the page's own data.
type view struct {
	Title   string
	Nav     string
	Refresh int
	Body    any
}

// render renders a page into a buffer first, so a template error is a clean 500, not half a page.
func (s *Shop) render(w http.ResponseWriter, status int, page string, v view) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Del("X-Content-Type-Options")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is the body of the error page.
type errorData struct {
	Status         int
	Title, Message string
}

// errorPage answers status with the shop's error page, which links back to the shop.
func (s *Shop) errorPage(w http.ResponseWriter, status int, title, message string) {
	s.render(w, status, "error.html", view{Title: title, Body: errorData{Status: status, Title: title, Message: message}})
}

func (s *Shop) productPage(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "product.html", view{Title: s.product.Name, Nav: "shop", Body: s.product})
}

func (s *Shop) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// buy names a new order, creates a checkout for it and sends the browser to Creem's payment
// page. The buyer chooses nothing here: the order ID is the shop's.
func (s *Shop) buy(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	id := s.newOrderID(n)
	if id == "" || strings.Contains(id, "|") || s.exists(id) {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong on our side",
			"We could not start your order. You have not been charged; please try again later.")
		return
	}
	checkout, err := s.cfg.Client.Checkouts.Create(r.Context(), &creem.CreateCheckoutParams{
		ProductID:  s.product.ID,
		RequestID:  id,
		SuccessURL: s.baseURL(r) + "/success",
	})
	if err != nil {
		s.errorPage(w, http.StatusBadGateway, "Payments are unavailable right now",
			"We could not reach our payment provider. You have not been charged; please try again in a moment.")
		return
	}
	o := &Order{
		ID: id, CheckoutID: checkout.ID, Product: s.product.Name, Amount: s.product.Price, Currency: s.product.Currency,
		Status: StatusPending, Created: s.now(), n: n,
	}
	s.mu.Lock()
	_, taken := s.orders[id]
	if !taken {
		s.orders[id] = o
	}
	s.mu.Unlock()
	if taken {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong on our side",
			"We could not start your order. You have not been charged; please try again later.")
		return
	}
	http.Redirect(w, r, checkout.CheckoutURL, http.StatusSeeOther)
}

func (s *Shop) exists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.orders[id]
	return ok
}

// successData is the body of the success page.
type successData struct {
	Order Order
	Slow  bool // pending for longer than ConfirmationWait
}

// successPage runs only for redirects whose signature verified. The redirect proves the buyer
// came back from Creem's payment page; the order counts as paid only once the webhook said so,
// and the page says which of the two it is. While pending it reloads itself.
func (s *Shop) successPage(w http.ResponseWriter, r *http.Request) {
	p, _ := creem.RedirectParamsFromContext(r.Context())
	o, ok := s.Order(p.RequestID)
	if !ok || o.CheckoutID != p.CheckoutID {
		s.errorPage(w, http.StatusNotFound, "Order not found",
			"Creem confirmed this payment, but this shop has no matching order. If you were charged, contact us and quote Creem order "+p.OrderID+".")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	v := view{Title: "Your order", Body: successData{Order: o}}
	if o.Status != StatusPaid {
		v.Title = "Confirming your payment"
		if s.now().Sub(o.Created) < ConfirmationWait {
			v.Refresh = RefreshInterval
		} else {
			v.Body = successData{Order: o, Slow: true}
		}
	}
	s.render(w, http.StatusOK, "success.html", v)
}

// redirectFailure answers a success URL whose signature is missing or wrong. It shows nothing
// from the query: those values are unverified.
func (s *Shop) redirectFailure(w http.ResponseWriter, _ *http.Request, err error) {
	msg := "This payment confirmation link has been changed or cut short, so we can't trust it. If you paid, your payment is safe: we learn about payments from Creem directly."
	if errors.Is(err, creem.ErrMissingSignature) {
		msg = "This page opens from Creem's payment page, through a signed link, and this link has no signature. If you paid, your payment is safe: we learn about payments from Creem directly."
	}
	s.errorPage(w, http.StatusUnauthorized, "We couldn't verify this link", msg)
}

// checkoutCompleted marks the order paid: the webhook, not the redirect, grants what was bought.
func (s *Shop) checkoutCompleted(_ context.Context, e *creem.Event) error {
	ch, err := e.Checkout()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ch.RequestID]
	if !ok {
		return fmt.Errorf("no order %q", ch.RequestID) // Creem retries; the order may not be stored yet
	}
	if o.CheckoutID != ch.ID {
		return nil // another checkout with this request_id (an earlier run of the shop): not this order
	}
	o.Status = StatusPaid
	if ch.Order != nil {
		o.CreemOrderID = ch.Order.ID
		if ch.Order.Currency != "" { // an expanded order: what was charged
			o.Amount, o.Currency = ch.Order.Amount, ch.Order.Currency
		}
	}
	return nil
}

func (s *Shop) ordersPage(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "orders.html", view{Title: "Orders", Nav: "orders", Body: s.Orders()})
}
