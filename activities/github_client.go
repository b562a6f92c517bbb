package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v88/github"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/jqtemplate"
)

// githubCredentials are the credential templates of the settings: the
// operator's (SLIPWAY_GITHUB_*), or the conventional secret names.
func (a *Activities) githubCredentials() (token, appID, installationID, privateKey string) {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	g := a.GitHub
	return or(g.Token, config.DefaultGitHubToken), or(g.AppID, config.DefaultGitHubAppID),
		or(g.InstallationID, config.DefaultGitHubInstallationID), or(g.PrivateKey, config.DefaultGitHubPrivateKey)
}

// prepareGitHubCall is prepareCall for GitHub: it also loads the
// credentials, a GitHub App's three secrets where they all exist, else
// GITHUB_TOKEN (prepareCall refuses a missing secret, so the app is tried
// first and the token after), and builds the client they authenticate.
func (a *Activities) prepareGitHubCall(ctx context.Context, data json.RawMessage, templates ...any) (backendCall, *github.Client, error) {
	token, appID, installationID, privateKey := a.githubCredentials()
	call, err := a.prepareCall(ctx, data, append(templates, appID, installationID, privateKey)...)
	if secretMissing(err) {
		call, err = a.prepareCall(ctx, data, append(templates, token)...)
		if secretMissing(err) && token == config.DefaultGitHubToken && strings.Contains(err.Error(), "GITHUB_TOKEN") {
			err = temporal.NewNonRetryableApplicationError("no GitHub credentials: an admin sets the secret GITHUB_TOKEN, or GITHUB_APP_ID, "+
				"GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY (slipway secret set GITHUB_TOKEN)", ErrTypeSecretMissing, nil)
		}
	}
	if err != nil {
		return backendCall{}, nil, err
	}
	client, err := a.githubClient(ctx, call)
	return call, client, err
}

func secretMissing(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == ErrTypeSecretMissing
}

// ErrTypeGitHubRateLimited marks a call GitHub's rate limit refused: the
// activity is retried after the delay GitHub asked for, never given up.
const ErrTypeGitHubRateLimited = "github_rate_limited"

// githubClient builds a go-github client authenticated from the call's
// secrets, on the operator's HTTP client (its deny list applies).
func (a *Activities) githubClient(ctx context.Context, call backendCall) (*github.Client, error) {
	scope := call.Scope
	render := func(tmpl string) string {
		s, _ := jqtemplate.RenderString(ctx, tmpl, scope)
		return strings.TrimSpace(s)
	}
	apiURL := a.GitHub.APIURL
	if apiURL == "" {
		apiURL = config.DefaultGitHubAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	base := a.httpClient()
	httpClient := &http.Client{Timeout: base.Timeout, Transport: base.Transport, CheckRedirect: base.CheckRedirect}
	if httpClient.Transport == nil {
		httpClient.Transport = http.DefaultTransport
	}
	opts := []github.ClientOptionsFunc{}
	tokenTemplate, appIDTemplate, installationTemplate, keyTemplate := a.githubCredentials()
	appID, installationID, key := render(appIDTemplate), render(installationTemplate), render(keyTemplate)
	switch {
	case appID != "" && installationID != "" && key != "":
		app, errApp := strconv.ParseInt(appID, 10, 64)
		inst, errInst := strconv.ParseInt(installationID, 10, 64)
		if errApp != nil || errInst != nil {
			return nil, temporal.NewNonRetryableApplicationError(
				"GitHub App credentials: the secrets GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID must be numbers", ErrTypeBackendRejected, nil)
		}
		tr, err := ghinstallation.New(httpClient.Transport, app, inst, []byte(key))
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError("GitHub App private key (secret GITHUB_APP_PRIVATE_KEY) is not a PEM RSA key", ErrTypeBackendRejected, nil)
		}
		tr.BaseURL = strings.TrimSuffix(apiURL, "/")
		httpClient.Transport = tr
	case render(tokenTemplate) != "":
		opts = append(opts, github.WithAuthToken(render(tokenTemplate)))
	default:
		return nil, temporal.NewNonRetryableApplicationError(
			"no GitHub credentials: the secret GITHUB_TOKEN is empty", ErrTypeBackendRejected, nil)
	}
	opts = append(opts, github.WithHTTPClient(httpClient), github.WithURLs(&apiURL, nil))
	client, err := github.NewClient(opts...)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("GitHub API URL (SLIPWAY_GITHUB_API_URL) is not valid", ErrTypeBackendRejected, nil)
	}
	return client, nil
}

// githubError turns a failed GitHub call into the activity's error:
// rate limits wait as long as GitHub asks and are retried, never given up;
// 404 and 422 (and refused credentials) fail the run at once with a label
// that says what is wrong; 5xx and network errors are retried with backoff.
// what names the call ("dispatch deploy.yml in acme/api").
func githubError(ctx context.Context, err error, what string, redact redactor) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if delay, limited := rateLimitDelay(err); limited {
		return temporal.NewApplicationErrorWithOptions("GitHub rate limit: "+what+" waits "+delay.Round(time.Second).String(),
			ErrTypeGitHubRateLimited, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
	}
	var resp *github.ErrorResponse
	if !errors.As(err, &resp) || resp.Response == nil {
		return errors.New("GitHub unreachable: " + redact.String(err.Error()))
	}
	message := redact.String(githubMessage(resp))
	switch code := resp.Response.StatusCode; {
	case code == http.StatusNotFound:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitHub answered 404 to %s: the repository or workflow does not exist, or the credentials cannot see it", what), ErrTypeBackendRejected, nil)
	case code == http.StatusUnprocessableEntity:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitHub refused %s (422): %s", what, message), ErrTypeBackendRejected, nil)
	case code == http.StatusUnauthorized:
		return temporal.NewNonRetryableApplicationError("GitHub refused the credentials (401) to "+what, ErrTypeBackendRejected, nil)
	case code == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitHub denied %s (403): %s", what, message), ErrTypeBackendRejected, nil)
	case code >= 500:
		return fmt.Errorf("GitHub answered %d to %s", code, what)
	default:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitHub answered %d to %s: %s", code, what, message), ErrTypeBackendRejected, nil)
	}
}

// githubMessage is GitHub's own explanation, with its field errors.
func githubMessage(resp *github.ErrorResponse) string {
	msg := resp.Message
	for _, e := range resp.Errors {
		if e.Message != "" {
			msg += "; " + e.Message
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// Bounds of a rate limit's wait: GitHub's reset can be an hour away.
const (
	minRateLimitWait     = time.Second
	defaultRateLimitWait = time.Minute
	maxRateLimitWait     = 15 * time.Minute
)

// rateLimitDelay says whether err is a rate limit (primary: 403/429 with
// x-ratelimit-remaining 0; secondary; or any 429) and how long to wait:
// retry-after when given, else until x-ratelimit-reset, else a minute.
func rateLimitDelay(err error) (time.Duration, bool) {
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	var resp *github.ErrorResponse
	var r *http.Response
	wait := time.Duration(0)
	switch {
	case errors.As(err, &primary):
		r = primary.Response
		if !primary.Rate.Reset.IsZero() {
			wait = time.Until(primary.Rate.Reset.Time)
		}
	case errors.As(err, &secondary):
		r = secondary.Response
		wait = secondary.GetRetryAfter()
	case errors.As(err, &resp) && resp.Response != nil && (resp.Response.StatusCode == http.StatusTooManyRequests ||
		resp.Response.StatusCode == http.StatusForbidden && resp.Response.Header.Get("Retry-After") != ""):
		r = resp.Response
	default:
		return 0, false
	}
	if r != nil {
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil {
			wait = time.Duration(s) * time.Second
		}
	}
	if wait <= 0 {
		wait = defaultRateLimitWait
	}
	return min(max(wait, minRateLimitWait), maxRateLimitWait), true
}
