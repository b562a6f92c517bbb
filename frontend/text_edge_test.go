package frontend

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
)

// The run form's fields are an action's inputs: the portal holds them to the
// limit and the name the API gives inputs, whatever the input is called.
func TestRunFormFieldsAreCheckedAsInputs(t *testing.T) {
	post := func(path string, form url.Values) error {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return checkPortalRequest(r)
	}
	long := strings.Repeat("x", 300) // over a title's limit, well within an input value's
	if err := post("/self-service/deploy", url.Values{"title": {long}, "csrf_token": {"t"}}); err != nil {
		t.Errorf("an input named title of 300 characters: %v", err)
	}
	if err := post("/tokens", url.Values{"name": {long}}); slipway.ErrorCode(err) != slipway.CodeInvalid {
		t.Errorf("a token name of 300 characters: %v", err)
	}
	var e *slipway.Error
	err := post("/self-service/deploy", url.Values{"title": {"a\x00b"}})
	if !errors.As(err, &e) || e.Field != "inputs.title" {
		t.Errorf("a NUL in an input: %v", err)
	}
}
