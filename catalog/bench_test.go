package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/gen/queries"
)

const benchEntities = 100_000

// BenchmarkListEntities loads 100,000 environments and reports p50/p99 of
// ListEntities with a property filter and with a text search (target p99 < 20 ms).
func BenchmarkListEntities(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	rows := make([]queries.CopyEntitiesParams, benchEntities)
	for i := range rows {
		rows[i] = queries.CopyEntitiesParams{
			Blueprint: "environment", Identifier: fmt.Sprintf("env-%06d", i), Title: fmt.Sprintf("Environment %d for team %d", i, i%50),
			Properties: fmt.Appendf(nil, `{"region": "r%d", "replicas": %d}`, i%200, i%10),
			Relations:  []byte(`{}`),
		}
	}
	if _, err := f.svc.Store.Q.CopyEntities(ctx, rows); err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.Store.Pool.Exec(ctx, "ANALYZE entities"); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name   string
		filter func(i int) catalog.Filter
	}{
		{"property", func(i int) catalog.Filter {
			return catalog.Filter{Blueprint: "environment", Properties: map[string]any{"region": fmt.Sprintf("r%d", i%200)}, PageSize: 50}
		}},
		{"search", func(i int) catalog.Filter {
			return catalog.Filter{Blueprint: "environment", Search: fmt.Sprintf("env-0%d12", i%10), PageSize: 50}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				es, _, err := f.svc.ListEntities(ctx, c.filter(i))
				if err != nil || len(es) == 0 {
					b.Fatalf("%d results, %v", len(es), err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
