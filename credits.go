package creem

// CreditsService manages customer credit accounts and ledger transactions: /v1/customer-credits/….
type CreditsService service
