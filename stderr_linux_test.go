package creem_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// captureFD2 runs f with file descriptor 2 pointed at a pipe and returns what was written to it.
// It catches writers that captured os.Stderr at init, as go-retryablehttp's default logger does.
func captureFD2(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved, err := syscall.Dup(2)
	require.NoError(t, err)
	require.NoError(t, syscall.Dup3(int(w.Fd()), 2, 0))
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	func() {
		defer func() {
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
			_ = w.Close()
		}()
		f()
	}()
	out := <-done
	_ = r.Close()
	return out
}

func TestDefaultClientWritesNothingToStderr(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n%2 == 1 {
			writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "Unavailable"))
			return
		}
		writeJSON(w, http.StatusOK, fixture(t, "product.json"))
	})
	out := captureFD2(t, func() {
		c := newClient(t, srv.URL)
		_, err := c.Products.Get(context.Background(), "prod_1")
		assert.NoError(t, err)
		dead := newClient(t, "http://"+closedPort(t), creem.WithRetryMax(2))
		_, err = dead.Checkouts.Create(context.Background(), &creem.CreateCheckoutParams{ProductID: "prod_1"})
		assert.Error(t, err)
	})
	assert.Equal(t, 2, rec.count(), "the retry happened")
	assert.Empty(t, out)
}
