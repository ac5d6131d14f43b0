//go:build !race

package creem_test

// faultMatrixEvents is the size of TestIngesterFaultMatrix's run: 100,000 events.
const faultMatrixEvents = 100_000
