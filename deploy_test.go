package slipway_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// No Docker engine runs here, so the compose file is loaded and validated
// with compose-go, the library docker compose itself uses.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"},
		cli.WithWorkingDirectory("."), cli.WithEnv([]string{"SLIPWAY_WEBHOOK_SECRET=test"}), cli.WithName("slipway"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func TestComposeServicesAndOrder(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "migrate", "worker", "web"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s missing: %v", name, err)
		}
	}
	deps := []struct{ service, on, condition string }{
		{"temporal", "postgres", types.ServiceConditionHealthy},
		{"migrate", "postgres", types.ServiceConditionHealthy},
		{"migrate", "temporal", types.ServiceConditionHealthy},
		{"worker", "migrate", types.ServiceConditionCompletedSuccessfully},
		{"worker", "temporal", types.ServiceConditionHealthy},
		{"web", "migrate", types.ServiceConditionCompletedSuccessfully},
		{"web", "temporal", types.ServiceConditionHealthy},
		{"temporal-ui", "temporal", types.ServiceConditionHealthy},
	}
	for _, d := range deps {
		t.Run(d.service+" after "+d.on, func(t *testing.T) {
			s, err := p.GetService(d.service)
			if err != nil {
				t.Fatal(err)
			}
			dep, ok := s.DependsOn[d.on]
			if !ok {
				t.Fatalf("%s does not depend on %s", d.service, d.on)
			}
			if dep.Condition != d.condition {
				t.Errorf("%s waits for %s to be %q, want %q", d.service, d.on, dep.Condition, d.condition)
			}
		})
	}
}

func TestComposeSlipwayServices(t *testing.T) {
	p := loadCompose(t)
	for _, c := range []struct{ service, command string }{{"migrate", "migrate"}, {"worker", "worker"}, {"web", "web"}} {
		t.Run(c.service, func(t *testing.T) {
			s, err := p.GetService(c.service)
			if err != nil {
				t.Fatal(err)
			}
			if s.Build == nil {
				t.Error("must build the Slipway image from the Dockerfile")
			}
			if !slices.Equal([]string(s.Command), []string{c.command}) {
				t.Errorf("command %v, want [%s]", s.Command, c.command)
			}
			for _, env := range []string{"TEMPORAL_ADDRESS", "DATABASE_URL", "TEMPORAL_NAMESPACE"} {
				if v := s.Environment[env]; v == nil || *v == "" {
					t.Errorf("%s not set", env)
				}
			}
			if v := s.Environment["TEMPORAL_ADDRESS"]; v != nil && *v != "temporal:7233" {
				t.Errorf("TEMPORAL_ADDRESS %q", *v)
			}
			if v := s.Environment["DATABASE_URL"]; v != nil && !strings.Contains(*v, "@postgres:5432/") {
				t.Errorf("DATABASE_URL %q does not point at the postgres service", *v)
			}
		})
	}
	web, _ := p.GetService("web")
	published := false
	for _, port := range web.Ports {
		published = published || (port.Target == 8080 && port.Published == "8080")
	}
	if !published {
		t.Error("web does not publish 8080")
	}
	if v := web.Environment["SLIPWAY_HTTP_ADDR"]; v == nil || !strings.HasPrefix(*v, "0.0.0.0:") {
		t.Error("web must listen on all interfaces inside its container")
	}
	worker, _ := p.GetService("worker")
	if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas < 2 {
		t.Error("worker should run more than one replica to show it scales out")
	}
}

func TestDockerfileBuildsTheLeanBinary(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"./cmd/slipway", "-tags slipway_lean", "CGO_ENABLED=0", "ENTRYPOINT"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
