// Package sig holds the digest helpers shared by the redirect and webhook verifiers.
package sig

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// SHA256Hex returns the lowercase hex SHA-256 of msg.
func SHA256Hex(msg string) string {
	sum := sha256.Sum256([]byte(msg))
	return hex.EncodeToString(sum[:])
}

// HMACSHA256 returns the HMAC-SHA256 of msg keyed with key.
func HMACSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// HMACSHA256Hex returns the lowercase hex HMAC-SHA256 of msg keyed with key.
func HMACSHA256Hex(key, msg []byte) string {
	return hex.EncodeToString(HMACSHA256(key, msg))
}

// EqualHex compares a received hex digest with an expected lowercase one in constant time.
// The received value may use upper-case hex digits.
func EqualHex(received, expected string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(received)), []byte(expected)) == 1
}

// Equal compares two strings in constant time (for equal lengths).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
