package runevents

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Listener is a web process's one connection listening on Channel. It
// reconnects for ever; after every (re)connection it wakes every viewer to
// re-read, since notifications sent while it was away are lost.
type Listener struct {
	hub    *Hub
	config *pgx.ConnConfig
	logger *slog.Logger

	ready      chan struct{} // closed once the first LISTEN took effect
	idleChecks atomic.Int64  // connection checks passed (tests)
	cancel     context.CancelFunc
	done       chan struct{}
}

// Timings of the listener; variables so that tests can shorten them.
var (
	// idleCheck is how long the listener waits for a notification before
	// it checks that its connection still answers (a half-open TCP
	// connection would otherwise wait for ever).
	idleCheck = 30 * time.Second
	// maxBackoff bounds the wait between reconnection attempts.
	maxBackoff = 5 * time.Second
)

const firstBackoff = 50 * time.Millisecond

// Listen starts listening with a connection made from config (copied)
// and publishes what it hears to hub until Stop.
func Listen(config *pgx.ConnConfig, hub *Hub, logger *slog.Logger) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{hub: hub, config: config.Copy(), logger: logger, ready: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// Ready is closed once the listener has listened for the first time.
func (l *Listener) Ready() <-chan struct{} { return l.ready }

// Stop closes the connection and waits for the listener to end.
func (l *Listener) Stop() {
	l.cancel()
	<-l.done
}

func (l *Listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := firstBackoff
	first := true
	for ctx.Err() == nil {
		err := l.listen(ctx, func() {
			backoff = firstBackoff
			if first {
				first = false
				close(l.ready)
			}
			// Whatever happened while no one listened, viewers re-read it.
			l.hub.PublishAll()
		})
		if ctx.Err() != nil {
			return
		}
		l.logger.Warn("run events: listener connection lost; live pages fall back to their safety poll until it is back", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen holds one connection until it fails; listening is called once
// LISTEN has taken effect.
func (l *Listener) listen(ctx context.Context, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, l.config)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	listening()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			if runID, c, ok := parsePayload(n.Payload); ok {
				l.hub.Publish(runID, c)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded):
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
			l.idleChecks.Add(1)
		default:
			return err
		}
	}
}
