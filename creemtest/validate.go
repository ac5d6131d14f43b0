package creemtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// schemas.json holds the request-body schemas of the spec's operations (and what they refer
// to), generated from testdata/openapi.json by TestSchemasUpToDate.
//
//go:embed schemas.json
var schemasJSON []byte

// schema is the part of an OpenAPI schema the validator reads.
type schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	AllOf                []*schema          `json:"allOf,omitempty"`
	OneOf                []*schema          `json:"oneOf,omitempty"`
	AnyOf                []*schema          `json:"anyOf,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	AdditionalProperties any                `json:"additionalProperties,omitempty"`
}

var (
	schemasOnce sync.Once
	schemas     map[string]*schema
)

func schemaNamed(name string) *schema {
	schemasOnce.Do(func() {
		if err := json.Unmarshal(schemasJSON, &schemas); err != nil {
			panic("creemtest: embedded schemas.json: " + err.Error())
		}
	})
	s, ok := schemas[name]
	if !ok {
		panic("creemtest: no schema " + name)
	}
	return s
}

// validateBody checks a decoded JSON body against the named request schema the way Creem's
// API does (NestJS with class-validator, whitelist and forbidNonWhitelisted): unknown
// properties, missing required ones, wrong types and values outside an enum are each reported
// with a message naming the field. null on an optional property counts as absent.
func validateBody(body any, schemaName string) []string {
	var msgs []string
	obj, ok := body.(map[string]any)
	if !ok {
		return []string{"request body must be a JSON object"}
	}
	checkObject("", obj, schemaNamed(schemaName), &msgs)
	sort.Strings(msgs)
	return msgs
}

func resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = schemaNamed(strings.TrimPrefix(s.Ref, "#/components/schemas/"))
	}
	return s
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// checkObject validates obj against an object schema (possibly composed with allOf).
func checkObject(path string, obj map[string]any, s *schema, msgs *[]string) {
	props := map[string]*schema{}
	var required []string
	open := false
	var collect func(*schema)
	collect = func(s *schema) {
		s = resolve(s)
		if s == nil {
			return
		}
		for k, v := range s.Properties {
			props[k] = v
		}
		required = append(required, s.Required...)
		if b, ok := s.AdditionalProperties.(bool); ok && b {
			open = true
		}
		if _, ok := s.AdditionalProperties.(map[string]any); ok {
			open = true
		}
		for _, m := range s.AllOf {
			collect(m)
		}
	}
	collect(s)
	if len(props) == 0 {
		open = true // a free-form object such as metadata
	}
	for _, name := range required {
		if v, ok := obj[name]; !ok || v == nil {
			*msgs = append(*msgs, fmt.Sprintf("The '%s' field is required.", join(path, name)))
		}
	}
	for name, v := range obj {
		p, ok := props[name]
		if !ok {
			if !open {
				*msgs = append(*msgs, fmt.Sprintf("property %s should not exist", join(path, name)))
			}
			continue
		}
		if v == nil {
			continue // null on an optional property is ignored; required ones were reported above
		}
		checkValue(join(path, name), v, p, msgs)
	}
}

// checkValue validates one non-null value.
func checkValue(path string, v any, s *schema, msgs *[]string) {
	s = resolve(s)
	if s == nil {
		return
	}
	if alts := append(append([]*schema(nil), s.OneOf...), s.AnyOf...); len(alts) > 0 {
		var first []string
		for i, alt := range alts {
			var m []string
			checkValue(path, v, alt, &m)
			if len(m) == 0 {
				return
			}
			if i == 0 {
				first = m
			}
		}
		*msgs = append(*msgs, first...)
		return
	}
	for _, m := range s.AllOf {
		checkValue(path, v, m, msgs)
	}
	typ := s.Type
	if typ == "" && len(s.Properties) > 0 {
		typ = "object"
	}
	switch typ {
	case "string":
		str, ok := v.(string)
		if !ok {
			*msgs = append(*msgs, path+" must be a string")
			return
		}
		if s.Format == "date-time" && !isDateTime(str) {
			*msgs = append(*msgs, path+" must be a valid ISO 8601 date string")
		}
	case "number":
		if _, ok := v.(float64); !ok {
			*msgs = append(*msgs, path+" must be a number conforming to the specified constraints")
			return
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			*msgs = append(*msgs, path+" must be an integer number")
			return
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			*msgs = append(*msgs, path+" must be a boolean value")
			return
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			*msgs = append(*msgs, path+" must be an array")
			return
		}
		for i, e := range list {
			if e == nil {
				*msgs = append(*msgs, fmt.Sprintf("%s[%d] must not be null", path, i))
				continue
			}
			checkValue(fmt.Sprintf("%s[%d]", path, i), e, s.Items, msgs)
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			*msgs = append(*msgs, path+" must be an object")
			return
		}
		checkObject(path, obj, s, msgs)
	}
	if len(s.Enum) > 0 {
		for _, e := range s.Enum {
			if e == v {
				return
			}
		}
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		*msgs = append(*msgs, fmt.Sprintf("%s must be one of the following values: %s", path, strings.Join(vals, ", ")))
	}
}
