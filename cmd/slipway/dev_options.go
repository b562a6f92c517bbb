//go:build !slipway_lean

package main

import sdktrace "go.opentelemetry.io/otel/sdk/trace"

// devOptions are what tests may change in a dev stack beyond its config.
type devOptions struct {
	// spans receives every span the stack makes, in place of the OTLP
	// exporter OTEL_EXPORTER_OTLP_ENDPOINT names.
	spans sdktrace.SpanExporter
	// githubSecrets stand in for the secret store's GitHub credentials
	// (activities.GitHubSettings.TestSecrets) until it merges.
	githubSecrets map[string]string
}

type devOption func(*devOptions)

// withSpanExporter turns tracing on, exporting to e.
func withSpanExporter(e sdktrace.SpanExporter) devOption {
	return func(o *devOptions) { o.spans = e }
}

// withGitHubSecrets gives the worker's GITHUB calls these secrets.
func withGitHubSecrets(secrets map[string]string) devOption {
	return func(o *devOptions) { o.githubSecrets = secrets }
}
