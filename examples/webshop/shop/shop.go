// Package shop is the web shop of the webshop example: a product page whose Buy button creates a
// Creem checkout, a success page that verifies Creem's signed redirect, a webhook endpoint that
// marks orders paid, and an orders page. It is a package of its own so that the browser tests in
// e2e/ can run it in-process.
package shop

import (
	"context"
	"embed"
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

var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Config configures a Shop.
type Config struct {
	Client        *creem.Client // talks to Creem (or creemtest)
	APIKey        string        // verifies the success redirect
	WebhookSecret string        // verifies webhooks
	ProductID     string        // the product the shop sells
	// BaseURL is the shop's public URL, for the success URL; empty derives it from each request.
	BaseURL string
}

// OrderStatus is where an order stands.
type OrderStatus string

// Order statuses.
const (
	StatusPending OrderStatus = "pending" // checkout created, not yet paid
	StatusPaid    OrderStatus = "paid"    // checkout.completed received
)

// Order is one purchase as the shop tracks it.
type Order struct {
	Reference    string // the shop's reference, sent as the checkout's request_id
	CheckoutID   string
	CreemOrderID string // set when paid
	Status       OrderStatus
	Created      time.Time
}

// Shop is the web app.
type Shop struct {
	cfg     Config
	product *creem.Product
	mux     *http.ServeMux

	mu     sync.Mutex
	orders map[string]*Order // by reference
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
	s.mux.Handle("GET /success", creem.VerifyRedirectHandler(cfg.APIKey, http.HandlerFunc(s.successPage)))
	s.mux.Handle("POST /webhooks/creem", webhooks)
	s.mux.HandleFunc("GET /orders", s.ordersPage)
	return s, nil
}

// ServeHTTP serves the shop.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Order returns a copy of the order with this reference.
func (s *Shop) Order(reference string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[reference]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Orders returns copies of every order, oldest first.
func (s *Shop) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

func (s *Shop) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = templates.ExecuteTemplate(w, name, data)
}

func (s *Shop) productPage(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "product.html", map[string]any{
		"Product": s.product,
		"Price":   fmt.Sprintf("%d.%02d %s", s.product.Price/100, s.product.Price%100, s.product.Currency),
	})
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

// buy creates a checkout for the product and sends the browser to Creem's payment page.
func (s *Shop) buy(w http.ResponseWriter, r *http.Request) {
	reference := strings.TrimSpace(r.PostFormValue("reference"))
	s.mu.Lock()
	s.seq++
	if reference == "" {
		reference = fmt.Sprintf("order-%d", s.seq)
	}
	_, taken := s.orders[reference]
	s.mu.Unlock()
	if taken {
		s.render(w, http.StatusConflict, "error.html", "An order with this reference exists already.")
		return
	}
	checkout, err := s.cfg.Client.Checkouts.Create(r.Context(), &creem.CreateCheckoutParams{
		ProductID:  s.product.ID,
		RequestID:  reference,
		SuccessURL: s.baseURL(r) + "/success",
	})
	if err != nil {
		s.render(w, http.StatusBadGateway, "error.html", "The payment provider is not available; please try again.")
		return
	}
	s.mu.Lock()
	s.orders[reference] = &Order{Reference: reference, CheckoutID: checkout.ID, Status: StatusPending, Created: time.Now()}
	s.mu.Unlock()
	http.Redirect(w, r, checkout.CheckoutURL, http.StatusSeeOther)
}

// successPage runs only for redirects whose signature verified.
func (s *Shop) successPage(w http.ResponseWriter, r *http.Request) {
	p, _ := creem.RedirectParamsFromContext(r.Context())
	o, _ := s.Order(p.RequestID)
	s.render(w, http.StatusOK, "success.html", map[string]any{"Params": p, "Order": o})
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
	o.Status = StatusPaid
	if ch.Order != nil {
		o.CreemOrderID = ch.Order.ID
	}
	return nil
}

func (s *Shop) ordersPage(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "orders.html", s.Orders())
}
