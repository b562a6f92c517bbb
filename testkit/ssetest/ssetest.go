// Package ssetest reads Server-Sent Events streams in tests, as a browser's
// EventSource does: fields up to a blank line make an event, data lines
// join with newlines, comments and retry fields are skipped.
package ssetest

import (
	"bufio"
	"io"
	"strings"
)

// Event is one dispatched event.
type Event struct {
	Name, ID, Data string
}

// Reader reads events from a stream.
type Reader struct {
	lines *bufio.Scanner
}

// NewReader reads events from r.
func NewReader(r io.Reader) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 8<<20)
	return &Reader{lines: s}
}

// Next returns the next event, or io.EOF when the stream ends.
func (r *Reader) Next() (Event, error) {
	var ev Event
	var data []string
	seen := false
	for r.lines.Scan() {
		line := r.lines.Text()
		if line == "" {
			if seen {
				ev.Data = strings.Join(data, "\n")
				return ev, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name, seen = value, true
		case "id":
			ev.ID, seen = value, true
		case "data":
			data, seen = append(data, value), true
		}
	}
	if err := r.lines.Err(); err != nil {
		return Event{}, err
	}
	return Event{}, io.EOF
}
