package creem

// UsageService sends and lists usage events: /v1/events/….
type UsageService service
