package db_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func TestScrubTextMakesAnyStringStorable(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"clean text is kept", "deploying v1.2.3 ✓", 100, "deploying v1.2.3 ✓"},
		{"NUL becomes the replacement character", "a\x00b\x00", 100, "a\uFFFDb\uFFFD"},
		{"invalid UTF-8 is repaired", "caf\xe9 \xff\xfe!", 100, "caf\uFFFD \uFFFD!"},
		{"a cut multi-byte character is repaired", "ok\xe2\x82", 100, "ok\uFFFD"},
		{"over-long text is cut on a character boundary with a marker", "ééééé", 7, "éé…"},
		{"a limit below the marker still cuts", "abcdef", 2, "ab"},
		{"no limit keeps the length", strings.Repeat("x", 5000), 0, strings.Repeat("x", 5000)},
		{"empty stays empty", "", 10, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := db.ScrubText(c.in, c.max)
			if got != c.want {
				t.Errorf("ScrubText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
			}
			if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || (c.max > 0 && len(got) > c.max) {
				t.Errorf("ScrubText(%q, %d) = %q is not storable", c.in, c.max, got)
			}
		})
	}
}

func TestScrubJSONReplacesWhatJSONBRefuses(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"a NUL escape", `{"label":"a\u0000b"}`, `{"label":"a\ufffdb"}`},
		{"an escaped backslash before u0000 is text", `{"path":"C:\\u0000"}`, `{"path":"C:\\u0000"}`},
		{"a lone high surrogate", `["\ud800x"]`, `["\ufffdx"]`},
		{"a lone low surrogate", `["\udc00"]`, `["\ufffd"]`},
		{"a surrogate pair is kept", `["\ud83d\ude00"]`, `["\ud83d\ude00"]`},
		{"other escapes are kept", `{"a":"\n\t\"\u00e9"}`, `{"a":"\n\t\"\u00e9"}`},
		{"upper-case NUL escape", `["\U0000"]`, `["\U0000"]`}, // not an escape JSON knows; left to the parser
		{"nil stays nil", ``, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(db.ScrubJSON([]byte(c.in)))
			if got != c.want {
				t.Errorf("ScrubJSON(%s) = %s, want %s", c.in, got, c.want)
			}
		})
	}
	// What encoding/json makes of a Go string with a NUL is storable after scrubbing.
	b, _ := json.Marshal(map[string]any{"statusLabel": "x\x00y", "links": []string{"\x00"}})
	var back map[string]any
	if err := json.Unmarshal(db.ScrubJSON(b), &back); err != nil || back["statusLabel"] != "x\uFFFDy" {
		t.Errorf("scrubbed %s decodes to %v, %v", db.ScrubJSON(b), back, err)
	}
}

func TestPermanentClassifiesPostgreSQLErrors(t *testing.T) {
	for code, want := range map[string]bool{
		"22021": true,  // invalid byte sequence (a NUL in text)
		"22P05": true,  // untranslatable character (\u0000 in jsonb)
		"22001": true,  // string too long
		"23505": true,  // unique violation
		"23503": true,  // foreign key violation
		"23514": true,  // check violation
		"54000": true,  // program limit exceeded (index row too big)
		"42703": true,  // undefined column: a bug, retrying cannot fix it
		"40001": false, // serialization failure
		"40P01": false, // deadlock
		"08006": false, // connection failure
		"53300": false, // too many connections
		"57P01": false, // admin shutdown
		"57014": false, // query cancelled
		"55P03": false, // lock not available
		"XX000": false, // internal error
	} {
		err := fmt.Errorf("store: %w", &pgconn.PgError{Code: code})
		if got := db.Permanent(err); got != want {
			t.Errorf("Permanent(%s) = %t, want %t", code, got, want)
		}
	}
	for _, err := range []error{nil, errors.New("connection refused"), context.DeadlineExceeded} {
		if db.Permanent(err) {
			t.Errorf("Permanent(%v) = true; only PostgreSQL's answers are known to be permanent", err)
		}
	}
}

// The scrubbed values really are what PostgreSQL stores, in text and jsonb.
func TestScrubbedValuesAreStored(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	poisoned := "a\x00b\xff" + strings.Repeat("é", 3000)
	var err error
	_, err = store.Pool.Exec(ctx, "SELECT $1::text", poisoned)
	if !db.Permanent(err) {
		t.Fatalf("the raw value: %v, want a permanent error", err)
	}
	var text string
	if err := store.Pool.QueryRow(ctx, "SELECT $1::text", db.ScrubText(poisoned, db.MaxIndexedText)).Scan(&text); err != nil {
		t.Fatalf("scrubbed text refused: %v", err)
	}
	raw, _ := json.Marshal(map[string]string{"label": poisoned})
	_, err = store.Pool.Exec(ctx, "SELECT $1::jsonb", raw)
	if !db.Permanent(err) {
		t.Fatalf("the raw JSON: %v, want a permanent error", err)
	}
	var label string
	if err := store.Pool.QueryRow(ctx, "SELECT $1::jsonb->>'label'", db.ScrubJSON(raw)).Scan(&label); err != nil || !strings.HasPrefix(label, "a\uFFFDb\uFFFD") {
		t.Fatalf("scrubbed JSON: %q, %v", label, err)
	}
}
