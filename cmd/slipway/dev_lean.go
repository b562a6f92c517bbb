//go:build slipway_lean

package main

import (
	"context"
	"errors"
	"io"
)

// The lean production build leaves the embedded Temporal server out.
func runDev(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("this build has no embedded Temporal server (built with -tags slipway_lean); " +
		"run `slipway web`, `slipway worker` and `slipway migrate` against TEMPORAL_ADDRESS and DATABASE_URL")
}
