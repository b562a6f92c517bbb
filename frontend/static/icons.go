package static

import "strings"

// iconFiles maps Port's icon names, folded to lower case without spaces,
// dashes or underscores, to the shipped icon drawn for them (icons/*.svg).
var iconFiles = map[string]string{
	"github": "github", "git": "github",
	"gitlab":     "gitlab",
	"kubernetes": "kubernetes", "k8s": "kubernetes", "helm": "kubernetes",
	"cluster": "cluster", "nodes": "cluster",
	"terraform": "terraform",
	"service":   "service", "microservice": "service", "package": "service",
	"environment": "environment", "env": "environment",
	"deployment": "deployment", "rocket": "deployment", "deploy": "deployment",
	"lock": "lock", "unlock": "lock", "secret": "lock", "key": "lock",
	"slack": "slack",
	"aws":   "aws", "amazon": "aws",
	"gcp": "gcp", "googlecloud": "gcp", "google": "gcp",
	"azure": "azure", "microsoft": "azure",
	"docker": "docker", "container": "docker",
	"database": "database", "db": "database", "postgres": "database", "postgresql": "database", "mysql": "database",
}

// Icon is the path of the icon for one of Port's icon names ("Github",
// "Kubernetes", ...); a name without a drawing gets the generic icon.
func Icon(name string) string {
	key := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(name))
	file, ok := iconFiles[key]
	if !ok {
		file = "default"
	}
	return "/static/icons/" + file + ".svg"
}
