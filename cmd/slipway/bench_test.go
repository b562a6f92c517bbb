//go:build !slipway_lean

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// settleAtRest is how long a fresh stack is left alone before its memory
// is read "at rest": start-up's background work (Temporal's namespace and
// queue loading, PostgreSQL's checkpointer) is done by then.
const settleAtRest = 5 * time.Second

// BenchmarkDevStart measures how long `slipway dev` takes to come up on an
// existing data folder (the everyday case; the first start adds initdb),
// and the memory of every process of the stack at rest.
func BenchmarkDevStart(b *testing.B) {
	dir := b.TempDir()
	mustStartDevTB(b, dir).Close() // first start: initdb, schema, seed
	var mem stackMemory
	b.ResetTimer()
	for range b.N {
		s := mustStartDevTB(b, dir)
		b.StopTimer()
		time.Sleep(settleAtRest) // a measurement protocol, not a wait for a condition
		mem = measureStack(b, s.DataDir)
		s.Close()
		b.StartTimer()
	}
	mem.report(b, "at-rest")
}

// stackMemory is the resident memory of every process of a dev stack: the
// slipway process (portal, worker and the embedded Temporal server share
// it, as in `slipway dev`) and the private PostgreSQL, postmaster and children.
type stackMemory struct {
	SlipwayMB, PostgresMB float64
	// PostgresProcesses is how many PostgreSQL processes were summed.
	PostgresProcesses int
	// PssMB is the proportional set size of the same processes: PostgreSQL's
	// shared buffers count once here, while the RSS sum counts them in every
	// backend that touched them.
	PssMB float64
}

func (m stackMemory) TotalMB() float64 { return m.SlipwayMB + m.PostgresMB }

// report names each figure with when it was taken ("at-rest", "10000-waiting"...).
func (m stackMemory) report(b *testing.B, when string) {
	b.ReportMetric(m.SlipwayMB, "MB-rss-slipway-"+when)
	b.ReportMetric(m.PostgresMB, "MB-rss-postgres-"+when)
	b.ReportMetric(m.TotalMB(), "MB-rss-total-"+when)
	if m.PssMB > 0 {
		b.ReportMetric(m.PssMB, "MB-pss-total-"+when)
	}
	b.Logf("memory %s: slipway %.0f MB + PostgreSQL %.0f MB in %d processes = %.0f MB RSS (%.0f MB PSS)",
		when, m.SlipwayMB, m.PostgresMB, m.PostgresProcesses, m.TotalMB(), m.PssMB)
}

// measureStack reads /proc for this process and the PostgreSQL cluster of
// the stack whose data folder is dataDir.
func measureStack(tb testing.TB, dataDir string) stackMemory {
	tb.Helper()
	self := os.Getpid()
	m := stackMemory{SlipwayMB: procKB(tb, self, "status", "VmRSS:") / 1024}
	pss := procKB(tb, self, "smaps_rollup", "Pss:")
	pidFile, err := os.ReadFile(filepath.Join(dataDir, "postgres", "postmaster.pid"))
	if err != nil {
		tb.Fatalf("the stack's PostgreSQL: %v", err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		tb.Fatalf("postmaster.pid: %v", err)
	}
	for _, pid := range append([]int{postmaster}, childrenOf(postmaster)...) {
		m.PostgresMB += procKB(tb, pid, "status", "VmRSS:") / 1024
		pss += procKB(tb, pid, "smaps_rollup", "Pss:")
		m.PostgresProcesses++
	}
	m.PssMB = pss / 1024
	return m
}

// procKB reads a "Field:   123 kB" line of /proc/<pid>/<file>; 0 when the
// process has gone meanwhile or the file cannot be read (smaps_rollup of
// another user's process without the right to trace it).
func procKB(tb testing.TB, pid int, file, field string) float64 {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				tb.Fatalf("/proc/%d/%s %s: %v", pid, file, field, err)
			}
			return kb
		}
	}
	return 0
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
		_, rest, ok := strings.Cut(string(stat), ") ")
		if fields := strings.Fields(rest); ok && len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}
