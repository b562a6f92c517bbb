package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipwayhq/slipway/gen/queries"
)

// Store is the one handle on PostgreSQL the rest of Slipway holds.
type Store struct {
	Pool *pgxpool.Pool
	// Q runs single queries outside a transaction.
	Q *queries.Queries
}

// Open connects a pool to url and checks it answers.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// Queries with optional filters ("$1 IS NULL OR ...") need plans made for
	// the actual values, or PostgreSQL's generic plan skips the indexes.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return &Store{Pool: pool, Q: queries.New(pool)}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.Pool.Close() }

// InTx runs fn in one transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(q *queries.Queries) error) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		return fn(s.Q.WithTx(tx))
	})
}

// Tx is the transaction a change runs in: its queries, and the pgx
// transaction for what must join it. The audit log records a change's
// event through it, so that the change and its event commit together or
// not at all (River's InsertTx model).
type Tx struct {
	*queries.Queries
	PG pgx.Tx
}

// Change runs fn in one transaction, committing when it returns nil.
func (s *Store) Change(ctx context.Context, fn func(tx Tx) error) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		return fn(Tx{Queries: s.Q.WithTx(tx), PG: tx})
	})
}
