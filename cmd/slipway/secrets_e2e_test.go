//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// The proof for secret inputs: the backend receives the value in
// plaintext, and it appears nowhere else: not in Temporal's history (nor
// its database file), PostgreSQL's rows (nor its files), the stack's logs,
// the portal's pages, the API's answers, or the codec's decoded payloads.
func TestSecretInputsReachOnlyTheBackend(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		testkit.Missing(t, "PostgreSQL", err)
	}
	random := make([]byte, 8)
	_, _ = rand.Read(random)
	secret := "hunter2-" + hex.EncodeToString(random)
	wrongSecret := "wrong-" + hex.EncodeToString(random) // refused by the pattern
	objectSecret := "vault-" + hex.EncodeToString(random)

	logs := &testkit.LockedBuffer{}
	dir := t.TempDir()
	s := startDevLoggingTo(t, dir, logs)
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Signed(s.WebhookSecret, signing.Sign), testkit.Answers(http.StatusOK, `{"statusLabel": "rotated"}`))

	devTok := cliToken(t, s, "dev1@example.com")
	approverTok := cliToken(t, s, "approver@example.com")
	def := fmt.Sprintf(`{"action": {
	  "identifier": "rotate-db-password", "title": "Rotate the database password",
	  "trigger": {"type": "self-service", "operation": "CREATE",
	    "userInputs": {"properties": {
	      "password": {"type": "string", "encryption": "aes256-gcm", "pattern": "^hunter2-"},
	      "vault": {"type": "object", "encryption": "aes256-gcm"},
	      "tag": {"type": "string"}}, "required": ["password"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true,
	    "headers": {"X-Password": "{{ .inputs.password }}"}},
	  "requiredApproval": true, "approvers": {"users": ["approver@example.com"]}
	}}`, backend.URL+"/rotate")
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	var answers []string // every API answer, scanned at the end

	execute := func(password string) (int, string) {
		body, _ := json.Marshal(map[string]any{"action": "rotate-db-password", "properties": map[string]any{
			"password": password, "vault": map[string]any{"token": objectSecret}, "tag": "v1"}})
		status, answer := postJSON(t, s.PortalURL+"/slipway.v1.RunService/ExecuteAction", devTok, string(body))
		answers = append(answers, answer)
		return status, answer
	}
	if status, answer := execute(wrongSecret); status != http.StatusBadRequest || !strings.Contains(answer, "inputs.password") {
		t.Fatalf("a password against the pattern: %d %s", status, answer)
	}
	status, answer := execute(secret)
	if status != http.StatusOK {
		t.Fatalf("execute: %d %s", status, answer)
	}
	var started struct {
		Run struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"run"`
	}
	if err := json.Unmarshal([]byte(answer), &started); err != nil {
		t.Fatal(err)
	}
	id := started.Run.ID
	if started.Run.Properties["password"] != secrets.Mask || started.Run.Properties["vault"] != secrets.Mask || started.Run.Properties["tag"] != "v1" {
		t.Errorf("ExecuteAction shows the inputs as %v", started.Run.Properties)
	}

	// Approvers are told about the run by the portal and the API: masked.
	approver := noRedirectClient(t)
	login(t, approver, s.PortalURL, "approver@example.com", "/approvals")
	pages := map[string]string{}
	for _, path := range []string{"/approvals", "/runs/" + id, "/runs/" + id + "/live", "/runs"} {
		pages["approver "+path] = getHTML(t, approver, s.PortalURL+path)
	}
	if !strings.Contains(pages["approver /runs/"+id], secrets.Mask) {
		t.Error("the run page does not show the masked password")
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	if _, err := runsAPI.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), approverTok)); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, runsAPI, devTok, id, "SUCCESS")

	// The requester re-runs it: the secret is reused, sealed again for the new run.
	rerun, err := runsAPI.RerunRun(ctx, withToken(connect.NewRequest(&slipwayv1.RerunRunRequest{Id: id}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runsAPI.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: rerun.Msg.GetRun().GetId()}), approverTok)); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, runsAPI, devTok, rerun.Msg.GetRun().GetId(), "SUCCESS")
	// Anyone else re-running it does not get to reuse the requester's secret.
	_, err = runsAPI.RerunRun(ctx, withToken(connect.NewRequest(&slipwayv1.RerunRunRequest{Id: id}), s.Token))
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "inputs.password") {
		t.Errorf("an admin's rerun: %v", err)
	}

	calls := backend.Calls()
	if len(calls) != 2 || len(backend.Problems()) > 0 {
		t.Fatalf("backend got %d calls, problems %v", len(calls), backend.Problems())
	}
	for i, c := range calls {
		inputs, _ := c.JSON()["inputs"].(map[string]any)
		vault, _ := inputs["vault"].(map[string]any)
		if inputs["password"] != secret || vault["token"] != objectSecret || c.Header.Get("X-Password") != secret || inputs["tag"] != "v1" {
			t.Errorf("call %d: the backend got inputs %v, header %q", i+1, inputs, c.Header.Get("X-Password"))
		}
	}

	// Everyone's views of the runs, through the portal and the API.
	requester := noRedirectClient(t)
	login(t, requester, s.PortalURL, "dev1@example.com", "/runs/"+id)
	admin := noRedirectClient(t)
	login(t, admin, s.PortalURL, "admin@example.com", "/runs")
	for who, c := range map[string]*http.Client{"requester": requester, "admin": admin, "approver": approver} {
		for _, path := range []string{"/runs/" + id, "/runs/" + rerun.Msg.GetRun().GetId(), "/runs", "/self-service/rotate-db-password"} {
			pages[who+" "+path] = getHTML(t, c, s.PortalURL+path)
		}
	}
	pages["admin /audit"] = getHTML(t, admin, s.PortalURL+"/audit")
	for _, call := range []struct{ method, body string }{
		{"GetRun", fmt.Sprintf(`{"id": %q}`, id)},
		{"ListRuns", `{}`},
		{"ListRunLogs", fmt.Sprintf(`{"id": %q}`, id)},
	} {
		status, answer := postJSON(t, s.PortalURL+"/slipway.v1.RunService/"+call.method, s.Token, call.body)
		if status != http.StatusOK {
			t.Errorf("%s: %d %s", call.method, status, answer)
		}
		answers = append(answers, answer)
	}
	if !strings.Contains(answers[len(answers)-3], secrets.Mask) {
		t.Errorf("GetRun does not mask the password: %s", answers[len(answers)-3])
	}
	stream, err := runsAPI.WatchRun(ctx, withToken(connect.NewRequest(&slipwayv1.WatchRunRequest{Id: id}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	for stream.Receive() {
		b, _ := protojson.Marshal(stream.Msg())
		answers = append(answers, string(b))
	}

	forbidden := []string{secret, wrongSecret, objectSecret}
	histories := runHistories(t, s)
	if len(histories) < 2 {
		t.Fatalf("found %d workflow histories", len(histories))
	}
	var decoded [][]byte
	for wf, h := range histories {
		raw, _ := proto.Marshal(h)
		mustNotContain(t, "Temporal history of "+wf, raw, forbidden)
		for i, p := range temporaltest.Payloads(h) {
			if !secrets.IsEncryptedPayload(p) {
				t.Errorf("%s: payload %d is not encrypted: %v", wf, i, p.GetMetadata())
			}
		}
		// What operators see in the Temporal UI, through the portal's codec.
		body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: temporaltest.Payloads(h)})
		status, answer := postJSON(t, s.PortalURL+"/codec/decode", s.Token, string(body))
		if status != http.StatusOK {
			t.Fatalf("codec decode of %s: %d %s", wf, status, answer)
		}
		decoded = append(decoded, []byte(answer))
	}
	codecAnswers := bytes.Join(decoded, nil)
	for _, answer := range decoded {
		mustNotContain(t, "the codec's decoded payloads", decodedPayloadData(t, answer), forbidden)
	}
	if !decodedHoldsSealedInputs(t, codecAnswers) {
		t.Error("decoded run inputs do not hold the sealed password")
	}

	// The Temporal UI decodes through the portal's codec, with the session cookie.
	var settings struct {
		Codec struct {
			Endpoint           string
			IncludeCredentials bool
		}
	}
	if err := json.Unmarshal([]byte(getHTML(t, http.DefaultClient, s.TemporalUI+"/api/v1/settings")), &settings); err != nil ||
		settings.Codec.Endpoint != s.PortalURL+"/codec" || !settings.Codec.IncludeCredentials {
		t.Errorf("Temporal UI codec settings %+v (%v)", settings.Codec, err)
	}

	postgresRowsSeen := postgresRows(t, s)
	if !strings.Contains(postgresRowsSeen["runs"], "slipway:enc:v1:") {
		t.Error("the runs table holds no sealed input")
	}
	for table, rows := range postgresRowsSeen {
		mustNotContain(t, "PostgreSQL table "+table, []byte(rows), forbidden)
	}
	for name, page := range pages {
		mustNotContain(t, "portal page "+name, []byte(page), forbidden)
	}
	mustNotContain(t, "API answers", []byte(strings.Join(answers, "\n")), forbidden)
	mustNotContain(t, "the stack's logs", logs.Bytes(), forbidden)
	t.Logf("scanned %d histories, %d tables, %d pages, %d API answers, %d bytes of logs", len(histories), len(postgresRowsSeen), len(pages), len(answers), len(logs.Bytes()))
	s.Close() // flush every file before reading the data folder
	filesHolding(t, dir, forbidden)
}

// startDevLoggingTo starts the dev stack as mustStartDev does, logging
// everything down to debug into w.
func startDevLoggingTo(t *testing.T, dir string, w io.Writer) *devStack {
	t.Helper()
	cfg, err := config.FromEnv(true)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.DatabaseURL, cfg.Demo = dir, "", false
	cfg.HTTPAddr, cfg.TemporalAddress, cfg.TemporalUIAddr, cfg.PostgresPort = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", 0
	cfg.TemporalUIURL, cfg.DemoBackendAddr, cfg.DemoBackendURL = "", "127.0.0.1:0", ""
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := startDev(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("start dev stack: %v", err)
	}
	return s
}

func getHTML(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	status, body := fetch(t, c, u)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", u, status, body)
	}
	return body
}

func waitForStatus(t *testing.T, api slipwayv1connect.RunServiceClient, token, id, status string) {
	t.Helper()
	waitUntil(t, 30*time.Second, "run "+id+" to be "+status, func() bool {
		got, err := api.GetRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), token))
		if err == nil && got.Msg.GetRun().GetStatus() == "FAILURE" {
			t.Fatalf("run %s failed: %s", id, got.Msg.GetRun().GetStatusLabel())
		}
		return err == nil && got.Msg.GetRun().GetStatus() == status
	})
}

// runHistories fetches every workflow's raw history, page by page, as the
// server stores it (no data converter involved).
func runHistories(t *testing.T, s *devStack) map[string]*historypb.History {
	t.Helper()
	ctx := context.Background()
	list, err := s.Client.ListWorkflow(ctx, listRequest(s.Namespace, ""))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*historypb.History{}
	for _, ex := range list.GetExecutions() {
		h := &historypb.History{}
		var next []byte
		for {
			page, err := s.Client.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
				Namespace: s.Namespace, Execution: ex.GetExecution(), NextPageToken: next,
			})
			if err != nil {
				t.Fatal(err)
			}
			h.Events = append(h.Events, page.GetHistory().GetEvents()...)
			if next = page.GetNextPageToken(); len(next) == 0 {
				break
			}
		}
		out[ex.GetExecution().GetWorkflowId()+"/"+ex.GetExecution().GetRunId()] = h
	}
	return out
}

// decodedPayloadData is the data and metadata of the payloads in a codec
// answer, as bytes: protojson writes them as base64, which no scan for a
// value would match.
func decodedPayloadData(t *testing.T, answer []byte) []byte {
	t.Helper()
	var ps commonpb.Payloads
	if err := protojson.Unmarshal(answer, &ps); err != nil {
		t.Fatalf("codec answer: %v", err)
	}
	var out []byte
	for _, p := range ps.GetPayloads() {
		for k, v := range p.GetMetadata() {
			out = append(append(append(out, k...), v...), '\n')
		}
		out = append(append(out, p.GetData()...), '\n')
	}
	return out
}

// decodedHoldsSealedInputs finds a run's input among the codec's decoded
// payloads and checks its password is still sealed (field-level encryption).
func decodedHoldsSealedInputs(t *testing.T, answers []byte) bool {
	t.Helper()
	for _, line := range bytes.SplitAfter(answers, []byte("}]}")) {
		var ps commonpb.Payloads
		if protojson.Unmarshal(line, &ps) != nil {
			continue
		}
		for _, p := range ps.GetPayloads() {
			var in struct{ Inputs map[string]any }
			if json.Unmarshal(p.GetData(), &in) == nil && secrets.IsSealed(in.Inputs["password"]) && secrets.IsSealed(in.Inputs["vault"]) {
				return true
			}
		}
	}
	return false
}

// postgresRows renders every row of every table in the public schema as text.
func postgresRows(t *testing.T, s *devStack) map[string]string {
	t.Helper()
	ctx := context.Background()
	pool := s.store().Pool
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]string{}
	for _, table := range tables {
		var text string
		if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(string_agg(t::text, E'\n'), '') FROM %q t`, table)).Scan(&text); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
		out[table] = text
	}
	return out
}

// filesHolding fails for every file under dir holding a forbidden string:
// Temporal's SQLite file, PostgreSQL's pages and write-ahead log, their logs.
func filesHolding(t *testing.T, dir string, forbidden []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a socket or lock file gone meanwhile
		}
		mustNotContain(t, "file "+strings.TrimPrefix(path, dir), b, forbidden)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustNotContain(t *testing.T, where string, b []byte, forbidden []string) {
	t.Helper()
	for _, f := range forbidden {
		if i := bytes.Index(b, []byte(f)); i >= 0 {
			start := max(0, i-200)
			t.Errorf("%s holds the secret %q: …%s…", where, f, b[start:min(len(b), i+len(f)+50)])
		}
	}
}
