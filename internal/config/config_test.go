package config

import (
	"bytes"
	"encoding/base64"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParsePrecedence(t *testing.T) {
	c, err := Parse("serve", []string{"--listen", "127.0.0.1:9000"}, env(map[string]string{"IAMD_LISTEN": "127.0.0.1:8000", "IAMD_ACCOUNT_ID": "111122223333"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("flag should win over env: %s", c.Listen)
	}
	if c.AccountID != "111122223333" {
		t.Errorf("env should win over default: %s", c.AccountID)
	}
	if c.DataDir != "./iamd-data" || c.Region != "us-east-1" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"short account", []string{"--account-id", "123"}, "12 digits"},
		{"half root credentials", []string{"--root-access-key-id", "AKIAEXAMPLEEXAMPLE1"}, "both"},
		{"half tls", []string{"--tls-cert", "c.pem"}, "tls"},
		{"store that is no PostgreSQL URL", []string{"--store", "mysql://db/iamd"}, "PostgreSQL URL"},
		{"bad listen", []string{"--listen", "nonsense"}, "listen"},
		{"bad log level", []string{"--log-level", "loud"}, "log level"},
		{"bad shutdown grace", []string{"--shutdown-grace", "soon"}, "shutdown grace"},
		{"negative shutdown grace", []string{"--shutdown-grace", "-1s"}, "shutdown grace"},
		{"relative OIDC issuer URL", []string{"--oidc-issuer-url", "iamd.example.com"}, "OIDC issuer URL"},
		{"OIDC issuer URL with a query", []string{"--oidc-issuer-url", "https://iamd.example.com/?a=b"}, "OIDC issuer URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("serve", tt.args, env(nil), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestStringRedactsSecret(t *testing.T) {
	c := Default()
	c.RootAccessKeyID, c.RootSecretAccessKey = "AKIAEXAMPLEEXAMPLE1", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"
	if s := c.String(); strings.Contains(s, "wJalr") || !strings.Contains(s, "REDACTED") {
		t.Fatal(s)
	}
}

func TestShutdownGraceDefaultsToTenSecondsAndParses(t *testing.T) {
	if d := Default().ShutdownGracePeriod(); d.String() != "10s" {
		t.Errorf("default grace %v", d)
	}
	c, err := Parse("serve", nil, env(map[string]string{"IAMD_SHUTDOWN_GRACE": "250ms"}), io.Discard)
	if err != nil || c.ShutdownGracePeriod().String() != "250ms" {
		t.Fatalf("grace %v, %v", c.ShutdownGracePeriod(), err)
	}
}

// TestAuditSettings: --audit-fail-closed and its environment twin, --audit-retention's default of 90 days, days
// and 0 (forever), and the refusal of values that are not durations.
func TestAuditSettings(t *testing.T) {
	c, err := Parse("serve", []string{"--audit-log", "-"}, env(map[string]string{"IAMD_AUDIT_FAIL_CLOSED": "true"}), io.Discard)
	if err != nil || !c.AuditFailClosed || c.AuditLog != "-" {
		t.Fatalf("%+v %v", c, err)
	}
	if d, err := c.AuditRetentionPeriod(); err != nil || d.Hours() != 2160 {
		t.Fatalf("default retention %v %v", d, err)
	}
	for v, hours := range map[string]float64{"90d": 2160, "1h": 1, "0": 0} {
		c, err := Parse("serve", []string{"--audit-retention", v}, env(nil), io.Discard)
		if d, _ := c.AuditRetentionPeriod(); err != nil || d.Hours() != hours {
			t.Errorf("--audit-retention %s: %v %v", v, d, err)
		}
	}
	for _, bad := range []struct{ args, env []string }{
		{args: []string{"--audit-retention", "soon"}},
		{args: []string{"--audit-retention", "-1h"}},
		{env: []string{"IAMD_AUDIT_FAIL_CLOSED", "maybe"}},
	} {
		e := map[string]string{}
		if bad.env != nil {
			e[bad.env[0]] = bad.env[1]
		}
		if _, err := Parse("serve", bad.args, env(e), io.Discard); err == nil {
			t.Errorf("%v %v accepted", bad.args, bad.env)
		}
	}
}

// TestMasterKeySettings: --master-key-file and its environment twin name the master key file; IAMD_MASTER_KEY
// gives the key itself, must be base64 of 32 bytes, excludes the file, and is never printed, not even in the
// error that refuses it.
func TestMasterKeySettings(t *testing.T) {
	c, err := Parse("serve", []string{"--data", "d"}, env(nil), io.Discard)
	if err != nil || c.MasterKeyGiven() || c.MasterKeyPath() != filepath.Join("d", "master.key") {
		t.Fatalf("default: %q given=%t %v", c.MasterKeyPath(), c.MasterKeyGiven(), err)
	}
	c, err = Parse("serve", []string{"--master-key-file", "/k/flag.key"}, env(map[string]string{"IAMD_MASTER_KEY_FILE": "/k/env.key"}), io.Discard)
	if err != nil || !c.MasterKeyGiven() || c.MasterKeyPath() != "/k/flag.key" || c.MasterKeySource() != "/k/flag.key" {
		t.Fatalf("file: %q %v", c.MasterKeyPath(), err)
	}
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x42}, 32))
	c, err = Parse("serve", nil, env(map[string]string{"IAMD_MASTER_KEY": key}), io.Discard)
	if err != nil || !c.MasterKeyGiven() || c.MasterKeySource() != "IAMD_MASTER_KEY" {
		t.Fatalf("env: %v", err)
	}
	if b, err := c.MasterKeyFromEnv(); err != nil || !bytes.Equal(b, bytes.Repeat([]byte{0x42}, 32)) {
		t.Fatalf("env key: %v", err)
	}
	if s := c.String(); strings.Contains(s, key) || !strings.Contains(s, "IAMD_MASTER_KEY (REDACTED)") {
		t.Fatalf("String shows or hides the master key wrongly: %s", s)
	}
	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	for name, e := range map[string]map[string]string{
		"short key":    {"IAMD_MASTER_KEY": short},
		"not base64":   {"IAMD_MASTER_KEY": "not*base64*at*all*not*base64*at*all*not*base64"},
		"key and file": {"IAMD_MASTER_KEY": key, "IAMD_MASTER_KEY_FILE": "/k/env.key"},
	} {
		_, err := Parse("serve", nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "IAMD_MASTER_KEY") || strings.Contains(err.Error(), e["IAMD_MASTER_KEY"]) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStoreURLRedacted: a PostgreSQL URL is taken from --store or IAMD_STORE, and its password, in the user
// information or a parameter, never appears in the printed configuration.
func TestStoreURLRedacted(t *testing.T) {
	c, err := Parse("serve", nil, env(map[string]string{"IAMD_STORE": "postgres://iamd:s3cret@db:5432/iamd?sslmode=require&password=s3cret"}), io.Discard)
	if err != nil || !c.UsesPostgres() {
		t.Fatalf("Parse: %+v, %v", c, err)
	}
	if s := c.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "postgres://iamd:REDACTED@db:5432/iamd") {
		t.Fatal(s)
	}
	if c, err := Parse("serve", nil, env(nil), io.Discard); err != nil || c.UsesPostgres() {
		t.Fatalf("default store: %q, %v; want SQLite", c.Store, err)
	}
}
