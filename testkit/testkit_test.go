package testkit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/testkit"
)

// fakeSign stands for signing.Sign: testkit only compares.
func fakeSign(secret []byte, ts int64, body []byte) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s", secret, ts, body))
	return hex.EncodeToString(sum[:])
}

func post(t *testing.T, url, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBackendAcceptsAndRecordsRunCalls(t *testing.T) {
	b := testkit.MustBackend(t)
	if status, _ := post(t, b.URL+"/hook", `{"run": {"id": "r1", "token": "t1"}, "payload": {"tag": "v1"}}`); status != http.StatusAccepted {
		t.Fatalf("status %d, want 202", status)
	}
	c := b.AwaitRun(t, "r1", time.Second)
	if c.Path != "/hook" || c.RunToken != "t1" || c.N != 1 || c.JSON()["payload"].(map[string]any)["tag"] != "v1" {
		t.Errorf("call %+v", c)
	}
	if b.Token("r1") != "t1" || b.Token("r2") != "" || b.Count() != 1 || len(b.CallsOf("r1")) != 1 {
		t.Errorf("token %q, count %d", b.Token("r1"), b.Count())
	}
}

func TestBackendAnswersSyncAndFailsFirst(t *testing.T) {
	b := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "done"}`), testkit.FailsFirst(2, http.StatusServiceUnavailable))
	var got []string
	for range 3 {
		status, body := post(t, b.URL, `{}`)
		got = append(got, strconv.Itoa(status)+" "+body)
	}
	want := []string{`503 {"error": "failing on purpose"}`, `503 {"error": "failing on purpose"}`, `200 {"statusLabel": "done"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("answers\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b.Count() != 3 {
		t.Errorf("%d calls recorded, want every try", b.Count())
	}
}

func TestBackendChecksSignatures(t *testing.T) {
	b := testkit.MustBackend(t, testkit.Signed("s3cret", fakeSign, "x-slipway-", "x-port-"))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := `{"run": {"id": "r1"}}`
	sig := fakeSign([]byte("s3cret"), time.Now().Unix(), []byte(body))
	if status, _ := post(t, b.URL, body, "x-slipway-timestamp", ts, "x-slipway-signature", sig); status != http.StatusUnauthorized {
		t.Errorf("a call signed under one prefix of two: %d, want 401", status)
	}
	if status, _ := post(t, b.URL, body, "x-slipway-timestamp", ts, "x-slipway-signature", sig, "x-port-timestamp", ts, "x-port-signature", sig); status != http.StatusAccepted {
		t.Errorf("a signed call: %d, want 202", status)
	}
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	oldSig := fakeSign([]byte("s3cret"), time.Now().Add(-time.Hour).Unix(), []byte(body))
	if status, _ := post(t, b.URL, body, "x-slipway-timestamp", old, "x-slipway-signature", oldSig, "x-port-timestamp", old, "x-port-signature", oldSig); status != http.StatusUnauthorized {
		t.Errorf("a stale call: %d, want 401", status)
	}
	if b.Count() != 1 || len(b.Problems()) != 2 {
		t.Errorf("%d calls, problems %q", b.Count(), b.Problems())
	}
}

func TestBackendRunsItsJobAfterAnswering(t *testing.T) {
	done := make(chan testkit.Call, 1)
	b := testkit.MustBackend(t, testkit.OnCall(func(_ *testkit.Backend, c testkit.Call) { done <- c }))
	post(t, b.URL, `{"run": {"id": "r9"}}`)
	select {
	case c := <-done:
		if c.RunID != "r9" {
			t.Errorf("job got run %q", c.RunID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not run")
	}
}

func TestPostJSONSendsTokenAndBody(t *testing.T) {
	b := testkit.MustBackend(t, testkit.Answers(http.StatusCreated, `{"ok": true}`))
	status, body := testkit.PostJSON(t, b.URL+"/x", "tok", `{"a": 1}`)
	c := b.Calls()[0]
	if status != http.StatusCreated || body != `{"ok": true}` || c.Method != http.MethodPost ||
		c.Header.Get("Authorization") != "Bearer tok" || c.Header.Get("Content-Type") != "application/json" || string(c.Body) != `{"a": 1}` {
		t.Errorf("%d %s; call %+v", status, body, c)
	}
	testkit.SendJSON(t, http.MethodPatch, b.URL, "", `{}`)
	if c := b.Calls()[1]; c.Method != http.MethodPatch || c.Header.Get("Authorization") != "" {
		t.Errorf("PATCH without a token: %+v", c)
	}
}

func TestLockedBufferTakesWholeLinesOnce(t *testing.T) {
	var buf testkit.LockedBuffer
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() { fmt.Fprintf(&buf, "line %d\n", i) })
	}
	wg.Wait()
	_, _ = buf.Write([]byte("partial"))
	if lines := buf.TakeLines(); len(lines) != 10 {
		t.Errorf("took %d lines, want 10: %q", len(lines), lines)
	}
	if buf.String() != "partial" || buf.TakeLines() != nil {
		t.Errorf("left %q", buf.String())
	}
	buf.Reset()
	if len(buf.Bytes()) != 0 {
		t.Error("reset kept bytes")
	}
}
