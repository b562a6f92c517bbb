package testkit

import (
	"net/http"
	"strings"
	"testing"
)

// PostJSON posts body as JSON to url with token as its bearer token (none
// when empty) and returns the answer's status and body; a failed request
// fails the test. It serves Connect's JSON protocol and Port's REST API.
func PostJSON(tb testing.TB, url, token, body string) (int, string) {
	tb.Helper()
	return SendJSON(tb, http.MethodPost, url, token, body)
}

// SendJSON is PostJSON with another method (PATCH, PUT...).
func SendJSON(tb testing.TB, method, url, token, body string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, answer := Do(tb, nil, req)
	return resp.StatusCode, answer
}
