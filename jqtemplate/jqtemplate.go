// Package jqtemplate renders Port-style templates: strings holding
// "{{ jq expression }}" evaluated over the trigger data. A string that is
// one whole expression takes the expression's value (an object, a number);
// expressions inside a longer string are interpolated as text.
package jqtemplate

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

var expr = regexp.MustCompile(`\{\{(.*?)\}\}`)

// Timeout bounds one evaluation: a runaway expression fails instead of
// wedging the worker.
const Timeout = time.Second

// Check compiles every expression in v and returns the path of each that
// does not compile, with the reason.
func Check(v any, path string) map[string]string {
	bad := map[string]string{}
	walk(v, path, func(p, s string) {
		for _, m := range expr.FindAllStringSubmatch(s, -1) {
			if _, err := compile(m[1]); err != nil {
				bad[p] = err.Error()
			}
		}
	})
	return bad
}

// Render evaluates every template in v (JSON-shaped) over data.
func Render(ctx context.Context, v any, data any) (any, error) {
	return render(ctx, v, data, "")
}

// RenderString interpolates the templates of a string (URLs, headers).
func RenderString(ctx context.Context, s string, data any) (string, error) {
	out, err := interpolate(ctx, s, data)
	if err != nil {
		return "", err
	}
	return out, nil
}

func render(ctx context.Context, v any, data any, path string) (any, error) {
	switch x := v.(type) {
	case string:
		if m := expr.FindStringSubmatch(x); m != nil && m[0] == strings.TrimSpace(x) {
			out, err := eval(ctx, m[1], data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(path), err)
			}
			return out, nil
		}
		out, err := interpolate(ctx, x, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(path), err)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r, err := render(ctx, x[k], data, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := render(ctx, e, data, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func interpolate(ctx context.Context, s string, data any) (string, error) {
	var firstErr error
	out := expr.ReplaceAllStringFunc(s, func(m string) string {
		if firstErr != nil {
			return ""
		}
		v, err := eval(ctx, expr.FindStringSubmatch(m)[1], data)
		if err != nil {
			firstErr = err
			return ""
		}
		switch x := v.(type) {
		case string:
			return x
		case nil:
			return ""
		default:
			b, _ := json.Marshal(x)
			return string(b)
		}
	})
	return out, firstErr
}

// CheckExpr reports why a bare jq expression (no braces) does not compile.
func CheckExpr(src string) error {
	_, err := compile(src)
	return err
}

// Eval evaluates a bare jq expression over data and returns its first value.
func Eval(ctx context.Context, src string, data any) (any, error) {
	return eval(ctx, src, data)
}

func compile(src string) (*gojq.Code, error) {
	q, err := gojq.Parse(strings.TrimSpace(src))
	if err != nil {
		return nil, fmt.Errorf("jq %q does not parse: %v", strings.TrimSpace(src), err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("jq %q does not compile: %v", strings.TrimSpace(src), err)
	}
	return code, nil
}

// EvalWithin is Eval with its own time limit instead of Timeout.
func EvalWithin(ctx context.Context, src string, data any, limit time.Duration) (any, error) {
	return evalWithin(ctx, src, data, limit)
}

// eval runs one expression and returns its first value.
func eval(ctx context.Context, src string, data any) (any, error) {
	return evalWithin(ctx, src, data, Timeout)
}

func evalWithin(ctx context.Context, src string, data any, limit time.Duration) (any, error) {
	code, err := compile(src)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	iter := code.RunWithContext(ctx, normalise(data))
	v, ok := iter.Next()
	if !ok {
		return nil, nil
	}
	if err, isErr := v.(error); isErr {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("jq %q took longer than %s", strings.TrimSpace(src), limit)
		}
		return nil, fmt.Errorf("jq %q failed: %v", strings.TrimSpace(src), err)
	}
	return v, nil
}

// normalise turns data into the plain JSON values gojq expects.
func normalise(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func walk(v any, path string, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		for k, e := range x {
			walk(e, path+"."+k, fn)
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

func where(path string) string {
	if path == "" {
		return "template"
	}
	return strings.TrimPrefix(path, ".")
}
