//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

// liveLinesPerOp are the lines each benchmark iteration sends, one at a
// time, each waited for by every viewer before the next.
const liveLinesPerOp = 20

// BenchmarkLiveLatency measures, on the embedded stack, how long a log line
// takes from AddRunLog returning to its arrival on WatchRun streams and on
// run pages' event streams (SSE), with that many viewers of each kind
// following one run. A line that arrives before AddRunLog has returned
// counts as 0 ms. Reported: p50 and p99 per kind, in ms, and for scale the
// AddRunLog call's own.
func BenchmarkLiveLatency(b *testing.B) {
	s := mustStartDevTB(b, b.TempDir())
	defer s.Close()
	backend, _ := liveBackend(b, nil)
	createLiveActions(b, s, backend)
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	browser := noRedirectClient(b)
	login(b, browser, s.PortalURL, "admin@example.com", "/tokens")

	for _, viewers := range []int{1, 10} {
		b.Run(fmt.Sprintf("viewers=%d", viewers), func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			id := startLiveRun(b, s, api, "live_async")
			defer addLine(b, s, api, id, "done", "SUCCESS")
			watches, pages := make([]<-chan liveEvent, viewers), make([]<-chan liveEvent, viewers)
			for i := range viewers {
				watches[i] = watchViewer(ctx, api, s.Token, id, 0)
				pages[i] = pageViewer(ctx, browser, s.PortalURL, id, "")
				expect(b, "watch", watches[i], "status", anyEvent, 30*time.Second)
				expect(b, "page", pages[i], "status", anyEvent, 30*time.Second)
			}
			var watchMS, pageMS, addMS []float64
			arrival := func(kind string, v <-chan liveEvent, seq int64, returned time.Time) float64 {
				ev := expect(b, kind, v, "line", lineSeq(seq), 30*time.Second)
				return max(0, float64(ev.at.Sub(returned).Microseconds())/1000)
			}
			seq := int64(0)
			b.ResetTimer()
			for range b.N {
				for range liveLinesPerOp {
					seq++
					called := time.Now()
					addLine(b, s, api, id, fmt.Sprintf("line %d", seq), "")
					returned := time.Now()
					addMS = append(addMS, float64(returned.Sub(called).Microseconds())/1000)
					for i := range viewers {
						watchMS = append(watchMS, arrival("watch", watches[i], seq, returned))
						pageMS = append(pageMS, arrival("page", pages[i], seq, returned))
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(percentile(watchMS, 50), "watch-p50-ms")
			b.ReportMetric(percentile(watchMS, 99), "watch-p99-ms")
			b.ReportMetric(percentile(pageMS, 50), "sse-p50-ms")
			b.ReportMetric(percentile(pageMS, 99), "sse-p99-ms")
			// For scale: the AddRunLog call itself (a workflow update).
			b.ReportMetric(percentile(addMS, 50), "addlog-p50-ms")
			b.ReportMetric(percentile(addMS, 99), "addlog-p99-ms")
		})
	}
}

// percentile is the nearest-rank percentile p of values.
func percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(values))
	rank := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
