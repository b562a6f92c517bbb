//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	postmaster := postmasterPID(tb, dataDir)
	for _, pid := range append([]int{postmaster}, childrenOf(postmaster)...) {
		m.PostgresMB += procKB(tb, pid, "status", "VmRSS:") / 1024
		pss += procKB(tb, pid, "smaps_rollup", "Pss:")
		m.PostgresProcesses++
	}
	m.PssMB = pss / 1024
	return m
}

// postmasterPID reads the process id of the PostgreSQL cluster of the
// stack whose data folder is dataDir.
func postmasterPID(tb testing.TB, dataDir string) int {
	tb.Helper()
	pidFile, err := os.ReadFile(filepath.Join(dataDir, "postgres", "postmaster.pid"))
	if err != nil {
		tb.Fatalf("the stack's PostgreSQL: %v", err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		tb.Fatalf("postmaster.pid: %v", err)
	}
	return postmaster
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
		if fields, ok := statFields(child); ok && len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// statFields are the fields of /proc/<pid>/stat after "pid (comm) ": the
// state is field 0, the parent 1; false when the process has gone.
func statFields(pid int) ([]string, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	// comm may hold spaces, so split after its ')'.
	_, rest, ok := strings.Cut(string(stat), ") ")
	return strings.Fields(rest), ok
}

// stackCPU is the processor time the stack has used so far: the slipway
// process (the benchmark's own clients and receiver included, alike for
// both sides) and the PostgreSQL cluster. Differences of two readings
// give a job's cost in CPU time, which a busy machine slows down but does
// not inflate, unlike a rate.
type stackCPU struct {
	Slipway, Postgres time.Duration
}

func (c stackCPU) sub(d stackCPU) stackCPU {
	return stackCPU{Slipway: c.Slipway - d.Slipway, Postgres: c.Postgres - d.Postgres}
}

func (c stackCPU) add(d stackCPU) stackCPU {
	return stackCPU{Slipway: c.Slipway + d.Slipway, Postgres: c.Postgres + d.Postgres}
}

// readStackCPU reads /proc for this process and the stack's PostgreSQL.
func readStackCPU(tb testing.TB, dataDir string) stackCPU {
	tb.Helper()
	return stackCPU{Slipway: procCPU(os.Getpid(), false), Postgres: clusterCPU(postmasterPID(tb, dataDir))}
}

// clusterCPU is the processor time of a PostgreSQL cluster: the postmaster
// with the time of the children it has reaped, and the children alive now.
func clusterCPU(postmaster int) time.Duration {
	cpu := procCPU(postmaster, true)
	for _, pid := range childrenOf(postmaster) {
		cpu += procCPU(pid, false)
	}
	return cpu
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times: 100 on Linux.
const clockTick = 10 * time.Millisecond

// procCPU is a process's user and system time from /proc/<pid>/stat, with
// its reaped children's when reaped is set; 0 when it has gone.
func procCPU(pid int, reaped bool) time.Duration {
	// utime, stime, cutime, cstime are fields 11..14.
	f, ok := statFields(pid)
	if !ok || len(f) < 15 {
		return 0
	}
	last := 12
	if reaped {
		last = 14
	}
	var ticks int64
	for _, s := range f[11 : last+1] {
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}

// processMemory is the resident memory of each process of a processStack
// and of its PostgreSQL cluster (postmaster and children), in MB.
type processMemory struct {
	names []string
	mb    map[string]float64
	// workerPeakMB is the largest RSS a worker process has had (VmHWM).
	workerPeakMB float64
}

// measureProcesses reads /proc for st's processes and the PostgreSQL
// cluster behind db.
func measureProcesses(tb testing.TB, st *processStack, db *pgx.Conn) processMemory {
	tb.Helper()
	m := processMemory{mb: map[string]float64{}}
	add := func(name string, pid int) {
		if _, seen := m.mb[name]; !seen {
			m.names = append(m.names, name)
		}
		m.mb[name] += procKB(tb, pid, "status", "VmRSS:") / 1024
	}
	add("temporal", st.temporal.pid())
	add("web", st.web.pid())
	for _, w := range st.workers {
		add("worker", w.pid())
		// The most the worker has held so far, between readings too.
		m.workerPeakMB = max(m.workerPeakMB, procKB(tb, w.pid(), "status", "VmHWM:")/1024)
	}
	postmaster := postmasterOf(tb, db)
	for _, pid := range append([]int{postmaster}, childrenOf(postmaster)...) {
		add("postgres", pid)
	}
	return m
}

func (m processMemory) report(b *testing.B, when string) {
	var total float64
	var parts []string
	for _, name := range m.names {
		b.ReportMetric(m.mb[name], "MB-rss-"+name+"-"+when)
		total += m.mb[name]
		parts = append(parts, fmt.Sprintf("%s %.0f MB", name, m.mb[name]))
	}
	b.ReportMetric(total, "MB-rss-total-"+when)
	b.ReportMetric(m.workerPeakMB, "MB-peak-rss-worker-"+when)
	b.Logf("memory %s: %s = %.0f MB RSS (worker's peak so far %.0f MB)", when, strings.Join(parts, " + "), total, m.workerPeakMB)
}

// readProcessesCPU is readStackCPU for a processStack: its processes and
// this one (the clients and the bare side's worker) as Slipway, and the
// PostgreSQL cluster behind db.
func readProcessesCPU(tb testing.TB, st *processStack, db *pgx.Conn) stackCPU {
	tb.Helper()
	c := stackCPU{Slipway: procCPU(os.Getpid(), false) + procCPU(st.temporal.pid(), false) + procCPU(st.web.pid(), false)}
	for _, w := range st.workers {
		c.Slipway += procCPU(w.pid(), false)
	}
	c.Postgres = clusterCPU(postmasterOf(tb, db))
	return c
}

// postmasterOf finds the PostgreSQL postmaster behind db: the parent of
// the connection's backend.
func postmasterOf(tb testing.TB, db *pgx.Conn) int {
	tb.Helper()
	var backend int
	if err := db.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		tb.Fatalf("backend pid: %v", err)
	}
	fields, ok := statFields(backend)
	if !ok || len(fields) < 2 {
		tb.Fatalf("PostgreSQL backend %d: no /proc entry", backend)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		tb.Fatalf("PostgreSQL backend %d parent: %v", backend, err)
	}
	return ppid
}
