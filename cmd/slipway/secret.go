package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/term"

	"github.com/slipwayhq/slipway"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/secretstore"
)

const secretUsage = "usage: slipway secret set NAME (value on stdin) | slipway secret list | slipway secret delete NAME\n" +
	"  talks to the API at SLIPWAY_URL (default http://127.0.0.1:8080) with an admin's API token in SLIPWAY_TOKEN"

// runSecret manages named secrets through the API, as an admin's token
// allows: unlike user and token, it needs no database access, so it works
// from a laptop or a CI job.
func runSecret(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var stdin io.Reader = os.Stdin
	if len(args) == 2 && args[0] == "set" && term.IsTerminal(int(os.Stdin.Fd())) {
		// Typed at a terminal: asked for without echo, like a password.
		fmt.Fprintf(stderr, "value of %s (not shown): ", args[1])
		typed, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return fmt.Errorf("read the value: %w", err)
		}
		stdin = bytes.NewReader(typed)
	}
	return secretCLI(ctx, args, stdin, stdout, stderr, os.Getenv)
}

func secretCLI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "list" && len(args) != 2) || (args[0] == "list" && len(args) != 1) {
		fmt.Fprintln(stderr, secretUsage)
		return errUsage
	}
	api, err := secretClient(getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "set":
		name := args[1]
		if err := secretstore.CheckName(name); err != nil {
			return err // before reading a value that would be refused
		}
		value, err := io.ReadAll(io.LimitReader(stdin, secretstore.MaxValueBytes+3))
		if err != nil {
			return fmt.Errorf("read the value from stdin: %w", err)
		}
		// `echo "$TOKEN" | slipway secret set` ends the value with a newline that is not part of it.
		v := strings.TrimSuffix(strings.TrimSuffix(string(value), "\n"), "\r")
		return api.call(ctx, func(c slipwayv1connect.SecretServiceClient, auth func(connect.AnyRequest)) error {
			req := connect.NewRequest(&slipwayv1.SetSecretRequest{Name: name, Value: v})
			auth(req)
			if _, err := c.SetSecret(ctx, req); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "secret %s set; definitions use it as {{ .secrets.%s }}\n", name, name)
			return nil
		})
	case "delete":
		return api.call(ctx, func(c slipwayv1connect.SecretServiceClient, auth func(connect.AnyRequest)) error {
			req := connect.NewRequest(&slipwayv1.DeleteSecretRequest{Name: args[1]})
			auth(req)
			if _, err := c.DeleteSecret(ctx, req); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "secret %s deleted\n", args[1])
			return nil
		})
	case "list":
		return api.call(ctx, func(c slipwayv1connect.SecretServiceClient, auth func(connect.AnyRequest)) error {
			req := connect.NewRequest(&slipwayv1.ListSecretsRequest{})
			auth(req)
			res, err := c.ListSecrets(ctx, req)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSET BY\tUPDATED\tKEY")
			for _, s := range res.Msg.GetSecrets() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.GetName(), s.GetUpdatedBy(), s.GetUpdateTime().AsTime().UTC().Format(time.RFC3339), s.GetKeyId())
			}
			return tw.Flush()
		})
	}
	fmt.Fprintln(stderr, secretUsage)
	return errUsage
}

// secretAPI is the SecretService at SLIPWAY_URL, called with SLIPWAY_TOKEN.
type secretAPI struct {
	client slipwayv1connect.SecretServiceClient
	token  string
}

func secretClient(getenv func(string) string) (secretAPI, error) {
	base := strings.TrimRight(getenv("SLIPWAY_URL"), "/")
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	token := strings.TrimSpace(getenv("SLIPWAY_TOKEN"))
	if token == "" {
		return secretAPI{}, slipway.FieldError("SLIPWAY_TOKEN", "is required: an admin's API token (portal: API tokens)")
	}
	return secretAPI{client: slipwayv1connect.NewSecretServiceClient(&http.Client{Timeout: 30 * time.Second}, base), token: token}, nil
}

// call runs fn with the client and a function that authenticates a
// request, and turns the API's error into its message (code: text).
func (a secretAPI) call(_ context.Context, fn func(slipwayv1connect.SecretServiceClient, func(connect.AnyRequest)) error) error {
	err := fn(a.client, func(r connect.AnyRequest) { r.Header().Set("Authorization", "Bearer "+a.token) })
	var ce *connect.Error
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %s", ce.Code(), ce.Message())
	}
	return err
}
