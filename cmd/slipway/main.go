// Command slipway is the whole of Slipway in one binary: `slipway dev` runs
// everything on embedded defaults; `web`, `worker` and `migrate` are the
// pieces of a real deployment.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
