// Package frontend serves the portal (templ pages, htmx for the live parts)
// and the Connect API on one port, from one binary.
package frontend

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/converter"

	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/frontend/static"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/selfservice"
)

// Deps are what the web frontend needs from the rest of Slipway.
type Deps struct {
	Store    *db.Store
	Identity *identity.Service
	// Catalog serves blueprints and entities; nil serves no Catalog API.
	Catalog *catalog.Service
	// SelfService runs actions; nil serves no Action or Run API (tests of the shell).
	SelfService *selfservice.Service
	// Audit records changes and serves the audit log; nil serves no AuditService.
	Audit *audit.Log
	// Secrets are the named secrets admins manage (SecretService and the
	// /secrets page); nil serves neither.
	Secrets *secretstore.Store
	// Temporal is checked by the readiness probe; nil skips that check.
	Temporal Pinger
	Logger   *slog.Logger

	// DevLogin offers the dev login page.
	DevLogin bool
	// OIDC offers single sign-on; nil offers none (portal_oidc.go).
	OIDC *OIDC
	// SecureCookies marks cookies Secure (when the portal is served over https).
	SecureCookies bool
	SessionTTL    time.Duration
	// TemporalUIURL is linked from the header for operators; may be empty.
	TemporalUIURL string
	// TemporalNamespace is where runs' workflows live, for links into the
	// Temporal UI; empty means Temporal's "default".
	TemporalNamespace string
	// Codec serves Temporal's remote codec protocol at /codec/ (codec.go),
	// with CORS for TemporalUIURL's origin; nil serves none.
	Codec converter.PayloadCodec
	// RunEvents wakes live run pages and WatchRun streams when a run
	// changes (fed by a runevents.Listener); nil makes a hub nothing feeds,
	// so viewers see changes at their safety poll only.
	RunEvents *runevents.Hub
	// LiveSafetyPoll is how often live viewers re-read a run even without
	// news, for notifications lost while the listener reconnected; 0 means
	// DefaultLiveSafetyPoll.
	LiveSafetyPoll time.Duration
	// Metrics serves GET /metrics (telemetry.MetricsHandler: for the
	// metrics token only); nil serves none.
	Metrics http.Handler
}

// Server is the web frontend's http.Handler.
type Server struct {
	Deps
	sso       *ssoClient // nil without single sign-on
	liveReads liveReads
	handler   http.Handler
	routes    []string
}

// New builds the frontend and its routes.
func New(d Deps) *Server {
	if d.SessionTTL == 0 {
		d.SessionTTL = 12 * time.Hour
	}
	if d.RunEvents == nil {
		d.RunEvents = runevents.NewHub()
	}
	if d.LiveSafetyPoll <= 0 {
		d.LiveSafetyPoll = DefaultLiveSafetyPoll
	}
	s := &Server{Deps: d}
	mux := &routeTable{mux: http.NewServeMux()}

	mux.HandleFunc("GET /healthz/live", s.live)
	mux.HandleFunc("GET /healthz/ready", s.ready)
	mux.HandleFunc("GET /healthz", s.ready)
	mux.Handle("GET /static/", static.Handler())

	// Connect API: bearer tokens only, never the session cookie, so no
	// cross-site request can ride on a signed-in browser.
	// The text rule runs inside auth, which maps its errors (text_edge.go).
	interceptors := connect.WithInterceptors(s.authInterceptor(), textInterceptor{})
	// Port's limit on execute bodies, applied to every API call; binaryCodec
	// names the field of invalid UTF-8 (text_edge.go), jsonCodec
	// the body of undecodable JSON (json_codec.go).
	handlerOptions := connect.WithHandlerOptions(connect.WithReadMaxBytes(1<<20), connect.WithCodec(binaryCodec{}),
		connect.WithCodec(jsonCodec{"json"}), connect.WithCodec(jsonCodec{"json; charset=utf-8"}))
	mux.Handle(slipwayv1connect.NewIdentityServiceHandler(&identityAPI{s}, interceptors, handlerOptions))
	if d.Catalog != nil {
		mux.Handle(slipwayv1connect.NewCatalogServiceHandler(&catalogAPI{s}, interceptors, handlerOptions))
		mux.Handle("GET /catalog", s.portal(s.catalogPage, true))
		mux.Handle("GET /catalog/{blueprint}", s.portal(s.entitiesPage, true))
		mux.Handle("GET /catalog/{blueprint}/{identifier}", s.portal(s.entityPage, true))
	}
	if d.Audit != nil {
		mux.Handle(slipwayv1connect.NewAuditServiceHandler(&auditAPI{s}, interceptors, handlerOptions))
		mux.Handle("GET /audit", s.portal(s.auditPage, true))
	}
	if d.Secrets != nil {
		mux.Handle(slipwayv1connect.NewSecretServiceHandler(&secretsAPI{s}, interceptors, handlerOptions))
		mux.Handle("GET /secrets", s.portal(s.secretsPage, true))
		mux.Handle("POST /secrets", s.portal(s.setSecret, true))
		mux.Handle("POST /secrets/{name}/delete", s.portal(s.deleteSecret, true))
	}
	if d.SelfService != nil {
		mux.Handle(slipwayv1connect.NewActionServiceHandler(&actionsAPI{s}, interceptors, handlerOptions))
		mux.Handle(slipwayv1connect.NewRunServiceHandler(&runsAPI{s}, interceptors, handlerOptions))
	}

	// Portal.
	mux.Handle("GET /login", s.portal(s.loginPage, false))
	mux.Handle("POST /login", s.portal(s.login, false))
	mux.Handle("POST /logout", s.portal(s.logout, false))
	if d.OIDC != nil {
		s.sso = newSSOClient(*d.OIDC)
		mux.Handle("GET "+ssoLoginPath, s.portal(s.ssoLogin, false))
		mux.Handle("GET "+ssoCallbackPath, s.portal(s.ssoCallback, false))
	}
	mux.Handle("GET /{$}", s.portal(s.home, true))
	// Any other path: the portal's 404 page, in the layout, for browsers;
	// other methods get a plain 404 (no page, no CSRF check to fail).
	notFound := s.portal(s.notFoundPage, false)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		notFound.ServeHTTP(w, r)
	}))
	for _, item := range sections {
		if (d.SelfService != nil && item.servedBySelfService) || (d.Catalog != nil && item.key == "catalog") || (d.Audit != nil && item.key == "audit") {
			continue
		}
		mux.Handle("GET "+item.path, s.portal(s.section(item), true))
	}
	if d.SelfService != nil {
		mux.Handle("GET /self-service", s.portal(s.selfServicePage, true))
		mux.Handle("GET /self-service/{action}", s.portal(s.executePage, true))
		mux.Handle("POST /self-service/{action}", s.portal(s.execute, true))
		mux.Handle("GET /self-service/{action}/choices", s.portal(s.entityChoices, true))
		mux.Handle("POST /self-service/{action}/form", s.portal(s.formEval, true))
		mux.Handle("POST /self-service/{action}/preview", s.portal(s.previewRun, true))
		mux.Handle("GET /actions", s.portal(s.actionsPage, true))
		mux.Handle("POST /actions", s.portal(s.saveAction, true))
		mux.Handle("GET /actions/new", s.portal(s.newActionPage, true))
		mux.Handle("POST /actions/check", s.portal(s.checkDraft, true))
		mux.Handle("GET /actions/{action}/edit", s.portal(s.editActionPage, true))
		mux.Handle("POST /actions/{action}/delete", s.portal(s.deleteActionForm, true))
		mux.Handle("GET /actions/{action}/versions/{version}", s.portal(s.versionDiffPage, true))
		mux.Handle("POST /actions/{action}/versions/{version}/restore", s.portal(s.restoreVersion, true))
		mux.Handle("GET /runs", s.portal(s.runsPage, true))
		mux.Handle("GET /runs/{id}", s.portal(s.runPage, true))
		mux.Handle("GET /runs/{id}/live", s.portal(s.runLive, true))
		mux.Handle("GET /runs/{id}/logs", s.portal(s.runLogs, true))
		mux.Handle("GET /runs/{id}/events", s.portal(s.runEventStream, true))
		mux.Handle("POST /runs/{id}/decide", s.portal(s.decideRun, true))
		mux.Handle("POST /runs/{id}/cancel", s.portal(s.cancelRun, true))
		mux.Handle("GET /approvals", s.portal(s.approvalsPage, true))
		mux.HandleFunc("PATCH /v1/actions/runs/{id}", s.portPatchRun)
		mux.HandleFunc("POST /v1/actions/runs/{id}/logs", s.portAddRunLog)
		mux.HandleFunc("PATCH /v1/actions/runs/{id}/approval", s.portDecideRun)
		mux.HandleFunc("POST /v1/actions/{action}/runs", s.portExecuteRun)
	}
	if d.Codec != nil {
		mux.HandleFunc("/codec/", s.codecServer)
	}
	if d.Metrics != nil {
		mux.Handle("GET /metrics", d.Metrics)
	}
	mux.Handle("GET /notifications", s.portal(s.notificationsPage, true))
	mux.Handle("GET /insights", s.portal(s.insightsPage, true))
	mux.Handle("POST /notifications/read", s.portal(s.markNotificationsRead, true))
	mux.Handle("GET /tokens", s.portal(s.tokensPage, true))
	mux.Handle("POST /tokens", s.portal(s.createToken, true))
	mux.Handle("POST /tokens/{id}/revoke", s.portal(s.revokeToken, true))

	s.routes = mux.patterns
	s.handler = s.recoverer(s.logRequests(securityHeaders(mux.mux)))
	return s
}

// Routes lists every pattern the frontend serves (Connect services as
// their path prefix), so that a test can prove each is in the
// authorization matrix.
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// routeTable registers handlers on a mux and remembers their patterns.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.mux.Handle(pattern, h)
	t.patterns = append(t.patterns, pattern)
}

func (t *routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.Handle(pattern, http.HandlerFunc(h))
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
