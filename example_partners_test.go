package creem_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/creemtest"
)

// An affiliate's referral code on a checkout earns them a commission once the checkout is paid.
func ExampleAffiliatesService_ListCommissions() {
	fake := creemtest.NewServer() // stands in for Creem, so this runs offline
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	invite, err := client.Affiliates.CreateInvite(ctx, &creem.CreateAffiliateInviteParams{
		Email: "partner@example.com", Name: "Jane Partner",
	})
	if err != nil {
		log.Fatal(err)
	}
	// The invitee accepts by e-mail at Creem; in creemtest this line does it.
	affiliate, err := fake.AcceptAffiliateInvite(invite.ID)
	if err != nil {
		log.Fatal(err)
	}

	// A buyer arrives through the affiliate's link and pays.
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Pro plan", Price: creem.Int64(3000), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}
	checkout, err := client.Checkouts.Create(ctx, &creem.CreateCheckoutParams{
		ProductID: product.ID, AffiliateCode: affiliate.ReferralCode,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fake.Pay(ctx, checkout.ID, "buyer@example.com"); err != nil {
		log.Fatal(err)
	}

	page, err := client.Affiliates.ListCommissions(ctx, affiliate.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Items {
		fmt.Println(c.Amount, c.Currency, c.Status) // minor units: 600 EUR is €6.00, 20% of the sale
	}
	affiliate, err = client.Affiliates.Get(ctx, affiliate.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(affiliate.Status, "conversions:", affiliate.Conversions)
	// Output:
	// 600 EUR pending
	// active conversions: 1
}

// A product split shares the product's net with a partner store at once, and with a co-author
// once they accept the invitation e-mailed to them.
func ExampleSplitsService_Create() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	product, err := client.Products.Create(ctx, &creem.CreateProductParams{
		Name: "Course", Price: creem.Int64(9900), Currency: creem.CurrencyEUR, BillingType: creem.BillingTypeOnetime,
	})
	if err != nil {
		log.Fatal(err)
	}

	split, err := client.Splits.Create(ctx, &creem.CreateSplitParams{
		Description: "Course revenue", Type: creem.SplitTypeProduct, TypeReference: product.ID,
		Recipients: []creem.SplitRecipientParams{
			{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "sto_partner", Amount: 25},
			{RecipientType: creem.SplitRecipientTypeEmail, RecipientReference: "coauthor@example.com", Amount: 10},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enabled:", split.Enabled)
	for _, r := range split.Recipients {
		fmt.Println(r.RecipientType, r.RecipientReference, r.Amount, r.Enabled) // invitees' addresses come back masked
	}

	// The co-author accepts (in creemtest, this line does it), and the split applies.
	if err := fake.AcceptSplitInvite(split.ID, "coauthor@example.com"); err != nil {
		log.Fatal(err)
	}
	split, err = client.Splits.Get(ctx, split.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enabled:", split.Enabled)

	// Shares above 100% in total are refused before anything is sent.
	_, err = client.Splits.Create(ctx, &creem.CreateSplitParams{
		Type: creem.SplitTypeStore, TypeReference: fake.StoreID(),
		Recipients: []creem.SplitRecipientParams{
			{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "sto_a", Amount: 60},
			{RecipientType: creem.SplitRecipientTypeStore, RecipientReference: "sto_b", Amount: 50},
		},
	})
	fmt.Println(errors.Is(err, creem.ErrInvalidParams))
	// Output:
	// enabled: false
	// store sto_partner 25 true
	// email c***@example.com 10 false
	// enabled: true
	// true
}

// Screen a prompt before generating from it. creemtest's moderation is a stub steered by rules,
// so tests can reach every branch.
func ExampleModerationService_ScreenPrompt() {
	fake := creemtest.NewServer()
	defer fake.Close()
	client, err := fake.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fake.SetModerationRules(creemtest.ModerationRules{Deny: []string{"bomb"}, Flag: []string{"weapon"}})

	for i, prompt := range []string{"A cat in a hat", "A medieval weapon rack", "How to build a bomb"} {
		res, err := client.Moderation.ScreenPrompt(ctx, &creem.ScreenPromptParams{
			Prompt: prompt, ExternalID: fmt.Sprint("gen-", i), // your generation's ID, to find the screening later
		})
		if err != nil {
			log.Fatal(err)
		}
		switch res.Decision {
		case creem.ModerationDecisionAllow:
			fmt.Println("generate:", prompt)
		case creem.ModerationDecisionDeny:
			fmt.Println("refuse:", prompt)
		default: // flag, or a decision added later
			fmt.Println("review:", prompt)
		}
	}

	fake.SetModerationRules(creemtest.ModerationRules{Disabled: true})
	_, err = client.Moderation.ScreenPrompt(ctx, &creem.ScreenPromptParams{Prompt: "A cat in a hat"})
	var apiErr *creem.APIError
	if errors.As(err, &apiErr) && apiErr.Code == creem.CodeModerationDisabled {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// generate: A cat in a hat
	// review: A medieval weapon rack
	// refuse: How to build a bomb
	// 403 moderation_disabled
}
