package creem

// MetersService manages usage meters: /v1/meters and /v1/meters/{id}/….
type MetersService service
