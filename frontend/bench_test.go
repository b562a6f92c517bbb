package frontend_test

import (
	"context"
	"testing"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
)

// A full API round trip: HTTP, Connect, token authentication, response.
func BenchmarkWhoAmI(b *testing.B) {
	f := newFixture(b, true)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.api.WhoAmI(ctx, authed(&slipwayv1.WhoAmIRequest{}, f.adminToken)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
