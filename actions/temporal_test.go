package actions_test

import (
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

func TestTemporalInvocation(t *testing.T) {
	const head = `{"identifier": "scaffold", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": `
	def, err := actions.Parse([]byte(head + `{"name": {"type": "string"}}}}, "invocationMethod": {"type": "TEMPORAL", "taskQueue": "payments-actions", "activity": "ScaffoldService"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if inv := def.InvocationMethod; inv.TaskQueue != "payments-actions" || inv.Activity != "ScaffoldService" {
		t.Fatalf("invocation = %+v", inv)
	}

	_, err = actions.Parse([]byte(head + `{}}}, "invocationMethod": {"type": "TEMPORAL", "taskQueue": "/_sys/x", "activity": "a b"}}`))
	got := violations(t, err)
	for _, field := range []string{"invocationMethod.taskQueue", "invocationMethod.activity"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s: %v", field, got)
		}
	}
	_, err = actions.Parse([]byte(head + `{}}}, "invocationMethod": {"type": "TEMPORAL"}}`))
	if got := violations(t, err); len(got) != 2 {
		t.Errorf("want taskQueue and activity required, got %v", got)
	}

	// The activity's input sits in the history in plain JSON: no secrets.
	_, err = actions.Parse([]byte(head + `{"token": {"type": "string", "encryption": "aes256-gcm"}}}}, "invocationMethod": {"type": "TEMPORAL", "taskQueue": "q", "activity": "A"}}`))
	got = violations(t, err)
	if _, ok := got["trigger.userInputs.properties.token.encryption"]; !ok {
		t.Errorf("secret input not refused: %v", got)
	}

	def, err = actions.Parse([]byte(head + `{}}}, "invocationMethod": {"type": "TEMPORAL", "nexus": {"endpoint": "payments", "service": "slipway-actions", "operation": "Scaffold"}}}`))
	if err != nil || def.InvocationMethod.Nexus == nil || def.InvocationMethod.Nexus.Operation != "Scaffold" {
		t.Fatalf("nexus definition: %+v, %v", def.InvocationMethod, err)
	}
	_, err = actions.Parse([]byte(head + `{}}}, "invocationMethod": {"type": "TEMPORAL", "taskQueue": "q", "nexus": {"endpoint": "__temporal_x", "service": ""}}}`))
	got = violations(t, err)
	for _, field := range []string{"invocationMethod.nexus", "invocationMethod.nexus.endpoint", "invocationMethod.nexus.service", "invocationMethod.nexus.operation"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no violation for %s: %v", field, got)
		}
	}
}
