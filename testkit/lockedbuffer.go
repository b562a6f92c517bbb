package testkit

import (
	"bytes"
	"strings"
	"sync"
)

// LockedBuffer is a bytes.Buffer that goroutines may write while the test
// reads it: the log of a server or a command running in the background.
// The zero value is ready to use.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Bytes is a copy of everything written so far.
func (b *LockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// Reset forgets what was written.
func (b *LockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// TakeLines returns the complete lines written since the last call and
// forgets them, in one step, so no line is read twice or lost between a
// read and a reset.
func (b *LockedBuffer) TakeLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	end := strings.LastIndexByte(s, '\n')
	if end < 0 {
		return nil
	}
	b.buf.Next(end + 1)
	return strings.Split(s[:end], "\n")
}
