package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "iamd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// TestHTTPSWithAWSCLI serves HTTPS and checks that the AWS CLI, trusting the test CA, talks to it.
func TestHTTPSWithAWSCLI(t *testing.T) {
	needRealClient(t, "aws")
	certFile, keyFile := selfSigned(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = rootKeyID, rootSecret
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	defer func() {
		cancel()
		<-done
		srv.Close()
	}()
	s := &testServer{URL: "https://" + ln.Addr().String(), cliProcess: true} // the aws command's own trust of AWS_CA_BUNDLE
	out, errOut, code := s.awsCLIEnv(t, rootCreds, []string{"AWS_CA_BUNDLE=" + certFile}, "sts", "get-caller-identity")
	if code != 0 || !strings.Contains(out, "arn:aws:iam::"+account+":root") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	// A plain HTTP request to the TLS port is refused.
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the HTTPS listener")
	}
	if err == nil {
		resp.Body.Close()
	}
}

func TestMetricsCountRequestsAndDecisions(t *testing.T) {
	s := startServer(t)
	// The requests "aws iam list-users" and "aws iam get-user --user-name ghost" send, over the query API in process.
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"ListUsers"}})
	s.call(t, rootCreds, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"ghost"}})
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`iamd_requests_total{action="ListUsers",outcome="ok",service="iam"} 1`,
		`iamd_requests_total{action="GetUser",outcome="client_error",service="iam"} 1`,
		`iamd_request_duration_seconds_bucket{action="ListUsers"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
