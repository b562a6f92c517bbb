package workflows_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

func withNotificationWebhook(t *testing.T, approval, format string) *harness {
	def := definition(t, approval, true)
	def.ApprovalNotification = json.RawMessage(`{"type": "webhook", "format": "` + format + `", "url": "https://hooks.example.com/x"}`)
	return newHarness(t, def)
}

func TestApproversAreToldThenTheRequester(t *testing.T) {
	h := withNotificationWebhook(t, "true", "slack")
	h.in.Action.Trigger.UserInputs.Properties["token"] = map[string]any{"type": "string", "encryption": "aes256-gcm"}
	h.in.Inputs["token"] = "slipway:enc:v1:abcd:c2VjcmV0"
	var approve error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &approve)
	s := h.execute()
	if approve != nil || s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v, approve %v", s, approve)
	}
	var got []string
	for _, n := range h.notices {
		got = append(got, n.Event+">"+strings.Join(n.Recipients, ","))
		if inputs, _ := n.Run["inputs"].(map[string]any); inputs["token"] != secrets.Mask {
			t.Errorf("notice %s shows the secret input: %v", n.Event, inputs["token"])
		}
	}
	want := "waiting/0>approver@example.com,admin@example.com; approved>dev1@example.com; ended>dev1@example.com"
	if strings.Join(got, "; ") != want {
		t.Errorf("in-app notices %q, want %q", strings.Join(got, "; "), want)
	}
	if len(h.sent) != 3 || h.sent[0].Format != "slack" || h.sent[0].URL != "https://hooks.example.com/x" {
		t.Errorf("webhook notices %+v", h.sent)
	}
	if !strings.Contains(h.notices[2].Title, "SUCCESS") {
		t.Errorf("ended notice %q", h.notices[2].Title)
	}
}

// A receiver down for a while loses nothing: every notice is retried until
// it is taken, and the run's own outcome does not wait for it. (The SDK's
// test environment caps retries at 10 attempts, about 8 minutes of
// backoff here; the real policy keeps trying for a week.)
func TestNoticesSurviveAReceiverOutage(t *testing.T) {
	h := withNotificationWebhook(t, "false", "json")
	start := h.env.Now()
	h.sendNotice = func(int) error {
		if h.env.Now().Sub(start) < 5*time.Minute {
			return errors.New("receiver down")
		}
		return nil
	}
	s := h.execute()
	if s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v", s)
	}
	if len(h.sent) != 1 || h.sent[0].Notice.Event != "ended" || h.sends < 5 {
		t.Fatalf("delivered %+v after %d attempts", h.sent, h.sends)
	}
	if h.saved[0].Status != runs.StatusSuccess {
		t.Error("the run's end was not saved before the notice went out")
	}
}

func TestRunsWithoutAWebhookNotifyInAppOnly(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.execute()
	if len(h.notices) != 1 || h.notices[0].Kind != notifications.Ended || h.sends != 0 {
		t.Errorf("notices %+v, %d webhook calls", h.notices, h.sends)
	}
}
