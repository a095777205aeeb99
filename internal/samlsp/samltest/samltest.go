// Package samltest is a SAML 2.0 identity provider for tests: it holds an RSA key with a self-signed certificate,
// writes its metadata document and issues samlp:Responses signed with XML-DSig (the whole Response, or the
// Assertion), as IdPs federating with AWS do. It is imported by tests only.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Namespaces and formats.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	// FormatPersistent and FormatTransient are the SAML 2.0 NameID formats.
	FormatPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	FormatTransient  = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	// AWSSignIn is AWS's SAML endpoint, the Recipient, Destination and Audience AWS expects.
	AWSSignIn = "https://signin.aws.amazon.com/saml"
)

// IdP is a test identity provider.
type IdP struct {
	EntityID string
	Key      *rsa.PrivateKey
	CertDER  []byte
}

// New returns an IdP with a fresh 2048-bit RSA key and a self-signed certificate valid from an hour before now for
// a day.
func New(entityID string, now time.Time) (*IdP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "samltest IdP"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &IdP{EntityID: entityID, Key: key, CertDER: der}, nil
}

// Metadata returns the IdP's metadata document: an EntityDescriptor with an IDPSSODescriptor whose signing
// KeyDescriptor carries the certificate.
func (p *IdP) Metadata() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + p.EntityID + `">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>` + base64.StdEncoding.EncodeToString(p.CertDER) + `</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`
}

// Attribute is a SAML attribute.
type Attribute struct {
	Name, FriendlyName string
	Values             []string
}

// Response describes a response to issue. Zero times are left out.
type Response struct {
	Issuer                  string // defaults to the IdP's entity ID
	Subject, SubjectFormat  string
	Recipient, Destination  string
	Audience                string
	IssueInstant            time.Time
	NotBefore, NotOnOrAfter time.Time // Conditions and SubjectConfirmationData
	SessionNotOnOrAfter     time.Time
	Attributes              []Attribute
	SignAssertion           bool // sign the Assertion instead of the Response
}

// AWS returns a response as AWS expects it for a user of the IdP: issued at now, valid for five minutes, for
// AWS's sign-in endpoint, with the Role pair, the RoleSessionName and any extra attributes.
func (p *IdP) AWS(now time.Time, user, roleARN, providerARN string, extra ...Attribute) Response {
	return Response{Subject: user, SubjectFormat: FormatPersistent, Recipient: AWSSignIn, Destination: AWSSignIn, Audience: AWSSignIn,
		IssueInstant: now, NotBefore: now.Add(-time.Minute), NotOnOrAfter: now.Add(5 * time.Minute),
		Attributes: append([]Attribute{
			{Name: "https://aws.amazon.com/SAML/Attributes/Role", Values: []string{roleARN + "," + providerARN}},
			{Name: "https://aws.amazon.com/SAML/Attributes/RoleSessionName", Values: []string{user}},
		}, extra...)}
}

// XML returns the signed response document.
func (p *IdP) XML(r Response) ([]byte, error) {
	issuer := r.Issuer
	if issuer == "" {
		issuer = p.EntityID
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("xmlns:saml", nsAssertion)
	resp.CreateAttr("ID", "_r"+randomID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(r.IssueInstant))
	if r.Destination != "" {
		resp.CreateAttr("Destination", r.Destination)
	}
	resp.CreateElement("saml:Issuer").SetText(issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")

	as := resp.CreateElement("saml:Assertion")
	as.CreateAttr("xmlns:saml", nsAssertion) // so that the Assertion can be signed on its own
	as.CreateAttr("ID", "_a"+randomID())
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", ts(r.IssueInstant))
	as.CreateElement("saml:Issuer").SetText(issuer)
	subj := as.CreateElement("saml:Subject")
	nameID := subj.CreateElement("saml:NameID")
	if r.SubjectFormat != "" {
		nameID.CreateAttr("Format", r.SubjectFormat)
	}
	nameID.SetText(r.Subject)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("Recipient", r.Recipient)
	if !r.NotOnOrAfter.IsZero() {
		scd.CreateAttr("NotOnOrAfter", ts(r.NotOnOrAfter))
	}
	cond := as.CreateElement("saml:Conditions")
	if !r.NotBefore.IsZero() {
		cond.CreateAttr("NotBefore", ts(r.NotBefore))
	}
	if !r.NotOnOrAfter.IsZero() {
		cond.CreateAttr("NotOnOrAfter", ts(r.NotOnOrAfter))
	}
	if r.Audience != "" {
		cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(r.Audience)
	}
	authn := as.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", ts(r.IssueInstant))
	authn.CreateAttr("SessionIndex", "_s"+randomID())
	if !r.SessionNotOnOrAfter.IsZero() {
		authn.CreateAttr("SessionNotOnOrAfter", ts(r.SessionNotOnOrAfter))
	}
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if len(r.Attributes) > 0 {
		st := as.CreateElement("saml:AttributeStatement")
		for _, a := range r.Attributes {
			el := st.CreateElement("saml:Attribute")
			el.CreateAttr("Name", a.Name)
			if a.FriendlyName != "" {
				el.CreateAttr("FriendlyName", a.FriendlyName)
			}
			for _, v := range a.Values {
				el.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}

	ctx, err := dsig.NewSigningContext(p.Key, [][]byte{p.CertDER})
	if err != nil {
		return nil, err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	target := resp
	if r.SignAssertion {
		target = as
	}
	sig, err := ctx.ConstructSignature(target, true)
	if err != nil {
		return nil, fmt.Errorf("samltest: sign: %w", err)
	}
	target.InsertChildAt(1, sig) // after the Issuer, as the schema orders it
	return doc.WriteToBytes()
}

// Encode returns the base64 of a response document, as the SAMLAssertion parameter carries it.
func Encode(doc []byte) string { return base64.StdEncoding.EncodeToString(doc) }

// Sign returns the base64 signed response.
func (p *IdP) Sign(r Response) (string, error) {
	doc, err := p.XML(r)
	if err != nil {
		return "", err
	}
	return Encode(doc), nil
}

// Tamper replaces the first occurrence of old with new in a signed document, as an attacker would.
func Tamper(doc []byte, old, new string) []byte {
	return []byte(strings.Replace(string(doc), old, new, 1))
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
