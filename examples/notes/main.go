// Command notes is an example HTTP JSON service protected by iamd through package gate: an in-memory store of
// short notes whose callers sign their requests with SigV4 for the service "notes" (as boto3 signs them) and are
// allowed or denied by their IAM policies in iamd.
//
//	GET    /notes/{id}  notes:GetNote     on arn:aws:notes:REGION:ACCOUNT:note/{id}
//	PUT    /notes/{id}  notes:PutNote     on arn:aws:notes:REGION:ACCOUNT:note/{id}   body {"text": "..."}
//	DELETE /notes/{id}  notes:DeleteNote  on arn:aws:notes:REGION:ACCOUNT:note/{id}
//	GET    /notes       notes:ListNotes   on *
//
// The service's own credentials (whose principal needs iamd:Authorize) come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the rest from flags or their environment twins:
//
//	notes [--listen 127.0.0.1:8080] [--iamd-endpoint http://127.0.0.1:4566] [--region us-east-1] [--account-id 123456789012]
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/iamd-dev/iamd/gate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// settings is the service's configuration.
type settings struct {
	Listen, Endpoint, Region, Account string
	Credentials                       gate.Credentials
}

// parseConfig reads flags, with their environment twins as defaults, and the credentials from the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (settings, error) {
	env := func(name, def string) string { return cmp.Or(getenv(name), def) }
	var c settings
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Listen, "listen", env("NOTES_LISTEN", "127.0.0.1:8080"), "address to listen on (NOTES_LISTEN)")
	fs.StringVar(&c.Endpoint, "iamd-endpoint", env("IAMD_ENDPOINT", "http://127.0.0.1:4566"), "iamd's URL (IAMD_ENDPOINT)")
	fs.StringVar(&c.Region, "region", env("NOTES_REGION", env("AWS_REGION", "us-east-1")), "region the service answers for (NOTES_REGION, AWS_REGION)")
	fs.StringVar(&c.Account, "account-id", env("NOTES_ACCOUNT_ID", "123456789012"), "account that owns the notes (NOTES_ACCOUNT_ID)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c.Credentials = gate.Credentials{
		AccessKeyID: getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: getenv("AWS_SESSION_TOKEN"),
	}
	if c.Credentials.AccessKeyID == "" || c.Credentials.SecretAccessKey == "" {
		return c, errors.New("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the service's own access key")
	}
	return c, nil
}

// run serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	c, err := parseConfig(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "notes:", err)
		return 2
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "notes:", err)
		return 1
	}
	logger.Info("notes: serving", "addr", ln.Addr().String(), "iamd", c.Endpoint, "region", c.Region)
	if err := serve(ctx, ln, c, logger); err != nil {
		fmt.Fprintln(stderr, "notes:", err)
		return 1
	}
	return 0
}

// serve runs the service on ln until ctx is done.
func serve(ctx context.Context, ln net.Listener, c settings, logger *slog.Logger) error {
	client := &gate.Client{
		Endpoint: c.Endpoint, Credentials: c.Credentials, Region: c.Region,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	}
	srv := &http.Server{Handler: newNotes(c.Region, c.Account).handler(client, logger), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// note is one note.
type note struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	Author   string    `json:"author"` // ARN of whoever last wrote it
	Modified time.Time `json:"modified"`
}

// notes is the in-memory store and its HTTP API.
type notes struct {
	region, account string

	mu    sync.Mutex
	notes map[string]note
}

func newNotes(region, account string) *notes {
	return &notes{region: region, account: account, notes: map[string]note{}}
}

// validID is what a note ID may be.
var validID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// maxTextBytes bounds a note.
const maxTextBytes = 64 << 10

// handler is the service's API, each route behind gate's middleware.
func (n *notes) handler(client *gate.Client, logger *slog.Logger) http.Handler {
	protect := gate.Middleware(client, gate.Options{
		Service: "notes", Resolve: n.resolve, Regions: []string{n.region}, MaxBodyBytes: maxTextBytes + 1024, Logger: logger,
	})
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", protect(http.HandlerFunc(n.get)))
	mux.Handle("PUT /notes/{id}", protect(http.HandlerFunc(n.put)))
	mux.Handle("DELETE /notes/{id}", protect(http.HandlerFunc(n.delete)))
	mux.Handle("GET /notes", protect(http.HandlerFunc(n.list)))
	return mux
}

// resolve maps a request to its action and resource, by the route that matched it.
func (n *notes) resolve(r *http.Request) (string, string, map[string]any, error) {
	if r.Pattern == "GET /notes" {
		return "notes:ListNotes", "*", nil, nil
	}
	id := r.PathValue("id")
	if !validID.MatchString(id) {
		return "", "", nil, fmt.Errorf("1 validation error detected: Value '%s' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9_.-]{1,128}", id)
	}
	resource := "arn:aws:notes:" + n.region + ":" + n.account + ":note/" + id
	switch r.Pattern {
	case "GET /notes/{id}":
		return "notes:GetNote", resource, nil, nil
	case "PUT /notes/{id}":
		return "notes:PutNote", resource, nil, nil
	case "DELETE /notes/{id}":
		return "notes:DeleteNote", resource, nil, nil
	}
	return "", "", nil, fmt.Errorf("no action for %s", r.Pattern)
}

func (n *notes) get(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	nt, ok := n.notes[r.PathValue("id")]
	n.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "Note "+r.PathValue("id")+" does not exist.")
		return
	}
	writeJSON(w, http.StatusOK, nt)
}

func (n *notes) put(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text *string `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Text == nil {
		writeError(w, http.StatusBadRequest, "ValidationException", `The body must be a JSON object {"text": "..."}.`)
		return
	}
	if len(*in.Text) > maxTextBytes {
		writeError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("A note's text is at most %d bytes.", maxTextBytes))
		return
	}
	id, _ := gate.IdentityFrom(r.Context())
	nt := note{ID: r.PathValue("id"), Text: *in.Text, Author: id.Principal.ARN, Modified: time.Now().UTC()}
	n.mu.Lock()
	n.notes[nt.ID] = nt
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, nt)
}

func (n *notes) delete(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	_, ok := n.notes[r.PathValue("id")]
	delete(n.notes, r.PathValue("id"))
	n.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "Note "+r.PathValue("id")+" does not exist.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (n *notes) list(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	ids := slices.Sorted(maps.Keys(n.notes))
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]string{"ids": ids})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers as gate's middleware does, so callers see one error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, map[string]string{"__type": code, "message": message})
}
