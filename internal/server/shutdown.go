package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/internal/api"
)

// inflight keeps the requests being served, so that a stop can say which ones its grace period cut off.
type inflight struct {
	mu   sync.Mutex
	next uint64
	reqs map[uint64]inflightRequest
}

type inflightRequest struct {
	start                         time.Time
	reqID, method, path, op, from string
}

// maxOpLen bounds what a request's own header puts in the log.
const maxOpLen = 80

// wrap returns h, keeping each request in f while h serves it. It gives each request its request ID
// (api.WithRequestID), so that the stop's log line names the IDs that the request logs and the clients hold.
func (f *inflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The operation, where it can be known without reading the body: the JSON protocol names it in a header
		// and a GET query in the URL; the query protocol's POST names it in the body, read later by the handler.
		op := r.Header.Get("X-Amz-Target")
		if op == "" && r.Method == http.MethodGet {
			op = r.URL.Query().Get("Action")
		}
		if len(op) > maxOpLen {
			op = op[:maxOpLen]
		}
		path := r.URL.Path
		if len(path) > maxOpLen {
			path = path[:maxOpLen]
		}
		f.mu.Lock()
		if f.reqs == nil {
			f.reqs = map[uint64]inflightRequest{}
		}
		id := f.next
		f.next++
		reqID := api.NewRequestID()
		f.reqs[id] = inflightRequest{start: time.Now(), reqID: reqID, method: r.Method, path: path, op: op, from: r.RemoteAddr}
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			delete(f.reqs, id)
			f.mu.Unlock()
		}()
		h.ServeHTTP(w, r.WithContext(api.WithRequestID(r.Context(), reqID)))
	})
}

// maxListed bounds how many cut-off requests the stop's log line describes one by one.
const maxListed = 20

// describe returns how many requests are in flight and a description of the oldest of them.
func (f *inflight) describe(now time.Time) (int, []string) {
	f.mu.Lock()
	reqs := make([]inflightRequest, 0, len(f.reqs))
	for _, r := range f.reqs {
		reqs = append(reqs, r)
	}
	f.mu.Unlock()
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].start.Before(reqs[j].start) })
	var out []string
	for i, r := range reqs {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more", len(reqs)-maxListed))
			break
		}
		d := fmt.Sprintf("request %s: %s %s from %s for %s", r.reqID, r.method, r.path, r.from, now.Sub(r.start).Round(time.Millisecond))
		if r.op != "" {
			d += " operation " + r.op
		}
		out = append(out, d)
	}
	return len(reqs), out
}

// stop shuts srv down in order: it stops accepting connections, lets the requests in flight finish for the
// configured grace period, then closes the connections still open and logs (as a warning) what it cut off. Cutting
// requests off when the grace period is over is how a stop ends, not a failure of the server, so it returns nil.
func (s *Server) stop(ctx context.Context, srv *http.Server) error {
	grace := s.cfg.ShutdownGracePeriod()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	n, cut := s.inflight.describe(time.Now())
	s.logger.Warn("stopping: the shutdown grace period is over; closing the connections still open", "grace", grace,
		"requests_in_flight", n, "cut_off", cut)
	if err := srv.Close(); err != nil {
		s.logger.Warn("stopping: closing connections", "err", err)
	}
	return nil
}
