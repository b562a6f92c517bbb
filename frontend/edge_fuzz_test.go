package frontend_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	_ "github.com/slipwayhq/slipway/gen/slipway/v1" // registers the descriptors the procedures are read from
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// fuzzCallLimit bounds one request under fuzzing: a request still running
// after it is a hang, and fails the target.
const fuzzCallLimit = 5 * time.Second

// stubTemporal is a Temporal that starts workflows and knows none: runs
// start, and every update or query finds the workflow gone, as after its
// end. Only what selfservice calls is implemented.
type stubTemporal struct{ client.Client }

func (stubTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, nil
}

func (stubTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, serviceerror.NewNotFound("workflow not found")
}

func (stubTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, serviceerror.NewNotFound("workflow not found")
}

func (stubTemporal) Ping(context.Context) error { return nil }

// edgeFixture is the whole frontend in-process on a real PostgreSQL, with
// a blueprint, an entity, actions and an ended run to aim requests at.
type edgeFixture struct {
	handler http.Handler
	// log holds what the frontend logs at error level: a panic it
	// recovered or an internal error it hid behind a generic message.
	log *testkit.LockedBuffer
	// tokens by who: admin, member, none ("").
	tokens []string
	// replacements turn placeholders in fuzzed bodies into real ids.
	replacements *strings.Replacer
}

func newEdgeFixture(tb testing.TB) *edgeFixture {
	tb.Helper()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(tb)
	cat := &catalog.Service{Store: store}
	ss := &selfservice.Service{Store: store, Catalog: cat, Temporal: stubTemporal{}}
	log := &testkit.LockedBuffer{}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: ss, Audit: &audit.Log{Store: store},
		Secrets: &secretstore.Store{DB: store, Keys: testkit.Keyring(tb, nil)}, Temporal: stubTemporal{}, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelError})), DevLogin: true})
	_, admin, err := ident.CreateTokenForEmail(ctx, identity.DemoAdminEmail, "fuzz", 0)
	if err != nil {
		tb.Fatal(err)
	}
	_, member, err := ident.CreateTokenForEmail(ctx, "dev1@example.com", "fuzz", 0)
	if err != nil {
		tb.Fatal(err)
	}
	f := &edgeFixture{handler: srv, log: log, tokens: []string{admin, member, ""}}
	for _, call := range []struct{ procedure, body string }{
		{"/slipway.v1.CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "title": "Service",
		  "schema": {"properties": {"tier": {"type": "string", "enum": ["gold", "bronze"]}}}}}`},
		{"/slipway.v1.CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "payments", "title": "Payments", "properties": {"tier": "gold"}}}`},
		{"/slipway.v1.ActionService/CreateAction", `{"action": {"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
		  "userInputs": {"properties": {"name": {"type": "string", "maxLength": 20}, "n": {"type": "number", "default": 1}}, "required": ["name"]}},
		  "invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example/hook"}}}`},
		{"/slipway.v1.ActionService/CreateAction", `{"action": {"identifier": "restart", "trigger": {"type": "self-service", "operation": "DAY-2",
		  "blueprintIdentifier": "service", "userInputs": {"properties": {}}}, "requiredApproval": true,
		  "invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example/restart"}}}`},
	} {
		if status, body := f.connect(tb, call.procedure, []byte(call.body), admin, false); status != http.StatusOK {
			tb.Fatalf("%s: %d %s", call.procedure, status, body)
		}
	}
	u, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		tb.Fatal(err)
	}
	run := pgtest.EndedRun(tb, store, u.ID, "deploy", 3).String()
	f.replacements = strings.NewReplacer("$RUN", run)
	return f
}

// connect posts body as the Connect protocol's JSON to procedure, framed as
// a stream when the procedure streams, and returns the HTTP status and body.
func (f *edgeFixture) connect(tb testing.TB, procedure string, body []byte, token string, streaming bool) (int, []byte) {
	tb.Helper()
	contentType := "application/json"
	if streaming {
		var frame bytes.Buffer
		frame.WriteByte(0)
		_ = binary.Write(&frame, binary.BigEndian, uint32(len(body)))
		frame.Write(body)
		body, contentType = frame.Bytes(), "application/connect+json"
	}
	return f.do(tb, http.MethodPost, procedure, body, token, map[string]string{"Content-Type": contentType, "Connect-Protocol-Version": "1"})
}

// do serves one request in-process under a deadline; a handler still
// running after fuzzCallLimit fails the test.
func (f *edgeFixture) do(tb testing.TB, method, path string, body []byte, token string, header map[string]string) (int, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzCallLimit)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); f.handler.ServeHTTP(rec, req) }()
	select {
	case <-done:
	case <-time.After(fuzzCallLimit + time.Second):
		tb.Fatalf("%s %s did not answer within %s", method, path, fuzzCallLimit)
	}
	if ctx.Err() != nil {
		tb.Fatalf("%s %s hit its deadline of %s", method, path, fuzzCallLimit)
	}
	out, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, out
}

// requireNoInternalErrors fails when the frontend logged a recovered panic
// or an internal error while answering.
func (f *edgeFixture) requireNoInternalErrors(t *testing.T, what string) {
	t.Helper()
	if logged := f.log.TakeLines(); len(logged) > 0 {
		t.Fatalf("%s: the frontend logged an internal failure: %s", what, strings.Join(logged, "\n"))
	}
}

// procedures lists every RPC of Slipway's API from the proto descriptors,
// so a new RPC is fuzzed without a change here.
func procedures(tb testing.TB) []protoreflect.MethodDescriptor {
	var out []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("slipway.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			methods := fd.Services().Get(i).Methods()
			for j := range methods.Len() {
				out = append(out, methods.Get(j))
			}
		}
		return true
	})
	if len(out) == 0 {
		tb.Fatal("no procedures registered")
	}
	return out
}

func procedurePath(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// namesAField matches the message of an invalid argument: "field.path: why"
// (after Connect's "unmarshal message: " for bodies it could not decode),
// or "... has N problems: field: why; ...".
var namesAField = regexp.MustCompile(`^(unmarshal message: )?` + fieldPath + `: |has \d+ problems: ` + fieldPath + `: `)

// fieldPath is a field as the edges name it: names, [index] and ["key"].
const fieldPath = `([\w@][\w.@-]*|\[\d+\]|\["(\\.|[^"\\])*"\])+`

// requireCodedAnswer fails unless status and body are a success or a
// Connect error with a code other than internal/unknown whose message, for
// invalid arguments, names the field ("field: message").
func requireCodedAnswer(t *testing.T, what string, status int, body []byte, streaming bool) {
	t.Helper()
	if status >= 500 && status != http.StatusServiceUnavailable {
		t.Fatalf("%s: HTTP %d %s", what, status, body)
	}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if streaming {
		// The end of the stream is the last frame: {"error": {...}} or {}.
		var last []byte
		for rest := body; len(rest) >= 5; {
			n := int(binary.BigEndian.Uint32(rest[1:5]))
			if len(rest) < 5+n {
				t.Fatalf("%s: truncated frame", what)
			}
			last, rest = rest[5:5+n], rest[5+n:]
		}
		var end struct {
			Error *json.RawMessage `json:"error"`
		}
		if json.Unmarshal(last, &end) != nil {
			t.Fatalf("%s: stream ends with %q", what, last)
		}
		if end.Error == nil {
			return
		}
		_ = json.Unmarshal(*end.Error, &e)
	} else {
		if status == http.StatusOK {
			return
		}
		if json.Unmarshal(body, &e) != nil {
			t.Fatalf("%s: HTTP %d with a body that is no Connect error: %q", what, status, body)
		}
	}
	switch {
	case e.Code == "" || e.Code == "internal" || e.Code == "unknown":
		t.Fatalf("%s: code %q: %s", what, e.Code, e.Message)
	case e.Message == "":
		t.Fatalf("%s: %s without a message", what, e.Code)
	case strings.Contains(e.Message, "slipwayv1."):
		t.Fatalf("%s: the message shows Go's type names: %s", what, e.Message)
	case e.Code == "invalid_argument" && !namesAField.MatchString(e.Message):
		t.Fatalf("%s: invalid_argument %q names no field", what, e.Message)
	}
}

// FuzzConnectJSON: the JSON body of every RPC, as an admin, a member or
// nobody, gets a success or a coded error naming the field; never a panic,
// an internal error or a hang.
func FuzzConnectJSON(f *testing.F) {
	seeds := []string{
		`{}`, `null`, `[]`, `{"id": "$RUN"}`, `{"id": "not-a-uuid"}`, `{"identifier": "deploy"}`, `{"identifier": "../x"}`,
		`{"action": "deploy", "properties": {"name": "pr-42"}}`, `{"action": "deploy", "properties": {"name": 5, "extra": [1]}}`,
		`{"action": "restart", "entity": "payments"}`, `{"action": {"identifier": "x"}}`,
		`{"blueprint": "service", "identifier": "payments"}`, `{"blueprint": {"identifier": "b", "schema": {"properties": {"x": {"type": "nope"}}}}}`,
		`{"entity": {"blueprint": "service", "identifier": "p2", "properties": {"tier": "tin"}}}`,
		`{"runId": "$RUN", "status": "SUCCESS", "link": ["javascript:alert(1)"]}`, `{"runId": "$RUN", "message": "hello", "afterSeq": "-1"}`,
		`{"run_id": "$RUN", "limit": 1000000}`, `{"name": "x", "ttlDays": -1}`, `{"pageSize": -5, "pageToken": "\u0000"}`,
		`{"id": "$RUN", "reason": "` + strings.Repeat("é", 3000) + `"}`,
		// Values for one field (an action, a blueprint, an entity).
		`{"identifier": "d2", "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service",
		  "userInputs": {"properties": {"when": {"type": "string", "format": "date-time"}, "svc": {"type": "string", "format": "entity", "blueprint": "service"}},
		  "required": ["when"]}, "condition": {"type": "SEARCH", "combinator": "and", "rules": [{"property": "tier", "operator": "=", "value": "gold"}]}},
		  "invocationMethod": {"type": "UPSERT_ENTITY", "blueprintIdentifier": "service", "mapping": {"identifier": "{{ .entity.identifier }}-x", "properties": {"tier": "{{ .inputs.when }}"}}},
		  "approvalStages": [{"title": "lead", "approvers": {"users": ["admin@example.com"]}}], "approvalTtl": "2h"}`,
		`{"identifier": "env", "title": "Env", "schema": {"properties": {"ttl": {"type": "string", "format": "timer"}, "n": {"type": "number", "minimum": 0}},
		  "required": ["n"]}, "relations": {"svc": {"target": "service", "many": true}}, "expiryAction": "deploy"}`,
		`{"blueprint": "service", "identifier": "e-1", "title": "E", "team": "payments", "properties": {"tier": "bronze"}, "relations": {"x": ["a"]}}`,
	}
	procs := procedures(f)
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s), uint8(0))
		f.Add(uint8(i*7+3), []byte(s), uint8(i))
		f.Add(uint8(i*5+1), []byte(s), uint8(4|i<<3)) // as one field's value
	}
	fx := newEdgeFixture(f)
	fx.log.TakeLines()
	f.Fuzz(func(t *testing.T, procedure uint8, body []byte, who uint8) {
		m := procs[int(procedure)%len(procs)]
		token := fx.tokens[int(who)%len(fx.tokens)]
		body = []byte(fx.replacements.Replace(string(body)))
		// Most inputs should get past decoding into the handlers' own
		// checks: bytes that are not JSON become one field's string, and
		// every other JSON value becomes one field's value.
		if fields := m.Input().Fields(); fields.Len() > 0 && (!json.Valid(body) || who&4 != 0) {
			fd := fields.Get(int(who>>3) % fields.Len())
			value := json.RawMessage(body)
			if !json.Valid(body) {
				value, _ = json.Marshal(string(body))
			}
			body, _ = json.Marshal(map[string]json.RawMessage{fd.JSONName(): value})
		}
		what := procedurePath(m) + " " + string(body)
		status, answer := fx.connect(t, procedurePath(m), body, token, m.IsStreamingServer())
		requireCodedAnswer(t, what, status, answer, m.IsStreamingServer())
		fx.requireNoInternalErrors(t, what)
	})
}

// portRoutes are Port's REST routes the frontend serves for backends and
// scripts; {id} and {action} are filled from the fuzzed path segment.
var portRoutes = []struct{ method, pattern string }{
	{http.MethodPatch, "/v1/actions/runs/{id}"},
	{http.MethodPost, "/v1/actions/runs/{id}/logs"},
	{http.MethodPatch, "/v1/actions/runs/{id}/approval"},
	{http.MethodPost, "/v1/actions/{action}/runs"},
}

// FuzzPortREST: Port's REST bodies, on any run or action, answer JSON
// with ok true, or ok false and a coded error; never a 500 or a hang.
func FuzzPortREST(f *testing.F) {
	for i, s := range []struct{ segment, body string }{
		{"$RUN", `{"status": "SUCCESS", "statusLabel": "done", "link": "https://ci.example/1", "summary": "ok"}`},
		{"$RUN", `{"status": "FAILURE", "link": [1, null], "externalRunId": 5}`},
		{"$RUN", `{"message": "deploying", "terminationStatus": "SUCCESS", "statusLabel": "done"}`},
		{"$RUN", `{"status": "APPROVE", "description": "looks good"}`},
		{"deploy", `{"properties": {"name": "pr-42"}}`},
		{"restart", `{"entity": "payments", "properties": {}}`},
		{"deploy", `{"properties": {"name": "\u0000"}}`},
		{"not-a-uuid", `{"status": "SUCCESS"}`},
		{"%2e%2e", `{}`},
		{"deploy", ``},
		{"deploy", `{"properties": [1]}`},
	} {
		f.Add(uint8(i), s.segment, []byte(s.body), uint8(0))
		f.Add(uint8(i+1), s.segment, []byte(s.body), uint8(i))
	}
	fx := newEdgeFixture(f)
	fx.log.TakeLines()
	f.Fuzz(func(t *testing.T, route uint8, segment string, body []byte, who uint8) {
		r := portRoutes[int(route)%len(portRoutes)]
		segment = fx.replacements.Replace(segment)
		if segment == "" || segment == "." || segment == ".." || strings.ContainsAny(segment, "/?#% \t\r\n\x00") || strings.ContainsFunc(segment, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
			segment = "x" // the router's matters, not the handler's: keep to one path segment
		}
		path := strings.NewReplacer("{id}", segment, "{action}", segment).Replace(r.pattern)
		token := fx.tokens[int(who)%len(fx.tokens)]
		what := r.method + " " + path + " " + string(body)
		status, answer := fx.do(t, r.method, path, []byte(fx.replacements.Replace(string(body))), token, map[string]string{"Content-Type": "application/json"})
		if status >= 500 {
			t.Fatalf("%s: HTTP %d %s", what, status, answer)
		}
		var got struct {
			OK      *bool  `json:"ok"`
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if status != http.StatusNotFound || len(answer) > 0 && answer[0] == '{' { // the router's own 404 is plain text
			if json.Unmarshal(answer, &got) != nil || got.OK == nil {
				t.Fatalf("%s: HTTP %d with a body that is not Port's JSON: %q", what, status, answer)
			}
			if !*got.OK && (got.Error == "" || got.Error == "internal" || got.Message == "") {
				t.Fatalf("%s: HTTP %d uncoded error %q: %q", what, status, got.Error, got.Message)
			}
			if !*got.OK && got.Error == "invalid_argument" && !namesAField.MatchString(got.Message) {
				t.Fatalf("%s: invalid_argument %q names no field", what, got.Message)
			}
		}
		fx.requireNoInternalErrors(t, what)
	})
}

// A body that does not decode, in either of Connect's encodings, is
// answered naming the body and the message, never a Go type.
func TestUndecodableBodiesNameTheBodyNotGoTypes(t *testing.T) {
	fx := newEdgeFixture(t)
	for contentType, body := range map[string]string{"application/json": `[1]`, "application/proto": "\xff\xff\xff"} {
		status, answer := fx.do(t, http.MethodPost, "/slipway.v1.IdentityService/CreateToken", []byte(body), fx.tokens[0],
			map[string]string{"Content-Type": contentType, "Connect-Protocol-Version": "1"})
		var e struct{ Code, Message string }
		_ = json.Unmarshal(answer, &e)
		if status != http.StatusBadRequest || e.Code != "invalid_argument" || strings.Contains(e.Message, "slipwayv1.") ||
			!strings.Contains(e.Message, "body: is not a valid CreateTokenRequest") {
			t.Errorf("%s: %d %s", contentType, status, answer)
		}
	}
}
