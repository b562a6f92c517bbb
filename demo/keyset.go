package demo

import "sync"

// keySet remembers the last Idempotency-Keys seen. Slipway sends the same
// key on every retry of one call; a retry after an answer got lost must not
// scaffold a repository twice.
type keySet struct {
	mu    sync.Mutex
	limit int
	order []string
	keys  map[string]bool
}

func newKeySet(limit int) *keySet { return &keySet{limit: limit, keys: map[string]bool{}} }

// first records key and reports whether it is new. An empty key is always new.
func (s *keySet) first(key string) bool {
	if key == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[key] {
		return false
	}
	s.keys[key] = true
	s.order = append(s.order, key)
	if len(s.order) > s.limit {
		delete(s.keys, s.order[0])
		s.order = s.order[1:]
	}
	return true
}

// forget drops key, for a call that was refused after all.
func (s *keySet) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, key) // its place in order expires harmlessly
}
