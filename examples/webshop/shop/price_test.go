package shop_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/creem-go/creem"
	"github.com/creem-go/creem/examples/webshop/shop"
)

// One formatter for every page: symbol for the currencies the shop knows, the code otherwise,
// minor units to two decimals, thousands grouped, no overflow at the extremes.
func TestFormatPrice(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		currency creem.Currency
		want     string
	}{
		{0, creem.CurrencyEUR, "€0.00"},
		{5, creem.CurrencyEUR, "€0.05"},
		{50, creem.CurrencyUSD, "$0.50"},
		{2900, creem.CurrencyEUR, "€29.00"},
		{2900, creem.CurrencyUSD, "$29.00"},
		{2999, "usd", "$29.99"},
		{2900, "GBP", "£29.00"},
		{99999, creem.CurrencyUSD, "$999.99"},
		{100000, creem.CurrencyUSD, "$1,000.00"},
		{123456789, creem.CurrencyEUR, "€1,234,567.89"},
		{math.MaxInt64, creem.CurrencyUSD, "$92,233,720,368,547,758.07"},
		{-500, creem.CurrencyEUR, "-€5.00"},
		{math.MinInt64, creem.CurrencyEUR, "-€92,233,720,368,547,758.08"},
		{2900, "CHF", "CHF\u00a029.00"},
		{123456, "jpy", "JPY\u00a01,234.56"},
		{2900, "", "29.00"},
	} {
		assert.Equal(t, c.want, shop.FormatPrice(c.amount, c.currency), "%d %q", c.amount, c.currency)
	}
}
