package creem

// WebhooksService manages webhook endpoints and their pending-event feed: /v1/webhooks/….
type WebhooksService service
