package actions_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// The legacy shape from Port's docs (seed 000), pasted verbatim.
const legacyDefinition = `{
  "identifier": "unique_id",
  "title": "Title",
  "icon": "iconIdentifier",
  "userInputs": {
    "properties": {
      "property1": {"type": "string", "title": "Property title", "default": "default value"},
      "property2": {"type": "number", "title": "property title", "default": 5}
    }
  },
  "invocationMethod": {"type": "WEBHOOK", "url": "https://example.com"},
  "trigger": "CREATE",
  "description": "Action description"
}`

const currentDefinition = `{
  "identifier": "create_env",
  "title": "Create ephemeral environment",
  "trigger": {
    "type": "self-service",
    "operation": "CREATE",
    "blueprintIdentifier": "environment",
    "userInputs": {
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 30},
        "ttl_days": {"type": "number", "minimum": 1, "maximum": 14, "default": 3},
        "size": {"type": "string", "enum": ["small", "large"]},
        "owner": {"type": "string", "format": "user"},
        "contact": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3},
        "public": {"type": "boolean", "default": false},
        "config": {"type": "object"},
        "password": {"type": "string", "encryption": "aes256-gcm"}
      },
      "required": ["name"],
      "order": ["name", "ttl_days"]
    }
  },
  "invocationMethod": {"type": "WEBHOOK", "url": "http://127.0.0.1:9/hook", "synchronized": true},
  "requiredApproval": {"type": "ALL"},
  "approvers": {"users": ["approver@example.com"], "teams": ["platform"]},
  "approvalTtl": "2d",
  "runTimeout": "30m"
}`

func TestLegacyShapeIsNormalised(t *testing.T) {
	d, err := actions.Parse([]byte(legacyDefinition))
	if err != nil {
		t.Fatal(err)
	}
	if d.Trigger.Type != "self-service" || d.Trigger.Operation != "CREATE" {
		t.Errorf("trigger %+v", d.Trigger)
	}
	if len(d.Trigger.UserInputs.Properties) != 2 {
		t.Errorf("userInputs not moved under trigger: %+v", d.Trigger.UserInputs)
	}
	if d.InvocationMethod.Method != "POST" {
		t.Errorf("webhook method defaults to POST, got %q", d.InvocationMethod.Method)
	}
	b, _ := json.Marshal(d)
	var round map[string]any
	_ = json.Unmarshal(b, &round)
	if _, legacy := round["userInputs"]; legacy {
		t.Error("normalised definition still has top-level userInputs")
	}
	if tr, _ := round["trigger"].(map[string]any); tr["operation"] != "CREATE" {
		t.Errorf("normalised trigger %v", round["trigger"])
	}
}

func TestCurrentShapeRoundTrips(t *testing.T) {
	d, err := actions.Parse([]byte(currentDefinition))
	if err != nil {
		t.Fatal(err)
	}
	if !d.RequiredApproval.Required || d.RequiredApproval.Quorum != actions.QuorumAll {
		t.Errorf("approval %+v", d.RequiredApproval)
	}
	if d.EffectiveApprovalTTL() != 48*time.Hour || d.EffectiveRunTimeout() != 30*time.Minute {
		t.Errorf("ttl %s timeout %s", d.EffectiveApprovalTTL(), d.EffectiveRunTimeout())
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	again, err := actions.Parse(b)
	if err != nil {
		t.Fatalf("the normalised form must parse again: %v\n%s", err, b)
	}
	b2, _ := json.Marshal(again)
	if string(b) != string(b2) {
		t.Errorf("not stable:\n%s\n%s", b, b2)
	}
	for _, want := range []string{`"requiredApproval":{"type":"ALL"}`, `"approvalTtl":"2d"`, `"runTimeout":"30m0s"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("normalised JSON lacks %s: %s", want, b)
		}
	}
}

func TestRequiredApprovalShapes(t *testing.T) {
	for raw, want := range map[string]actions.Approval{
		`true`:            {Required: true, Quorum: "ANY"},
		`false`:           {},
		`{"type":"ANY"}`:  {Required: true, Quorum: "ANY"},
		`{"type": "ALL"}`: {Required: true, Quorum: "ALL"},
	} {
		def := strings.Replace(legacyDefinition, `"trigger": "CREATE",`, `"trigger": "CREATE", "requiredApproval": `+raw+`,`, 1)
		d, err := actions.Parse([]byte(def))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if d.RequiredApproval.Required != want.Required || d.RequiredApproval.Quorum != want.Quorum {
			t.Errorf("%s: got %+v", raw, d.RequiredApproval)
		}
	}
}

func violations(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *slipway.Error
	if !errors.As(err, &e) || e.Code != slipway.CodeInvalid {
		t.Fatalf("want an invalid error, got %v", err)
	}
	out := map[string]string{}
	for _, v := range e.Violations {
		out[v.Field] = v.Message
	}
	if len(out) == 0 && e.Field != "" {
		out[e.Field] = e.Message
	}
	return out
}

func TestEveryBadFieldIsNamed(t *testing.T) {
	bad := `{
	  "identifier": "bad id!",
	  "trigger": {"type": "self-service", "operation": "DAY-2",
	    "userInputs": {"properties": {
	      "a": {"type": "strnig"},
	      "b": {"type": "string", "format": "phone"},
	      "c": {"type": "string", "pattern": "([a-z"},
	      "d": {"type": "string", "format": "entity"},
	      "e": {"type": "number", "minimum": "low"},
	      "bad name": {"type": "string"}
	    }, "required": ["zz"], "order": ["yy"]}},
	  "invocationMethod": {"type": "CARRIER_PIGEON"},
	  "requiredApproval": {"type": "SOME"},
	  "approvalTtl": "forever"
	}`
	_, err := actions.Parse([]byte(bad))
	got := violations(t, err)
	for _, field := range []string{"requiredApproval", "approvalTtl"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s; got %v", field, got)
		}
	}
	// Decoding errors come first; fix them and the semantic ones are named.
	bad = strings.Replace(bad, `"requiredApproval": {"type": "SOME"},`, "", 1)
	bad = strings.Replace(bad, `"approvalTtl": "forever"`, `"approvalTtl": "3d"`, 1)
	_, err = actions.Parse([]byte(bad))
	got = violations(t, err)
	for _, field := range []string{
		"identifier",
		"trigger.blueprintIdentifier",
		"trigger.userInputs.properties.a.type",
		"trigger.userInputs.properties.b.format",
		"trigger.userInputs.properties.c.pattern",
		"trigger.userInputs.properties.d.blueprint",
		"trigger.userInputs.properties.e.minimum",
		"trigger.userInputs.properties.bad name",
		"trigger.userInputs.required[0]",
		"trigger.userInputs.order[0]",
		"invocationMethod.type",
	} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s; got %v", field, got)
		}
	}
}

func TestWebhookNeedsAnHTTPURL(t *testing.T) {
	for _, inv := range []string{`{"type":"WEBHOOK"}`, `{"type":"WEBHOOK","url":"ftp://x"}`, `{"type":"WEBHOOK","url":"https://x","method":"TRACE"}`, `{"type":"GITHUB","org":"o"}`} {
		def := strings.Replace(legacyDefinition, `{"type": "WEBHOOK", "url": "https://example.com"}`, inv, 1)
		_, err := actions.Parse([]byte(def))
		got := violations(t, err)
		found := false
		for f := range got {
			found = found || strings.HasPrefix(f, "invocationMethod")
		}
		if !found {
			t.Errorf("%s: no invocationMethod violation: %v", inv, got)
		}
	}
	if _, err := actions.Parse([]byte(`[1,2]`)); err == nil {
		t.Error("a list is not a definition")
	}
	_, err := actions.Parse([]byte(`{"identifier":"x"}`))
	got := violations(t, err)
	if _, ok := got["trigger"]; !ok {
		t.Errorf("missing trigger not named: %v", got)
	}
	if _, ok := got["invocationMethod"]; !ok {
		t.Errorf("missing invocationMethod not named: %v", got)
	}
}

func TestBadDefaultIsRefused(t *testing.T) {
	def := strings.Replace(currentDefinition, `"default": 3`, `"default": 99`, 1)
	_, err := actions.Parse([]byte(def))
	got := violations(t, err)
	if msg, ok := got["trigger.userInputs"]; !ok || !strings.Contains(msg, "ttl_days") {
		t.Errorf("default above maximum not refused: %v", got)
	}
}

func TestInputsAreValidatedWithDefaults(t *testing.T) {
	d, err := actions.Parse([]byte(currentDefinition))
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Schema()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Apply(map[string]any{"name": "dev-env", "tags": []any{"a", "b"}, "contact": "me@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if out["ttl_days"] != float64(3) || out["public"] != false {
		t.Errorf("defaults not applied: %v", out)
	}

	_, err = s.Apply(map[string]any{
		"name":     "Bad Name",
		"ttl_days": 30,
		"size":     "medium",
		"contact":  "not-an-email",
		"tags":     []any{"a", "a"},
		"config":   "not an object",
		"public":   "yes",
		"unknown":  1,
	})
	got := violations(t, err)
	for _, field := range []string{"inputs.name", "inputs.ttl_days", "inputs.size", "inputs.contact", "inputs.tags", "inputs.config", "inputs.public", "inputs.unknown"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s; got %v", field, got)
		}
	}
	_, err = s.Apply(map[string]any{})
	if got := violations(t, err); got["inputs.name"] != "is required" {
		t.Errorf("missing required input: %v", got)
	}
}

func TestInputFormats(t *testing.T) {
	def := `{"identifier":"f","trigger":{"type":"self-service","operation":"CREATE","userInputs":{"properties":{
	  "when": {"type":"string","format":"date-time"},
	  "site": {"type":"string","format":"url"},
	  "ip4": {"type":"string","format":"ipv4"},
	  "ip6": {"type":"string","format":"ipv6"},
	  "doc": {"type":"string","format":"yaml"},
	  "notes": {"type":"string","format":"multi-line"}
	}}},"invocationMethod":{"type":"WEBHOOK","url":"https://x"}}`
	d, err := actions.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Schema()
	if _, err := s.Apply(map[string]any{"when": "2026-11-24T10:00:00Z", "site": "https://example.com/x", "ip4": "10.0.0.1", "ip6": "::1", "doc": "a: 1\nb: [2]", "notes": "line 1\nline 2"}); err != nil {
		t.Fatalf("valid formats refused: %v", err)
	}
	_, err = s.Apply(map[string]any{"when": "tomorrow", "site": "example", "ip4": "10.0.0.300", "ip6": "nope", "doc": "a: [1"})
	got := violations(t, err)
	for _, field := range []string{"inputs.when", "inputs.site", "inputs.ip4", "inputs.ip6", "inputs.doc"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s; got %v", field, got)
		}
	}
}

func TestTemplatesMustCompile(t *testing.T) {
	def := strings.Replace(legacyDefinition, `{"type": "WEBHOOK", "url": "https://example.com"}`,
		`{"type": "WEBHOOK", "url": "https://ci/{{ .inputs.property1 }}", "headers": {"X-Who": "{{ .trigger.by.user.email }}"},
		  "body": {"ok": "{{ .inputs }}", "bad": "{{ .inputs | }}"}}`, 1)
	_, err := actions.Parse([]byte(def))
	got := violations(t, err)
	if _, ok := got["invocationMethod.body.bad"]; !ok || len(got) != 1 {
		t.Errorf("want exactly the bad body template named, got %v", got)
	}
}

func TestConditionNarrowsEntities(t *testing.T) {
	raw := []byte(`{"type": "SEARCH", "combinator": "and", "rules": [
	  {"property": "region", "operator": "=", "value": "eu"},
	  {"property": "replicas", "operator": ">=", "value": 2},
	  {"property": "$identifier", "operator": "contains", "value": "pr-"}]}`)
	c, problems := actions.ParseCondition(raw)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	entity := func(id, region string, replicas float64) map[string]any {
		return map[string]any{"identifier": id, "properties": map[string]any{"region": region, "replicas": replicas}}
	}
	for _, c2 := range []struct {
		e    map[string]any
		want bool
	}{
		{entity("pr-1", "eu", 2), true},
		{entity("pr-1", "us", 2), false},
		{entity("pr-1", "eu", 1), false},
		{entity("main", "eu", 3), false},
	} {
		if got := c.Matches(c2.e); got != c2.want {
			t.Errorf("%v: %v, want %v", c2.e, got, c2.want)
		}
	}
	or, _ := actions.ParseCondition([]byte(`{"type": "SEARCH", "combinator": "or", "rules": [
	  {"property": "region", "operator": "in", "value": ["us", "ap"]}, {"property": "$identifier", "operator": "=", "value": "main"}]}`))
	if !or.Matches(entity("main", "eu", 1)) || !or.Matches(entity("x", "ap", 1)) || or.Matches(entity("x", "eu", 1)) {
		t.Error("or combinator")
	}
	def := strings.Replace(currentDefinition, `"blueprintIdentifier": "environment",`, `"blueprintIdentifier": "environment", "condition": {"type": "FILTER", "rules": [{"property": "x", "operator": "~"}]},`, 1)
	def = strings.Replace(def, `"operation": "CREATE"`, `"operation": "DAY-2"`, 1)
	_, err := actions.Parse([]byte(def))
	if got := violations(t, err); got["trigger.condition"] == "" {
		t.Errorf("bad condition not named: %v", got)
	}
}
