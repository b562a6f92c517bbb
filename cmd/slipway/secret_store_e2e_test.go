//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// The proof for the secret store: an admin sets a secret with the CLI, an
// action's webhook header names it as {{ .secrets.TOKEN }}, the backend
// receives the value, and the value is nowhere else: not in Temporal's
// histories (every event) nor the codec's decoded payloads, PostgreSQL's
// rows (every table), the audit log, the stack's logs, the portal's pages
// or the API's answers. Members read the definition without any header
// value; a secret in use is not deleted; one missing at call time fails the
// run at once, naming it.
func TestStoredSecretsReachOnlyTheBackend(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		testkit.Missing(t, "PostgreSQL", err)
	}
	random := make([]byte, 8)
	_, _ = rand.Read(random)
	secret := "ghp-" + hex.EncodeToString(random)
	literal := "literal-credential-" + hex.EncodeToString(random) // a header an admin wrote in clear

	logs := &testkit.LockedBuffer{}
	dir := t.TempDir()
	s := startDevLoggingTo(t, dir, logs)
	defer s.Close()
	ctx := context.Background()
	// The backend echoes the Authorization header it got into the run's summary.
	backend := testkit.MustBackend(t, testkit.Signed(s.WebhookSecret, signing.Sign), testkit.AnswersWith(func(c testkit.Call) (int, string) {
		summary, _ := json.Marshal("got " + c.Header.Get("Authorization"))
		return http.StatusOK, `{"statusLabel": "deployed", "summary": ` + string(summary) + `}`
	}))
	devTok := cliToken(t, s, "dev1@example.com")
	var answers []string // every API answer, scanned at the end

	cli := func(token, stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		env := map[string]string{"SLIPWAY_URL": s.PortalURL, "SLIPWAY_TOKEN": token}
		err := secretCLI(ctx, append([]string{}, args...), strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
		answers = append(answers, out.String(), errOut.String())
		return out.String(), err
	}
	if _, err := cli(s.Token, secret+"\n", "set", "TOKEN"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(devTok, "mine\n", "set", "TOKEN"); err == nil || !strings.Contains(err.Error(), "permission_denied") {
		t.Errorf("a member sets a secret: %v", err)
	}
	if _, err := cli(s.Token, "v", "set", "not-an-identifier"); err == nil || !strings.Contains(err.Error(), "letters, digits and _") {
		t.Errorf("a bad name: %v", err)
	}
	if list, err := cli(s.Token, "", "list"); err != nil || !strings.Contains(list, "TOKEN") || !strings.Contains(list, "admin@example.com") || !strings.Contains(list, s.Keys.CurrentKeyID()) {
		t.Errorf("secret list: %q (%v)", list, err)
	}

	action := func(id, secretName string) string {
		return fmt.Sprintf(`{"action": {"identifier": %q, "title": "Deploy",
		  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"tag": {"type": "string"}}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true,
		    "headers": {"Authorization": "Bearer {{ .secrets.%s }}", "X-Literal": %q}}}}`, id, backend.URL+"/deploy", secretName, literal)
	}
	status, answer := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, action("deploy", "MISSING"))
	if status != http.StatusBadRequest || !strings.Contains(answer, "invocationMethod.headers.Authorization") || !strings.Contains(answer, "MISSING") {
		t.Errorf("a definition naming a missing secret: %d %s", status, answer)
	}
	for _, def := range []string{action("deploy", "TOKEN"), action("doomed", "DOOMED")} {
		if strings.Contains(def, "DOOMED") {
			if _, err := cli(s.Token, "doomed-value", "set", "DOOMED"); err != nil {
				t.Fatal(err)
			}
		}
		if status, answer := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
			t.Fatalf("create action: %d %s", status, answer)
		}
	}

	// A member runs it: the backend gets the value, the run its echo masked.
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	run, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "deploy"}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	id := run.Msg.GetRun().GetId()
	waitForStatus(t, runsAPI, devTok, id, "SUCCESS")
	calls := backend.Calls()
	if len(calls) != 1 || len(backend.Problems()) > 0 || calls[0].Header.Get("Authorization") != "Bearer "+secret || calls[0].Header.Get("X-Literal") != literal {
		t.Fatalf("backend got %d calls (problems %v): %v", len(calls), backend.Problems(), calls)
	}
	got, err := runsAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), devTok))
	if err != nil || got.Msg.GetRun().GetSummary() != "got Bearer "+secrets.Mask {
		t.Errorf("the run's summary: %q (%v)", got.Msg.GetRun().GetSummary(), err)
	}

	// A secret in use is not deleted; one gone at call time fails the run at once.
	if _, err := cli(s.Token, "", "delete", "TOKEN"); err == nil || !strings.Contains(err.Error(), "failed_precondition") || !strings.Contains(err.Error(), "deploy") {
		t.Errorf("deleting a secret in use: %v", err)
	}
	if _, err := s.store().Pool.Exec(ctx, `DELETE FROM secrets WHERE name = 'DOOMED'`); err != nil { // as if removed behind Slipway's back
		t.Fatal(err)
	}
	doomed, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "doomed"}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the run without its secret to fail", func() bool {
		r, err := runsAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: doomed.Msg.GetRun().GetId()}), devTok))
		return err == nil && r.Msg.GetRun().GetStatus() == "FAILURE" && strings.Contains(r.Msg.GetRun().GetStatusLabel(), "DOOMED")
	})
	if len(backend.Calls()) != 1 {
		t.Errorf("the backend was called without the secret")
	}

	// Members read the definition without any header value.
	actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)
	memberGet, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "deploy"}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	memberList, err := actionsAPI.ListActions(ctx, withToken(connect.NewRequest(&slipwayv1.ListActionsRequest{}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	memberViews := []string{protojson.Format(memberGet.Msg), protojson.Format(memberList.Msg)}
	adminGet, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "deploy"}), s.Token))
	if err != nil || !strings.Contains(protojson.Format(adminGet.Msg), literal) || !strings.Contains(protojson.Format(adminGet.Msg), "{{ .secrets.TOKEN }}") {
		t.Errorf("an admin's GetAction lacks the headers: %v (%v)", adminGet, err)
	}

	pages := map[string]string{}
	member := noRedirectClient(t)
	login(t, member, s.PortalURL, "dev1@example.com", "/runs")
	admin := noRedirectClient(t)
	login(t, admin, s.PortalURL, "admin@example.com", "/runs")
	for _, path := range []string{"/runs/" + id, "/runs", "/self-service", "/self-service/deploy"} {
		pages["member "+path] = getHTML(t, member, s.PortalURL+path)
		memberViews = append(memberViews, pages["member "+path])
		pages["admin "+path] = getHTML(t, admin, s.PortalURL+path)
	}
	for _, path := range []string{"/audit", "/audit?resource_type=secret", "/secrets"} {
		pages["admin "+path] = getHTML(t, admin, s.PortalURL+path)
	}
	if !strings.Contains(pages["admin /secrets"], "TOKEN") || !strings.Contains(pages["admin /audit?resource_type=secret"], "TOKEN") {
		t.Error("the secrets page or the audit log does not list TOKEN")
	}
	if status, _ := fetch(t, member, s.PortalURL+"/secrets"); status != http.StatusNotFound {
		t.Errorf("a member's /secrets: %d", status)
	}
	for i, view := range memberViews {
		// (The run's summary quotes "Bearer ••••••": the masked echo, not a header.)
		for _, hidden := range []string{literal, "Bearer {{", ".secrets", "X-Literal"} {
			if strings.Contains(view, hidden) {
				t.Errorf("member view %d shows %q", i, hidden)
			}
		}
	}
	answers = append(answers, memberViews[:2]...)
	answers = append(answers, protojson.Format(adminGet.Msg), protojson.Format(got.Msg))
	for _, call := range []struct{ service, method, body string }{
		{"RunService", "GetRun", fmt.Sprintf(`{"id": %q}`, id)},
		{"RunService", "ListRuns", `{}`},
		{"RunService", "ListRunLogs", fmt.Sprintf(`{"id": %q}`, id)},
		{"RunService", "GetRun", fmt.Sprintf(`{"id": %q}`, doomed.Msg.GetRun().GetId())},
		{"AuditService", "ListAuditEvents", `{}`},
		{"SecretService", "ListSecrets", `{}`},
		{"ActionService", "ListActions", `{}`},
	} {
		status, answer := postJSON(t, s.PortalURL+"/slipway.v1."+call.service+"/"+call.method, s.Token, call.body)
		if status != http.StatusOK {
			t.Errorf("%s: %d %s", call.method, status, answer)
		}
		answers = append(answers, answer)
	}

	forbidden := []string{secret, "doomed-value"}
	histories, tables := mustKeepSecretsOutOfStorage(t, s, forbidden)
	if histories < 2 {
		t.Fatalf("found %d workflow histories", histories)
	}
	for name, page := range pages {
		mustNotContain(t, "portal page "+name, []byte(page), forbidden)
	}
	mustNotContain(t, "API answers", []byte(strings.Join(answers, "\n")), forbidden)
	mustNotContain(t, "the stack's logs", logs.Bytes(), forbidden)
	t.Logf("scanned %d histories, %d tables, %d pages, %d API answers, %d bytes of logs", histories, tables, len(pages), len(answers), len(logs.Bytes()))
	s.Close() // flush every file before reading the data folder
	filesHolding(t, dir, forbidden)
}

// mustKeepSecretsOutOfStorage scans every workflow history (raw and
// decoded through the codec) and every PostgreSQL table for the forbidden
// values, and says how many histories and tables it read. The secrets
// table must hold sealed secrets only.
func mustKeepSecretsOutOfStorage(t *testing.T, s *devStack, forbidden []string) (histories, tables int) {
	t.Helper()
	all := runHistories(t, s)
	for wf, h := range all {
		raw, _ := proto.Marshal(h)
		mustNotContain(t, "Temporal history of "+wf, raw, forbidden)
		body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: temporaltest.Payloads(h)})
		status, answer := postJSON(t, s.PortalURL+"/codec/decode", s.Token, string(body))
		if status != http.StatusOK {
			t.Fatalf("codec decode of %s: %d %s", wf, status, answer)
		}
		mustNotContain(t, "decoded payloads of "+wf, decodedPayloadData(t, []byte(answer)), forbidden)
	}
	rows := postgresRows(t, s)
	if !strings.Contains(rows["secrets"], "slipway:secret:v1:") {
		t.Errorf("the secrets table holds no sealed secret: %s", rows["secrets"])
	}
	for table, text := range rows {
		mustNotContain(t, "PostgreSQL table "+table, []byte(text), forbidden)
	}
	return len(all), len(rows)
}
