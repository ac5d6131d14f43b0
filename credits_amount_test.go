package creem_test

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

func TestCreditAmountConstructorsAndAccessors(t *testing.T) {
	var zero creem.CreditAmount
	assert.Equal(t, "0", zero.String())
	assert.True(t, zero.IsZero())
	assert.Equal(t, creem.NewCreditAmount(0), zero)
	assert.Equal(t, creem.CreditAmountFromBig(nil), zero)
	assert.Equal(t, creem.CreditAmountFromBig(new(big.Int)), zero)

	for _, n := range []int64{1, 42, -7, math.MaxInt64, math.MinInt64} {
		a := creem.NewCreditAmount(n)
		assert.Equal(t, strconv.FormatInt(n, 10), a.String())
		got, ok := a.Int64()
		assert.True(t, ok)
		assert.Equal(t, n, got)
		assert.Equal(t, big.NewInt(n), a.Big())
		assert.Equal(t, a, creem.CreditAmountFromBig(big.NewInt(n)))
	}

	huge, ok := new(big.Int).SetString("123456789012345678901234567890", 10)
	require.True(t, ok)
	a := creem.CreditAmountFromBig(huge)
	assert.Equal(t, "123456789012345678901234567890", a.String())
	_, fits := a.Int64()
	assert.False(t, fits, "beyond int64")
	assert.Equal(t, huge, a.Big())
	a.Big().SetInt64(0)
	assert.Equal(t, "123456789012345678901234567890", a.String(), "Big returns a copy")

	assert.Equal(t, 1, a.Sign())
	assert.Equal(t, -1, creem.NewCreditAmount(-3).Sign())
	assert.Equal(t, 0, zero.Sign())
}

func TestCreditAmountCmp(t *testing.T) {
	ordered := []string{"-100000000000000000000", "-11", "-2", "0", "2", "11", "99", "100", "100000000000000000000"}
	for i, x := range ordered {
		for j, y := range ordered {
			a, b := amount(t, x), amount(t, y)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			assert.Equal(t, want, a.Cmp(b), "%s vs %s", x, y)
		}
	}
}

// How odd inputs parse and decode: digits only, an optional "-", leading zeros dropped.
func TestCreditAmountParsing(t *testing.T) {
	good := map[string]string{
		"0": "0", "000": "0", "-0": "0", "007": "7", "-007": "-7", "1000": "1000",
		"100000000000000000000": "100000000000000000000", "-18446744073709551617": "-18446744073709551617",
	}
	for in, want := range good {
		a, err := creem.ParseCreditAmount(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, a.String(), in)
	}
	for _, in := range []string{"", "-", "--1", "+1", " 1", "1 ", "1.0", "1.", ".5", "1e3", "1E3", "0x10", "1_000", "1,000", "١", "１", "NaN", "Infinity", "-+1", "1-"} {
		_, err := creem.ParseCreditAmount(in)
		assert.ErrorIs(t, err, creem.ErrInvalidCreditAmount, "%q", in)
	}
}

func TestCreditAmountJSON(t *testing.T) {
	decode := map[string]string{
		`"1000"`:                   "1000",
		`"007"`:                    "7",
		`"-5"`:                     "-5",
		`"\u0031\u0032"`:           "12", // escapes are read as JSON strings
		`1000`:                     "1000",
		`-5`:                       "-5",
		`0`:                        "0",
		`123456789012345678901234`: "123456789012345678901234", // a JSON number beyond float64's precision, read exactly
	}
	for in, want := range decode {
		var a creem.CreditAmount
		require.NoError(t, json.Unmarshal([]byte(in), &a), in)
		assert.Equal(t, want, a.String(), in)
	}
	for _, in := range []string{`""`, `" 1"`, `"+1"`, `"1.5"`, `1.5`, `1e3`, `1.0`, `-0.0`, `true`, `{}`, `[]`, `"abc"`} {
		var a creem.CreditAmount
		err := json.Unmarshal([]byte(in), &a)
		assert.ErrorIs(t, err, creem.ErrInvalidCreditAmount, in)
	}

	// null leaves the value as it was, like encoding/json does for other types.
	a := creem.NewCreditAmount(5)
	require.NoError(t, json.Unmarshal([]byte(`null`), &a))
	assert.Equal(t, "5", a.String())

	// Encoding: always a string of digits; an omitzero field is left out when zero.
	out, err := json.Marshal(struct {
		A creem.CreditAmount `json:"a"`
		B creem.CreditAmount `json:"b"`
		C creem.CreditAmount `json:"c,omitzero"`
		D creem.CreditAmount `json:"d,omitzero"`
	}{A: amount(t, "000123"), D: creem.NewCreditAmount(-4)})
	require.NoError(t, err)
	assert.Equal(t, `{"a":"123","b":"0","d":"-4"}`, string(out))
}

var canonicalAmount = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`)

// FuzzParseCreditAmount: no input panics; an input is accepted exactly when it is an optional
// "-" and ASCII digits, and then means what math/big says it means; the result is canonical and
// survives String, JSON and Int64 round trips. The same holds for JSON input.
func FuzzParseCreditAmount(f *testing.F) {
	for _, s := range []string{"0", "007", "-0", "-12", "1000", "18446744073709551617", "9223372036854775807", "9223372036854775808",
		"", "-", "+1", " 1", "1.0", "1e3", "0x10", "1_000", "١", `"12"`, `"\u0031"`, "null", "1.5", "true"} {
		f.Add(s)
	}
	valid := regexp.MustCompile(`^-?[0-9]+$`)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := creem.ParseCreditAmount(s)
		if !valid.MatchString(s) {
			if err == nil {
				t.Fatalf("%q accepted", s)
			}
			if !a.IsZero() {
				t.Fatalf("%q: a value returned with the error", s)
			}
		} else {
			if err != nil {
				t.Fatalf("%q refused: %v", s, err)
			}
			checkAmount(t, s, a)
		}

		// The same text as JSON (a number, a string, or anything else).
		var j creem.CreditAmount
		if err := json.Unmarshal([]byte(s), &j); err == nil {
			var v any
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			if dec.Decode(&v) != nil {
				t.Fatalf("%q decoded though it is not JSON", s)
			}
			switch x := v.(type) {
			case nil:
				if !j.IsZero() {
					t.Fatalf("null gave %s", j)
				}
			case string:
				if !valid.MatchString(x) {
					t.Fatalf("JSON string %q accepted", x)
				}
				checkAmount(t, x, j)
			case json.Number:
				if !valid.MatchString(string(x)) {
					t.Fatalf("JSON number %s accepted", x)
				}
				checkAmount(t, string(x), j)
			default:
				t.Fatalf("%q (%T) accepted", s, v)
			}
		}
	})
}

// checkAmount verifies a parsed amount against math/big and its round trips.
func checkAmount(t *testing.T, text string, a creem.CreditAmount) {
	t.Helper()
	want, ok := new(big.Int).SetString(text, 10)
	if !ok {
		t.Fatalf("math/big refuses %q", text)
	}
	if a.Big().Cmp(want) != 0 || a.String() != want.String() {
		t.Fatalf("%q parsed as %s, want %s", text, a, want)
	}
	if !canonicalAmount.MatchString(a.String()) {
		t.Fatalf("%q: %s is not canonical", text, a)
	}
	if a.IsZero() != (want.Sign() == 0) || a.Sign() != want.Sign() {
		t.Fatalf("%q: IsZero/Sign wrong", text)
	}
	if again, err := creem.ParseCreditAmount(a.String()); err != nil || again != a {
		t.Fatalf("%q: String does not parse back", text)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back creem.CreditAmount
	if err := json.Unmarshal(b, &back); err != nil || back != a {
		t.Fatalf("%q: JSON round trip gave %s (%v)", text, back, err)
	}
	if n, fits := a.Int64(); fits != want.IsInt64() || (fits && n != want.Int64()) {
		t.Fatalf("%q: Int64 = %d, %v", text, n, fits)
	}
	if a.Cmp(creem.CreditAmountFromBig(want)) != 0 {
		t.Fatalf("%q: Cmp with itself", text)
	}
}
