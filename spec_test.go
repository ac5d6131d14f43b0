package creem_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// specOp maps one operation of the spec to the SDK.
type specOp struct {
	method string       // "Service.Method" on *creem.Client
	body   reflect.Type // the params type sent as the JSON body, nil for none
	query  reflect.Type // the params type encoded into the query, nil for none
	args   []string     // spec parameters and top-level body properties taken as method arguments
	result reflect.Type // the type the 200 response decodes into
}

// registry lists every operation the SDK implements, by operationId.
var registry = map[string]specOp{
	"createCheckout":   {method: "Checkouts.Create", body: reflect.TypeFor[creem.CreateCheckoutParams](), result: reflect.TypeFor[creem.Checkout]()},
	"retrieveCheckout": {method: "Checkouts.Get", args: []string{"checkout_id"}, result: reflect.TypeFor[creem.Checkout]()},
	"createProduct":    {method: "Products.Create", body: reflect.TypeFor[creem.CreateProductParams](), args: []string{"Idempotency-Key"}, result: reflect.TypeFor[creem.Product]()},
	"getProduct":       {method: "Products.Get", args: []string{"id"}, result: reflect.TypeFor[creem.Product]()},
	"searchProducts":   {method: "Products.List", query: reflect.TypeFor[creem.ListProductsParams](), result: reflect.TypeFor[creem.Page[creem.Product]]()},
	"updateProduct":    {method: "Products.Update", args: []string{"id"}, body: reflect.TypeFor[creem.UpdateProductParams](), result: reflect.TypeFor[creem.Product]()},
	"archiveProduct":   {method: "Products.Archive", args: []string{"id"}, result: reflect.TypeFor[creem.Product]()},

	"retrieveCustomer":          {method: "Customers.Get", args: []string{"customer_id", "email"}, result: reflect.TypeFor[creem.Customer]()},
	"listCustomers":             {method: "Customers.List", query: reflect.TypeFor[creem.ListCustomersParams](), result: reflect.TypeFor[creem.Page[creem.Customer]]()},
	"createCustomer":            {method: "Customers.Create", body: reflect.TypeFor[creem.CreateCustomerParams](), result: reflect.TypeFor[creem.Customer]()},
	"updateCustomer":            {method: "Customers.Update", body: reflect.TypeFor[creem.UpdateCustomerParams](), args: []string{"customer_id"}, result: reflect.TypeFor[creem.Customer]()},
	"generateCustomerLinks":     {method: "Customers.BillingPortal", args: []string{"customer_id"}, result: reflect.TypeFor[creem.CustomerLinks]()},
	"listCustomerOrders":        {method: "Customers.ListOrders", args: []string{"id"}, query: reflect.TypeFor[creem.ListParams](), result: reflect.TypeFor[creem.Page[creem.Order]]()},
	"listCustomerSubscriptions": {method: "Customers.ListSubscriptions", args: []string{"id"}, query: reflect.TypeFor[creem.ListParams](), result: reflect.TypeFor[creem.Page[creem.Subscription]]()},
	"listCustomerLicenses":      {method: "Customers.ListLicenses", args: []string{"id"}, query: reflect.TypeFor[creem.ListParams](), result: reflect.TypeFor[creem.Page[creem.License]]()},

	"retrieveSubscription": {method: "Subscriptions.Get", args: []string{"subscription_id"}, result: reflect.TypeFor[creem.Subscription]()},
	"searchSubscriptions":  {method: "Subscriptions.List", query: reflect.TypeFor[creem.ListSubscriptionsParams](), result: reflect.TypeFor[creem.Page[creem.Subscription]]()},
	"updateSubscription":   {method: "Subscriptions.Update", args: []string{"id"}, body: reflect.TypeFor[creem.UpdateSubscriptionParams](), result: reflect.TypeFor[creem.Subscription]()},
	"upgradeSubscription":  {method: "Subscriptions.Upgrade", args: []string{"id"}, body: reflect.TypeFor[creem.UpgradeSubscriptionParams](), result: reflect.TypeFor[creem.Subscription]()},
	"cancelSubscription":   {method: "Subscriptions.Cancel", args: []string{"id"}, body: reflect.TypeFor[creem.CancelSubscriptionParams](), result: reflect.TypeFor[creem.Subscription]()},
	"pauseSubscription":    {method: "Subscriptions.Pause", args: []string{"id"}, result: reflect.TypeFor[creem.Subscription]()},
	"resumeSubscription":   {method: "Subscriptions.Resume", args: []string{"id"}, result: reflect.TypeFor[creem.Subscription]()},

	"activateLicense":      {method: "Licenses.Activate", body: reflect.TypeFor[creem.ActivateLicenseParams](), result: reflect.TypeFor[creem.License]()},
	"validateLicense":      {method: "Licenses.Validate", body: reflect.TypeFor[creem.ValidateLicenseParams](), result: reflect.TypeFor[creem.License]()},
	"deactivateLicense":    {method: "Licenses.Deactivate", body: reflect.TypeFor[creem.DeactivateLicenseParams](), result: reflect.TypeFor[creem.License]()},
	"listLicenseInstances": {method: "Licenses.ListInstances", args: []string{"id"}, query: reflect.TypeFor[creem.ListParams](), result: reflect.TypeFor[creem.Page[creem.LicenseInstance]]()},

	"retrieveDiscount": {method: "Discounts.Get", args: []string{"discount_id", "discount_code"}, result: reflect.TypeFor[creem.Discount]()},
	"createDiscount":   {method: "Discounts.Create", body: reflect.TypeFor[creem.CreateDiscountParams](), result: reflect.TypeFor[creem.Discount]()},
	"deleteDiscount":   {method: "Discounts.Delete", args: []string{"id"}, result: reflect.TypeFor[creem.Discount]()},
	"searchDiscounts":  {method: "Discounts.List", query: reflect.TypeFor[creem.ListDiscountsParams](), result: reflect.TypeFor[creem.Page[creem.Discount]]()},

	"getTransactionById": {method: "Transactions.Get", args: []string{"transaction_id"}, result: reflect.TypeFor[creem.Transaction]()},
	"searchTransactions": {method: "Transactions.List", query: reflect.TypeFor[creem.ListTransactionsParams](), result: reflect.TypeFor[creem.Page[creem.Transaction]]()},
	"refundPayment":      {method: "Transactions.Refund", args: []string{"transaction_id"}, result: reflect.TypeFor[creem.RefundResult]()},

	"getMetricsSummary": {method: "Stats.Summary", query: reflect.TypeFor[creem.StatsSummaryParams](), result: reflect.TypeFor[creem.StatsSummary]()},
}

// specOperations is how many operations testdata/openapi.json, the newest official spec, has:
// the SDK covers every one.
const specOperations = 79

// extraMethods are SDK methods that share an operation with a registry entry.
var extraMethods = []string{
	"Customers.GetByEmail", "Discounts.GetByCode", "Products.All", "Customers.All", "Customers.AllOrders",
	"Customers.AllSubscriptions", "Customers.AllLicenses", "Subscriptions.All", "Licenses.AllInstances",
	"Discounts.All", "Transactions.All",
}

type spec struct {
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	OperationID string   `json:"operationId"`
	Tags        []string `json:"tags"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Nullable   bool               `json:"nullable"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	AllOf      []*schema          `json:"allOf"`
	OneOf      []*schema          `json:"oneOf"`
	AnyOf      []*schema          `json:"anyOf"`
}

func loadSpec(t *testing.T) *spec {
	t.Helper()
	var s spec
	require.NoError(t, json.Unmarshal(readTestdata(t, "openapi.json"), &s))
	return &s
}

// objectSchemas returns the object schemas s stands for: itself, its $ref, the members of
// allOf/oneOf/anyOf, and for arrays their items.
func (sp *spec) objectSchemas(s *schema) []*schema {
	if s == nil {
		return nil
	}
	if s.Ref != "" {
		return sp.objectSchemas(sp.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")])
	}
	var out []*schema
	if s.Properties != nil {
		out = append(out, s)
	}
	for _, group := range [][]*schema{s.AllOf, s.OneOf, s.AnyOf} {
		for _, m := range group {
			out = append(out, sp.objectSchemas(m)...)
		}
	}
	if s.Items != nil {
		out = append(out, sp.objectSchemas(s.Items)...)
	}
	return out
}

// elemStruct strips pointers, slices and arrays down to a struct type, or returns nil.
func elemStruct(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timestampType || strings.HasPrefix(t.Name(), "Nullable[") {
		return nil
	}
	return t
}

// compare walks schema s against Go type t. It reports spec properties without a Go field
// (always) and Go fields without a spec property (when strict, for request bodies).
func (sp *spec) compare(path string, s *schema, t reflect.Type, strict bool, seen map[string]bool, out *[]string) {
	st := elemStruct(t)
	if st == nil {
		return
	}
	for _, obj := range sp.objectSchemas(s) {
		key := fmt.Sprintf("%p/%s", obj, st)
		if seen[key] {
			continue
		}
		seen[key] = true
		fields := jsonFields(st)
		for name, prop := range obj.Properties {
			ft, ok := fields[name]
			if !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: no field on %s", path, name, st))
				continue
			}
			sp.checkKind(path+"."+name, st, name, prop, ft, strict, out)
			sp.compare(path+"."+name, prop, ft, strict, seen, out)
		}
		if strict {
			for name := range fields {
				if _, ok := obj.Properties[name]; !ok {
					*out = append(*out, fmt.Sprintf("%s.%s: %s sends a field the spec lacks", path, name, st))
				}
			}
		}
	}
}

// resolved follows $ref and a lone allOf to the schema that carries the type; nullable is set
// when the property or anything on the way says so.
func (sp *spec) resolved(s *schema) (*schema, bool) {
	nullable := false
	for s != nil {
		nullable = nullable || s.Nullable
		switch {
		case s.Ref != "":
			s = sp.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		case len(s.AllOf) == 1 && s.Type == "":
			s = s.AllOf[0]
		default:
			return s, nullable
		}
	}
	return nil, nullable
}

// baseType strips pointers, slices and Nullable down to the type holding the value.
func baseType(t reflect.Type) (base reflect.Type, isNullable bool) {
	for {
		switch {
		case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice:
			t = t.Elem()
		case t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Nullable["):
			isNullable = true
			t = t.Field(0).Type // Nullable's value
		default:
			return t, isNullable
		}
	}
}

func isInt(k reflect.Kind) bool   { return k >= reflect.Int && k <= reflect.Uint64 }
func isFloat(k reflect.Kind) bool { return k == reflect.Float32 || k == reflect.Float64 }

// checkKind compares the numeric kind and the nullability of one property with its Go field.
// A spec integer must be an integer field; a spec number a float field, unless the field is
// listed in wholeNumbers with the reason its values are always whole; a Timestamp takes epoch
// milliseconds. A Nullable field (which can send null) is allowed only where the spec says
// nullable: true.
func (sp *spec) checkKind(path string, parent reflect.Type, name string, prop *schema, ft reflect.Type, strict bool, out *[]string) {
	ps, nullable := sp.resolved(prop)
	if ps == nil {
		return
	}
	if ps.Type == "array" && ps.Items != nil {
		if items, _ := sp.resolved(ps.Items); items != nil {
			ps = items
		}
	}
	base, isNullable := baseType(ft)
	if strict && isNullable && !nullable {
		*out = append(*out, fmt.Sprintf("%s: %s is Nullable but the spec does not allow null", path, ft))
	}
	if base == timestampType {
		return
	}
	field := goFieldName(parent, name)
	switch k := base.Kind(); {
	case ps.Type == "integer" && !isInt(k) && k != reflect.Interface:
		*out = append(*out, fmt.Sprintf("%s: spec integer, Go %s", path, base))
	case ps.Type == "number" && isInt(k) && wholeNumbers[field] == "":
		*out = append(*out, fmt.Sprintf("%s: spec number kept as %s without a reason in wholeNumbers (%s)", path, base, field))
	case ps.Type == "number" && !isInt(k) && !isFloat(k) && k != reflect.Interface:
		*out = append(*out, fmt.Sprintf("%s: spec number, Go %s", path, base))
	case ps.Type == "string" && (isInt(k) || isFloat(k)):
		*out = append(*out, fmt.Sprintf("%s: spec string, Go %s", path, base))
	}
}

// goFieldName returns "pkg.Type.Field" for the Go field of t encoded as name, Type being the
// struct that declares it (an embedded one, for a Ref).
func goFieldName(t reflect.Type, name string) string {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			if n := goFieldName(f.Type, name); n != "" {
				return n
			}
			continue
		}
		if tag == name || tag == "" && f.Name == name {
			return t.String() + "." + f.Name
		}
	}
	return ""
}

// urlFields lists the `url` tag names of a query params type, following embedded structs.
func urlFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, urlFields(f.Type)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("url"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func methodExists(name string) bool {
	svc, method, _ := strings.Cut(name, ".")
	f, ok := reflect.TypeFor[creem.Client]().FieldByName(svc)
	if !ok {
		return false
	}
	_, ok = f.Type.MethodByName(method)
	return ok
}

func jsonSchema(content map[string]struct {
	Schema *schema `json:"schema"`
}) *schema {
	if c, ok := content["application/json"]; ok {
		return c.Schema
	}
	return nil
}

// TestSpecCoverage keeps the SDK honest against testdata/openapi.json, the newest official spec.
// It lists every mismatch at once.
func TestSpecCoverage(t *testing.T) {
	sp := loadSpec(t)
	var problems []string
	covered, total := 0, 0
	for path, ops := range sp.Paths {
		for verb, op := range ops {
			total++
			entry, ok := registry[op.OperationID]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s %s (%s): no SDK method in the registry", strings.ToUpper(verb), path, op.OperationID))
				continue
			}
			covered++
			where := fmt.Sprintf("%s (%s)", op.OperationID, entry.method)
			if !methodExists(entry.method) {
				problems = append(problems, where+": method does not exist")
			}
			// Parameters: each is a method argument or a field of the query type, and the query
			// type has no field the spec lacks.
			var queryNames []string
			if entry.query != nil {
				queryNames = urlFields(entry.query)
			}
			specParams := map[string]bool{}
			for _, p := range op.Parameters {
				specParams[p.Name] = true
				if !contains(entry.args, p.Name) && !contains(queryNames, p.Name) {
					problems = append(problems, fmt.Sprintf("%s: parameter %q (%s) not taken", where, p.Name, p.In))
				}
			}
			for _, q := range queryNames {
				if !specParams[q] {
					problems = append(problems, fmt.Sprintf("%s: query field %q is not in the spec", where, q))
				}
			}
			// Request body: both directions.
			var reqSchema *schema
			if op.RequestBody != nil {
				reqSchema = jsonSchema(op.RequestBody.Content)
			}
			switch {
			case reqSchema == nil && entry.body != nil:
				problems = append(problems, where+": a params type for an operation without a body")
			case reqSchema != nil:
				// Body properties taken as method arguments need no params field.
				var bodyProblems []string
				body := entry.body
				if body == nil {
					body = reflect.TypeFor[struct{}]()
				}
				sp.compare(where+" body", reqSchema, body, true, map[string]bool{}, &bodyProblems)
				for _, p := range bodyProblems {
					name := strings.TrimPrefix(strings.SplitN(p, ":", 2)[0], where+" body.")
					if !contains(entry.args, name) {
						problems = append(problems, p)
					}
				}
			}
			// Response: every property has a field.
			for _, code := range []string{"200", "201"} {
				if resp, ok := op.Responses[code]; ok {
					if s := jsonSchema(resp.Content); s != nil {
						sp.compare(where+" response", s, entry.result, false, map[string]bool{}, &problems)
					}
				}
			}
		}
	}
	for _, m := range extraMethods {
		if !methodExists(m) {
			problems = append(problems, m+": method does not exist")
		}
	}
	sort.Strings(problems)
	assert.Empty(t, problems, "mismatches with the spec:\n%s", strings.Join(problems, "\n"))
	assert.Equal(t, len(registry), covered, "registry entries whose operationId is not in the spec")
	assert.Equal(t, specOperations, total, "operations in testdata/openapi.json")
	assert.Equal(t, total, covered, "every operation of the spec has an SDK method")
}

// The spec test can fail: a params type with a field the spec lacks, and a response type
// missing a property, are both reported.
func TestSpecCompareReportsMismatches(t *testing.T) {
	sp := loadSpec(t)
	type badParams struct {
		ProductID string `json:"product_id"`
		Bogus     string `json:"bogus"`
	}
	type thinCheckout struct {
		ID string `json:"id"`
	}
	var problems []string
	sp.compare("x", &schema{Ref: "#/components/schemas/CreateCheckoutRequest"}, reflect.TypeFor[badParams](), true, map[string]bool{}, &problems)
	assert.Contains(t, problems, "x.bogus: creem_test.badParams sends a field the spec lacks")
	assert.Contains(t, problems, "x.success_url: no field on creem_test.badParams")

	problems = nil
	sp.compare("y", &schema{Ref: "#/components/schemas/CheckoutEntity"}, reflect.TypeFor[thinCheckout](), false, map[string]bool{}, &problems)
	assert.Contains(t, problems, "y.checkout_url: no field on creem_test.thinCheckout")

	// Kinds and nullability: the two Nullable fields the SDK once had, a float for an integer,
	// and an integer for a number with no reason given.
	type wrongKinds struct {
		Name           *string                        `json:"name"`
		SuggestedPrice creem.Nullable[int64]          `json:"suggested_price"`
		Price          float64                        `json:"price"`
		TrialPrice     *int64                         `json:"trial_price"`
		Metadata       creem.Nullable[creem.Metadata] `json:"metadata"`
	}
	problems = nil
	sp.compare("z", &schema{Ref: "#/components/schemas/UpdateProductRequestEntity"}, reflect.TypeFor[wrongKinds](), false, map[string]bool{}, &problems)
	assert.Contains(t, problems, "z.price: spec integer, Go float64")
	problems = nil
	sp.compare("z", &schema{Ref: "#/components/schemas/UpdateProductRequestEntity"}, reflect.TypeFor[wrongKinds](), true, map[string]bool{}, &problems)
	assert.Contains(t, problems, "z.suggested_price: creem.Nullable[int64] is Nullable but the spec does not allow null")
	problems = nil
	sp.compare("w", &schema{Ref: "#/components/schemas/UpdateCustomerRequestEntity"}, reflect.TypeFor[wrongKinds](), true, map[string]bool{}, &problems)
	assert.Contains(t, problems, "w.metadata: creem.Nullable[github.com/creem-go/creem.Metadata] is Nullable but the spec does not allow null")
	type wholeWithoutReason struct {
		Amount int64 `json:"amount"`
	}
	problems = nil
	sp.compare("v", &schema{Ref: "#/components/schemas/OrderEntity"}, reflect.TypeFor[wholeWithoutReason](), false, map[string]bool{}, &problems)
	assert.Contains(t, problems, "v.amount: spec number kept as int64 without a reason in wholeNumbers (creem_test.wholeWithoutReason.Amount)")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Webhook payload schemas have no operation; they are compared with their Go types directly.
func TestSpecWebhookSchemas(t *testing.T) {
	sp := loadSpec(t)
	types := map[string]reflect.Type{
		"WebhookSubscriptionEntity":         reflect.TypeFor[creem.Subscription](),
		"RefundEntity":                      reflect.TypeFor[creem.Refund](),
		"DisputeEntity":                     reflect.TypeFor[creem.Dispute](),
		"CustomerCreditsExhaustionEntity":   reflect.TypeFor[creem.CreditsExhaustion](),
		"CustomerCreditsGrantEntity":        reflect.TypeFor[creem.CreditsMovement](),
		"CustomerCreditsConsumptionEntity":  reflect.TypeFor[creem.CreditsMovement](),
		"CustomerCreditsAutoRechargeEntity": reflect.TypeFor[creem.CreditsAutoRecharge](),
		"WebhookEventEntity":                reflect.TypeFor[creem.Event](),
	}
	var problems []string
	for name, typ := range types {
		sp.compare(name, &schema{Ref: "#/components/schemas/" + name}, typ, false, map[string]bool{}, &problems)
	}
	sort.Strings(problems)
	assert.Empty(t, problems, "mismatches with the spec:\n%s", strings.Join(problems, "\n"))
}
