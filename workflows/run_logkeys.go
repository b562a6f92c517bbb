package workflows

// RememberedLogKeys is how many keyed lines a run remembers.
const RememberedLogKeys = 2000

// LogKey is a remembered keyed line.
type LogKey struct {
	Digest string
	Seq    int64
}

// LogUpdateID is the update ID of a keyed line.
func LogUpdateID(key string) string { return "" }

func (r *run) loggedSeq(key string) (int64, bool) { return 0, false }

func (r *run) rememberLogKey(key string, seq int64) {}
