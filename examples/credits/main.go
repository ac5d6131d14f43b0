// Command credits runs an image generator paid for with Creem customer credits: a signup bonus
// is granted once per customer, every image is debited from the customer's "images" bucket, an
// image the balance cannot cover is refused, and the customer_credits.exhausted webhook pauses
// generation until the customer buys more.
//
// Without CREEM_API_KEY it runs offline against creemtest, an in-process fake Creem server that
// keeps a real ledger and sends signed webhooks to this program's endpoint:
//
//	go run ./examples/credits
//
// With CREEM_API_KEY (a creem_test_ key) and CREEM_CUSTOMER_ID (an existing customer) it grants
// the bonus and generates images against Creem's test mode. Webhooks need an endpoint Creem can
// reach; see examples/webhooks. CREEM_BASE_URL sends the requests to a proxy instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "credits:", err)
		os.Exit(1)
	}
}

const (
	bucket      = "images" // the credit account (bucket) the generator spends from
	signupBonus = 5        // images granted once per customer
	imageCost   = 2        // credits per image
)

// printer serialises output from the main flow and the webhook endpoint. The endpoint's lines
// wait until the flow has printed what it did, so they read in order.
type printer struct {
	mu      sync.Mutex
	out     io.Writer
	pending []string // the webhook endpoint's lines, not printed yet
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format, args...)
}

func (p *printer) later(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, fmt.Sprintf(format, args...))
}

func (p *printer) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range p.pending {
		_, _ = io.WriteString(p.out, line)
	}
	p.pending = nil
}

// generator is the app: it spends credits through the API and learns from webhooks when a
// customer ran out.
type generator struct {
	client *creem.Client
	out    *printer

	mu     sync.Mutex
	paused map[string]bool // customer ID → generation paused until the next grant
}

// errOutOfCredits is the app's refusal when the customer cannot pay for an image.
var errOutOfCredits = errors.New("out of credits")

// grantSignupBonus credits the bonus once per customer: the idempotency key is derived from the
// customer, so a second grant (a retry, a restart, a double click) returns the first transaction.
func (g *generator) grantSignupBonus(ctx context.Context, customerID, accountID string) (*creem.CreditTransaction, error) {
	return g.client.Credits.Credit(ctx, accountID, &creem.CreditDebitParams{
		Amount:         creem.NewCreditAmount(signupBonus),
		Reference:      "signup_bonus",
		IdempotencyKey: "signup-bonus:" + customerID,
	})
}

// generate debits one image. The SDK generates the debit's idempotency key and retries the call
// safely; Creem refuses a debit beyond the balance with 422 insufficient_balance.
func (g *generator) generate(ctx context.Context, customerID, accountID, prompt string) (*creem.CreditTransaction, error) {
	g.mu.Lock()
	paused := g.paused[customerID]
	g.mu.Unlock()
	if paused {
		return nil, fmt.Errorf("%w: generation is paused until the customer tops up", errOutOfCredits)
	}
	tx, err := g.client.Credits.Debit(ctx, accountID, &creem.CreditDebitParams{
		Amount:    creem.NewCreditAmount(imageCost),
		Reference: "image:" + prompt,
	})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) && apiErr.Code == creem.CodeInsufficientBalance {
		return nil, fmt.Errorf("%w: an image needs %d credits (%s)", errOutOfCredits, imageCost, apiErr.Code)
	}
	return tx, err
}

// webhooks is the app's endpoint for Creem's credits events.
func (g *generator) webhooks(secret string) http.Handler {
	h := creem.NewWebhookHandler(secret)
	h.On(creem.EventCreditsGranted, func(_ context.Context, e *creem.Event) error {
		mv, err := e.CreditsMovement()
		if err != nil {
			return err
		}
		g.out.later("   webhook credits.granted: +%s %s for %s, balance %s\n", mv.AmountMinorUnits, mv.UnitLabel, mv.CustomerID, mv.BalanceAfterMinorUnits)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.paused[mv.CustomerID] {
			delete(g.paused, mv.CustomerID)
			g.out.later("   generation resumed for %s\n", mv.CustomerID)
		}
		return nil
	})
	h.On(creem.EventCreditsConsumed, func(_ context.Context, e *creem.Event) error {
		mv, err := e.CreditsMovement()
		if err != nil {
			return err
		}
		g.out.later("   webhook credits.consumed: -%s %s (%s), balance %s\n", mv.AmountMinorUnits, mv.UnitLabel, mv.Reference, mv.BalanceAfterMinorUnits)
		return nil
	})
	h.On(creem.EventCustomerCreditsExhausted, func(_ context.Context, e *creem.Event) error {
		ex, err := e.CreditsExhaustion()
		if err != nil {
			return err
		}
		g.mu.Lock()
		g.paused[ex.CustomerID] = true
		g.mu.Unlock()
		g.out.later("   webhook customer_credits.exhausted: %s ran out of %s (short by %s): generation paused, top-up e-mail sent\n",
			ex.CustomerID, ex.UnitLabel, ex.ShortfallMinorUnits)
		return nil
	})
	return h
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out := &printer{out: w}

	apiKey := getenv("CREEM_API_KEY")
	offline := apiKey == ""
	var fake *creemtest.Server
	var opts []creem.Option
	if offline {
		fake = creemtest.NewServer()
		defer fake.Close()
		apiKey = fake.APIKey
		opts = append(opts, creem.WithBaseURL(fake.URL))
		out.printf("No CREEM_API_KEY set: using creemtest, a fake Creem server at %s\n", fake.URL)
	} else if base := getenv("CREEM_BASE_URL"); base != "" {
		opts = append(opts, creem.WithBaseURL(base))
	}
	client, err := creem.NewClient(apiKey, opts...)
	if err != nil {
		return err
	}
	g := &generator{client: client, out: out, paused: map[string]bool{}}

	// settle waits until the fake delivered every webhook, then prints what the endpoint did.
	settle := func() error {
		if fake == nil {
			return nil
		}
		err := fake.WaitForDeliveries(ctx)
		out.flush()
		return err
	}

	// 1. A customer and their credit bucket.
	customerID := getenv("CREEM_CUSTOMER_ID")
	if offline {
		endpoint := httptest.NewServer(g.webhooks(fake.WebhookSecret))
		defer endpoint.Close()
		fake.AddWebhookEndpoint(endpoint.URL + "/webhooks/creem")

		cust, err := client.Customers.Create(ctx, &creem.CreateCustomerParams{Email: "ada@example.com", Name: "Ada"})
		if err != nil {
			return fmt.Errorf("creating the customer: %w", err)
		}
		customerID = cust.ID
	} else if customerID == "" {
		return errors.New("set CREEM_CUSTOMER_ID to an existing customer's ID")
	}
	account, err := findOrCreateAccount(ctx, client, customerID)
	if err != nil {
		return err
	}
	out.printf("1. customer %s has credit account %s (%s)\n", customerID, account.ID, account.Name)

	// 2. The signup bonus, granted once.
	bonus, err := g.grantSignupBonus(ctx, customerID, account.ID)
	if err != nil {
		return fmt.Errorf("granting the signup bonus: %w", err)
	}
	out.printf("2. granted a signup bonus of %d %s (transaction %s)\n", signupBonus, account.UnitLabel, bonus.ID)
	if err := settle(); err != nil {
		return err
	}
	again, err := g.grantSignupBonus(ctx, customerID, account.ID)
	if err != nil {
		return fmt.Errorf("granting the signup bonus again: %w", err)
	}
	bal, err := client.Credits.Balance(ctx, account.ID, nil)
	if err != nil {
		return fmt.Errorf("reading the balance: %w", err)
	}
	out.printf("   granting it again returns transaction %s: same=%t, balance %s\n", again.ID, again.ID == bonus.ID, bal.Balance)

	// 3. Images, paid per use, until the balance runs short.
	out.printf("3. generating images at %d credits each\n", imageCost)
	for _, prompt := range []string{"cat", "dog", "fox"} {
		if err := g.image(ctx, customerID, account.ID, prompt); err != nil {
			return err
		}
		if err := settle(); err != nil {
			return err
		}
	}
	if !offline {
		out.printf("4. Creem sends customer_credits.exhausted when metered usage finds the bucket empty; serve g.webhooks to react to it\n")
		return nil
	}

	// 4. Metered usage settles against the same bucket; offline, creemtest stands in for Creem's
	// usage billing. The bucket cannot cover it, and Creem tells the app.
	if _, err := fake.ChargeUsage(customerID, bucket, creem.NewCreditAmount(4), "usage:2026-11"); !errors.Is(err, creemtest.ErrCreditsExhausted) {
		return fmt.Errorf("the usage charge should have been refused, got %v", err)
	}
	out.printf("4. metered usage of 4 %s could not be settled\n", account.UnitLabel)
	if err := settle(); err != nil {
		return err
	}
	if err := g.image(ctx, customerID, account.ID, "owl"); err != nil {
		return err
	}

	// 5. The customer buys a pack of 10; the grant's webhook resumes generation.
	pack, err := client.Credits.Credit(ctx, account.ID, &creem.CreditDebitParams{
		Amount: creem.NewCreditAmount(10), Reference: "order:ord_1001", IdempotencyKey: "pack:ord_1001",
	})
	if err != nil {
		return fmt.Errorf("granting the pack: %w", err)
	}
	out.printf("5. the customer bought 10 %s (transaction %s)\n", account.UnitLabel, pack.ID)
	if err := settle(); err != nil {
		return err
	}
	if err := g.image(ctx, customerID, account.ID, "owl"); err != nil {
		return err
	}
	if err := settle(); err != nil {
		return err
	}

	// 6. The history, newest first.
	bal, err = client.Credits.Balance(ctx, account.ID, nil)
	if err != nil {
		return fmt.Errorf("reading the balance: %w", err)
	}
	entries := 0
	for _, err := range client.Credits.AllEntries(ctx, account.ID, nil) {
		if err != nil {
			return fmt.Errorf("listing entries: %w", err)
		}
		entries++
	}
	out.printf("6. balance %s %s after %d ledger entries\n", bal.Balance, account.UnitLabel, entries)
	return nil
}

// image generates one image and prints the outcome; running out of credits is not an error.
func (g *generator) image(ctx context.Context, customerID, accountID, prompt string) error {
	tx, err := g.generate(ctx, customerID, accountID, prompt)
	switch {
	case errors.Is(err, errOutOfCredits):
		g.out.printf("   image %q refused: %v\n", prompt, err)
		return nil
	case err != nil:
		return fmt.Errorf("generating %q: %w", prompt, err)
	}
	g.out.printf("   image %q generated, %d credits debited (transaction %s)\n", prompt, imageCost, tx.ID)
	return nil
}

// findOrCreateAccount returns the customer's images bucket, creating it when missing.
func findOrCreateAccount(ctx context.Context, c *creem.Client, customerID string) (*creem.CreditAccount, error) {
	for a, err := range c.Credits.AllAccounts(ctx, &creem.ListCreditAccountsParams{CustomerID: customerID}) {
		if err != nil {
			return nil, fmt.Errorf("listing credit accounts: %w", err)
		}
		if a.Name == bucket {
			return a, nil
		}
	}
	a, err := c.Credits.CreateAccount(ctx, &creem.CreateCreditAccountParams{CustomerID: customerID, Name: bucket, UnitLabel: bucket})
	if err != nil {
		return nil, fmt.Errorf("creating the credit account: %w", err)
	}
	return a, nil
}
