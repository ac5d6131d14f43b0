package creem

// SetSlowDecodeOnly turns the one-pass decoder of the two-shape fields off (true) or on, for the
// tests and benchmarks that compare it with encoding/json alone. It returns the previous setting.
func SetSlowDecodeOnly(on bool) bool { return slowDecodeOnly.Swap(on) }
