// Package server assembles iamd serve from its configuration: it opens the store, loads the AWS data, builds the
// IAM and STS services and the AWS API handler with authentication, metrics and health checks, and serves HTTP or
// HTTPS on a listener until its context ends, then shuts down gracefully.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/api"
	"github.com/iamd-dev/iamd/internal/api/aaapi"
	"github.com/iamd-dev/iamd/internal/api/ctapi"
	"github.com/iamd-dev/iamd/internal/api/orgapi"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/oidc"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/samlsp"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/sts"
	"github.com/iamd-dev/iamd/internal/telemetry"
	"github.com/iamd-dev/iamd/reason"
)

// Server is a configured iamd server.
type Server struct {
	cfg    config.Config
	logger *slog.Logger
	store  store.Store
	trail  *audit.Trail
	// sink is the JSON-lines audit log (--audit-log), closed after the trail; nil without one.
	sink    *audit.JSONLines
	IAM     *iam.Service
	handler http.Handler
	// operator serves the operator endpoint and publishes the serve file while Run runs.
	operator *operator
	// inflight keeps the requests being served, for the log of a stop that cuts some off.
	inflight *inflight
	// Root is the default account's root credentials; the secret is set only when it was generated or given.
	Root iam.RootCredentials
	// Timeouts bound how long a connection may hold the server; set them before Run (zero fields take defaults).
	Timeouts HTTPTimeouts
	// MaxUnauthenticated is how many requests are read and authenticated at once, past which iamd answers 503; set
	// it before Run (zero takes the default, 256).
	MaxUnauthenticated int
	admission          *api.Admission
	// Clock is the test clock every time-based rule follows (the real time unless --clock-offset or an advance).
	Clock *clock.Clock
}

// New builds a server: it creates the data directory and database as needed and makes sure the default account
// and its root access key exist.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	clk, err := newClock(cfg, logger)
	if err != nil {
		return nil, err
	}
	quotas, err := iam.ParseQuotas(cfg.Quotas)
	if err != nil {
		return nil, err
	}
	webKeys, err := oidc.New(oidc.Options{CAFile: cfg.OIDCCAFile})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := telemetry.NewMetrics(reg)
	trailOpts, sink, err := trailOptions(cfg, logger, telemetry.NewAuditMetrics(reg), o.stdout)
	if err != nil {
		return nil, err
	}
	// The view of organizations needs only the store: IAM's decisions take it at construction, and the
	// Organizations service, which needs IAM, shares it.
	var orgView *org.View
	var trail *audit.Trail
	core, err := bootstrap(ctx, cfg, logger, clk.Now, func(st store.Store) store.Store {
		// Every request is recorded; a change's event is written in the change's transaction, through the store
		// the services use.
		trail = audit.New(st, trailOpts)
		return trail.Store()
	}, func(st store.Store) iam.Options {
		orgView = org.NewView(st)
		return iam.Options{RealNow: clk.Real, Quotas: quotas, Orgs: orgView, SAML: samlsp.Provider{}, History: audit.History{},
			OnDecision: func(r authz.Result) { metrics.ObserveDecision(r.String()) }}
	})
	if err != nil {
		if trail != nil {
			trail.Close(ctx)
		}
		closeSink(sink)
		return nil, err
	}
	st, svc := core.store, core.iam
	// The AWS APIs iamd serves, by their signing names.
	services := []string{"iam", "sts", "organizations", "cloudtrail", "access-analyzer"}
	trail.SetReadOnly(readOnlyFrom(svc.Catalog, services))
	var rec api.Recorder = api.TrailRecorder(trail)
	if o.untrailed {
		rec = nil
	}
	root, err := svc.EnsureAccount(ctx, cfg.AccountID, cfg.RootAccessKeyID, cfg.RootSecretAccessKey)
	if err != nil {
		trail.Close(ctx)
		closeSink(sink)
		st.Close()
		return nil, fmt.Errorf("default account: %w", err)
	}
	svc.SetOutboundIssuerBase(issuerBase(cfg.OIDCIssuerURL, cfg.Listen, cfg.TLSCert != ""))
	orgs := org.New(st, svc, orgView, org.Options{MaxAccounts: quotas.AccountsPerOrganization, Catalog: svc.Catalog})
	stsSvc := sts.New(st, svc, sts.Options{Region: cfg.Region, WebIdentityKeys: webKeys, SAML: samlsp.Provider{}})
	// The AWS APIs: each request must be signed for the API it calls, in a Region of its account's partition.
	keys := newKeyStore(svc, clk)
	verifier := &sigv4.Verifier{Keys: keys, Services: services, Regions: awsregion.AllRegions()}
	h := api.New(verifier, svc, stsSvc, logger, metrics)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, orgapi.Bind(orgs))
	// CloudTrail's API over the audit trail, on the same endpoint.
	// LookupEvents looks back as far as events are kept (CloudTrail's event history: 90 days), never further.
	retention, err := cfg.AuditRetentionPeriod()
	if err != nil {
		trail.Close(ctx)
		closeSink(sink)
		st.Close()
		return nil, fmt.Errorf("--audit-retention: %w", err)
	}
	cloudTrail := audit.NewService(st, svc, audit.ServiceOptions{Started: clk.Now(), Retention: retention})
	h.AddJSONService("cloudtrail", cttypes.TargetPrefix, ctapi.Bind(cloudTrail))
	// IAM Access Analyzer's policy checks (REST-JSON), on the same endpoint: ValidatePolicy's findings come from
	// policy/validate, the custom policy checks from package reason.
	checks, err := analyzer.New(st, svc, analyzer.Options{Checker: reason.New(reason.Options{Catalog: svc.Catalog}),
		Validator: policyValidator{cat: svc.Catalog}, History: audit.History{}, Principals: svc,
		Store: st, Orgs: orgView, Region: cfg.Region, Now: clk.Now,
		Generation: analyzer.GenerationOptions{Now: svc.Now, Catalog: svc.Catalog, Flush: trail.Flush}})
	if err != nil {
		trail.Close(ctx)
		closeSink(sink)
		st.Close()
		return nil, err
	}
	h.AddRESTJSONService(aatypes.SigningName, aaapi.Routes(), aaapi.Bind(checks))
	// Every endpoint syncs with the other nodes through the shared test clock: the store, then the clock's advances.
	shared, err := newSharedClock(ctx, st, clk, logger)
	if err != nil {
		trail.Close(ctx)
		closeSink(sink)
		st.Close()
		return nil, err
	}
	admission := api.NewAdmission(maxUnauthenticated)
	h.Admit(admission)
	h.Record(rec)
	h.SyncStore(shared)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := st.View(r.Context(), func(ctx context.Context, rd store.Reader) error {
			_, err := rd.Setting(ctx, cfg.AccountID, "account")
			return err
		}); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
		if off := clk.Offset(); off > 0 {
			fmt.Fprintf(w, "clock-offset: %s\n", off)
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	signin := api.NewSignInHandler(svc, logger)
	signin.Admit(admission)
	signin.Record(rec)
	signin.SyncStore(shared)
	signin.Observe(metrics)
	mux.Handle("POST /iamd/v1/signin", signin)
	// The decision API: calls are signed for the service "iamd"; /verify checks requests signed for any service,
	// in any Region, with UNSIGNED-PAYLOAD where that service (S3, say) accepts it.
	decisionAuth := &sigv4.Verifier{Keys: keys, Services: []string{api.DecisionService}, Regions: awsregion.AllRegions()}
	decisions := api.NewDecisionHandler(decisionAuth, &sigv4.Verifier{Keys: keyStore{svc: svc, clk: clk}, AllowUnsignedPayload: true,
		SignedPayloadServices: []string{"iam", "sts", "organizations", api.DecisionService}}, svc, logger, metrics)
	decisions.Admit(admission)
	decisions.Record(rec)
	decisions.SyncStore(shared)
	mux.Handle("POST "+api.AuthorizePath, decisions)
	mux.Handle("POST "+api.VerifyPath, decisions)
	for _, m := range []string{"PUT ", "GET ", "DELETE "} {
		mux.Handle(m+api.ResourcePoliciesPath, decisions)
	}
	op, err := newOperator(svc, clk, logger)
	if err != nil {
		trail.Close(ctx)
		closeSink(sink)
		st.Close()
		return nil, err
	}
	op.account, op.shared = cfg.AccountID, shared
	accounts, clockop := op.endpoints(metrics, admission, rec, shared)
	mux.Handle("POST "+OperatorAccountsPath, accounts)
	mux.Handle("POST "+OperatorClockPath, clockop)
	mountOIDCIssuer(mux, svc, shared, logger)
	mux.Handle("/", h)
	inflight := &inflight{}
	return &Server{cfg: cfg, logger: logger, store: st, trail: trail, sink: sink, IAM: svc, handler: inflight.wrap(refuseChunked(mux)), Root: root, operator: op, inflight: inflight, Clock: clk, admission: admission}, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close writes the audit trail's queued events and releases the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return errors.Join(s.trail.Close(ctx), closeSink(s.sink), s.store.Close())
}

// FlushTrail waits until every request answered so far has its event in the store.
func (s *Server) FlushTrail(ctx context.Context) error { return s.trail.Flush(ctx) }

// readOnlyFrom is CloudTrail's readOnly of an operation from the AWS service data: an action whose access level
// is List or Read only reads; an operation the data lacks is judged by its name. The trail asks it about every
// request: the actions of each service served are judged once, the first time one of them is asked about, into
// a map by their exact names, which answers without the catalog's case-folding lookups among every AWS service.
func readOnlyFrom(cat *catalog.Catalog, served []string) func(service, operation string) bool {
	judge := func(service, operation string) bool {
		if cat != nil {
			if a, ok := cat.Action(service, operation); ok {
				return a.AccessLevel == catalog.AccessList || a.AccessLevel == catalog.AccessRead
			}
		}
		return audit.ReadOnlyByName(operation)
	}
	judged := make(map[string]func() map[string]bool, len(served))
	for _, name := range served {
		judged[name] = sync.OnceValue(func() map[string]bool {
			ops := map[string]bool{}
			if cat == nil {
				return ops
			}
			if s, ok := cat.Service(name); ok {
				for _, a := range s.Actions {
					ops[a.Name] = judge(name, a.Name)
				}
			}
			return ops
		})
	}
	return func(service, operation string) bool {
		if ops, ok := judged[service]; ok {
			if ro, ok := ops()[operation]; ok {
				return ro
			}
		}
		return judge(service, operation)
	}
}

// Run serves on ln until ctx is done, then stops accepting requests, waits up to the configured grace period (ten
// seconds by default) for those in flight and closes the connections still open (see stop). It serves HTTPS when
// the configuration names a certificate.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := s.newHTTPServer(ctx)
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	s.IAM.SetOutboundIssuerBase(issuerBase(s.cfg.OIDCIssuerURL, ln.Addr().String(), s.cfg.TLSCert != ""))
	unpublish, perr := s.operator.publish(s.cfg.DataDir, ln.Addr(), srv.TLSConfig)
	if perr != nil {
		return perr
	}
	defer unpublish()
	pruneDone := s.pruneTrailHourly(ctx)
	defer func() { <-pruneDone }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	err := s.stop(ctx, srv)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// keyStore gives the SigV4 verifier the secrets of iamd's access keys. The verifier checks signatures against the
// real time; a temporary credential's expiry, on iamd's (test) clock, is handed to it as the real time it falls at.
type keyStore struct {
	svc *iam.Service
	clk *clock.Clock
	// regions are each partition's Regions, to which a key's requests are held; nil holds them to none (the
	// verifier of requests for other services, which takes any Region).
	regions map[awsregion.Partition][]string
}

// newKeyStore returns the key store of the AWS APIs: a key signs only for the Regions of its account's partition.
func newKeyStore(svc *iam.Service, clk *clock.Clock) keyStore {
	regions := map[awsregion.Partition][]string{}
	for _, p := range []awsregion.Partition{awsregion.AWS, awsregion.China, awsregion.GovCloud} {
		regions[p] = p.Regions()
	}
	return keyStore{svc: svc, clk: clk, regions: regions}
}

func (k keyStore) LookupKey(ctx context.Context, id string) (sigv4.Key, error) {
	cred, err := k.svc.LookupAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sigv4.Key{}, sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return sigv4.Key{}, err
	}
	if !cred.Active {
		return sigv4.Key{}, sigv4.ErrUnknownAccessKey
	}
	caller := cred.Caller
	expires := cred.Expires
	if !expires.IsZero() {
		expires = expires.Add(-k.clk.Offset())
	}
	return sigv4.Key{Secret: cred.Secret, SessionToken: cred.SessionToken, Expires: expires, Identity: &caller,
		Regions: k.regions[caller.Partition()]}, nil
}
