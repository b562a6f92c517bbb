package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/slipwayhq/slipway/identity"
)

// runTeam creates teams outside dev mode, where nothing else does: single
// sign-on puts people in teams whose identifiers match their groups, but
// never creates a team.
func runTeam(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: slipway team create --id IDENTIFIER [--name NAME]")
		return errUsage
	}
	fs := flag.NewFlagSet("team create", flag.ContinueOnError)
	id := fs.String("id", "", "identifier, equal to the provider group it stands for (required)")
	name := fs.String("name", "", "display name (default: the identifier)")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	cfg, err := tokenConfig()
	if err != nil {
		return err
	}
	return withIdentity(ctx, cfg, func(svc *identity.Service) error {
		t, err := svc.UpsertTeam(ctx, *id, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "team %s (%s) saved\n", t.Identifier, t.Name)
		return nil
	})
}
