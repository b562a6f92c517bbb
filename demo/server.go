package demo

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is the demo backend listening on its address.
type Server struct {
	// URL is the backend's public URL (Options.PublicURL, or the address it listens on).
	URL     string
	backend *Backend
	srv     *http.Server
}

// Start listens on o.Addr and serves the backend until Close.
func Start(o Options) (*Server, error) {
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	if o.PublicURL == "" {
		o.PublicURL = "http://" + l.Addr().String()
	}
	b, err := New(o)
	if err != nil {
		l.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           b.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(b.logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.logger.Error("demo backend stopped serving", "err", err)
		}
	}()
	return &Server{URL: b.publicURL, backend: b, srv: srv}, nil
}

// Close stops taking calls, then gives running jobs a few seconds to
// report their end before cancelling them.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.backend.Close(10 * time.Second)
	return err
}
