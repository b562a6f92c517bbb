// Package pgtest gives each test a throwaway PostgreSQL database with
// Slipway's migrations applied. A package's tests share one server: a
// private cluster started from the PostgreSQL binaries in a temp folder, or
// the server at TEST_DATABASE_URL. Each test gets its own database cloned
// from a migrated template, so tests run in parallel without seeing each
// other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/testkit"
)

var (
	setupOnce sync.Once
	setupErr  error
	cluster   *pgcluster.Cluster
	tmpDir    string
	serverURL *url.URL // any database on the server, used for admin commands
	template  string
	createMu  sync.Mutex // CREATE DATABASE ... TEMPLATE must not overlap on one template
)

// Run wraps a package's TestMain: it runs the tests, then stops the shared
// server and deletes what it made.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
func Run(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	} else if template != "" && serverURL != nil {
		_ = dropDatabase(context.Background(), template)
	}
	return code
}

// URL returns the URL of a new, migrated database that is dropped when the
// test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr == pgcluster.ErrNoBinaries {
		testkit.Missing(tb, "PostgreSQL", setupErr)
	}
	if setupErr != nil {
		tb.Fatalf("test database server: %v", setupErr)
	}
	ctx := context.Background()
	name := "test_" + randomSuffix()
	createMu.Lock()
	err := exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	createMu.Unlock()
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() { _ = dropDatabase(context.Background(), name) })
	return withDatabase(name)
}

// MustStore opens a Store on a new database, closed when the test ends.
func MustStore(tb testing.TB) *db.Store {
	tb.Helper()
	s, err := db.Open(context.Background(), URL(tb))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if raw := os.Getenv("TEST_DATABASE_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		serverURL = u
	} else {
		dir, err := os.MkdirTemp("", "slipway-pgtest-")
		if err != nil {
			return err
		}
		tmpDir = dir
		c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir + "/data", Database: "postgres", Ephemeral: true})
		if err != nil {
			return err
		}
		cluster = c
		if serverURL, err = url.Parse(c.URL); err != nil {
			return err
		}
	}
	template = "tpl_" + randomSuffix()
	if err := exec(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	return db.Migrate(ctx, withDatabase(template))
}

func withDatabase(name string) string {
	u := *serverURL
	u.Path = "/" + name
	return u.String()
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL.String())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func dropDatabase(ctx context.Context, name string) error {
	return exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
