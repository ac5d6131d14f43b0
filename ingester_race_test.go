//go:build race

package creem_test

// faultMatrixEvents is the size of TestIngesterFaultMatrix's run under the race detector, which
// slows it down about five times: the full 100,000 events run without -race.
const faultMatrixEvents = 20_000
