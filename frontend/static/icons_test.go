package static

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Port's common icon names find their drawing whatever their case; others
// fall back to the generic icon; every path served exists.
func TestIconNamesMapToShippedSVGs(t *testing.T) {
	cases := map[string]string{
		"Github": "github", "GitHub": "github", "Gitlab": "gitlab", "GitLab": "gitlab",
		"Kubernetes": "kubernetes", "Terraform": "terraform", "Service": "service",
		"Environment": "environment", "Deployment": "deployment", "Cluster": "cluster",
		"Lock": "lock", "Slack": "slack", "AWS": "aws", "GCP": "gcp", "Azure": "azure",
		"Docker": "docker", "Database": "database", "Google Cloud": "gcp",
		"": "default", "NoSuchIcon": "default", "../../etc/passwd": "default",
	}
	h := Handler()
	for name, file := range cases {
		got := Icon(name)
		if want := "/static/icons/" + file + ".svg"; got != want {
			t.Errorf("Icon(%q) = %q, want %q", name, got, want)
		}
	}
	for _, path := range []string{Icon("Github"), Icon("x"), Favicon, Icon("Database")} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	for _, file := range iconFiles {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/icons/"+file+".svg", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("icon %s is not shipped: %d", file, rec.Code)
		}
	}
}
