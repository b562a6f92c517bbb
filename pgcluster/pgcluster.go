// Package pgcluster runs a private PostgreSQL cluster from the server
// binaries: initdb into a folder on first use, then postgres on 127.0.0.1.
// `slipway dev` uses it when DATABASE_URL is unset, and the test harness uses
// it for a throwaway database per test package.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configure a cluster.
type Options struct {
	// Dir is the data folder; initdb runs when it holds no cluster yet.
	Dir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// Database is created on start when missing (default "slipway").
	Database string
	// Ephemeral trades durability for speed (fsync off), for tests.
	Ephemeral bool
	// Log receives the server's own log; nil keeps the last lines for errors only.
	Log io.Writer
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	// URL connects to Options.Database as the cluster's superuser.
	URL string

	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error
	tail     *tailBuffer
	stopOnce sync.Once
}

const superuser = "slipway"

// Start initialises the cluster if needed and starts it, returning once it
// accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	if opts.Database == "" {
		opts.Database = "slipway"
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	password, err := ensureInitialised(ctx, bin, dir, cred)
	if err != nil {
		return nil, err
	}
	if opts.Port == 0 {
		if opts.Port, err = freePort(); err != nil {
			return nil, err
		}
	}

	args := []string{
		"-D", dir,
		"-p", strconv.Itoa(opts.Port),
		"-c", "listen_addresses=127.0.0.1",
		// The socket lives in the data folder so no system folder is needed.
		"-c", "unix_socket_directories=" + dir,
		"-c", "max_connections=200",
	}
	if opts.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	tail := &tailBuffer{max: 8 << 10}
	var out io.Writer = tail
	if opts.Log != nil {
		out = io.MultiWriter(tail, opts.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Own process group: a terminal's Ctrl-C reaches Slipway, which then
		// stops PostgreSQL after everything that uses it.
		Setpgid: true,
		// If Slipway dies hard, PostgreSQL shuts down instead of lingering.
		Pdeathsig: syscall.SIGINT,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c := &Cluster{cmd: cmd, exited: make(chan struct{}), tail: tail}
	go func() { c.exitErr = cmd.Wait(); close(c.exited) }()

	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)),
		Path:     "/" + opts.Database,
		RawQuery: "sslmode=disable",
	}
	c.URL = u.String()
	adminURL := u
	adminURL.Path = "/postgres"
	if err := c.waitReady(ctx, adminURL.String()); err != nil {
		c.Stop()
		return nil, err
	}
	if err := createDatabase(ctx, adminURL.String(), opts.Database); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Stop shuts the server down ("fast" mode: open transactions roll back) and waits.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	})
}

func (c *Cluster) waitReady(ctx context.Context, adminURL string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited during start-up: %v\n%s", c.exitErr, c.tail.String())
		default:
		}
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(pingCtx, adminURL)
		cancel()
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 60s: %v\n%s", err, c.tail.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// passwordFile sits in the data folder so the password travels with the cluster.
const passwordFile = "slipway-superuser-password"

// ensureInitialised runs initdb when dir holds no cluster and returns the
// superuser password.
func ensureInitialised(ctx context.Context, bin, dir string, cred *syscall.Credential) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		pw, err := os.ReadFile(filepath.Join(dir, passwordFile))
		if err != nil {
			return "", fmt.Errorf("cluster in %s has no %s: %w", dir, passwordFile, err)
		}
		return strings.TrimSpace(string(pw)), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := makeReachable(dir, cred); err != nil {
		return "", err
	}
	password := randomHex(24)
	// initdb reads the password from a file the server user can read. It sits
	// beside the data folder (initdb wants that folder empty) and is removed
	// right after.
	tmpPw := dir + ".initdb-pw"
	if err := os.WriteFile(tmpPw, []byte(password+"\n"), 0o600); err != nil {
		return "", err
	}
	defer os.Remove(tmpPw)
	if err := chown(tmpPw, cred); err != nil {
		return "", err
	}

	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", dir, "-U", superuser, "--pwfile="+tmpPw,
		"--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("initdb %s: %w\n%s", dir, err, out.String())
	}
	if err := os.WriteFile(filepath.Join(dir, passwordFile), []byte(password+"\n"), 0o600); err != nil {
		return "", err
	}
	return password, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last bytes of the server log for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var errNoUser = errors.New("running as root and no unprivileged user (postgres or nobody) exists to run PostgreSQL")

// Running returns the URL of the cluster in dir when a server is running on
// it (as started by `slipway dev`), so other commands can reach it.
func Running(ctx context.Context, dir, database string) (string, bool) {
	pid, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return "", false
	}
	// Line 4 of postmaster.pid is the port.
	lines := strings.Split(string(pid), "\n")
	if len(lines) < 4 {
		return "", false
	}
	pw, err := os.ReadFile(filepath.Join(dir, passwordFile))
	if err != nil {
		return "", false
	}
	u := url.URL{
		Scheme: "postgres", User: url.UserPassword(superuser, strings.TrimSpace(string(pw))),
		Host: net.JoinHostPort("127.0.0.1", strings.TrimSpace(lines[3])), Path: "/" + database,
		RawQuery: "sslmode=disable",
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return "", false
	}
	_ = conn.Close(ctx)
	return u.String(), true
}
