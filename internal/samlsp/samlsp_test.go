package samlsp_test

import (
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/samlsp"
	"github.com/iamd-dev/iamd/internal/samlsp/samltest"
	"github.com/iamd-dev/iamd/internal/sts"
)

const (
	entityID = "https://idp.example.com/metadata"
	roleARN  = "arn:aws:iam::123456789012:role/fed"
	provARN  = "arn:aws:iam::123456789012:saml-provider/corp"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newIdP(t testing.TB) *samltest.IdP {
	t.Helper()
	idp, err := samltest.New(entityID, t0)
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

func expect(now time.Time) samlsp.Expect {
	return samlsp.Expect{Now: now, Recipients: []string{samltest.AWSSignIn}, Audiences: []string{samltest.AWSSignIn, "urn:amazon:webservices"},
		MaxAge: 5 * time.Minute}
}

func TestParseMetadata(t *testing.T) {
	idp := newIdP(t)
	good := idp.Metadata()
	md, err := samlsp.ParseMetadata([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != entityID || len(md.SigningCerts) != 1 || !md.ValidUntil.IsZero() {
		t.Fatalf("metadata %+v", md)
	}
	withValid := strings.Replace(good, `entityID=`, `validUntil="2030-01-02T03:04:05Z" entityID=`, 1)
	if md, err := samlsp.ParseMetadata([]byte(withValid)); err != nil || !md.ValidUntil.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("validUntil: %v %+v", err, md)
	}
	wrapped := strings.Replace(strings.Replace(good, `<md:EntityDescriptor`, `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntityDescriptor`, 1),
		`</md:EntityDescriptor>`, `</md:EntityDescriptor></md:EntitiesDescriptor>`, 1)
	if _, err := samlsp.ParseMetadata([]byte(wrapped)); err != nil {
		t.Fatalf("EntitiesDescriptor with one entity: %v", err)
	}
	bad := map[string]string{
		"not XML":                  "this is not xml",
		"byte order mark":          "\xef\xbb\xbf" + good,
		"wrong root":               `<foo xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`,
		"no entityID":              strings.Replace(good, `entityID="`+entityID+`"`, "", 1),
		"no IDPSSODescriptor":      strings.ReplaceAll(good, "IDPSSODescriptor", "SPSSODescriptor"),
		"encryption key only":      strings.Replace(good, `use="signing"`, `use="encryption"`, 1),
		"certificate not base64":   strings.Replace(good, "<ds:X509Certificate>", "<ds:X509Certificate>!!", 1),
		"certificate not X.509":    strings.Replace(good, "<ds:X509Certificate>", "<ds:X509Certificate>AAAA", 1),
		"bad validUntil":           strings.Replace(good, `entityID=`, `validUntil="tomorrow" entityID=`, 1),
		"wrong metadata namespace": strings.ReplaceAll(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example"),
	}
	for name, doc := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := samlsp.ParseMetadata([]byte(doc)); !errors.Is(err, samlsp.ErrMetadata) {
				t.Fatalf("err = %v, want ErrMetadata", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	idp := newIdP(t)
	other := newIdP(t)
	md, err := samlsp.ParseMetadata([]byte(idp.Metadata()))
	if err != nil {
		t.Fatal(err)
	}
	base := func() samltest.Response {
		return idp.AWS(t0, "alice", roleARN, provARN,
			samltest.Attribute{Name: "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", FriendlyName: "eduPersonAffiliation", Values: []string{"staff", "member"}})
	}
	sign := func(p *samltest.IdP, r samltest.Response) string {
		s, err := p.Sign(r)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tampered := func() string {
		doc, err := idp.XML(base())
		if err != nil {
			t.Fatal(err)
		}
		return samltest.Encode(samltest.Tamper(doc, ">alice<", ">mallory<"))
	}
	cases := []struct {
		name    string
		encoded string
		now     time.Time
		want    error
	}{
		{"signed response accepted", sign(idp, base()), t0, nil},
		{"signed assertion accepted", sign(idp, func() samltest.Response { r := base(); r.SignAssertion = true; return r }()), t0, nil},
		{"webservices audience accepted", sign(idp, func() samltest.Response { r := base(); r.Audience = "urn:amazon:webservices"; return r }()), t0, nil},
		{"tampered after signing", tampered(), t0, samlsp.ErrSignature},
		{"signed by another key", sign(other, base()), t0, samlsp.ErrSignature},
		{"another issuer", sign(idp, func() samltest.Response { r := base(); r.Issuer = "https://evil.example.com"; return r }()), t0, samlsp.ErrIssuer},
		{"another recipient", sign(idp, func() samltest.Response { r := base(); r.Recipient = "https://sp.example.com/acs"; return r }()), t0, samlsp.ErrRecipient},
		{"another audience", sign(idp, func() samltest.Response { r := base(); r.Audience = "https://sp.example.com"; return r }()), t0, samlsp.ErrAudience},
		{"past NotOnOrAfter", sign(idp, base()), t0.Add(5 * time.Minute), samlsp.ErrExpired},
		{"issued over five minutes ago", sign(idp, func() samltest.Response { r := base(); r.NotOnOrAfter = t0.Add(time.Hour); return r }()), t0.Add(6 * time.Minute), samlsp.ErrExpired},
		{"before NotBefore", sign(idp, base()), t0.Add(-2 * time.Minute), samlsp.ErrNotYetValid},
		{"not base64", "%%%", t0, samlsp.ErrMalformed},
		{"not XML", base64.StdEncoding.EncodeToString([]byte("hello")), t0, samlsp.ErrMalformed},
		{"not a Response", base64.StdEncoding.EncodeToString([]byte(`<a xmlns="urn:x"/>`)), t0, samlsp.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			as, err := samlsp.Verify(tc.encoded, md, expect(tc.now))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if as.Issuer != entityID || as.Subject != "alice" || as.SubjectFormat != samltest.FormatPersistent || as.Recipient != samltest.AWSSignIn ||
				strings.Join(as.Attributes["https://aws.amazon.com/SAML/Attributes/Role"], ";") != roleARN+","+provARN ||
				strings.Join(as.Attributes["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"], ";") != "staff;member" ||
				as.FriendlyNames["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"] != "eduPersonAffiliation" {
				t.Fatalf("assertion %+v", as)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the fixtures in testdata (fuzz seeds)")

// fixtures reads the stored metadata document and response signed at t0 by its key (which is not kept). Fuzz
// targets use them so that their workers need no key generation.
func fixtures(t testing.TB) (metadata, response []byte) {
	t.Helper()
	md, err := os.ReadFile(filepath.Join("testdata", "metadata.xml"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := os.ReadFile(filepath.Join("testdata", "response.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return md, resp
}

// TestFixturesVerify: the stored response verifies against the stored metadata at t0 (go test -update rewrites
// both with a fresh key).
func TestFixturesVerify(t *testing.T) {
	if *update {
		idp := newIdP(t)
		doc, err := idp.XML(idp.AWS(t0, "alice", roleARN, provARN))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "metadata.xml"), []byte(idp.Metadata()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "response.xml"), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mdDoc, resp := fixtures(t)
	md, err := samlsp.ParseMetadata(mdDoc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := samlsp.Verify(samltest.Encode(resp), md, expect(t0)); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseMetadata: arbitrary documents never panic, and what parses has an entity ID and a certificate.
func FuzzParseMetadata(f *testing.F) {
	mdDoc, _ := fixtures(f)
	f.Add(mdDoc)
	f.Add([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`))
	f.Add([]byte("<"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		md, err := samlsp.ParseMetadata(doc)
		if err == nil && (md.EntityID == "" || len(md.SigningCerts) == 0) {
			t.Fatalf("accepted metadata without entity ID or certificate: %+v", md)
		}
	})
}

// FuzzVerify: arbitrary responses never panic, and only the signed fixture's content is ever accepted.
func FuzzVerify(f *testing.F) {
	mdDoc, good := fixtures(f)
	md, err := samlsp.ParseMetadata(mdDoc)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(samltest.Tamper(good, ">alice<", ">bob<"))
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		as, err := samlsp.Verify(samltest.Encode(doc), md, expect(t0))
		if err == nil && (as.Issuer != entityID || as.Subject != "alice") {
			t.Fatalf("accepted a response of issuer %q for %q", as.Issuer, as.Subject)
		}
	})
}

// TestProviderIsTheDomainsSAML: Provider, the value the server wires into IAM and STS, reads metadata and verifies
// responses as ParseMetadata and Verify do, refusing with the domain's reasons.
func TestProviderIsTheDomainsSAML(t *testing.T) {
	idp := newIdP(t)
	var (
		parser   iam.SAMLMetadataParser = samlsp.Provider{}
		verifier sts.SAMLVerifier       = samlsp.Provider{}
	)
	md, err := parser.ParseSAMLMetadata([]byte(idp.Metadata()))
	if err != nil || md.EntityID != entityID || len(md.SigningCerts) != 1 {
		t.Fatalf("metadata: %v %+v", err, md)
	}
	if _, err := parser.ParseSAMLMetadata([]byte("<x/>")); !errors.Is(err, samlsp.ErrMetadata) {
		t.Fatalf("bad metadata: %v", err)
	}
	signed, err := idp.Sign(idp.AWS(t0, "alice", roleARN, provARN))
	if err != nil {
		t.Fatal(err)
	}
	as, err := verifier.VerifySAMLResponse(signed, md, expect(t0))
	if err != nil || as.Subject != "alice" || as.Issuer != entityID || as.Recipient != samltest.AWSSignIn {
		t.Fatalf("verify: %v %+v", err, as)
	}
	if _, err := verifier.VerifySAMLResponse(signed, md, expect(t0.Add(time.Hour))); !errors.Is(err, sts.ErrSAMLExpired) {
		t.Fatalf("late: %v, want sts.ErrSAMLExpired", err)
	}
}
