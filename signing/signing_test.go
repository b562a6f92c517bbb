package signing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/signing"
)

// signatureVector is one fixed Port signature: the expected value was
// computed outside Go (Python's hmac module), so neither the signer nor
// the verifier below can agree with the other by sharing a bug.
type signatureVector struct {
	name      string
	secret    string
	timestamp int64
	body      string
	signature string
}

var portSignatureVectors = []signatureVector{
	{"small body", "s3cret", 1700000000, `{"inputs":{"name":"pr-42"}}`,
		"v1,HxfNDeaEa7YOHY41vS2Pg3OOoTybL0xsedkExkX1I8E="},
	{"trigger data", "whsec_port_compat", 1764460800, `{"action":{"identifier":"deploy"},"run":{"id":"r_1","token":"slr_x"},"inputs":{}}`,
		"v1,xa+J75Bfo22g8/pOg9fEes0cMM9Yo6X6ePRNMNmcxkk="},
	{"empty secret, epoch, empty body", "", 0, "",
		"v1,uEnVpYGEeygZVwZXOd823yRj0Zd+qNbh5ObPM/rcaMM="},
	{"non-ASCII secret and body", "k\u00e9y with \u2014 unicode", 1234567890, `{"text":"caf` + "\u00e9 \u2615" + `","n":1.5e3}`,
		"v1,V88WEvPx2ZOTdIicRMkIMIi4oL8M550DPM8Sr/KMQNk="},
}

// Errors of the reference verifier.
var (
	errMalformed = errors.New("signature is not v1,<base64>")
	errMismatch  = errors.New("signature does not match")
	errStale     = errors.New("timestamp outside the tolerance")
)

// verifyPortSignature is how a backend checks Port's x-port-signature,
// written from README "Writing a backend" with crypto/hmac directly (not
// signing.Sign): v1, + base64(HMAC-SHA256(secret, timestamp + "." + body)),
// refusing timestamps further than tolerance from now (replays).
func verifyPortSignature(secret []byte, timestampHeader string, body []byte, signatureHeader string, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestampHeader, 10, 64)
	if err != nil {
		return errMalformed
	}
	encoded, ok := strings.CutPrefix(signatureHeader, "v1,")
	if !ok {
		return errMalformed
	}
	got, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return errMalformed
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestampHeader + "." + string(body)))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errMismatch
	}
	if tolerance > 0 {
		if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
			return errStale
		}
	}
	return nil
}

func TestPortSignatureVectors(t *testing.T) {
	for _, v := range portSignatureVectors {
		t.Run(v.name, func(t *testing.T) {
			ts := strconv.FormatInt(v.timestamp, 10)
			if err := verifyPortSignature([]byte(v.secret), ts, []byte(v.body), v.signature, time.Unix(v.timestamp, 0), 5*time.Minute); err != nil {
				t.Fatalf("reference verifier refuses the vector: %v", err)
			}
			if got := signing.Sign([]byte(v.secret), v.timestamp, []byte(v.body)); got != v.signature {
				t.Errorf("signing.Sign = %q, want %q", got, v.signature)
			}
		})
	}
}

func TestPortSignatureVectorsThatMustFail(t *testing.T) {
	v := portSignatureVectors[1]
	ts := strconv.FormatInt(v.timestamp, 10)
	at := time.Unix(v.timestamp, 0)
	cases := []struct {
		name             string
		secret, ts, body string
		signature        string
		now              time.Time
		want             error
	}{
		{"wrong secret", "whsec_port_compaT", ts, v.body, v.signature, at, errMismatch},
		{"secret with a trailing newline", v.secret + "\n", ts, v.body, v.signature, at, errMismatch},
		{"tampered body", v.secret, ts, strings.Replace(v.body, "deploy", "destroy", 1), v.signature, at, errMismatch},
		{"body with a trailing newline", v.secret, ts, v.body + "\n", v.signature, at, errMismatch},
		{"tampered timestamp", v.secret, strconv.FormatInt(v.timestamp+1, 10), v.body, v.signature, at, errMismatch},
		{"stale timestamp (replayed 6 minutes later)", v.secret, ts, v.body, v.signature, at.Add(6 * time.Minute), errStale},
		{"timestamp from the future", v.secret, ts, v.body, v.signature, at.Add(-6 * time.Minute), errStale},
		{"no v1 prefix", v.secret, ts, v.body, strings.TrimPrefix(v.signature, "v1,"), at, errMalformed},
		{"v0 prefix", v.secret, ts, v.body, "v0," + strings.TrimPrefix(v.signature, "v1,"), at, errMalformed},
		{"not base64", v.secret, ts, v.body, "v1,%%%", at, errMalformed},
		{"hex instead of base64 (decodes, does not match)", v.secret, ts, v.body, "v1,c5af89ef905fa36da0f3fa4e83d7c47acd1c30cf58a3a5fa78f44d30d99cc649", at, errMismatch},
		{"truncated signature", v.secret, ts, v.body, v.signature[:len(v.signature)-4], at, errMismatch},
		{"timestamp not a number", v.secret, "yesterday", v.body, v.signature, at, errMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verifyPortSignature([]byte(c.secret), c.ts, []byte(c.body), c.signature, c.now, 5*time.Minute)
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

// Real deliveries carry headers that the reference verifier accepts, with
// the timestamp of the moment they were sent: a backend call under both
// names, a notification webhook under Slipway's.
func TestDeliveriesVerifyWithTheReferenceVerifier(t *testing.T) {
	secret := []byte("whsec_port_compat")
	type delivery struct {
		body            []byte
		portTS, portSig string
		ownTS, ownSig   string
	}
	got := make(chan delivery, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{b, r.Header.Get("x-port-timestamp"), r.Header.Get("x-port-signature"),
			r.Header.Get("x-slipway-timestamp"), r.Header.Get("x-slipway-signature")}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer receiver.Close()

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: secret})
	var a *activities.Activities
	in := activities.CallWebhookInput{URL: receiver.URL, Method: "POST", Data: json.RawMessage(`{"inputs": {"name": "pr-42"}}`)}
	if _, err := env.ExecuteActivity(a.CallWebhook, in); err != nil {
		t.Fatal(err)
	}
	d := <-got
	now := time.Now()
	if err := verifyPortSignature(secret, d.portTS, d.body, d.portSig, now, 5*time.Minute); err != nil {
		t.Errorf("backend call, x-port-signature: %v", err)
	}
	if err := verifyPortSignature(secret, d.ownTS, d.body, d.ownSig, now, 5*time.Minute); err != nil {
		t.Errorf("backend call, x-slipway-signature: %v", err)
	}
	if err := verifyPortSignature([]byte("other"), d.portTS, d.body, d.portSig, now, 5*time.Minute); !errors.Is(err, errMismatch) {
		t.Errorf("another secret verifies the backend call: %v", err)
	}

	notice := activities.SendNoticeInput{URL: receiver.URL, Format: notifications.FormatSlack,
		Notice: notifications.Notice{RunID: "r1", Event: "ended", Kind: notifications.Ended, Title: "deploy: SUCCESS"}}
	if _, err := env.ExecuteActivity(a.SendNotice, notice); err != nil {
		t.Fatal(err)
	}
	d = <-got
	if err := verifyPortSignature(secret, d.ownTS, d.body, d.ownSig, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("notification, x-slipway-signature: %v", err)
	}
	if d.portSig != "" {
		t.Errorf("a notification carries Port's signature header %q: it is no Port webhook", d.portSig)
	}
}
