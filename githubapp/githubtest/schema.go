package githubtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// validate checks v (decoded with json.Decoder.UseNumber) against schema, a
// JSON Schema as GitHub's OpenAPI 3.0 description writes it, and appends
// GitHub-style messages for what does not match. It knows the keywords the
// description's request bodies use — type, nullable, enum, properties,
// required, additionalProperties, items, minItems, maxItems, minLength,
// maxLength, minimum, maximum, oneOf, anyOf, allOf and format date-time —
// and ignores the rest (descriptions, examples, defaults).
//
// Why not a library: the field's Go JSON Schema validators implement draft
// 2019+/2020-12, where OpenAPI 3.0's `nullable` does not exist and a
// `"type": "string", "nullable": true` property would reject null; this
// small subset says exactly what GitHub's description means.
func validate(schema map[string]any, v any, at string, errs *[]string) {
	if v == nil {
		if schema["nullable"] == true {
			return
		}
		if t, ok := schema["type"].(string); ok && t != "null" {
			*errs = append(*errs, fmt.Sprintf("For '%s', nil is not %s.", at, article(t)))
			return
		}
	}
	if t, ok := schema["type"].(string); ok && v != nil && !hasType(v, t) {
		*errs = append(*errs, fmt.Sprintf("For '%s', %s is not %s.", at, show(v), article(t)))
		return
	}
	if enum, ok := schema["enum"].([]any); ok && !(v == nil && schema["nullable"] == true) {
		found := false
		for _, e := range enum {
			if equalJSON(e, v) {
				found = true
				break
			}
		}
		if !found {
			*errs = append(*errs, fmt.Sprintf("For '%s', %s is not a member of enum [%s].", at, show(v), joinShown(enum)))
		}
	}
	switch val := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				if _, present := val[name]; !present {
					*errs = append(*errs, fmt.Sprintf("%q wasn't supplied.", name))
				}
			}
		}
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				validate(ps, val[k], at+"/"+k, errs)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					*errs = append(*errs, fmt.Sprintf("%q is not a permitted key.", k))
				}
			case map[string]any:
				validate(ap, val[k], at+"/"+k, errs)
			}
		}
	case []any:
		if n, ok := number(schema["minItems"]); ok && float64(len(val)) < n {
			*errs = append(*errs, fmt.Sprintf("For '%s', %d items are fewer than minItems %v.", at, len(val), n))
		}
		if n, ok := number(schema["maxItems"]); ok && float64(len(val)) > n {
			*errs = append(*errs, fmt.Sprintf("For '%s', %d items are more than the maximum of %v.", at, len(val), n))
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, item := range val {
				validate(items, item, fmt.Sprintf("%s/%d", at, i), errs)
			}
		}
	case string:
		n := float64(utf8.RuneCountInString(val))
		if m, ok := number(schema["maxLength"]); ok && n > m {
			*errs = append(*errs, fmt.Sprintf("For '%s', is longer than the maximum length of %v characters.", at, m))
		}
		if m, ok := number(schema["minLength"]); ok && n < m {
			*errs = append(*errs, fmt.Sprintf("For '%s', is shorter than the minimum length of %v characters.", at, m))
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, val); err != nil {
				*errs = append(*errs, fmt.Sprintf("For '%s', %q is not a valid date-time.", at, val))
			}
		}
	case json.Number:
		f, _ := val.Float64()
		if m, ok := number(schema["minimum"]); ok && f < m {
			*errs = append(*errs, fmt.Sprintf("For '%s', %s is less than the minimum of %v.", at, val, m))
		}
		if m, ok := number(schema["maximum"]); ok && f > m {
			*errs = append(*errs, fmt.Sprintf("For '%s', %s is greater than the maximum of %v.", at, val, m))
		}
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, s := range all {
			if sm, ok := s.(map[string]any); ok {
				validate(sm, v, at, errs)
			}
		}
	}
	if one, ok := schema["oneOf"].([]any); ok {
		if n := countMatches(one, v, at); n != 1 {
			if n == 0 {
				*errs = append(*errs, fmt.Sprintf("For '%s', %s is not valid under any of the given schemas (oneOf).", at, show(v)))
			} else {
				*errs = append(*errs, fmt.Sprintf("For '%s', %s is valid under more than one of the given schemas (oneOf).", at, show(v)))
			}
		}
	}
	if anyOf, ok := schema["anyOf"].([]any); ok && countMatches(anyOf, v, at) == 0 {
		// GitHub's wording, then what each alternative missed.
		*errs = append(*errs, `No subschema in "anyOf" matched.`)
		for _, s := range anyOf {
			if sm, ok := s.(map[string]any); ok {
				validate(sm, v, at, errs)
			}
		}
	}
}

func countMatches(schemas []any, v any, at string) int {
	n := 0
	for _, s := range schemas {
		sm, ok := s.(map[string]any)
		if !ok {
			continue
		}
		var sub []string
		validate(sm, v, at, &sub)
		if len(sub) == 0 {
			n++
		}
	}
	return n
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		if _, err := n.Int64(); err == nil {
			return true
		}
		f, err := n.Float64()
		return err == nil && f == float64(int64(f))
	case "null":
		return v == nil
	}
	return true
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func equalJSON(a, b any) bool {
	if na, ok := number(a); ok {
		nb, ok := number(b)
		return ok && na == nb
	}
	return a == b
}

func article(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	}
	return "a " + t
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return fmt.Sprintf("%q", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}

func joinShown(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = show(v)
	}
	return strings.Join(parts, ", ")
}
