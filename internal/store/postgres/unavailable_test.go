package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestFailuresOfADatabaseThatIsAwayAreErrUnavailable: the errors that say the database could not be reached or went
// away wrap store.ErrUnavailable (keeping the cause); the statement's own failures and the request's own end don't.
func TestFailuresOfADatabaseThatIsAwayAreErrUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"the server shuts down (pg_ctl stop, pg_terminate_backend)", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, true},
		{"the server crashed and restarts", &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, true},
		{"the server is starting or stopping", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, true},
		{"a connection failure the server reports", &pgconn.PgError{Code: "08006"}, true},
		{"a refused connection", fmt.Errorf("begin write: %w", refused), true},
		{"a connection cut mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"a serialization failure", &pgconn.PgError{Code: "40001"}, false},
		{"the request's cancel", fmt.Errorf("begin write: %w", context.Canceled), false},
		{"the request's deadline", fmt.Errorf("begin write: %w", context.DeadlineExceeded), false},
		{"a domain's error", store.ErrNotFound, false},
		{"no error", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := postgres.Unavailable(tc.err)
			if is := errors.Is(got, store.ErrUnavailable); is != tc.want {
				t.Fatalf("errors.Is(unavailable(%v), store.ErrUnavailable) = %v, want %v", tc.err, is, tc.want)
			}
			if tc.err != nil && !errors.Is(got, tc.err) {
				t.Fatalf("unavailable(%v) = %v, which lost the cause", tc.err, got)
			}
			if tc.want && !errors.Is(postgres.Unavailable(got), store.ErrUnavailable) {
				t.Fatal("wrapping twice lost ErrUnavailable")
			}
		})
	}
}
