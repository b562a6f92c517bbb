package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestOIDCIsOffUnlessConfigured(t *testing.T) {
	c, err := fromLookup(lookupFrom(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDC.Enabled() {
		t.Errorf("single sign-on on by default: %+v", c.OIDC)
	}
}

func TestOIDCFullConfiguration(t *testing.T) {
	c, err := fromLookup(lookupFrom(map[string]string{
		"SLIPWAY_PUBLIC_URL":         "https://portal.example.com/",
		"SLIPWAY_OIDC_ISSUER":        "https://id.example.com/realms/acme",
		"SLIPWAY_OIDC_CLIENT_ID":     "slipway",
		"SLIPWAY_OIDC_CLIENT_SECRET": "s3cret",
		"SLIPWAY_OIDC_ADMIN_GROUP":   "platform-admins",
		"SLIPWAY_OIDC_SCOPES":        "email,profile groups",
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	o := c.OIDC
	if !o.Enabled() || o.ClientID != "slipway" || o.ClientSecret != "s3cret" || o.AdminGroup != "platform-admins" {
		t.Errorf("OIDC = %+v", o)
	}
	if o.RedirectURL != "https://portal.example.com/auth/oidc/callback" {
		t.Errorf("RedirectURL = %q", o.RedirectURL)
	}
	if o.GroupsClaim != "groups" {
		t.Errorf("GroupsClaim default = %q", o.GroupsClaim)
	}
	if !slices.Equal(o.Scopes, []string{"openid", "email", "profile", "groups"}) {
		t.Errorf("Scopes = %q", o.Scopes)
	}
}

func TestOIDCPartialConfigurationNamesWhatIsMissing(t *testing.T) {
	_, err := fromLookup(lookupFrom(map[string]string{"SLIPWAY_OIDC_ISSUER": "https://id.example.com"}), true)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"SLIPWAY_OIDC_CLIENT_ID", "SLIPWAY_OIDC_CLIENT_SECRET"} {
		if !strings.Contains(err.Error(), name+": required") {
			t.Errorf("error %q does not name %s", err, name)
		}
	}

	_, err = fromLookup(lookupFrom(map[string]string{"SLIPWAY_OIDC_ADMIN_GROUP": "admins"}), true)
	if err == nil || !strings.Contains(err.Error(), "SLIPWAY_OIDC_ISSUER: required") {
		t.Errorf("admin group alone: %v", err)
	}

	_, err = fromLookup(lookupFrom(map[string]string{
		"SLIPWAY_OIDC_ISSUER": "id.example.com", "SLIPWAY_OIDC_CLIENT_ID": "x", "SLIPWAY_OIDC_CLIENT_SECRET": "y",
		"SLIPWAY_PUBLIC_URL": "portal",
	}), true)
	if err == nil || !strings.Contains(err.Error(), "SLIPWAY_OIDC_ISSUER: must be") || !strings.Contains(err.Error(), "SLIPWAY_PUBLIC_URL") {
		t.Errorf("bad URLs: %v", err)
	}
}

func TestOIDCClientSecretFromFile(t *testing.T) {
	defer func(old func(string) ([]byte, error)) { readFile = old }(readFile)
	readFile = func(name string) ([]byte, error) {
		if name == "/run/secrets/oidc" {
			return []byte("from-file\n"), nil
		}
		return nil, errors.New("no such file")
	}
	env := map[string]string{
		"SLIPWAY_OIDC_ISSUER": "https://id.example.com", "SLIPWAY_OIDC_CLIENT_ID": "x",
		"SLIPWAY_OIDC_CLIENT_SECRET_FILE": "/run/secrets/oidc",
	}
	c, err := fromLookup(lookupFrom(env), true)
	if err != nil || c.OIDC.ClientSecret != "from-file" {
		t.Fatalf("secret %q, err %v", c.OIDC.ClientSecret, err)
	}

	env["SLIPWAY_OIDC_CLIENT_SECRET"] = "inline"
	if _, err := fromLookup(lookupFrom(env), true); err == nil || !strings.Contains(err.Error(), "set only one") {
		t.Errorf("both secret forms: %v", err)
	}
	delete(env, "SLIPWAY_OIDC_CLIENT_SECRET")
	env["SLIPWAY_OIDC_CLIENT_SECRET_FILE"] = "/missing"
	if _, err := fromLookup(lookupFrom(env), true); err == nil || !strings.Contains(err.Error(), "SLIPWAY_OIDC_CLIENT_SECRET_FILE") {
		t.Errorf("unreadable file: %v", err)
	}
}
