package workflows

import (
	"github.com/slipwayhq/slipway/runs"
)

// Keyed log lines. A backend that sends a line again after a 5xx or a
// dropped connection must not store it twice. Two layers make that so:
//
//   - the API sends a keyed line as the update runs.LogUpdateID(key); Temporal
//     answers a repeated update ID with the first outcome, for every update
//     of the current workflow run, in flight or completed, even after the
//     workflow has closed;
//   - the workflow remembers the newest keys in its state (LogKeys), which
//     continue-as-new carries over, because a retry may land in a later
//     workflow run than its first attempt, where Temporal no longer knows
//     the update ID.
//
// Why RememberedLogKeys is enough: Temporal dedupes within a workflow run
// by itself, and a workflow run accepts at most 2,000 updates (the
// server's history.maxTotalUpdates; the run continues as new well before,
// after about 1,600). So when a run continues as new, the newest 2,000 keys
// hold every key that run accepted, and the next run knows them all. A
// retry is stored again only if 2,000 newer keyed lines were accepted
// between its first attempt and the retry. Digests keep the memory at
// about 120 KB whatever the keys' lengths, well under Temporal's payload
// limit for the continue-as-new input.
const RememberedLogKeys = 2000

// loggedSeq is the seq of the remembered line with this key.
func (r *run) loggedSeq(key string) (int64, bool) {
	r.indexLogKeys()
	seq, ok := r.logKeyIndex[runs.LogKeyDigest(key)]
	return seq, ok
}

// rememberLogKey remembers a newly stored keyed line, forgetting the
// oldest beyond RememberedLogKeys.
func (r *run) rememberLogKey(key string, seq int64) {
	r.indexLogKeys()
	d := runs.LogKeyDigest(key)
	r.s.LogKeys = append(r.s.LogKeys, runs.LogKey{Digest: d, Seq: seq})
	r.logKeyIndex[d] = seq
	if over := len(r.s.LogKeys) - RememberedLogKeys; over > 0 {
		for _, k := range r.s.LogKeys[:over] {
			delete(r.logKeyIndex, k.Digest)
		}
		// Reslicing is amortized: append copies only the live keys when it
		// next grows the array.
		r.s.LogKeys = r.s.LogKeys[over:]
	}
}

// indexLogKeys builds the lookup map from the state once per workflow run
// (the state is what continue-as-new carries; the map is not).
func (r *run) indexLogKeys() {
	if r.logKeyIndex != nil {
		return
	}
	r.logKeyIndex = make(map[string]int64, len(r.s.LogKeys))
	for _, k := range r.s.LogKeys {
		r.logKeyIndex[k.Digest] = k.Seq
	}
}
