package creem

// AffiliatesService invites affiliates and reads affiliates and commissions: /v1/affiliates/….
type AffiliatesService service
