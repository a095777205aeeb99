package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// JSONLines is a Sink that writes each event as one line of JSON (the CloudTrail record, then "\n"), for log
// shippers (Vector, Fluent Bit, Promtail, the CloudWatch agent) that read JSON lines from a file or a pipe. Each
// record is written with one Write call, so concurrent readers of a file never see half a line followed by another
// record. It is safe for concurrent use.
type JSONLines struct {
	mu sync.Mutex
	w  io.Writer
	// c closes w when the sink owns it (a file it opened); nil for a writer it was given.
	c   io.Closer
	buf []byte
}

// NewJSONLines returns a sink writing to w (standard output, say); Close does not close w.
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{w: w} }

// OpenJSONLines returns a sink appending to the file at path, created with mode 0600 when absent (the trail names
// users, roles and addresses, so the file is its owner's only, like the database). An existing file is appended to
// and keeps its mode.
func OpenJSONLines(path string) (*JSONLines, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &JSONLines{w: f, c: f}, nil
}

// WriteEvent writes record and a newline. The account is in the record (recipientAccountId).
func (s *JSONLines) WriteEvent(_ context.Context, _ string, record []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return errSinkClosed
	}
	s.buf = append(append(s.buf[:0], record...), '\n')
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Close closes the file the sink opened; later writes fail.
func (s *JSONLines) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.c
	s.w, s.c = nil, nil
	if c == nil {
		return nil
	}
	return c.Close()
}

var errSinkClosed = errors.New("audit log: the sink is closed")
