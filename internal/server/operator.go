package server

// The operator's account creation: standalone accounts with chosen IDs, for fixtures and Terraform code that
// hard-code account IDs. A running server publishes DATA/iamd.serve.json (its URL and a random operator token) so
// that "iamd account create" on the same data directory goes through the server's own iam.Service, whose caches
// then stay right; with no server answering, the command opens the data directory itself.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/api"
	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
)

// OperatorAccountsPath is the operator-only endpoint that creates an account: POST a JSON AccountRequest with
// "Authorization: Bearer TOKEN" (the token of DATA/iamd.serve.json); the answer is the AccountCredentials (201), or
// an OperatorError with 400 (bad request), 401 (no token), 403 (wrong token) or 409 (the account or key exists).
const OperatorAccountsPath = "/iamd/v1/operator/accounts"

// ServeFileName is the file a running server keeps in its data directory (mode 0600) to be found by operator
// commands; it is removed on a clean shutdown.
const ServeFileName = "iamd.serve.json"

// ServeFile is the content of ServeFileName.
type ServeFile struct {
	URL   string `json:"url"`   // where the server answers, on a loopback address when it listens on all addresses
	Token string `json:"token"` // the operator token: 32 random bytes, hex
	// CertSHA256 is the hex SHA-256 of the server's TLS certificate (DER) when it serves HTTPS; operator commands
	// trust exactly that certificate, so a self-signed one needs no CA file.
	CertSHA256 string `json:"certSha256,omitempty"`
}

// AccountRequest asks for a new account; the root access key pair is optional (generated when absent).
type AccountRequest struct {
	AccountId       string
	AccessKeyId     string `json:",omitempty"`
	SecretAccessKey string `json:",omitempty"`
	// Partition is the account's partition: aws (the default, when empty), aws-cn or aws-us-gov.
	Partition string `json:",omitempty"`
}

// AccountCredentials are a new account's root credentials, shown once.
type AccountCredentials struct {
	AccountId       string
	AccessKeyId     string
	SecretAccessKey string
	// Partition is the account's partition when it is not aws (aws-cn, aws-us-gov).
	Partition string `json:",omitempty"`
}

// OperatorError is the operator endpoint's error body.
type OperatorError struct {
	Code    string
	Message string
}

// ErrNoServer is returned by CreateAccountOnServer when no server serves the data directory: there is no
// ServeFileName, or the server it names is gone (a stale file).
var ErrNoServer = errors.New("no iamd server is running on the data directory")

// ErrOperatorRefused is wrapped by the error of CreateAccountOnServer when the server refused the operator token.
var ErrOperatorRefused = errors.New("the server refused the operator token")

// operatorMaxBody bounds an operator request: three short strings.
const operatorMaxBody = 16 << 10

// operator serves OperatorAccountsPath and owns the operator token, which it keeps only in memory and in the serve
// file. It never logs the token or a secret.
type operator struct {
	svc    *iam.Service
	clock  *clock.Clock
	token  string
	logger *slog.Logger
	// account is the server's default account, where the operator's calls that act on no one account (the clock)
	// and refused operator requests are recorded.
	account string
	// shared, when set, advances the clock of every node on the database (sharedclock.go); without it the clock
	// is this process's.
	shared *sharedClock
}

func newOperator(svc *iam.Service, clk *clock.Clock, logger *slog.Logger) (*operator, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("operator token: %w", err)
	}
	return &operator{svc: svc, clock: clk, token: hex.EncodeToString(b), logger: logger}, nil
}

// authorize checks the operator token of a request to any operator endpoint: a missing one is
// MissingAuthenticationToken (401), a wrong one AccessDenied (403).
func (o *operator) authorize(req *api.EndpointRequest) error {
	r := req.HTTP
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		o.logger.LogAttrs(r.Context(), slog.LevelWarn, "operator request refused", slog.String("request_id", req.RequestID),
			slog.String("remote", r.RemoteAddr), slog.String("reason", "no bearer token"))
		return &awserr.Error{Code: "MissingAuthenticationToken", HTTPStatus: http.StatusUnauthorized,
			Message: "the operator endpoint needs Authorization: Bearer TOKEN, the token of the data directory's " + ServeFileName}
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(o.token)) != 1 {
		o.logger.LogAttrs(r.Context(), slog.LevelWarn, "operator request refused", slog.String("request_id", req.RequestID),
			slog.String("remote", r.RemoteAddr), slog.String("reason", "wrong token"))
		return &awserr.Error{Code: "AccessDenied", HTTPStatus: http.StatusForbidden, Message: "the operator token is not valid"}
	}
	return nil
}

// operatorRequest checks the operator token of a request and decodes its body into a new T.
func operatorRequest[T any](o *operator) func(req *api.EndpointRequest) (*T, error) {
	return func(req *api.EndpointRequest) (*T, error) {
		if err := o.authorize(req); err != nil {
			return nil, err
		}
		in := new(T)
		if err := decodeOperator(bytes.NewReader(req.Body), in); err != nil {
			return nil, &awserr.Error{Code: "MalformedRequest", HTTPStatus: http.StatusBadRequest, Message: err.Error()}
		}
		return in, nil
	}
}

// operatorErrorAnswer words the operator endpoints' errors as an OperatorError.
func operatorErrorAnswer(hdr http.Header, info awsquery.ErrorInfo) (int, any) {
	if info.HTTPStatus == http.StatusUnauthorized {
		hdr.Set("WWW-Authenticate", `Bearer realm="iamd operator"`)
	}
	return info.HTTPStatus, OperatorError{Code: info.Code, Message: info.Message}
}

// endpoints returns the handlers of the operator endpoints, run through the wire layer's pipeline (request IDs,
// admission, body limit, the one error edge, metrics and the audit hook) with the operator token as their
// credential.
func (o *operator) endpoints(obs api.Observer, admit *api.Admission, rec api.Recorder, st api.Syncer) (accounts, clock http.Handler) {
	a := api.NewEndpoint(api.EndpointSpec[*AccountRequest]{Service: "iamd", Operation: "CreateAccount", MaxBody: operatorMaxBody,
		Authenticate: operatorRequest[AccountRequest](o), Call: o.createAccount, ErrorAnswer: operatorErrorAnswer, Audit: o.auditAccount, Now: o.svc.Now}, o.logger, obs)
	c := api.NewEndpoint(api.EndpointSpec[*ClockRequest]{Service: "iamd", Operation: "AdvanceClock", MaxBody: operatorMaxBody,
		Authenticate: operatorRequest[ClockRequest](o), Call: o.advanceClock, ErrorAnswer: operatorErrorAnswer, Audit: o.auditClock, Now: o.svc.Now}, o.logger, obs)
	a.Admit(admit)
	c.Admit(admit)
	a.Record(rec)
	c.Record(rec)
	a.SyncStore(st)
	c.SyncStore(st)
	return a, c
}

// createAccount serves OperatorAccountsPath.
func (o *operator) createAccount(req *api.EndpointRequest, in *AccountRequest) (int, any, error) {
	r := req.HTTP
	rc, err := o.svc.CreateAccountIn(r.Context(), awsregion.Partition(in.Partition), in.AccountId, in.AccessKeyId, in.SecretAccessKey)
	if err != nil {
		return 0, nil, err
	}
	o.logger.LogAttrs(r.Context(), slog.LevelInfo, "operator created account", slog.String("request_id", req.RequestID), slog.String("remote", r.RemoteAddr),
		slog.String("account", rc.AccountID), slog.String("root_access_key_id", rc.AccessKeyID))
	return http.StatusCreated, accountCredentials(rc), nil
}

// decodeOperator reads exactly one JSON object with only the fields of req (an AccountRequest or ClockRequest).
func decodeOperator(r io.Reader, req any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		kind := "account"
		if _, ok := req.(*ClockRequest); ok {
			kind = "clock"
		}
		return fmt.Errorf("the request body is not a JSON %s request: %w", kind, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the request body has data after the JSON object")
	}
	return nil
}

// publish writes the serve file for a server listening on addr (with TLS when tlsCfg is not nil) and returns the
// function that removes it, unless another server has replaced it since.
func (o *operator) publish(dataDir string, addr net.Addr, tlsCfg *tls.Config) (func(), error) {
	sf := ServeFile{URL: "http://" + dialAddr(addr), Token: o.token}
	if tlsCfg != nil {
		sf.URL = "https://" + dialAddr(addr)
		if len(tlsCfg.Certificates) > 0 && len(tlsCfg.Certificates[0].Certificate) > 0 {
			sum := sha256.Sum256(tlsCfg.Certificates[0].Certificate[0])
			sf.CertSHA256 = hex.EncodeToString(sum[:])
		}
	}
	data, err := json.Marshal(sf)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, ServeFileName)
	f, err := os.CreateTemp(dataDir, ".iamd.serve-*.json") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("serve file: %w", err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o600)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("serve file: %w", werr)
	}
	o.logger.Info("operator endpoint published", "file", path, "url", sf.URL)
	return func() {
		cur, err := readServeFile(dataDir)
		if err == nil && subtle.ConstantTimeCompare([]byte(cur.Token), []byte(o.token)) == 1 {
			os.Remove(path)
		}
	}, nil
}

// dialAddr is the address a local client dials to reach a listener: a loopback address in place of an unspecified
// one (0.0.0.0 or ::).
func dialAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

func readServeFile(dataDir string) (ServeFile, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, ServeFileName))
	if err != nil {
		return ServeFile{}, err
	}
	return parseServeFile(data)
}

// parseServeFile decodes a serve file; it needs an http or https URL and a token.
func parseServeFile(data []byte) (ServeFile, error) {
	var sf ServeFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return sf, fmt.Errorf("%s: %w", ServeFileName, err)
	}
	if sf.Token == "" || !(strings.HasPrefix(sf.URL, "http://") || strings.HasPrefix(sf.URL, "https://")) {
		return ServeFile{}, fmt.Errorf("%s: no http(s) url or no token", ServeFileName)
	}
	return sf, nil
}

// remoteError is an error answered by the operator endpoint: its message as the server gave it, and the kind of
// error for callers that branch.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

// CreateAccountOnServer creates an account through the server that serves dataDir, if one does: it reads the serve
// file and posts the request to the operator endpoint. It returns an error wrapping ErrNoServer when there is no
// serve file or nothing answers at its URL; errors answered by the server wrap iam.ErrAccountExists,
// iam.ErrInvalidAccountRequest, iam.ErrAccessKeyInUse or ErrOperatorRefused.
func CreateAccountOnServer(ctx context.Context, dataDir string, req AccountRequest) (AccountCredentials, error) {
	var out AccountCredentials
	sf, resp, data, err := postOperator(ctx, dataDir, OperatorAccountsPath, req)
	if err != nil {
		return out, err
	}
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(data, &out); err != nil || out.AccountId == "" || out.AccessKeyId == "" {
			return AccountCredentials{}, fmt.Errorf("the server at %s answered an unexpected body", sf.URL)
		}
		return out, nil
	}
	var oe OperatorError
	if json.Unmarshal(data, &oe) != nil || oe.Message == "" {
		return out, fmt.Errorf("the server at %s answered %s", sf.URL, resp.Status)
	}
	var kind error
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		kind = ErrOperatorRefused
	case oe.Code == "AccountAlreadyExists":
		kind = iam.ErrAccountExists
	case oe.Code == "AccessKeyInUse":
		kind = iam.ErrAccessKeyInUse
	case resp.StatusCode == http.StatusBadRequest:
		kind = iam.ErrInvalidAccountRequest
	}
	return out, &remoteError{msg: oe.Message, kind: kind}
}

// postOperator posts req as JSON to an operator endpoint of the server that serves dataDir and returns its serve
// file, response and body. It returns ErrNoServer (or an error wrapping it) when there is no serve file or nothing
// answers at its URL.
func postOperator(ctx context.Context, dataDir, path string, req any) (ServeFile, *http.Response, []byte, error) {
	sf, err := readServeFile(dataDir)
	if errors.Is(err, os.ErrNotExist) {
		return sf, nil, nil, ErrNoServer
	}
	if err != nil {
		return sf, nil, nil, err
	}
	tr := &http.Transport{Proxy: nil} // never through a proxy: the request carries the token and the answer a secret
	if strings.HasPrefix(sf.URL, "https://") {
		tr.TLSClientConfig = pinnedTLS(sf.CertSHA256)
	}
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	defer tr.CloseIdleConnections()
	body, err := json.Marshal(req)
	if err != nil {
		return sf, nil, nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(sf.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return sf, nil, nil, fmt.Errorf("%s: %w", ServeFileName, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+sf.Token)
	resp, err := client.Do(hreq)
	if err != nil {
		if oe := (*net.OpError)(nil); errors.As(err, &oe) && oe.Op == "dial" {
			return sf, nil, nil, fmt.Errorf("%w: nothing answers at %s (a stale %s)", ErrNoServer, sf.URL, ServeFileName)
		}
		return sf, nil, nil, fmt.Errorf("the server at %s: %w", sf.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, operatorMaxBody))
	if err != nil {
		return sf, nil, nil, fmt.Errorf("the server at %s: %w", sf.URL, err)
	}
	return sf, resp, data, nil
}

// pinnedTLS trusts exactly the certificate with the given SHA-256 (hex), whatever its names or issuer: the serve
// file, readable only by the server's user, vouches for it.
func pinnedTLS(certSHA256 string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if certSHA256 == "" || subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(certSHA256))) != 1 {
				return x509.UnknownAuthorityError{Cert: cs.PeerCertificates[0]}
			}
			return nil
		},
	}
}

// CreateAccountInDir creates an account directly in the data directory of cfg (creating the directory, master key
// and database as serve does when they are absent), for when no server runs on it. Bad input changes nothing.
func CreateAccountInDir(ctx context.Context, cfg config.Config, req AccountRequest) (AccountCredentials, error) {
	var out AccountCredentials
	if err := iam.ValidateAccountRequest(req.AccountId, req.AccessKeyId, req.SecretAccessKey); err != nil {
		return out, err
	}
	core, err := bootstrap(ctx, cfg, slog.New(slog.DiscardHandler), time.Now, nil, nil)
	if err != nil {
		return out, err
	}
	defer core.store.Close()
	rc, err := core.iam.CreateAccountIn(ctx, awsregion.Partition(req.Partition), req.AccountId, req.AccessKeyId, req.SecretAccessKey)
	if err != nil {
		return out, err
	}
	return accountCredentials(rc), nil
}

// accountCredentials is how the operator API shows a new account's root credentials: the partition only when it
// is not aws.
func accountCredentials(rc iam.RootCredentials) AccountCredentials {
	out := AccountCredentials{AccountId: rc.AccountID, AccessKeyId: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey}
	if rc.Partition != awsregion.AWS {
		out.Partition = rc.Partition.String()
	}
	return out
}
