// Package browsertest drives Debian's headless Chromium for UI tests. A
// missing browser fails the test in CI and skips it elsewhere.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/testkit"
)

// FindChromium returns the path of a Chromium-compatible browser.
func FindChromium() (string, error) {
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", err
}

// MustNew returns a chromedp context on a fresh headless browser that closes
// when the test ends; every action under it times out after timeout.
func MustNew(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	path, err := FindChromium()
	if err != nil {
		testkit.Missing(tb, "Chromium", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.UserDataDir(tb.TempDir()),
		// This machine has no internet: keep Chromium from trying.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// Screenshot saves a full-page screenshot as a test artifact in
// $SLIPWAY_ARTIFACTS (make test: .artifacts/; default: $TMPDIR/slipway-artifacts).
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		tb.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("SLIPWAY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "slipway-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		path := filepath.Join(dir, name+".png")
		if err := os.WriteFile(path, png, 0o644); err == nil {
			tb.Logf("screenshot: %s", path)
		}
	}
}
