package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/samlsp/samltest"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// moreNormalizers replace what the credential scenario's answers change from run to run, beyond normalize's.
var moreNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b(APKA|ASCA|ACCA)[A-Z2-7]{12,17}\b`), "${1}EXAMPLE"},
	{regexp.MustCompile(`<CertificateId>[^<]+</CertificateId>`), "<CertificateId>CERTIFICATE-ID</CertificateId>"},
	{regexp.MustCompile(`(?s)<CertificateBody>.*?</CertificateBody>`), "<CertificateBody>CERTIFICATE</CertificateBody>"},
	{regexp.MustCompile(`(?s)<SSHPublicKeyBody>.*?</SSHPublicKeyBody>`), "<SSHPublicKeyBody>KEY</SSHPublicKeyBody>"},
	{regexp.MustCompile(`<Fingerprint>[^<]+</Fingerprint>`), "<Fingerprint>FINGERPRINT</Fingerprint>"},
	{regexp.MustCompile(`<ServicePassword>[^<]+</ServicePassword>`), "<ServicePassword>PASSWORD</ServicePassword>"},
	{regexp.MustCompile(`<Base32StringSeed>[^<]+</Base32StringSeed>`), "<Base32StringSeed>SEED</Base32StringSeed>"},
	{regexp.MustCompile(`<QRCodePNG>[^<]+</QRCodePNG>`), "<QRCodePNG>PNG</QRCodePNG>"},
	{regexp.MustCompile(`<Content>[^<]+</Content>`), "<Content>REPORT</Content>"},
	{regexp.MustCompile(`<DeletionTaskId>[^<]+</DeletionTaskId>`), "<DeletionTaskId>TASK</DeletionTaskId>"},
}

func goldenMore(t *testing.T, name string, status int, body string) {
	t.Helper()
	for _, n := range moreNormalizers {
		body = n.re.ReplaceAllString(body, n.with)
	}
	golden(t, name, status, body)
}

// selfSignedPEM returns a self-signed certificate and its private key, in PEM.
func selfSignedPEM(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// sshRSAPublicKey returns a new RSA public key in OpenSSH's authorized_keys form.
func sshRSAPublicKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	field := func(b []byte) []byte {
		n := len(b)
		return append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, b...)
	}
	e := big.NewInt(int64(key.PublicKey.E)).Bytes()
	n := key.PublicKey.N.Bytes()
	if n[0]&0x80 != 0 {
		n = append([]byte{0}, n...)
	}
	var blob []byte
	blob = append(blob, field([]byte("ssh-rsa"))...)
	blob = append(blob, field(e)...)
	blob = append(blob, field(n)...)
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " bob@example"
}

// TestGoldenCredentialResponses pins the XML of the IAM operations of passwords, MFA devices, SSH keys,
// certificates, service-specific credentials, identity providers and the credential report.
func TestGoldenCredentialResponses(t *testing.T) {
	s := startServer(t)
	acct := account
	call := func(name string, params map[string]string) string {
		t.Helper()
		v := url.Values{}
		for k, x := range params {
			v.Set(k, x)
		}
		status, body := s.call(t, rootCreds, "iam", v)
		goldenMore(t, name, status, body)
		return body
	}
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"bob"}})

	call("UpdateAccountPasswordPolicy", map[string]string{"Action": "UpdateAccountPasswordPolicy", "MinimumPasswordLength": "12", "RequireSymbols": "true"})
	call("GetAccountPasswordPolicy", map[string]string{"Action": "GetAccountPasswordPolicy"})
	call("CreateLoginProfile", map[string]string{"Action": "CreateLoginProfile", "UserName": "bob", "Password": "Correct-Horse-9!", "PasswordResetRequired": "true"})
	call("GetLoginProfile", map[string]string{"Action": "GetLoginProfile", "UserName": "bob"})
	call("UpdateLoginProfile", map[string]string{"Action": "UpdateLoginProfile", "UserName": "bob", "PasswordResetRequired": "false"})
	call("DeleteLoginProfile", map[string]string{"Action": "DeleteLoginProfile", "UserName": "bob"})
	call("DeleteAccountPasswordPolicy", map[string]string{"Action": "DeleteAccountPasswordPolicy"})

	// Virtual MFA.
	dev := call("CreateVirtualMFADevice", map[string]string{"Action": "CreateVirtualMFADevice", "VirtualMFADeviceName": "bob-phone"})
	m := regexp.MustCompile(`<Base32StringSeed>([^<]+)</Base32StringSeed>`).FindStringSubmatch(dev)
	if m == nil {
		t.Fatalf("CreateVirtualMFADevice: %s", dev)
	}
	b32, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(string(b32), "="))
	if err != nil {
		t.Fatal(err)
	}
	serial := "arn:aws:iam::" + acct + ":mfa/bob-phone"
	now := time.Now()
	call("EnableMFADevice", map[string]string{"Action": "EnableMFADevice", "UserName": "bob", "SerialNumber": serial,
		"AuthenticationCode1": totpAt(t, seed, now.Add(-30*time.Second)), "AuthenticationCode2": totpAt(t, seed, now)})
	call("ListMFADevices", map[string]string{"Action": "ListMFADevices", "UserName": "bob"})
	call("ListVirtualMFADevices", map[string]string{"Action": "ListVirtualMFADevices", "AssignmentStatus": "Assigned"})
	call("TagMFADevice", map[string]string{"Action": "TagMFADevice", "SerialNumber": serial, "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"})
	call("ListMFADeviceTags", map[string]string{"Action": "ListMFADeviceTags", "SerialNumber": serial})
	call("UntagMFADevice", map[string]string{"Action": "UntagMFADevice", "SerialNumber": serial, "TagKeys.member.1": "k"})
	call("GetMFADevice", map[string]string{"Action": "GetMFADevice", "UserName": "bob", "SerialNumber": serial})
	call("ResyncMFADevice", map[string]string{"Action": "ResyncMFADevice", "UserName": "bob", "SerialNumber": serial,
		"AuthenticationCode1": totpAt(t, seed, now.Add(30*time.Second)), "AuthenticationCode2": totpAt(t, seed, now.Add(60*time.Second))})
	call("DeactivateMFADevice", map[string]string{"Action": "DeactivateMFADevice", "UserName": "bob", "SerialNumber": serial})
	call("DeleteVirtualMFADevice", map[string]string{"Action": "DeleteVirtualMFADevice", "SerialNumber": serial})

	// SSH public keys.
	key := call("UploadSSHPublicKey", map[string]string{"Action": "UploadSSHPublicKey", "UserName": "bob", "SSHPublicKeyBody": sshRSAPublicKey(t)})
	keyID := regexp.MustCompile(`<SSHPublicKeyId>([^<]+)</SSHPublicKeyId>`).FindStringSubmatch(key)
	if keyID == nil {
		t.Fatalf("UploadSSHPublicKey: %s", key)
	}
	call("GetSSHPublicKey", map[string]string{"Action": "GetSSHPublicKey", "UserName": "bob", "SSHPublicKeyId": keyID[1], "Encoding": "SSH"})
	call("ListSSHPublicKeys", map[string]string{"Action": "ListSSHPublicKeys", "UserName": "bob"})
	call("UpdateSSHPublicKey", map[string]string{"Action": "UpdateSSHPublicKey", "UserName": "bob", "SSHPublicKeyId": keyID[1], "Status": "Inactive"})
	call("DeleteSSHPublicKey", map[string]string{"Action": "DeleteSSHPublicKey", "UserName": "bob", "SSHPublicKeyId": keyID[1]})

	// Server and signing certificates.
	certPEM, keyPEM := selfSignedPEM(t, "www.example.com")
	call("UploadServerCertificate", map[string]string{"Action": "UploadServerCertificate", "ServerCertificateName": "www", "Path": "/web/",
		"CertificateBody": certPEM, "PrivateKey": keyPEM})
	call("GetServerCertificate", map[string]string{"Action": "GetServerCertificate", "ServerCertificateName": "www"})
	call("ListServerCertificates", map[string]string{"Action": "ListServerCertificates"})
	call("TagServerCertificate", map[string]string{"Action": "TagServerCertificate", "ServerCertificateName": "www", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"})
	call("ListServerCertificateTags", map[string]string{"Action": "ListServerCertificateTags", "ServerCertificateName": "www"})
	call("UntagServerCertificate", map[string]string{"Action": "UntagServerCertificate", "ServerCertificateName": "www", "TagKeys.member.1": "k"})
	call("UpdateServerCertificate", map[string]string{"Action": "UpdateServerCertificate", "ServerCertificateName": "www", "NewServerCertificateName": "www2"})
	call("DeleteServerCertificate", map[string]string{"Action": "DeleteServerCertificate", "ServerCertificateName": "www2"})
	signPEM, _ := selfSignedPEM(t, "bob")
	cert := call("UploadSigningCertificate", map[string]string{"Action": "UploadSigningCertificate", "UserName": "bob", "CertificateBody": signPEM})
	certID := regexp.MustCompile(`<CertificateId>([^<]+)</CertificateId>`).FindStringSubmatch(cert)
	if certID == nil {
		t.Fatalf("UploadSigningCertificate: %s", cert)
	}
	call("ListSigningCertificates", map[string]string{"Action": "ListSigningCertificates", "UserName": "bob"})
	call("UpdateSigningCertificate", map[string]string{"Action": "UpdateSigningCertificate", "UserName": "bob", "CertificateId": certID[1], "Status": "Inactive"})
	call("DeleteSigningCertificate", map[string]string{"Action": "DeleteSigningCertificate", "UserName": "bob", "CertificateId": certID[1]})

	// Service-specific credentials.
	cred := call("CreateServiceSpecificCredential", map[string]string{"Action": "CreateServiceSpecificCredential", "UserName": "bob", "ServiceName": "codecommit.amazonaws.com"})
	credID := regexp.MustCompile(`<ServiceSpecificCredentialId>([^<]+)</ServiceSpecificCredentialId>`).FindStringSubmatch(cred)
	if credID == nil {
		t.Fatalf("CreateServiceSpecificCredential: %s", cred)
	}
	call("ListServiceSpecificCredentials", map[string]string{"Action": "ListServiceSpecificCredentials", "UserName": "bob"})
	call("UpdateServiceSpecificCredential", map[string]string{"Action": "UpdateServiceSpecificCredential", "UserName": "bob", "ServiceSpecificCredentialId": credID[1], "Status": "Inactive"})
	call("ResetServiceSpecificCredential", map[string]string{"Action": "ResetServiceSpecificCredential", "UserName": "bob", "ServiceSpecificCredentialId": credID[1]})
	call("DeleteServiceSpecificCredential", map[string]string{"Action": "DeleteServiceSpecificCredential", "UserName": "bob", "ServiceSpecificCredentialId": credID[1]})

	// OpenID Connect providers.
	oidc := "arn:aws:iam::" + acct + ":oidc-provider/token.example.com"
	call("CreateOpenIDConnectProvider", map[string]string{"Action": "CreateOpenIDConnectProvider", "Url": "https://token.example.com",
		"ClientIDList.member.1": "sts.amazonaws.com", "ThumbprintList.member.1": strings.Repeat("ab", 20)})
	call("GetOpenIDConnectProvider", map[string]string{"Action": "GetOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc})
	call("ListOpenIDConnectProviders", map[string]string{"Action": "ListOpenIDConnectProviders"})
	call("AddClientIDToOpenIDConnectProvider", map[string]string{"Action": "AddClientIDToOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc, "ClientID": "app"})
	call("RemoveClientIDFromOpenIDConnectProvider", map[string]string{"Action": "RemoveClientIDFromOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc, "ClientID": "app"})
	call("UpdateOpenIDConnectProviderThumbprint", map[string]string{"Action": "UpdateOpenIDConnectProviderThumbprint", "OpenIDConnectProviderArn": oidc, "ThumbprintList.member.1": strings.Repeat("cd", 20)})
	call("TagOpenIDConnectProvider", map[string]string{"Action": "TagOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc, "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"})
	call("ListOpenIDConnectProviderTags", map[string]string{"Action": "ListOpenIDConnectProviderTags", "OpenIDConnectProviderArn": oidc})
	call("UntagOpenIDConnectProvider", map[string]string{"Action": "UntagOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc, "TagKeys.member.1": "k"})
	call("DeleteOpenIDConnectProvider", map[string]string{"Action": "DeleteOpenIDConnectProvider", "OpenIDConnectProviderArn": oidc})

	// Policy simulation with custom policies, the credential report, a service-linked role's deletion.
	call("GetContextKeysForCustomPolicy", map[string]string{"Action": "GetContextKeysForCustomPolicy", "PolicyInputList.member.1": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}]}`})
	call("SimulateCustomPolicy", map[string]string{"Action": "SimulateCustomPolicy", "PolicyInputList.member.1": goldenPolicy, "ActionNames.member.1": "s3:GetObject", "ResourceArns.member.1": "arn:aws:s3:::b/k"})
	call("GenerateCredentialReport", map[string]string{"Action": "GenerateCredentialReport"})
	for range 50 {
		if status, _ := s.call(t, rootCreds, "iam", url.Values{"Action": {"GetCredentialReport"}}); status == 200 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	call("GetCredentialReport", map[string]string{"Action": "GetCredentialReport"})
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateServiceLinkedRole"}, "AWSServiceName": {"autoscaling.amazonaws.com"}})
	task := call("DeleteServiceLinkedRole", map[string]string{"Action": "DeleteServiceLinkedRole", "RoleName": "AWSServiceRoleForAutoScaling"})
	taskID := regexp.MustCompile(`<DeletionTaskId>([^<]+)</DeletionTaskId>`).FindStringSubmatch(task)
	if taskID == nil {
		t.Fatalf("DeleteServiceLinkedRole: %s", task)
	}
	call("GetServiceLinkedRoleDeletionStatus", map[string]string{"Action": "GetServiceLinkedRoleDeletionStatus", "DeletionTaskId": taskID[1]})
}

// stsNormalizers replace what an STS answer changes from run to run, beyond normalize's.
var stsNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<SessionToken>[^<]+</SessionToken>`), "<SessionToken>TOKEN</SessionToken>"},
	{regexp.MustCompile(`(?s)<SAMLProviderMetadataDocument>.*?</SAMLProviderMetadataDocument>`), "<SAMLProviderMetadataDocument>METADATA</SAMLProviderMetadataDocument>"},
	{regexp.MustCompile(`(?s)<SAMLMetadataDocument>.*?</SAMLMetadataDocument>`), "<SAMLMetadataDocument>METADATA</SAMLMetadataDocument>"},
	{regexp.MustCompile(`<AssertionEncryptionMode>[^<]+</AssertionEncryptionMode>`), "<AssertionEncryptionMode>MODE</AssertionEncryptionMode>"},
	{regexp.MustCompile(`<SAMLProviderUUID>[^<]+</SAMLProviderUUID>`), "<SAMLProviderUUID>UUID</SAMLProviderUUID>"},
	{regexp.MustCompile(`<KeyId>[^<]+</KeyId>`), "<KeyId>KEY-ID</KeyId>"},
}

func goldenSTS(t *testing.T, name string, status int, body string) {
	t.Helper()
	for _, n := range stsNormalizers {
		body = n.re.ReplaceAllString(body, n.with)
	}
	goldenMore(t, name, status, body)
}

// TestGoldenSTSAndSAMLResponses pins the XML of STS's credential operations and of IAM's SAML providers.
func TestGoldenSTSAndSAMLResponses(t *testing.T) {
	s := startServer(t)
	acct := account
	call := func(c creds, service, name string, params map[string]string) string {
		t.Helper()
		v := url.Values{}
		for k, x := range params {
			v.Set(k, x)
		}
		status, body := s.call(t, c, service, v)
		goldenSTS(t, name, status, body)
		return body
	}
	idp, err := samltest.New("https://idp.example.com/saml", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	provider := "arn:aws:iam::" + acct + ":saml-provider/corp"
	call(rootCreds, "iam", "CreateSAMLProvider", map[string]string{"Action": "CreateSAMLProvider", "Name": "corp", "SAMLMetadataDocument": idp.Metadata()})
	call(rootCreds, "iam", "GetSAMLProvider", map[string]string{"Action": "GetSAMLProvider", "SAMLProviderArn": provider})
	call(rootCreds, "iam", "ListSAMLProviders", map[string]string{"Action": "ListSAMLProviders"})
	call(rootCreds, "iam", "UpdateSAMLProvider", map[string]string{"Action": "UpdateSAMLProvider", "SAMLProviderArn": provider, "SAMLMetadataDocument": idp.Metadata()})
	call(rootCreds, "iam", "TagSAMLProvider", map[string]string{"Action": "TagSAMLProvider", "SAMLProviderArn": provider, "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"})
	call(rootCreds, "iam", "ListSAMLProviderTags", map[string]string{"Action": "ListSAMLProviderTags", "SAMLProviderArn": provider})
	call(rootCreds, "iam", "UntagSAMLProvider", map[string]string{"Action": "UntagSAMLProvider", "SAMLProviderArn": provider, "TagKeys.member.1": "k"})

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithSAML",` +
		`"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}},` +
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"fed"}, "AssumeRolePolicyDocument": {trust}})
	role := "arn:aws:iam::" + acct + ":role/fed"
	assertion, err := idp.Sign(idp.AWS(time.Now(), "bob", role, provider))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"Action": {"AssumeRoleWithSAML"}, "Version": {"2011-06-15"}, "RoleArn": {role}, "PrincipalArn": {provider}, "SAMLAssertion": {assertion}}
	resp, err := http.Post(s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	goldenSTS(t, "AssumeRoleWithSAML", resp.StatusCode, string(body))
	call(rootCreds, "iam", "DeleteSAMLProvider", map[string]string{"Action": "DeleteSAMLProvider", "SAMLProviderArn": provider})

	user := s.userWithPolicy(t, "carol", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:*","iam:ChangePassword"],"Resource":"*"}]}`)
	call(user, "sts", "AssumeRole", map[string]string{"Action": "AssumeRole", "RoleArn": role, "RoleSessionName": "carol-session"})
	call(user, "sts", "GetSessionToken", map[string]string{"Action": "GetSessionToken", "DurationSeconds": "900"})
	call(user, "sts", "GetFederationToken", map[string]string{"Action": "GetFederationToken", "Name": "carol-fed", "Policy": goldenPolicy})
	call(user, "sts", "GetAccessKeyInfo", map[string]string{"Action": "GetAccessKeyInfo", "AccessKeyId": user.id})
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"carol"}, "Password": {"Correct-Horse-9!"}})
	call(user, "iam", "ChangePassword", map[string]string{"Action": "ChangePassword", "OldPassword": "Correct-Horse-9!", "NewPassword": "Battery-Staple-7?"})
}

// TestGoldenWebIdentityDecodeAndReject pins AssumeRoleWithWebIdentity, DecodeAuthorizationMessage and
// RejectDelegationRequest.
func TestGoldenWebIdentityDecodeAndReject(t *testing.T) {
	is := startOIDCIssuer(t)
	s := startServer(t, func(c *config.Config) { c.OIDCCAFile = is.CAFile })
	port := regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	name := strings.TrimPrefix(is.URL, "https://")
	provider := "arn:aws:iam::" + account + ":oidc-provider/" + name
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateOpenIDConnectProvider"}, "Url": {is.URL}, "ClientIDList.member.1": {"sts.amazonaws.com"}})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + name + `:aud":"sts.amazonaws.com"}}}]}`
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"web"}, "AssumeRolePolicyDocument": {trust}})
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::" + account + ":role/web"},
		"RoleSessionName": {"deploy"}, "WebIdentityToken": {is.token(t, "repo:acme/app", "sts.amazonaws.com", time.Now().Add(time.Hour), nil)}}
	resp, err := http.Post(s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	goldenSTS(t, "AssumeRoleWithWebIdentity", resp.StatusCode, port.ReplaceAllString(string(body), "127.0.0.1:PORT"))

	// An AccessDenied with its encoded authorization message, decoded.
	alice := s.userWithPolicy(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"},`+
		`{"Sid":"NoRoles","Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}]}`)
	denied := url.Values{"Action": {"ListRoles"}, "Version": {"2010-05-08"}}.Encode()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(denied))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Iamd-Authorization-Message", "encoded")
	sigv4.Sign(req, []byte(denied), sigv4.Credentials{AccessKeyID: alice.id, SecretAccessKey: alice.secret}, "us-east-1", "iam", time.Now())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	enc := regexp.MustCompile(`Encoded authorization failure message: ([^<]+)</Message>`).FindStringSubmatch(string(body))
	if enc == nil {
		t.Fatalf("no encoded message: %s", body)
	}
	status, out := s.call(t, alice, "sts", url.Values{"Action": {"DecodeAuthorizationMessage"}, "EncodedMessage": {enc[1]}})
	goldenSTS(t, "DecodeAuthorizationMessage", status, regexp.MustCompile(`("aws:epochtime","values":\{"items":\[\{"value":")[0-9]+`).ReplaceAllString(out, "${1}1767225600"))

	// A delegation request rejected by the account it was assigned to.
	const partnerAccount = "111122223333"
	partner := creds{"AKIAPARTNER000000002", "partnerSecretKey0000000000000000000000000"}
	if _, err := s.srv.IAM.EnsureAccount(context.Background(), partnerAccount, partner.id, partner.secret); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, partner, "iam", url.Values{"Action": {"CreatePolicy"}, "PolicyName": {"onboarding"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`}})
	created := s.mustCall(t, partner, "iam", url.Values{"Action": {"CreateDelegationRequest"}, "OwnerAccountId": {account}, "Description": {"Set up Example"},
		"RequestMessage": {"Setup"}, "RequestorWorkflowId": {"wf-reject"}, "SessionDuration": {"900"},
		"NotificationChannel":           {"arn:aws:sns:us-east-1:" + partnerAccount + ":delegations"},
		"Permissions.PolicyTemplateArn": {"arn:aws:iam::" + partnerAccount + ":policy/onboarding"}})
	id := regexp.MustCompile(`<DelegationRequestId>([^<]+)</DelegationRequestId>`).FindStringSubmatch(created)
	if id == nil {
		t.Fatalf("CreateDelegationRequest: %s", created)
	}
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"AssociateDelegationRequest"}, "DelegationRequestId": {id[1]}})
	status, out = s.call(t, rootCreds, "iam", url.Values{"Action": {"RejectDelegationRequest"}, "DelegationRequestId": {id[1]}, "Notes": {"not now"}})
	golden(t, "Delegation-RejectDelegationRequest", status, out)
}
