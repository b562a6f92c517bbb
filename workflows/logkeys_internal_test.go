package workflows

import (
	"fmt"
	"testing"

	"github.com/slipwayhq/slipway/runs"
)

// The key memory keeps the newest RememberedLogKeys keys, in a form that
// survives continue-as-new (the state), and forgets the oldest first.
func TestKeyMemoryIsBoundedAndSurvivesContinueAsNew(t *testing.T) {
	r := &run{s: &runs.State{}}
	for i := range RememberedLogKeys + 10 {
		r.rememberLogKey(fmt.Sprintf("key-%d", i), int64(i+1))
	}
	if len(r.s.LogKeys) != RememberedLogKeys {
		t.Fatalf("%d keys remembered, want %d", len(r.s.LogKeys), RememberedLogKeys)
	}
	// What the next workflow run starts from.
	carried := *r.s
	next := &run{s: &carried}
	for _, m := range []*run{r, next} {
		if _, ok := m.loggedSeq("key-9"); ok {
			t.Error("the 10th oldest key is still remembered")
		}
		if seq, ok := m.loggedSeq("key-10"); !ok || seq != 11 {
			t.Errorf("key-10: %d %v", seq, ok)
		}
		if seq, ok := m.loggedSeq(fmt.Sprintf("key-%d", RememberedLogKeys+9)); !ok || seq != RememberedLogKeys+10 {
			t.Errorf("newest key: %d %v", seq, ok)
		}
	}
	// The stored form holds digests of a fixed size, not the keys.
	long := make([]byte, 256)
	for i := range long {
		long[i] = 'x'
	}
	next.rememberLogKey(string(long), 99)
	if d := next.s.LogKeys[len(next.s.LogKeys)-1].Digest; len(d) != 32 {
		t.Errorf("digest %q", d)
	}
}
