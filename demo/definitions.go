package demo

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// The demo's definitions are written in Port's JSON, as an admin would
// paste them, so they double as examples. "$BACKEND" stands for the demo
// backend's URL, which is only known once it listens.

// namePattern is the DNS-ish name of services and environments: the
// actions' forms ask for it, and the backend checks it again before using a
// name as a folder.
const namePattern = `^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`

// Blueprints in creation order: a relation's target comes before it.
var demoBlueprints = []string{
	`{"identifier": "service", "title": "Service", "icon": "Service",
	  "description": "A deployable service with its own Git repository.",
	  "schema": {"properties": {
	    "language": {"type": "string", "title": "Language", "enum": ["go", "python", "typescript"]},
	    "repository": {"type": "string", "title": "Repository", "format": "url"},
	    "replicas": {"type": "number", "title": "Replicas", "minimum": 0, "maximum": 20}},
	  "required": ["language"]}}`,
	`{"identifier": "environment", "title": "Environment", "icon": "Environment",
	  "description": "A running copy of a service. It is destroyed when it expires, by its delete action.",
	  "expiryAction": "delete_environment",
	  "schema": {"properties": {
	    "expires_at": {"type": "string", "title": "Expires at", "format": "timer"},
	    "version": {"type": "string", "title": "Version"},
	    "replicas": {"type": "number", "title": "Replicas", "minimum": 0},
	    "url": {"type": "string", "title": "URL", "format": "url"},
	    "deployed_at": {"type": "string", "title": "Deployed at", "format": "date-time"}}},
	  "relations": {"service": {"title": "Service", "target": "service", "required": true}}}`,
	`{"identifier": "cloud_resource", "title": "Cloud resource", "icon": "Cloud",
	  "description": "A bucket, queue or database that an environment uses.",
	  "schema": {"properties": {
	    "kind": {"type": "string", "title": "Kind", "enum": ["bucket", "queue", "database"]},
	    "region": {"type": "string", "title": "Region", "enum": ["eu-west-1", "us-east-1", "ap-southeast-2"]}},
	  "required": ["kind"]},
	  "relations": {"environment": {"title": "Environment", "target": "environment"}}}`,
}

var demoActions = []string{
	`{"identifier": "scaffold_service", "title": "Scaffold a service", "icon": "Git",
	  "description": "Creates a Git repository with a skeleton for the language (README, main file, Dockerfile, deploy/replicas.yaml) and registers the service in the catalog.",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {
	      "name": {"type": "string", "title": "Name", "description": "Lower-case letters, digits and dashes; also the repository's name.", "pattern": "` + namePattern + `"},
	      "language": {"type": "string", "title": "Language", "enum": ["go", "python", "typescript"], "default": "go"},
	      "team": {"type": "string", "title": "Owning team", "format": "team"}},
	    "required": ["name", "language", "team"], "order": ["name", "language", "team"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/scaffold_service"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
	`{"identifier": "create_environment", "title": "Create an environment", "icon": "Environment",
	  "description": "Starts an environment of a service that is destroyed when its lifetime ends. More than 5 days needs the platform team's approval.",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "environment",
	    "userInputs": {"properties": {
	      "name": {"type": "string", "title": "Name", "description": "Lower-case letters, digits and dashes.", "pattern": "` + namePattern + `"},
	      "service": {"type": "string", "title": "Service", "format": "entity", "blueprint": "service"},
	      "ttl_days": {"type": "number", "title": "Lifetime (days)", "description": "1 to 30 days; more than 5 needs approval.", "minimum": 1, "maximum": 30, "multipleOf": 1, "default": 3}},
	    "required": ["name", "service", "ttl_days"], "order": ["name", "service", "ttl_days"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/create_environment"},
	  "requiredApproval": {"type": "ANY", "when": ".inputs.ttl_days > 5"},
	  "approvers": {"teams": ["platform"]}, "approvalTtl": "2d", "runTimeout": "5m"}`,
	`{"identifier": "extend_environment_ttl", "title": "Extend TTL by 3 days", "icon": "Clock",
	  "description": "Moves the environment's expiry 3 days later.",
	  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "environment",
	    "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/extend_environment_ttl"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
	`{"identifier": "redeploy", "title": "Redeploy", "icon": "Deployment",
	  "description": "Rolls a version of the service out to this environment.",
	  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "environment",
	    "userInputs": {"properties": {
	      "version": {"type": "string", "title": "Version", "description": "An image tag such as 1.4.2, or latest.", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "default": "latest"}},
	    "required": ["version"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/redeploy"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
	`{"identifier": "change_replica_count", "title": "Change replica count", "icon": "Scale",
	  "description": "Commits the new replica count to the service's repository (deploy/replicas.yaml).",
	  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {
	      "replicas": {"type": "number", "title": "Replicas", "minimum": 0, "maximum": 20, "multipleOf": 1}},
	    "required": ["replicas"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/change_replica_count"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
	// Served by a team's own Temporal worker (examples/teamworker), not
	// by the demo backend: `slipway dev` runs that worker in-process.
	`{"identifier": "check_service", "title": "Check a service", "icon": "Checklist",
	  "description": "Runs the payments team's readiness checks on the service, from the team's own Temporal worker (no inbound port).",
	  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "TEMPORAL", "taskQueue": "demo-team-actions", "activity": "CheckService"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
	`{"identifier": "delete_environment", "title": "Delete environment", "icon": "Trash",
	  "description": "Tears the environment down and removes it from the catalog. Also runs by itself when the environment expires.",
	  "trigger": {"type": "self-service", "operation": "DELETE", "blueprintIdentifier": "environment",
	    "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "$BACKEND/hooks/delete_environment"},
	  "requiredApproval": false, "runTimeout": "5m"}`,
}

// StarterBlueprints are the demo's blueprints as JSON, in creation order.
func StarterBlueprints() [][]byte {
	out := make([][]byte, len(demoBlueprints))
	for i, raw := range demoBlueprints {
		out[i] = []byte(raw)
	}
	return out
}

// StarterActions are the demo's actions as JSON, calling the backend at backendURL.
func StarterActions(backendURL string) [][]byte {
	out := make([][]byte, len(demoActions))
	for i, raw := range demoActions {
		out[i] = withBackend(raw, backendURL)
	}
	return out
}

// StarterEntity is an entity the catalog starts with, so it is not empty.
type StarterEntity struct {
	Blueprint, Identifier, Title, Icon, Team string
	Properties, Relations                    map[string]any
	// Repository says to scaffold the service's repository along with it
	// (ScaffoldRepository).
	Repository bool
}

// StarterEntities are the demo's entities, linking to the backend at backendURL.
func StarterEntities(backendURL string) []StarterEntity {
	return []StarterEntity{
		{Blueprint: "service", Identifier: "payments-api", Title: "Payments API", Team: "payments",
			Properties: map[string]any{"language": "go", "replicas": 2, "repository": repoURL(backendURL, "payments-api")}, Repository: true},
		{Blueprint: "service", Identifier: "ledger", Title: "Ledger", Team: "payments",
			Properties: map[string]any{"language": "python", "replicas": 1, "repository": repoURL(backendURL, "ledger")}, Repository: true},
		{Blueprint: "cloud_resource", Identifier: "payments-db", Title: "Payments database", Team: "payments",
			Properties: map[string]any{"kind": "database", "region": "eu-west-1"}},
	}
}

// ScaffoldRepository gives a starter service the repository its catalog
// entry links to, under dir (the demo folder), unless it has one already.
func ScaffoldRepository(ctx context.Context, dir string, e StarterEntity) error {
	repos := filepath.Join(dir, "repos")
	if _, err := os.Stat(filepath.Join(repos, e.Identifier)); err == nil {
		return nil
	}
	lang, _ := e.Properties["language"].(string)
	replicas, _ := e.Properties["replicas"].(int)
	sk := skeleton{Name: e.Identifier, Language: lang, Team: e.Team, Replicas: replicas}
	_, err := createRepo(ctx, repos, sk, seedAuthor)
	return err
}

// seedAuthor signs the starter services' first commits.
var seedAuthor = person{Name: "Slipway demo", Email: "demo@slipway.invalid"}

// withBackend puts the backend's URL into a definition, escaped for JSON.
func withBackend(def, backendURL string) []byte {
	quoted, _ := json.Marshal(strings.TrimRight(backendURL, "/")) // a string: cannot fail
	return []byte(strings.ReplaceAll(def, "$BACKEND", string(quoted[1:len(quoted)-1])))
}

func repoURL(backendURL, name string) string {
	return strings.TrimRight(backendURL, "/") + "/repos/" + name + "/"
}

func environmentURL(backendURL, name string) string {
	return strings.TrimRight(backendURL, "/") + "/environments/" + name
}
