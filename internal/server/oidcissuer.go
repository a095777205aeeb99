package server

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"regexp"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/iamd-dev/iamd/internal/api"
	"github.com/iamd-dev/iamd/internal/iam"
)

// iamd is the OpenID Connect issuer of every account that enables outbound identity federation: the issuer of
// account A is <base>/iamd/v1/oidc/A (iam.OutboundIssuerPath), and iamd serves, unauthenticated as any issuer's
// documents are, its discovery document at <issuer>/.well-known/openid-configuration and its keys at
// <issuer>/.well-known/jwks.json (the paths AWS's IssuerIdentifier documentation names). <base> is
// --oidc-issuer-url, or, when unset, the scheme and address of iamd's listener.

// Paths of an account's issuer documents, under iam.OutboundIssuerPath.
const (
	oidcDiscoveryPattern = "GET " + iam.OutboundIssuerPath + "{account}/.well-known/openid-configuration"
	oidcJWKSPattern      = "GET " + iam.OutboundIssuerPath + "{account}/.well-known/jwks.json"
)

var issuerAccountRE = regexp.MustCompile(`^[0-9]{12}$`)

// oidcIssuer serves the accounts' issuer documents.
type oidcIssuer struct {
	svc *iam.Service
	// sync brings the store up to date with other nodes before each answer, as the API pipeline does: keys
	// created or retired through any node are served at once.
	sync   api.Syncer
	logger *slog.Logger
}

// mountOIDCIssuer adds the issuer documents' routes to mux.
func mountOIDCIssuer(mux *http.ServeMux, svc *iam.Service, sync api.Syncer, logger *slog.Logger) {
	o := oidcIssuer{svc: svc, sync: sync, logger: logger}
	mux.HandleFunc(oidcDiscoveryPattern, o.serveDiscovery)
	mux.HandleFunc(oidcJWKSPattern, o.serveJWKS)
}

// discoveryDocument is the part of OpenID Connect Discovery 1.0's provider metadata that an issuer of ID tokens
// only (no authorization endpoint: tokens come from STS GetWebIdentityToken) has.
type discoveryDocument struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// keys returns the account's public keys and its issuer URL, or answers 404 when the account has no issuer.
func (o oidcIssuer) keys(w http.ResponseWriter, r *http.Request) ([]jose.JSONWebKey, string, bool) {
	account := r.PathValue("account")
	if !issuerAccountRE.MatchString(account) {
		http.NotFound(w, r)
		return nil, "", false
	}
	if err := o.sync.Sync(r.Context()); err != nil {
		o.logger.Error("sync with the store", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return nil, "", false
	}
	keys, found, err := o.svc.OutboundPublicKeys(r.Context(), account)
	if err != nil {
		o.logger.Error("outbound identity federation keys", "account", account, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, "", false
	}
	if !found {
		http.NotFound(w, r)
		return nil, "", false
	}
	issuer, err := o.svc.OutboundIssuer(account)
	if err != nil {
		o.logger.Error("outbound identity federation issuer", "account", account, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, "", false
	}
	return keys, issuer, true
}

func (o oidcIssuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	_, issuer, ok := o.keys(w, r)
	if !ok {
		return
	}
	writeIssuerJSON(w, discoveryDocument{
		Issuer: issuer, JWKSURI: issuer + "/.well-known/jwks.json",
		ResponseTypesSupported: []string{"id_token"}, SubjectTypesSupported: []string{"public"},
		IDTokenSigningAlgValuesSupported: iam.OutboundAlgorithms(),
		ClaimsSupported:                  []string{"aud", "exp", "iat", "iss", "jti", "sub", "https://sts.amazonaws.com/"},
	})
}

func (o oidcIssuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	keys, _, ok := o.keys(w, r)
	if !ok {
		return
	}
	writeIssuerJSON(w, jose.JSONWebKeySet{Keys: keys})
}

func writeIssuerJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(append(b, '\n'))
}

// issuerBase is the base URL of the accounts' issuers for a server reached at addr (host:port): the configured
// one, else http(s)://addr, an unspecified host (0.0.0.0, ::) standing for the loopback address.
func issuerBase(configured, addr string, tls bool) string {
	if configured != "" {
		return configured
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + host
}
