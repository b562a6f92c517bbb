package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestTeamCreateMakesGroupsCountForSingleSignOn(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"team", "create", "--id", "sre", "--name", "Site Reliability"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "team sre (Site Reliability) saved") {
		t.Errorf("output %q", out.String())
	}
	errOut.Reset()
	if code := run(ctx, []string{"team", "create", "--id", "Not Valid"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "identifier") {
		t.Errorf("bad identifier: exit %d: %s", code, errOut.String())
	}

	store, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := identity.New(store).SignInExternal(ctx, identity.ExternalLogin{Email: "oncall@example.com", Groups: []string{"sre"}})
	if err != nil || len(u.Teams) != 1 || u.Teams[0].Name != "Site Reliability" {
		t.Fatalf("sign-in into the created team: %+v %v", u, err)
	}
}
