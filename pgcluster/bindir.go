package pgcluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// ErrNoBinaries says the PostgreSQL server programs are not installed.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found: " +
	"install Debian's postgresql package (make setup does it) or set DATABASE_URL to an existing server")

// FindBinDir returns the folder holding initdb and postgres: $SLIPWAY_PG_BIN if
// set, else the PATH, else the newest /usr/lib/postgresql/<major>/bin, which
// is where Debian keeps them off the PATH.
func FindBinDir() (string, error) {
	if dir := os.Getenv("SLIPWAY_PG_BIN"); dir != "" {
		if hasServer(dir) {
			return dir, nil
		}
		return "", ErrNoBinaries
	}
	if p, err := exec.LookPath("initdb"); err == nil && hasServer(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major first; the glob sorts "9" after "15" so sort numerically.
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}
