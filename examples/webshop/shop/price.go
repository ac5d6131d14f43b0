package shop

import (
	"strconv"
	"strings"

	"github.com/creem-go/creem"
)

// currencySymbols are the currencies shown with a symbol; others show their code.
var currencySymbols = map[creem.Currency]string{
	creem.CurrencyEUR: "€",
	creem.CurrencyUSD: "$",
	"GBP":             "£",
}

// FormatPrice formats an amount in minor units the way every page of the shop shows prices:
// "€29.00", "$1,234.50", "-€5.00". Currencies without a symbol here lead with their code and a
// no-break space ("CHF\u00a029.00"); an empty currency shows the bare number. Amounts always have
// two decimals: Creem's minor units are hundredths.
func FormatPrice(amount int64, currency creem.Currency) string {
	code := creem.Currency(strings.ToUpper(strings.TrimSpace(string(currency))))
	prefix, ok := currencySymbols[code]
	if !ok && code != "" {
		prefix = string(code) + "\u00a0"
	}
	sign, abs := "", uint64(amount)
	if amount < 0 {
		sign, abs = "-", -abs // two's complement: right for math.MinInt64 too
	}
	minor := abs % 100
	return sign + prefix + groupThousands(strconv.FormatUint(abs/100, 10)) + "." + string(rune('0'+minor/10)) + string(rune('0'+minor%10))
}

// groupThousands puts a comma between each group of three digits: "1234567" → "1,234,567".
func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(digits[:head])
	for i := head; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
