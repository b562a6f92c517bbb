package frontend

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDC configures single sign-on with an OpenID Connect provider.
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is the portal's callback (ssoCallbackPath on the public
	// URL), exactly as registered with the provider.
	RedirectURL string
	// Scopes default to openid, email and profile.
	Scopes []string
	// GroupsClaim names the ID token claim listing the user's groups; default "groups".
	GroupsClaim string
	// AdminGroup, when set, makes the provider decide who is an admin.
	AdminGroup string
}

// ssoClient talks to the provider: discovery, the code exchange and ID
// token verification.
type ssoClient struct {
	cfg  OIDC
	http *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newSSOClient(cfg OIDC) *ssoClient {
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	// A provider that hangs must not hold sign-ins (and their goroutines) forever.
	return &ssoClient{cfg: cfg, http: &http.Client{Timeout: 15 * time.Second}}
}

// provider discovers the provider on first use rather than at start-up, so
// the portal (and the API, and the dev login) start while the provider is
// down; a failed discovery is simply tried again at the next sign-in.
func (c *ssoClient) provider(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oauth == nil {
		p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.http), c.cfg.Issuer)
		if err != nil {
			return nil, nil, err
		}
		// The verifier checks signature (keys fetched, and refetched on
		// rotation, through c.http), issuer, audience and expiry.
		c.verifier = p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID})
		c.oauth = &oauth2.Config{
			ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
			Endpoint: p.Endpoint(), RedirectURL: c.cfg.RedirectURL, Scopes: c.cfg.Scopes,
		}
	}
	return c.oauth, c.verifier, nil
}

// ssoIdentity is who the provider says has signed in.
type ssoIdentity struct {
	Email, Name string
	Groups      []string
}

// identify trades the authorization code of flow f for an ID token and
// returns what the verified token says. Errors are *ssoError.
func (c *ssoClient) identify(ctx context.Context, code string, f ssoFlow) (ssoIdentity, error) {
	oauth, verifier, err := c.provider(ctx)
	if err != nil {
		return ssoIdentity{}, refuse(refusedUnreachable, fmt.Errorf("discovery: %w", err))
	}
	ctx = oidc.ClientContext(ctx, c.http)
	tok, err := oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		// A RetrieveError is the provider answering no (a replayed code, a
		// PKCE mismatch, a wrong secret); anything else is not reaching it.
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return ssoIdentity{}, refuse(refusedByProvider, fmt.Errorf("code exchange: %w", err))
		}
		return ssoIdentity{}, refuse(refusedUnreachable, fmt.Errorf("code exchange: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return ssoIdentity{}, refuse(refusedToken, errors.New("the token response has no id_token"))
	}
	idToken, err := verifier.Verify(ctx, raw)
	if err != nil {
		return ssoIdentity{}, refuse(refusedToken, fmt.Errorf("ID token: %w", err))
	}
	// The nonce ties the token to this browser's flow: a token minted for
	// another sign-in cannot be replayed here.
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(f.Nonce)) != 1 {
		return ssoIdentity{}, refuse(refusedToken, errors.New("ID token nonce does not match the flow"))
	}
	var claims map[string]json.RawMessage
	if err := idToken.Claims(&claims); err != nil {
		return ssoIdentity{}, refuse(refusedToken, fmt.Errorf("ID token claims: %w", err))
	}
	// The verifier checks only that the portal is among the audiences; a
	// token the provider issued to another client that also names the
	// portal says so in azp (OpenID Connect Core 3.1.3.7).
	if raw, ok := claims["azp"]; ok {
		var azp string
		if json.Unmarshal(raw, &azp) != nil || azp != c.cfg.ClientID {
			return ssoIdentity{}, refuse(refusedToken, fmt.Errorf("ID token authorized party is %s, not this client", raw))
		}
	}
	return identityFromClaims(claims, c.cfg.GroupsClaim)
}

// identityFromClaims reads the claims Slipway needs. Providers disagree on
// shapes, so email_verified may be a boolean or a string, and the groups
// claim a list or a single string.
func identityFromClaims(claims map[string]json.RawMessage, groupsClaim string) (ssoIdentity, error) {
	var id ssoIdentity
	if err := json.Unmarshal(claims["email"], &id.Email); err != nil || id.Email == "" {
		return id, refuse(refusedNoEmail, errors.New("the ID token has no email claim; is the email scope granted?"))
	}
	if raw, ok := claims["email_verified"]; ok {
		var verified any
		_ = json.Unmarshal(raw, &verified)
		if verified != true && verified != "true" {
			return id, refuse(refusedUnverified, fmt.Errorf("email_verified is %s for %s", raw, id.Email))
		}
	}
	_ = json.Unmarshal(claims["name"], &id.Name) // optional: a new user is then named by their email
	if raw, ok := claims[groupsClaim]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &id.Groups); err != nil {
			var one string
			if err := json.Unmarshal(raw, &one); err != nil {
				return id, refuse(refusedClaims, fmt.Errorf("claim %q is neither a list of strings nor a string: %s", groupsClaim, raw))
			}
			id.Groups = []string{one}
		}
	}
	return id, nil
}
