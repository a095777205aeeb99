package iam

import (
	"crypto/rsa"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// FuzzSSHPublicKeyParse checks that parsing an uploaded SSH public key never panics, accepts only RSA keys of at
// least 2048 bits, and that both encodings GetSSHPublicKey returns parse again to the same fingerprint.
func FuzzSSHPublicKeyParse(f *testing.F) {
	for _, seed := range []string{
		"", "hello", "ssh-rsa", "ssh-rsa AAAAB3NzaC1yc2E", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzvfE+qS09w+okgrO0gY7jryF0lSCxdEO/O0UaUhuZe algo@ssh",
		"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n",
		"-----BEGIN RSA PUBLIC KEY-----\n\n-----END RSA PUBLIC KEY-----\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		pub, err := sshkeysParse(body)
		if err != nil {
			return
		}
		rk, ok := pub.(ssh.CryptoPublicKey).CryptoPublicKey().(*rsa.PublicKey)
		if !ok || rk.N.BitLen() < sshkeysMinBits {
			t.Fatalf("accepted a key that is not RSA of 2048 bits or more: %q", body)
		}
		sshText, pemText, fp, err := sshkeysEncodings(pub)
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{sshText, pemText} {
			again, err := sshkeysParse(enc)
			if err != nil || ssh.FingerprintLegacyMD5(again) != fp {
				t.Fatalf("encoding %q does not parse to the same key: %v", enc, err)
			}
		}
		if strings.Count(fp, ":") != 15 {
			t.Fatalf("fingerprint %q is not 16 colon-separated bytes", fp)
		}
	})
}

// FuzzCertificateParse checks that parsing an uploaded certificate never panics and rejects with AWS's error.
func FuzzCertificateParse(f *testing.F) {
	for _, seed := range []string{"", "nope", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if _, err := certsParse(body); err != nil && !strings.Contains(err.Error(), "MalformedCertificate") {
			t.Fatalf("unexpected error %v", err)
		}
		_, _ = srvcertParseKey(body)
		_ = srvcertParseChain(body)
	})
}
