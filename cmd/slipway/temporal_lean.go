//go:build slipway_lean

package main

import (
	"context"
	"errors"
	"io"
)

// The lean production build leaves the embedded Temporal server out.
func runTemporal(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("this build has no embedded Temporal server (built with -tags slipway_lean); " +
		"build without the tag (make build) to serve Temporal with `slipway temporal`")
}
