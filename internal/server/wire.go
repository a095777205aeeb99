package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// HTTPTimeouts bound how long a connection may hold the server. A zero field takes its default.
type HTTPTimeouts struct {
	// Header is how long a client has to send a request's headers (default 10 s).
	Header time.Duration
	// Body is how long a client has to send a whole request, headers and body (default 30 s): iamd's bodies are at
	// most 1 MiB, so a client still sending after that is holding the connection, not uploading.
	Body time.Duration
	// Write is how long iamd has to answer once the headers are read (default 90 s): the body's time plus the
	// slowest request's work (a web identity token's keys fetched over HTTPS).
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next request (default 120 s).
	Idle time.Duration
}

// Default HTTP timeouts.
const (
	defaultHeaderTimeout = 10 * time.Second
	defaultBodyTimeout   = 30 * time.Second
	defaultWriteTimeout  = 90 * time.Second
	defaultIdleTimeout   = 120 * time.Second
)

// maxUnauthenticated is the default of Server.MaxUnauthenticated: how many requests iamd reads and authenticates at once (api.Admission); more answer 503
// ServiceUnavailable at once. It bounds the memory and CPU that clients without a credential can take, while
// leaving room for many well-behaved parallel clients (Terraform runs 10 at a time by default).
const maxUnauthenticated = 256

// withDefaults fills in the zero fields.
func (t HTTPTimeouts) withDefaults() HTTPTimeouts {
	if t.Header <= 0 {
		t.Header = defaultHeaderTimeout
	}
	if t.Body <= 0 {
		t.Body = defaultBodyTimeout
	}
	if t.Header > t.Body {
		t.Header = t.Body
	}
	if t.Write <= 0 {
		t.Write = defaultWriteTimeout
	}
	if t.Idle <= 0 {
		t.Idle = defaultIdleTimeout
	}
	return t
}

// newHTTPServer sizes the admission of unauthenticated work and returns the http.Server that Run serves with: s's
// handler, its timeouts, its logger.
func (s *Server) newHTTPServer(ctx context.Context) *http.Server {
	if s.MaxUnauthenticated > 0 {
		s.admission.SetSlots(s.MaxUnauthenticated)
	}
	t := s.Timeouts.withDefaults()
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Body,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// refuseChunked refuses, with 400 and the connection closed, a request whose body is framed by Transfer-Encoding.
// RFC 9112 §6.1: a request with both Content-Length and Transfer-Encoding may be an attempt at request smuggling,
// and a server must close the connection after answering it. Go's net/http accepts such a request, reads it as
// chunked and drops the Content-Length header before a handler can see it, so the only way to refuse that
// request is to refuse every chunked one. No client of iamd needs chunked bodies: the AWS SDKs, the AWS CLI,
// Terraform and gate send their (small) bodies with a Content-Length.
func refuseChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
			http.Error(w, "iamd does not accept a Transfer-Encoding request body; send it with a Content-Length.", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
