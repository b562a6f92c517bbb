//go:build !slipway_lean

// Package devserver runs Temporal's own server in-process on SQLite, with
// the Temporal Web UI beside it. Only `slipway dev` and the test harness
// import it; production binaries are built with the slipway_lean tag and
// leave it (and its ~150 MB) out.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Options configure the embedded server.
type Options struct {
	// DatabaseFile is the SQLite file; empty keeps everything in memory.
	DatabaseFile string
	// FrontendAddr is host:port for the gRPC frontend; port 0 picks a free one.
	FrontendAddr string
	// UIAddr is host:port for the Web UI; empty runs no UI, port 0 picks one.
	UIAddr string
	// Namespace is created up front (default "default").
	Namespace string
	// SearchAttributes are registered on the namespace when it is created.
	SearchAttributes map[string]enums.IndexedValueType
	Logger           *slog.Logger
	// CodecEndpoint is the remote codec the Web UI decodes payloads with
	// (the portal's /codec), called from the browser with its cookies.
	CodecEndpoint string

	// pickPort chooses a free port on host (freePort); tests make it
	// return a port something else holds.
	pickPort func(host string) (int, error)
}

// Server is a running embedded Temporal server (and UI).
type Server struct {
	// FrontendAddr is the host:port clients dial.
	FrontendAddr string
	// UIURL is the Web UI's URL, empty without a UI.
	UIURL string

	temporal temporal.Server
	ui       *uiserver.Server
	// uiHanded says the UI serves on the listener Start bound for it.
	uiHanded bool
}

const clusterName = "active"

// Start starts the server and returns once its frontend accepts calls.
//
// The server binds its ports itself (its API takes port numbers, not
// listeners), so a port picked as free can be taken by another process
// before the server binds it. Such a start is retried with fresh ports; a
// port the caller fixed is never swapped for another.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.pickPort == nil {
		opts.pickPort = freePort
	}
	for attempt := 1; ; attempt++ {
		s, err := start(opts)
		if err == nil || !retryable(err, opts.FrontendAddr) || attempt == startAttempts || ctx.Err() != nil {
			return s, err
		}
		opts.Logger.Warn("a port picked for the Temporal server was taken before it bound it; starting again on fresh ports",
			"attempt", attempt, "err", err)
	}
}

// start makes one attempt: ports, store, server, UI.
func start(opts Options) (*Server, error) {
	host, port, err := resolveAddr(opts.FrontendAddr, opts.pickPort)
	if err != nil {
		return nil, fmt.Errorf("temporal frontend address: %w", err)
	}
	frontend := net.JoinHostPort(host, strconv.Itoa(port))

	sqlConf, err := prepareStore(opts)
	if err != nil {
		return nil, err
	}
	conf, err := serverConfig(host, port, sqlConf, opts.pickPort)
	if err != nil {
		return nil, err
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range conf.Services {
		hosts[primitives.ServiceName(name)] = static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(svc.RPC.GRPCPort)))
	}
	srv, err := startTemporal(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(slogAdapter{opts.Logger.With("component", "temporal")}),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, err
	}
	s := &Server{FrontendAddr: frontend, temporal: srv}

	if opts.UIAddr != "" {
		if err := s.startUI(opts.UIAddr, opts.Namespace, opts.CodecEndpoint); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// startTemporal builds and starts the server. It reports a port it cannot
// bind through its logger's Fatal, which panics with a fatalError (log.go)
// while the server is being built: that becomes an error here.
func startTemporal(opts ...temporal.ServerOption) (_ temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			fatal, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("build temporal server: %w", fatal)
		}
	}()
	srv, err := temporal.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("build temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	return srv, nil
}

// Stop stops the UI and the server.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.temporal.Stop()
}

func (s *Server) startUI(addr, namespace, codecEndpoint string) error {
	host, port, err := resolveAddr(addr, func(string) (int, error) { return 0, nil })
	if err != nil {
		return fmt.Errorf("temporal UI address: %w", err)
	}
	// The UI server exits the whole process when it cannot listen: it is
	// handed a listener that is bound already (handListener), so it never does.
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("temporal UI cannot listen on %s: %w", addr, err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	s.ui = uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: s.FrontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		// The portal's codec admits signed-in admins by their session cookie.
		Codec: uiconfig.Codec{Endpoint: codecEndpoint, IncludeCredentials: codecEndpoint != ""},
		// Nothing may be fetched from the internet at run time.
		DisableNewsFetch: true,
	}))
	if s.uiHanded = handListener(s.ui, l); !s.uiHanded {
		// A UI server of another shape: it binds the port itself again.
		_ = l.Close()
	}
	go func() { _ = s.ui.Start() }()
	s.UIURL = "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	return waitListening(net.JoinHostPort(host, strconv.Itoa(port)), 10*time.Second)
}

func prepareStore(opts Options) (*config.SQL, error) {
	conf := &config.SQL{
		PluginName: sqliteplugin.PluginName,
		// More than one connection gave SQLITE_BUSY and a throughput collapse.
		MaxConns:     1,
		MaxIdleConns: 1,
	}
	if opts.DatabaseFile == "" {
		conf.DatabaseName = fmt.Sprintf("slipway-%d", time.Now().UnixNano())
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		conf.DatabaseName = opts.DatabaseFile
		conf.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal"}
		if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o755); err != nil {
			return nil, err
		}
	}
	// The SQLite plugin creates the schema of in-memory databases itself;
	// a database file gets it once, when the file is new.
	_, statErr := os.Stat(opts.DatabaseFile)
	if opts.DatabaseFile != "" && errors.Is(statErr, os.ErrNotExist) {
		if err := sqliteschema.SetupSchema(conf); err != nil {
			return nil, fmt.Errorf("set up temporal schema: %w", err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, err
	}
	// A no-op when the namespace exists already (a restart keeps its data).
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", opts.Namespace, err)
	}
	return conf, nil
}

func serverConfig(host string, frontendPort int, sqlConf *config.SQL, pickPort func(string) (int, error)) (*config.Config, error) {
	httpPort, err := pickPort(host)
	if err != nil {
		return nil, err
	}
	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = host
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	frontend := net.JoinHostPort(host, strconv.Itoa(frontendPort))
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{clusterName: {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             frontend,
			// Nexus needs it and the frontend's HTTP port ("HTTPAddress not
			// configured" otherwise): TEMPORAL actions over Nexus use both.
			HTTPAddress: net.JoinHostPort(host, strconv.Itoa(httpPort)),
		}},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, name := range []string{"frontend", "history", "matching", "worker"} {
		var svc config.Service
		svc.RPC.BindOnIP = host
		if name == "frontend" {
			svc.RPC.GRPCPort = frontendPort
			svc.RPC.HTTPPort = httpPort
		} else if svc.RPC.GRPCPort, err = pickPort(host); err != nil {
			return nil, err
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	return conf, nil
}

func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// With one shard the default (20/s) adds ~40 ms to every task hand-off.
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
		// The check phones home; this machine may have no internet.
		dynamicconfig.EnableServerVersionCheck.Key():                     false,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8192,
	}
}

func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %s: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
