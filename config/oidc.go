package config

import (
	"net/url"
	"os"
	"strings"
)

// OIDC configures single sign-on through an OpenID Connect provider. The
// zero value means single sign-on is off.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is $SLIPWAY_PUBLIC_URL/auth/oidc/callback; it must be
	// registered with the provider.
	RedirectURL string
	// GroupsClaim names the ID token claim listing the user's groups.
	GroupsClaim string
	// AdminGroup, when set, makes the provider decide the role: members of
	// this group are admins, everyone else a member.
	AdminGroup string
	Scopes     []string
}

// Enabled reports whether single sign-on is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// OIDCCallbackPath is where the provider sends the browser back.
const OIDCCallbackPath = "/auth/oidc/callback"

// readFile is swapped by tests.
var readFile = os.ReadFile

// parseOIDC reads the SLIPWAY_OIDC_* variables. Setting any of them turns
// single sign-on on, so a half-finished setup fails at start-up, naming what
// is missing, rather than at the first sign-in.
func parseOIDC(get func(name, def string) string, publicURL string) (OIDC, []string) {
	o := OIDC{
		Issuer:       get("SLIPWAY_OIDC_ISSUER", ""),
		ClientID:     get("SLIPWAY_OIDC_CLIENT_ID", ""),
		ClientSecret: get("SLIPWAY_OIDC_CLIENT_SECRET", ""),
		GroupsClaim:  get("SLIPWAY_OIDC_GROUPS_CLAIM", ""),
		AdminGroup:   get("SLIPWAY_OIDC_ADMIN_GROUP", ""),
	}
	secretFile := get("SLIPWAY_OIDC_CLIENT_SECRET_FILE", "")
	scopes := get("SLIPWAY_OIDC_SCOPES", "")
	var setBy string
	for name, v := range map[string]string{
		"SLIPWAY_OIDC_ISSUER": o.Issuer, "SLIPWAY_OIDC_CLIENT_ID": o.ClientID, "SLIPWAY_OIDC_CLIENT_SECRET": o.ClientSecret,
		"SLIPWAY_OIDC_CLIENT_SECRET_FILE": secretFile, "SLIPWAY_OIDC_GROUPS_CLAIM": o.GroupsClaim,
		"SLIPWAY_OIDC_ADMIN_GROUP": o.AdminGroup, "SLIPWAY_OIDC_SCOPES": scopes,
	} {
		if v != "" && (setBy == "" || name < setBy) { // the smallest name, so the message is stable
			setBy = name
		}
	}
	if setBy == "" {
		return OIDC{}, nil
	}

	var errs []string
	missing := func(name, hint string) {
		errs = append(errs, name+": required for single sign-on ("+setBy+" is set)"+hint)
	}
	if o.Issuer == "" {
		missing("SLIPWAY_OIDC_ISSUER", "")
	} else if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, "SLIPWAY_OIDC_ISSUER: must be the provider's http(s) URL, exactly as its ID tokens name it")
	}
	if o.ClientID == "" {
		missing("SLIPWAY_OIDC_CLIENT_ID", "")
	}
	switch {
	case o.ClientSecret != "" && secretFile != "":
		errs = append(errs, "SLIPWAY_OIDC_CLIENT_SECRET, SLIPWAY_OIDC_CLIENT_SECRET_FILE: set only one")
	case secretFile != "":
		b, err := readFile(secretFile)
		if err != nil {
			errs = append(errs, "SLIPWAY_OIDC_CLIENT_SECRET_FILE: "+err.Error())
		} else if o.ClientSecret = strings.TrimSpace(string(b)); o.ClientSecret == "" {
			errs = append(errs, "SLIPWAY_OIDC_CLIENT_SECRET_FILE: the file is empty")
		}
	case o.ClientSecret == "":
		missing("SLIPWAY_OIDC_CLIENT_SECRET", "; or name a file holding it in SLIPWAY_OIDC_CLIENT_SECRET_FILE")
	}
	if o.GroupsClaim == "" {
		o.GroupsClaim = "groups"
	}
	o.Scopes = parseScopes(scopes)

	// The provider redirects the browser back, so the portal needs its public address.
	if u, err := url.Parse(publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		errs = append(errs, "SLIPWAY_PUBLIC_URL: must be the portal's absolute URL for single sign-on (the callback URL is derived from it)")
	}
	o.RedirectURL = publicURL + OIDCCallbackPath
	return o, errs
}

// parseScopes splits a space- or comma-separated scope list. openid is
// always asked for: without it there is no ID token.
func parseScopes(s string) []string {
	if s == "" {
		s = "openid email profile"
	}
	scopes := []string{"openid"}
	for _, sc := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		if sc != "openid" {
			scopes = append(scopes, sc)
		}
	}
	return scopes
}
