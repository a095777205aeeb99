// Package config is iamd serve's configuration: one struct with defaults, filled from flags and their IAMD_*
// environment twins (a flag wins over the environment), validated, and redacted when printed.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/clock"
)

// Config is the server's configuration.
type Config struct {
	Listen              string // address to listen on
	DataDir             string // directory for the database and the master key (the key also with Store)
	Store               string `redact:"password"` // "": SQLite in DataDir; or a PostgreSQL URL, printed without its password
	AccountID           string // the default account's 12-digit ID
	Region              string // the region iamd answers for (STS, aws:RequestedRegion default)
	RootAccessKeyID     string // the default account's root access key ID; generated when empty
	RootSecretAccessKey string `redact:"true"`
	TLSCert             string // PEM certificate file; with TLSKey, serve HTTPS
	TLSKey              string // PEM private key file
	AWSData             string // directory with newer AWS authorization data, overriding the embedded copy
	Quotas              string // raised account quotas, "RolesPerAccount=5000,PoliciesPerAccount=5000"
	OIDCCAFile          string // PEM CA bundle trusted (besides the system roots) when fetching OIDC issuers' keys
	OIDCIssuerURL       string // base URL of the accounts' outbound web identity token issuers; "" derives it from the listener
	LogLevel            string // debug, info, warn, error
	LogFormat           string // text or json
	ShutdownGrace       string // how long a stop waits for requests in flight before closing their connections (a Go duration)
	// ClockOffset sets the test clock ahead of the real time at start: a Go duration or days ("49h", "90d");
	// empty for the real clock. See ClockOffsetDuration.
	ClockOffset string
	// AuditLog is a file the audit trail also writes each event to, as a line of JSON (created 0600, appended);
	// "-" is standard output; empty for none.
	AuditLog string
	// AuditFailClosed refuses mutating calls (503 ServiceUnavailable) while the trail cannot write an event to the
	// store or to the audit log.
	AuditFailClosed bool
	// AuditRetention is how long events are kept: a Go duration or days ("2160h", "90d"); "0" keeps them forever.
	// See AuditRetentionPeriod.
	AuditRetention string
	// MasterKeyFile is the file of the master key (the key-encryption key that wraps the data keys stored in the
	// database), base64 of 32 bytes; empty for MasterKey or, without it, master.key in DataDir. See MasterKeyPath.
	MasterKeyFile string
	// MasterKey is the master key itself, base64 of 32 bytes, from the environment only (IAMD_MASTER_KEY: a flag
	// would show it in the process list).
	MasterKey string `redact:"true"`
	// NoMigrate starts without applying the store's pending migrations (run "iamd migrate" first): a store whose
	// schema lacks some is refused. For rolling upgrades, where one step migrates and the nodes only start.
	NoMigrate bool
}

// EnvMasterKey is the environment variable that holds the master key itself (base64 of 32 bytes).
const EnvMasterKey = "IAMD_MASTER_KEY"

// masterKeyFileSpec is --master-key-file, which the commands that open a data directory share with serve.
var masterKeyFileSpec = flagSpec{"master-key-file", "IAMD_MASTER_KEY_FILE", "file of the master key that wraps the data keys in the database (base64 of 32 bytes; default: master.key in the data directory); or give the key itself in " + EnvMasterKey,
	func(c *Config) *string { return &c.MasterKeyFile }}

// DefaultAuditRetention is how long the trail keeps events by default: 90 days, as CloudTrail's event history.
const DefaultAuditRetention = "2160h"

// Default returns the defaults.
func Default() Config {
	return Config{
		Listen:         "127.0.0.1:4566",
		DataDir:        "./iamd-data",
		AccountID:      "123456789012",
		Region:         "us-east-1",
		LogLevel:       "info",
		LogFormat:      "text",
		ShutdownGrace:  "10s",
		AuditRetention: DefaultAuditRetention,
	}
}

// flagSpec ties a flag to its environment variable and field.
type flagSpec struct {
	name, env, usage string
	field            func(c *Config) *string
}

var specs = []flagSpec{
	{"listen", "IAMD_LISTEN", "address to listen on", func(c *Config) *string { return &c.Listen }},
	{"data", "IAMD_DATA", "data directory (database and master key)", func(c *Config) *string { return &c.DataDir }},
	{"store", "IAMD_STORE", "where the data is kept: a PostgreSQL URL, postgres://USER@HOST:PORT/DB?sslmode=... (default: SQLite in the data directory)", func(c *Config) *string { return &c.Store }},
	{"account-id", "IAMD_ACCOUNT_ID", "12-digit ID of the default account", func(c *Config) *string { return &c.AccountID }},
	{"region", "IAMD_REGION", "region iamd answers for", func(c *Config) *string { return &c.Region }},
	{"root-access-key-id", "IAMD_ROOT_ACCESS_KEY_ID", "root access key ID of the default account (generated when unset)", func(c *Config) *string { return &c.RootAccessKeyID }},
	{"root-secret-access-key", "IAMD_ROOT_SECRET_ACCESS_KEY", "root secret access key of the default account", func(c *Config) *string { return &c.RootSecretAccessKey }},
	{"tls-cert", "IAMD_TLS_CERT", "PEM certificate file; with --tls-key, serve HTTPS", func(c *Config) *string { return &c.TLSCert }},
	{"tls-key", "IAMD_TLS_KEY", "PEM private key file", func(c *Config) *string { return &c.TLSKey }},
	{"aws-data", "IAMD_AWS_DATA", "directory of newer AWS authorization data to use instead of the embedded copy", func(c *Config) *string { return &c.AWSData }},
	{"quotas", "IAMD_QUOTAS", "raised account quotas as AWS grants them, e.g. RolesPerAccount=5000,PoliciesPerAccount=5000", func(c *Config) *string { return &c.Quotas }},
	{"oidc-ca-file", "IAMD_OIDC_CA_FILE", "PEM CA bundle to trust, besides the system roots, when fetching OpenID Connect issuers' keys", func(c *Config) *string { return &c.OIDCCAFile }},
	{"oidc-issuer-url", "IAMD_OIDC_ISSUER_URL", "base URL of the accounts' outbound web identity token issuers, as external services reach iamd (default: from the address iamd listens on)", func(c *Config) *string { return &c.OIDCIssuerURL }},
	{"log-level", "IAMD_LOG_LEVEL", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }},
	{"log-format", "IAMD_LOG_FORMAT", "text or json", func(c *Config) *string { return &c.LogFormat }},
	{"shutdown-grace", "IAMD_SHUTDOWN_GRACE", "how long a stop waits for requests in flight before closing their connections", func(c *Config) *string { return &c.ShutdownGrace }},
	{"clock-offset", "IAMD_CLOCK_OFFSET", "for tests: run iamd's clock this far ahead of the real time, e.g. 49h or 90d (signatures and external tokens stay on the real time)", func(c *Config) *string { return &c.ClockOffset }},
	{"audit-log", "IAMD_AUDIT_LOG", "also write every audit event to this file as a line of JSON, for log shippers (created 0600 and appended; - for standard output)", func(c *Config) *string { return &c.AuditLog }},
	masterKeyFileSpec,
	{"audit-retention", "IAMD_AUDIT_RETENTION", "how long the audit trail keeps events, e.g. 2160h or 90d (0: forever); older events are pruned at start and hourly", func(c *Config) *string { return &c.AuditRetention }},
}

// boolSpec ties a boolean flag to its environment variable ("true", "1", ...) and field.
type boolSpec struct {
	name, env, usage string
	field            func(c *Config) *bool
}

var boolSpecs = []boolSpec{
	{"no-migrate", "IAMD_NO_MIGRATE", "do not apply the store's pending schema migrations at start: refuse to start unless \"iamd migrate\" has brought the schema to this version (see docs/migrations.md)", func(c *Config) *bool { return &c.NoMigrate }},
	{"audit-fail-closed", "IAMD_AUDIT_FAIL_CLOSED", "refuse mutating calls with 503 ServiceUnavailable while the audit trail cannot write an event (to the database or the --audit-log); read-only calls are still served, and changes are served again once a write succeeds. Without it, calls go on and the failure is logged and counted (iamd_trail_write_failures_total)", func(c *Config) *bool { return &c.AuditFailClosed }},
}

// Parse builds the configuration from defaults, then the environment, then the flags in args.
func Parse(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Default()
	for _, s := range specs {
		if v := getenv(s.env); v != "" {
			*s.field(&c) = v
		}
	}
	c.MasterKey = getenv(EnvMasterKey)
	var envErrs []error
	for _, s := range boolSpecs {
		if v := getenv(s.env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: want true or false", s.env, v))
			}
			*s.field(&c) = b
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range specs {
		fs.StringVar(s.field(&c), s.name, *s.field(&c), s.usage+" (env "+s.env+")")
	}
	for _, s := range boolSpecs {
		fs.BoolVar(s.field(&c), s.name, *s.field(&c), s.usage+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, errors.Join(append(envErrs, c.Validate())...)
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: %w", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data directory must not be empty"))
	}
	if c.Store != "" && !c.UsesPostgres() {
		errs = append(errs, fmt.Errorf("store %q: want a PostgreSQL URL, postgres://USER@HOST:PORT/DB?sslmode=... (or none, for SQLite in the data directory)", c.StoreRedacted()))
	} else if c.UsesPostgres() {
		if _, err := url.Parse(c.Store); err != nil {
			errs = append(errs, errors.New("store: the PostgreSQL URL does not parse"))
		}
	}
	if !accountRE.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account ID %q must be 12 digits", c.AccountID))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("set both IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY, or neither"))
	}
	if c.RootAccessKeyID != "" && (len(c.RootAccessKeyID) < 16 || len(c.RootAccessKeyID) > 128) {
		errs = append(errs, errors.New("root access key ID must be 16 to 128 characters"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("set both --tls-cert and --tls-key, or neither"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	if d, err := time.ParseDuration(c.ShutdownGrace); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("shutdown grace %q: want a duration such as 10s", c.ShutdownGrace))
	}
	if c.OIDCIssuerURL != "" {
		if err := validateIssuerURL(c.OIDCIssuerURL); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := c.ClockOffsetDuration(); err != nil {
		errs = append(errs, fmt.Errorf("clock offset: %w", err))
	}
	if _, err := c.AuditRetentionPeriod(); err != nil {
		errs = append(errs, fmt.Errorf("audit retention: %w", err))
	}
	if err := c.validateMasterKey(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// MasterKeySize is the size of a master key in bytes.
const MasterKeySize = 32

// validateMasterKey checks that at most one master key is given, and that IAMD_MASTER_KEY is base64 of 32 bytes;
// the error never quotes the key.
func (c Config) validateMasterKey() error {
	if c.MasterKey != "" && c.MasterKeyFile != "" {
		return fmt.Errorf("set --master-key-file (IAMD_MASTER_KEY_FILE) or %s, not both", EnvMasterKey)
	}
	if _, err := c.MasterKeyFromEnv(); err != nil {
		return err
	}
	return nil
}

// MasterKeyFromEnv returns the master key of IAMD_MASTER_KEY, nil when it is not set, or an error that does not
// quote it.
func (c Config) MasterKeyFromEnv() ([]byte, error) {
	if c.MasterKey == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.MasterKey))
	if err != nil || len(key) != MasterKeySize {
		return nil, fmt.Errorf("%s must be base64 of %d bytes (as in: head -c %d /dev/urandom | base64)", EnvMasterKey, MasterKeySize, MasterKeySize)
	}
	return key, nil
}

// MasterKeyGiven reports whether the master key is given (--master-key-file or IAMD_MASTER_KEY) rather than the
// data directory's own master.key, which iamd creates for a new directory.
func (c Config) MasterKeyGiven() bool { return c.MasterKeyFile != "" || c.MasterKey != "" }

// MasterKeySource names where the master key comes from, for messages: its file, or IAMD_MASTER_KEY.
func (c Config) MasterKeySource() string {
	if c.MasterKey != "" {
		return EnvMasterKey
	}
	return c.MasterKeyPath()
}

// AddMasterKeyFlags reads the master key's environment variables into c and adds --master-key-file to fs, for a
// command other than serve that opens the data directory.
func (c *Config) AddMasterKeyFlags(fs *flag.FlagSet, getenv func(string) string) {
	s := masterKeyFileSpec
	if v := getenv(s.env); v != "" {
		*s.field(c) = v
	}
	c.MasterKey = getenv(EnvMasterKey)
	fs.StringVar(s.field(c), s.name, *s.field(c), s.usage+" (env "+s.env+")")
}

// validateIssuerURL checks an issuer base URL: absolute http or https with a host, and no query, fragment or user
// (an OpenID Connect issuer identifier has none, OpenID Connect Discovery 1.0 section 2).
func validateIssuerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("OIDC issuer URL %q: want http(s)://host[:port][/path] without query, fragment or user", s)
	}
	return nil
}

// ShutdownGracePeriod is ShutdownGrace as a duration (10 seconds when it does not parse; Validate rejects that).
func (c Config) ShutdownGracePeriod() time.Duration {
	d, err := time.ParseDuration(c.ShutdownGrace)
	if err != nil || d < 0 {
		return 10 * time.Second
	}
	return d
}

// ClockOffsetDuration is ClockOffset parsed: zero when empty.
func (c Config) ClockOffsetDuration() (time.Duration, error) {
	if c.ClockOffset == "" {
		return 0, nil
	}
	return clock.ParseDuration(c.ClockOffset)
}

// AuditRetentionPeriod is AuditRetention parsed: zero keeps events forever; empty is the default, 90 days.
func (c Config) AuditRetentionPeriod() (time.Duration, error) {
	v := c.AuditRetention
	if v == "" {
		v = DefaultAuditRetention
	}
	if v == "0" {
		return 0, nil
	}
	d, err := clock.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}

// UsesPostgres tells whether the data is kept in PostgreSQL (Store is a postgres:// or postgresql:// URL).
func (c Config) UsesPostgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// StoreRedacted is Store with any password in it (in the user information or a password parameter) replaced.
func (c Config) StoreRedacted() string {
	u, err := url.Parse(c.Store)
	if err != nil {
		if c.Store == "" {
			return ""
		}
		return "(unparsable)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// DatabasePath is the SQLite file in the data directory.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "iamd.db") }

// DefaultMasterKeyPath is the data directory's own master key file, used when no other master key is given.
func (c Config) DefaultMasterKeyPath() string { return filepath.Join(c.DataDir, "master.key") }

// MasterKeyPath is the file of the master key: --master-key-file, or master.key in the data directory.
func (c Config) MasterKeyPath() string {
	if c.MasterKeyFile != "" {
		return c.MasterKeyFile
	}
	return c.DefaultMasterKeyPath()
}

// String prints the configuration with secrets redacted.
func (c Config) String() string {
	secret := ""
	if c.RootSecretAccessKey != "" {
		secret = "REDACTED"
	}
	masterKey := c.MasterKeyPath()
	if c.MasterKey != "" {
		masterKey = EnvMasterKey + " (REDACTED)"
	}
	return fmt.Sprintf("listen=%s data=%s store=%q account=%s region=%s root-access-key-id=%s root-secret-access-key=%s master-key=%q tls=%t aws-data=%q log=%s/%s shutdown-grace=%s clock-offset=%q audit-log=%q audit-fail-closed=%t audit-retention=%s",
		c.Listen, c.DataDir, c.StoreRedacted(), c.AccountID, c.Region, c.RootAccessKeyID, secret, masterKey, c.TLSCert != "", c.AWSData, c.LogLevel, c.LogFormat,
		c.ShutdownGracePeriod(), c.ClockOffset, c.AuditLog, c.AuditFailClosed, c.AuditRetention)
}

// EnsureDataDir creates the data directory with private permissions.
func (c Config) EnsureDataDir() error { return os.MkdirAll(c.DataDir, 0o700) }
