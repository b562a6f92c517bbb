package runevents

import (
	"testing"
	"time"
)

func TestHubWakesOnlyTheRunsViewersAndMergesChanges(t *testing.T) {
	h := NewHub()
	a, b, other := h.Subscribe("run-a"), h.Subscribe("run-a"), h.Subscribe("run-b")
	defer other.Close()

	// Many changes before the viewer reads: one wake-up, one merged change,
	// and Publish never blocks on a viewer that does not read.
	for seq := int64(1); seq <= 1000; seq++ {
		h.Publish("run-a", Change{Seq: seq})
	}
	h.Publish("run-a", Change{State: true})
	for _, s := range []*Subscription{a, b} {
		select {
		case <-s.Wake():
		default:
			t.Fatal("a viewer of the run was not woken")
		}
		if c, ok := s.Take(); !ok || c.Seq != 1000 || !c.State || c.At.IsZero() || c.At.After(time.Now()) {
			t.Errorf("merged change %+v (open %v), want seq 1000 and state, heard of just now", c, ok)
		}
		select {
		case <-s.Wake():
			t.Error("a second wake-up for changes already taken")
		default:
		}
	}
	select {
	case <-other.Wake():
		t.Error("another run's viewer was woken")
	default:
	}

	h.PublishAll()
	for _, s := range []*Subscription{a, b, other} {
		<-s.Wake()
		if c, _ := s.Take(); !c.State {
			t.Errorf("PublishAll sent %+v, want a full re-read", c)
		}
	}

	a.Close()
	a.Close() // twice is harmless
	b.Close()
	if n := h.Subscribers(); n != 1 {
		t.Errorf("%d subscribers after two closed, want 1", n)
	}
	if len(h.runs) != 1 {
		t.Errorf("the hub keeps %d runs, want only run-b's", len(h.runs))
	}
}

func TestARunIDMeetsItselfHoweverItIsSpelt(t *testing.T) {
	h := NewHub()
	s := h.Subscribe("{0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B}")
	defer s.Close()
	h.Publish("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Change{Seq: 1})
	select {
	case <-s.Wake():
	default:
		t.Fatal("a viewer of the upper-case id was not woken by the lower-case one")
	}
	if id, _, _ := parsePayload(payload("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B", Change{})); id != "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" {
		t.Errorf("notified as %q", id)
	}
}

func TestClosingTheHubEndsEverySubscription(t *testing.T) {
	h := NewHub()
	s := h.Subscribe("run-a")
	h.Close()
	if _, open := <-s.Wake(); open {
		t.Fatal("wake channel still open after the hub closed")
	}
	if _, ok := s.Take(); ok {
		t.Error("Take reports an open subscription after the hub closed")
	}
	h.Publish("run-a", Change{State: true}) // no panic on an ended subscription
	late := h.Subscribe("run-a")
	if _, ok := late.Take(); ok {
		t.Error("a subscription made after Close is open")
	}
	s.Close()
	late.Close()
	if h.Subscribers() != 0 {
		t.Error("subscribers left after Close")
	}
}

func TestPayloadRoundTripsAndUnknownPayloadsMeanAFullReRead(t *testing.T) {
	for _, c := range []Change{{Seq: 7}, {Seq: 0, State: true}, {Seq: 42, State: true}} {
		id, got, ok := parsePayload(payload("0190-abc", c))
		if !ok || id != "0190-abc" || got != c {
			t.Errorf("%+v came back as %q %+v %v", c, id, got, ok)
		}
	}
	for p, want := range map[string]Change{"run": {State: true}, "run x lines": {State: true}, "run 3 what": {State: true}, "run -1 lines": {State: true}} {
		if id, got, ok := parsePayload(p); !ok || id != "run" || got != want {
			t.Errorf("%q read as %q %+v %v", p, id, got, ok)
		}
	}
	if _, _, ok := parsePayload("  "); ok {
		t.Error("an empty payload names a run")
	}
}
