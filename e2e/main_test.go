package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// Every browser, server and delivery goroutine is gone when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
