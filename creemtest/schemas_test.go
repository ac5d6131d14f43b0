package creemtest

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite schemas.json from ../testdata/openapi.json")

// buildSchemas extracts from the spec the request-body schemas of every operation and every
// schema they refer to, without descriptions and examples.
func buildSchemas(t *testing.T) []byte {
	raw, err := os.ReadFile("../testdata/openapi.json")
	require.NoError(t, err)
	var spec struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))

	out := map[string]any{}
	var add func(name string)
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			m := map[string]any{}
			for k, e := range x {
				switch {
				case k == "description" || k == "example" || k == "examples" || k == "deprecated" || k == "title" || strings.HasPrefix(k, "x-"):
					continue
				case k == "$ref":
					add(strings.TrimPrefix(e.(string), "#/components/schemas/"))
				}
				if k == "properties" {
					props := map[string]any{}
					for name, p := range e.(map[string]any) {
						props[name] = walk(p)
					}
					m[k] = props
					continue
				}
				m[k] = walk(e)
			}
			return m
		case []any:
			l := make([]any, len(x))
			for i, e := range x {
				l[i] = walk(e)
			}
			return l
		}
		return v
	}
	add = func(name string) {
		if _, done := out[name]; done {
			return
		}
		out[name] = nil
		out[name] = walk(spec.Components.Schemas[name])
	}
	for _, ops := range spec.Paths {
		for _, op := range ops {
			rb, ok := op["requestBody"].(map[string]any)
			if !ok {
				continue
			}
			ref := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
			add(strings.TrimPrefix(ref, "#/components/schemas/"))
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	require.NoError(t, err)
	return append(b, '\n')
}

func TestSchemasUpToDate(t *testing.T) {
	want := buildSchemas(t)
	if *update {
		require.NoError(t, os.WriteFile("schemas.json", want, 0o644))
		return
	}
	got, err := os.ReadFile("schemas.json")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "schemas.json is stale: go test ./creemtest -run TestSchemasUpToDate -update")
}
