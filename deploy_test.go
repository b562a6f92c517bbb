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
// with compose-go, the library docker compose itself uses. Only the given env
// is seen (not the OS env), so the test is hermetic.
func loadCompose(t *testing.T, env ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"},
		cli.WithWorkingDirectory("."), cli.WithEnv(env), cli.WithName("slipway"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("docker-compose.yml has no service %q: %v", name, err)
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t, "SLIPWAY_WEBHOOK_SECRET=test")
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "migrate", "worker", "web"} {
		t.Run(name, func(t *testing.T) { service(t, p, name) })
	}
}

func TestComposeStartupOrder(t *testing.T) {
	p := loadCompose(t, "SLIPWAY_WEBHOOK_SECRET=test")
	for _, d := range []struct{ service, on, condition string }{
		{"temporal", "postgres", types.ServiceConditionHealthy},
		{"temporal-ui", "temporal", types.ServiceConditionHealthy},
		{"migrate", "postgres", types.ServiceConditionHealthy},
		{"migrate", "temporal", types.ServiceConditionHealthy},
		{"worker", "migrate", types.ServiceConditionCompletedSuccessfully},
		{"worker", "temporal", types.ServiceConditionHealthy},
		{"web", "migrate", types.ServiceConditionCompletedSuccessfully},
		{"web", "temporal", types.ServiceConditionHealthy},
	} {
		t.Run(d.service+" after "+d.on, func(t *testing.T) {
			dep, ok := service(t, p, d.service).DependsOn[d.on]
			if !ok {
				t.Fatalf("%s does not depend on %s", d.service, d.on)
			}
			if dep.Condition != d.condition {
				t.Errorf("%s waits for %s to be %q, want %q", d.service, d.on, dep.Condition, d.condition)
			}
		})
	}
	// A dependency without a healthcheck would never become healthy.
	for _, name := range []string{"postgres", "temporal"} {
		t.Run(name+" healthcheck", func(t *testing.T) {
			if hc := service(t, p, name).HealthCheck; hc == nil || hc.Disable || len(hc.Test) == 0 {
				t.Errorf("%s needs a healthcheck: others wait for service_healthy", name)
			}
		})
	}
}

func TestComposeSlipwayServices(t *testing.T) {
	p := loadCompose(t, "SLIPWAY_WEBHOOK_SECRET=test")
	for _, name := range []string{"migrate", "worker", "web"} {
		t.Run(name, func(t *testing.T) {
			s := service(t, p, name)
			if s.Build == nil {
				t.Error("must build the Slipway image from the Dockerfile (build: .)")
			}
			if !slices.Equal([]string(s.Command), []string{name}) {
				t.Errorf("command is %v, want [%s]", s.Command, name)
			}
			for _, key := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "SLIPWAY_WEBHOOK_SECRET"} {
				if env(s, key) == "" {
					t.Errorf("%s is not set", key)
				}
			}
			if got := env(s, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
				t.Errorf("TEMPORAL_ADDRESS is %q, want temporal:7233", got)
			}
			if got := env(s, "DATABASE_URL"); !strings.Contains(got, "@postgres:5432/slipway") {
				t.Errorf("DATABASE_URL %q does not point at the postgres service's slipway database", got)
			}
			if got := env(s, "SLIPWAY_WEBHOOK_SECRET"); got != "test" {
				t.Errorf("SLIPWAY_WEBHOOK_SECRET is %q, want it taken from the environment (test)", got)
			}
		})
	}

	t.Run("web publishes 8080", func(t *testing.T) {
		web := service(t, p, "web")
		if !slices.ContainsFunc(web.Ports, func(port types.ServicePortConfig) bool {
			return port.Target == 8080 && port.Published == "8080"
		}) {
			t.Errorf("web does not publish 8080:8080 (ports %+v)", web.Ports)
		}
		// Inside a container, 127.0.0.1 (the default) is unreachable from the published port.
		if got := env(web, "SLIPWAY_HTTP_ADDR"); !strings.HasPrefix(got, "0.0.0.0:") {
			t.Errorf("SLIPWAY_HTTP_ADDR is %q, want 0.0.0.0:8080", got)
		}
	})

	t.Run("worker scales out", func(t *testing.T) {
		worker := service(t, p, "worker")
		if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas < 2 {
			t.Error("worker should run at least two replicas to show it scales out")
		}
	})
}

// The secret has a default so `docker compose up` works out of the box.
func TestComposeWebhookSecretDefault(t *testing.T) {
	p := loadCompose(t)
	if got := env(service(t, p, "worker"), "SLIPWAY_WEBHOOK_SECRET"); got != "change-me" {
		t.Errorf("SLIPWAY_WEBHOOK_SECRET defaults to %q, want change-me", got)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatalf("Dockerfile missing: %v", err)
	}
	dockerfile := string(b)
	for _, c := range []struct{ name, want string }{
		{"builds ./cmd/slipway", "./cmd/slipway"},
		{"lean build tag", "-tags slipway_lean"},
		{"static binary", "CGO_ENABLED=0"},
		{"go.mod layer cached", "COPY go.mod go.sum"},
		{"distroless runtime", "gcr.io/distroless/static-debian12:nonroot"},
		{"entrypoint", `ENTRYPOINT ["/slipway"]`},
		{"exposes 8080", "EXPOSE 8080"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(dockerfile, c.want) {
				t.Errorf("Dockerfile lacks %q", c.want)
			}
		})
	}

	t.Run(".dockerignore", func(t *testing.T) {
		b, err := os.ReadFile(".dockerignore")
		if err != nil {
			t.Fatalf(".dockerignore missing: %v", err)
		}
		lines := strings.Fields(string(b))
		for _, want := range []string{".data", ".git", "*.test", "bin/"} {
			if !slices.Contains(lines, want) {
				t.Errorf(".dockerignore does not exclude %s", want)
			}
		}
	})
}
