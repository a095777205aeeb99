package iam_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// sshAuthorized returns an RSA key in OpenSSH authorized-keys form with a comment.
func sshAuthorized(t testing.TB, k *rsa.PrivateKey) (string, ssh.PublicKey) {
	t.Helper()
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " alice@laptop", pub
}

func TestSSHPublicKeysLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	body, pub := sshAuthorized(t, certsRSAKey(t, 0))
	up, err := svc.UploadSSHPublicKey(ctx, root, &iamtypes.UploadSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyBody: body})
	if err != nil {
		t.Fatal(err)
	}
	k := up.SSHPublicKey
	if !strings.HasPrefix(k.SSHPublicKeyId, "APKA") || len(k.SSHPublicKeyId) != 20 || k.Fingerprint != ssh.FingerprintLegacyMD5(pub) ||
		k.Status != "Active" || k.UserName != "alice" || k.UploadDate == nil {
		t.Fatalf("uploaded %+v", k)
	}
	// The same key in PEM is a duplicate; a second key in PEM (PKCS #1) is accepted with its own fingerprint.
	der, _ := x509.MarshalPKIXPublicKey(&certsRSAKey(t, 0).PublicKey)
	_, err = svc.UploadSSHPublicKey(ctx, root, &iamtypes.UploadSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyBody: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
	wantCode(t, err, "DuplicateSSHPublicKey")
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&certsRSAKey(t, 1).PublicKey)}))
	if _, err := svc.UploadSSHPublicKey(ctx, root, &iamtypes.UploadSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyBody: pkcs1}); err != nil {
		t.Fatal(err)
	}

	for enc, prefix := range map[iamtypes.EncodingType]string{"SSH": "ssh-rsa AAAA", "PEM": "-----BEGIN PUBLIC KEY-----\n"} {
		got, err := svc.GetSSHPublicKey(ctx, root, &iamtypes.GetSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: enc})
		if err != nil || !strings.HasPrefix(got.SSHPublicKey.SSHPublicKeyBody, prefix) || got.SSHPublicKey.Fingerprint != k.Fingerprint {
			t.Fatalf("get %s: %+v %v", enc, got, err)
		}
		if _, err := iam.ExportSSHKeyParse(got.SSHPublicKey.SSHPublicKeyBody); err != nil {
			t.Fatalf("the %s encoding does not upload again: %v", enc, err)
		}
	}
	if err := svc.UpdateSSHPublicKey(ctx, root, &iamtypes.UpdateSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	list, err := svc.ListSSHPublicKeys(ctx, root, &iamtypes.ListSSHPublicKeysRequest{UserName: str("alice")})
	if err != nil || len(list.SSHPublicKeys) != 2 || *list.IsTruncated {
		t.Fatalf("list %+v %v", list, err)
	}
	for _, m := range list.SSHPublicKeys {
		if m.SSHPublicKeyId == k.SSHPublicKeyId && m.Status != "Inactive" {
			t.Fatalf("status not updated: %+v", m)
		}
	}
	if err := svc.DeleteSSHPublicKey(ctx, root, &iamtypes.DeleteSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetSSHPublicKey(ctx, root, &iamtypes.GetSSHPublicKeyRequest{UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: "SSH"})
	wantCode(t, err, "NoSuchEntity")
}

func TestSSHPublicKeyErrorsChangeNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	userCaller(t, svc, root, "full")
	for i := range iam.MaxSSHPublicKeysPerUser {
		body, _ := sshAuthorized(t, certsRSAKey(t, i))
		if _, err := svc.UploadSSHPublicKey(ctx, root, &iamtypes.UploadSSHPublicKeyRequest{UserName: "full", SSHPublicKeyBody: body}); err != nil {
			t.Fatal(err)
		}
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallBody, _ := sshAuthorized(t, small)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edKey, _ := ssh.NewPublicKey(edPub)
	good, _ := sshAuthorized(t, certsRSAKey(t, iam.MaxSSHPublicKeysPerUser))
	cases := []struct {
		name   string
		caller *iam.Caller
		user   string
		body   string
		code   string
	}{
		{"truncated ssh-rsa", root, "alice", "ssh-rsa AAAAB3NzaC1yc2E", "InvalidPublicKey"},
		{"RSA key under 2048 bits", root, "alice", smallBody, "InvalidPublicKey"},
		{"ed25519 key", root, "alice", string(ssh.MarshalAuthorizedKey(edKey)), "UnrecognizedPublicKeyEncoding"},
		{"not a key", root, "alice", "hello", "UnrecognizedPublicKeyEncoding"},
		{"PEM private key", root, "alice", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "UnrecognizedPublicKeyEncoding"},
		{"sixth key", root, "full", good, "LimitExceeded"},
		{"no such user", root, "carol", good, "NoSuchEntity"},
		{"user without policy", alice, "alice", good, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := credSnapshot(t, svc)
			_, err := svc.UploadSSHPublicKey(ctx, tc.caller, &iamtypes.UploadSSHPublicKeyRequest{UserName: tc.user, SSHPublicKeyBody: tc.body})
			wantCode(t, err, tc.code)
			if credSnapshot(t, svc) != before {
				t.Fatal("a failed upload changed the store")
			}
		})
	}
	_, err := svc.ListSSHPublicKeys(ctx, alice, &iamtypes.ListSSHPublicKeysRequest{})
	wantCode(t, err, "AccessDenied")
}
