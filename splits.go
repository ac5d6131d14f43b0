package creem

// SplitsService manages revenue splits: /v1/splits/….
type SplitsService service
