package iam_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

var certsKeys = struct {
	sync.Mutex
	keys []*rsa.PrivateKey
}{}

// certsRSAKey returns the i-th 2048-bit RSA test key, generated once per test binary.
func certsRSAKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	certsKeys.Lock()
	defer certsKeys.Unlock()
	for len(certsKeys.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		certsKeys.keys = append(certsKeys.keys, k)
	}
	return certsKeys.keys[i]
}

// certsMake makes a self-signed certificate for key (a fresh 2048-bit RSA key's when nil) valid until notAfter and
// returns it and the key in PEM.
func certsMake(t testing.TB, key crypto.Signer, notAfter time.Time) (string, string) {
	t.Helper()
	if key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "iamd test"}, NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

var certsFuture = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

func TestSigningCertificatesLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	cert, _ := certsMake(t, certsRSAKey(t, 0), certsFuture)
	up, err := svc.UploadSigningCertificate(ctx, root, &iamtypes.UploadSigningCertificateRequest{UserName: str("alice"), CertificateBody: cert})
	if err != nil {
		t.Fatal(err)
	}
	c := up.Certificate
	if len(c.CertificateId) != 32 || strings.ToUpper(c.CertificateId) != c.CertificateId || c.UserName != "alice" || c.Status != "Active" || c.CertificateBody != cert {
		t.Fatalf("uploaded %+v", c)
	}
	if err := svc.UpdateSigningCertificate(ctx, root, &iamtypes.UpdateSigningCertificateRequest{UserName: str("alice"), CertificateId: c.CertificateId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	list, err := svc.ListSigningCertificates(ctx, root, &iamtypes.ListSigningCertificatesRequest{UserName: str("alice")})
	if err != nil || len(list.Certificates) != 1 || list.Certificates[0].Status != "Inactive" || *list.IsTruncated {
		t.Fatalf("list %+v %v", list, err)
	}
	// The root user has its own certificates, apart from its users'.
	if list, err := svc.ListSigningCertificates(ctx, root, &iamtypes.ListSigningCertificatesRequest{}); err != nil || len(list.Certificates) != 0 {
		t.Fatalf("root list %+v %v", list, err)
	}
	if err := svc.DeleteSigningCertificate(ctx, root, &iamtypes.DeleteSigningCertificateRequest{UserName: str("alice"), CertificateId: c.CertificateId}); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteSigningCertificate(ctx, root, &iamtypes.DeleteSigningCertificateRequest{UserName: str("alice"), CertificateId: c.CertificateId})
	wantCode(t, err, "NoSuchEntity")
}

func TestSigningCertificateErrorsChangeNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	userCaller(t, svc, root, "bob")
	cert0, _ := certsMake(t, certsRSAKey(t, 0), certsFuture)
	cert1, _ := certsMake(t, certsRSAKey(t, 1), certsFuture)
	cert2, _ := certsMake(t, certsRSAKey(t, 2), certsFuture)
	expired, _ := certsMake(t, certsRSAKey(t, 0), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecCert, _ := certsMake(t, ec, certsFuture)
	for _, body := range []string{cert0, cert1} {
		if _, err := svc.UploadSigningCertificate(ctx, root, &iamtypes.UploadSigningCertificateRequest{UserName: str("alice"), CertificateBody: body}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		caller *iam.Caller
		user   string
		body   string
		code   string
	}{
		{"not PEM", root, "bob", "hello", "MalformedCertificate"},
		{"PEM but not a certificate", root, "bob", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), "MalformedCertificate"},
		{"expired", root, "bob", expired, "MalformedCertificate"},
		{"not RSA", root, "bob", ecCert, "InvalidCertificate"},
		{"same certificate on another user", root, "bob", cert0, "DuplicateCertificate"},
		{"third certificate", root, "alice", cert2, "LimitExceeded"},
		{"no such user", root, "carol", cert2, "NoSuchEntity"},
		{"user without policy", alice, "alice", cert2, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := credSnapshot(t, svc)
			_, err := svc.UploadSigningCertificate(ctx, tc.caller, &iamtypes.UploadSigningCertificateRequest{UserName: str(tc.user), CertificateBody: tc.body})
			wantCode(t, err, tc.code)
			if credSnapshot(t, svc) != before {
				t.Fatal("a failed upload changed the store")
			}
		})
	}
}

func TestServerCertificatesLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	cert, key := certsMake(t, certsRSAKey(t, 0), certsFuture)
	chain, _ := certsMake(t, certsRSAKey(t, 1), certsFuture)
	up, err := svc.UploadServerCertificate(ctx, root, &iamtypes.UploadServerCertificateRequest{Path: str("/cloudfront/"), ServerCertificateName: "web",
		CertificateBody: cert, PrivateKey: key, CertificateChain: str(chain), Tags: []iamtypes.Tag{{Key: "env", Value: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	md := up.ServerCertificateMetadata
	if !strings.HasPrefix(md.ServerCertificateId, "ASCA") || len(md.ServerCertificateId) != 21 || md.Arn != "arn:aws:iam::"+testAccount+":server-certificate/cloudfront/web" ||
		!md.Expiration.Equal(certsFuture) || len(up.Tags) != 1 {
		t.Fatalf("uploaded %+v %+v", md, up.Tags)
	}
	// The private key is stored sealed and never returned.
	err = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, testAccount, iam.KindServerCertificate, "web")
		if err != nil {
			return err
		}
		keyDER, _ := pem.Decode([]byte(key))
		if bytes.Contains(e.Data, []byte("PRIVATE KEY")) || bytes.Contains(e.Data, keyDER.Bytes) {
			t.Error("private key stored in clear")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetServerCertificate(ctx, root, &iamtypes.GetServerCertificateRequest{ServerCertificateName: "WEB"})
	if err != nil || got.ServerCertificate.CertificateBody != cert || *got.ServerCertificate.CertificateChain != chain || got.ServerCertificate.ServerCertificateMetadata.ServerCertificateName != "web" {
		t.Fatalf("get %+v %v", got, err)
	}
	if err := svc.UpdateServerCertificate(ctx, root, &iamtypes.UpdateServerCertificateRequest{ServerCertificateName: "web", NewServerCertificateName: str("site"), NewPath: str("/elb/")}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetServerCertificate(ctx, root, &iamtypes.GetServerCertificateRequest{ServerCertificateName: "web"})
	wantCode(t, err, "NoSuchEntity")
	got, err = svc.GetServerCertificate(ctx, root, &iamtypes.GetServerCertificateRequest{ServerCertificateName: "site"})
	if err != nil || got.ServerCertificate.ServerCertificateMetadata.Arn != "arn:aws:iam::"+testAccount+":server-certificate/elb/site" ||
		got.ServerCertificate.ServerCertificateMetadata.ServerCertificateId != md.ServerCertificateId {
		t.Fatalf("renamed %+v %v", got, err)
	}
	for prefix, n := range map[string]int{"/": 1, "/elb/": 1, "/cloudfront/": 0} {
		list, err := svc.ListServerCertificates(ctx, root, &iamtypes.ListServerCertificatesRequest{PathPrefix: str(prefix)})
		if err != nil || len(list.ServerCertificateMetadataList) != n {
			t.Fatalf("list %s: %+v %v", prefix, list, err)
		}
	}
	if err := svc.TagServerCertificate(ctx, root, &iamtypes.TagServerCertificateRequest{ServerCertificateName: "site", Tags: []iamtypes.Tag{{Key: "team", Value: "web"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UntagServerCertificate(ctx, root, &iamtypes.UntagServerCertificateRequest{ServerCertificateName: "site", TagKeys: []string{"ENV"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := svc.ListServerCertificateTags(ctx, root, &iamtypes.ListServerCertificateTagsRequest{ServerCertificateName: "site"})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0].Key != "team" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	// tags come a page at a time, like every other entity's
	if err := svc.TagServerCertificate(ctx, root, &iamtypes.TagServerCertificateRequest{ServerCertificateName: "site", Tags: []iamtypes.Tag{{Key: "owner", Value: "ops"}}}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.ListServerCertificateTags(ctx, root, &iamtypes.ListServerCertificateTagsRequest{ServerCertificateName: "site", MaxItems: ptr32(1)})
	if err != nil || len(first.Tags) != 1 || first.IsTruncated == nil || !*first.IsTruncated || first.Marker == nil {
		t.Fatalf("first page %+v %v", first, err)
	}
	second, err := svc.ListServerCertificateTags(ctx, root, &iamtypes.ListServerCertificateTagsRequest{ServerCertificateName: "site", Marker: first.Marker})
	if err != nil || len(second.Tags) != 1 || second.Tags[0].Key == first.Tags[0].Key || (second.IsTruncated != nil && *second.IsTruncated) {
		t.Fatalf("second page %+v %v", second, err)
	}
	if err := svc.DeleteServerCertificate(ctx, root, &iamtypes.DeleteServerCertificateRequest{ServerCertificateName: "site"}); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteServerCertificate(ctx, root, &iamtypes.DeleteServerCertificateRequest{ServerCertificateName: "site"})
	wantCode(t, err, "NoSuchEntity")
}

func TestServerCertificateErrorsChangeNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	cert, key := certsMake(t, certsRSAKey(t, 0), certsFuture)
	_, otherKey := certsMake(t, certsRSAKey(t, 1), certsFuture)
	if _, err := svc.UploadServerCertificate(ctx, root, &iamtypes.UploadServerCertificateRequest{ServerCertificateName: "taken", CertificateBody: cert, PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		caller *iam.Caller
		in     iamtypes.UploadServerCertificateRequest
		code   string
	}{
		{"malformed certificate", root, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "a", CertificateBody: "nope", PrivateKey: key}, "MalformedCertificate"},
		{"malformed key", root, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "a", CertificateBody: cert, PrivateKey: "nope"}, "MalformedCertificate"},
		{"key of another certificate", root, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "a", CertificateBody: cert, PrivateKey: otherKey}, "KeyPairMismatch"},
		{"chain that does not parse", root, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "a", CertificateBody: cert, PrivateKey: key, CertificateChain: str(cert + "garbage")}, "MalformedCertificate"},
		{"name taken in another case", root, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "TAKEN", CertificateBody: cert, PrivateKey: key}, "EntityAlreadyExists"},
		{"user without policy", alice, iamtypes.UploadServerCertificateRequest{ServerCertificateName: "a", CertificateBody: cert, PrivateKey: key}, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := credSnapshot(t, svc)
			_, err := svc.UploadServerCertificate(ctx, tc.caller, &tc.in)
			wantCode(t, err, tc.code)
			if credSnapshot(t, svc) != before {
				t.Fatal("a failed upload changed the store")
			}
		})
	}
	_, err := svc.GetServerCertificate(ctx, alice, &iamtypes.GetServerCertificateRequest{ServerCertificateName: "taken"})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetServerCertificate(ctx, alice, &iamtypes.GetServerCertificateRequest{ServerCertificateName: "absent"})
	wantCode(t, err, "AccessDenied")
	_, err = svc.ListServerCertificates(ctx, alice, &iamtypes.ListServerCertificatesRequest{})
	wantCode(t, err, "AccessDenied")
}

func TestServerCertificateQuotaPerAccount(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	cert, key := certsMake(t, certsRSAKey(t, 0), certsFuture)
	for i := range iam.MaxServerCertificatesPerAccount {
		if _, err := svc.UploadServerCertificate(ctx, root, &iamtypes.UploadServerCertificateRequest{ServerCertificateName: "c" + string(rune('a'+i)), CertificateBody: cert, PrivateKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.UploadServerCertificate(ctx, root, &iamtypes.UploadServerCertificateRequest{ServerCertificateName: "one-more", CertificateBody: cert, PrivateKey: key})
	wantCode(t, err, "LimitExceeded")
}
