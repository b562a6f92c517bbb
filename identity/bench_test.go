package identity_test

import (
	"context"
	"testing"

	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// Every API call authenticates its token: this is on the hot path.
func BenchmarkAuthenticateToken(b *testing.B) {
	ctx := context.Background()
	svc := identity.New(pgtest.MustStore(b))
	if err := svc.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	_, secret, err := svc.CreateTokenForEmail(ctx, "dev1@example.com", "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.AuthenticateToken(ctx, secret); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
