package sig

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDigests(t *testing.T) {
	// RFC 4231 test case 2 and the SHA-256 of "abc".
	if got := HMACSHA256Hex([]byte("Jefe"), []byte("what do ya want for nothing?")); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("HMAC: %s", got)
	}
	if got := SHA256Hex("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("SHA-256: %s", got)
	}
}

func TestEqual(t *testing.T) {
	cases := []struct {
		a, b      string
		hex, full bool
	}{
		{"abcdef", "abcdef", true, true},
		{"ABCDEF", "abcdef", true, false},
		{"abcde", "abcdef", false, false},
		{"", "", true, true},
	}
	for _, c := range cases {
		if EqualHex(c.a, c.b) != c.hex || Equal(c.a, c.b) != c.full {
			t.Errorf("%q vs %q", c.a, c.b)
		}
	}
}
