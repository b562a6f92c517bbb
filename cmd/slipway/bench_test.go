//go:build !slipway_lean

package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDevStart measures how long `slipway dev` takes to come up on an
// existing data folder (the everyday case; the first start adds initdb),
// and the process's resident memory once it is at rest.
func BenchmarkDevStart(b *testing.B) {
	dir := b.TempDir()
	mustStartDevTB(b, dir).Close() // first start: initdb, schema, seed
	var rssMB float64
	b.ResetTimer()
	for range b.N {
		s := mustStartDevTB(b, dir)
		b.StopTimer()
		time.Sleep(5 * time.Second) // let start-up work settle
		runtime.GC()
		rssMB = residentMB(b)
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(rssMB, "MB-rss-at-rest")
}

func residentMB(tb testing.TB) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}
