// Package samlsp is the service-provider side of SAML 2.0 as AWS's sign-in endpoint plays it: it reads an identity
// provider's metadata document (entity ID, signing certificates, validity) and verifies a base64 samlp:Response
// against it (XML signature, issuer, recipient, audience, validity window), returning the assertion's subject and
// attributes. It does no I/O and keeps no state; the clock is the caller's.
//
// It is the SAML side of the domain's SAML ports: Provider implements iam.SAMLMetadataParser (for SAML providers'
// metadata) and sts.SAMLVerifier (for AssumeRoleWithSAML), and the server wires it into both services. The types and
// refusal reasons are the domain's own, so that the domain's dependencies stay free of the XML and signature
// libraries (and of net/http, which gosaml2 imports).
package samlsp

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sts"
	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"
)

// XML namespaces of SAML 2.0 metadata, assertions and protocol messages.
const (
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
)

// MinRSAKeyBits is the smallest RSA signing key a metadata document may carry: the IAM User Guide requires "a key
// size of at least 1024 bits".
const MinRSAKeyBits = 1024

// ErrMetadata is returned for a metadata document that is not a usable IdP EntityDescriptor.
var ErrMetadata = errors.New("samlsp: could not parse metadata")

// Reasons a SAML response is refused. Verify wraps one of them with the detail. They are STS's (sts.ErrSAML*),
// which maps each to the error AssumeRoleWithSAML answers.
var (
	ErrMalformed    = sts.ErrSAMLMalformed
	ErrSignature    = sts.ErrSAMLSignature
	ErrIssuer       = sts.ErrSAMLIssuer
	ErrRecipient    = sts.ErrSAMLRecipient
	ErrAudience     = sts.ErrSAMLAudience
	ErrExpired      = sts.ErrSAMLExpired
	ErrNotYetValid  = sts.ErrSAMLNotYetValid
	ErrUnsuccessful = sts.ErrSAMLUnsuccessful
)

// Metadata is what a service provider keeps of an IdP's metadata document (IAM's record of a SAML provider).
type Metadata = iam.SAMLMetadata

// Provider is the service provider the domain runs SAML through: iam.SAMLMetadataParser and sts.SAMLVerifier over
// ParseMetadata and Verify. The zero value is ready to use.
type Provider struct{}

var (
	_ iam.SAMLMetadataParser = Provider{}
	_ sts.SAMLVerifier       = Provider{}
)

// ParseSAMLMetadata is ParseMetadata.
func (Provider) ParseSAMLMetadata(doc []byte) (*iam.SAMLMetadata, error) { return ParseMetadata(doc) }

// VerifySAMLResponse is Verify.
func (Provider) VerifySAMLResponse(encoded string, md *iam.SAMLMetadata, exp sts.SAMLExpect) (*sts.SAMLAssertion, error) {
	return Verify(encoded, md, exp)
}

// ParseMetadata reads an md:EntityDescriptor (or an md:EntitiesDescriptor holding exactly one) with an
// IDPSSODescriptor and at least one signing certificate (a KeyDescriptor with use="signing" or no use). Every error
// wraps ErrMetadata.
func ParseMetadata(doc []byte) (*Metadata, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMetadata, fmt.Sprintf(format, args...))
	}
	if bytes.HasPrefix(doc, []byte("\xef\xbb\xbf")) {
		return nil, bad("the document starts with a byte order mark")
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, bad("%v", err)
	}
	root := d.Root()
	if root == nil {
		return nil, bad("no root element")
	}
	if root.Tag == "EntitiesDescriptor" && root.NamespaceURI() == nsMetadata {
		var only *etree.Element
		for _, c := range root.ChildElements() {
			if c.Tag == "EntityDescriptor" && c.NamespaceURI() == nsMetadata {
				if only != nil {
					return nil, bad("more than one EntityDescriptor")
				}
				only = c
			}
		}
		if only == nil {
			return nil, bad("no EntityDescriptor")
		}
		root = only
	}
	if root.Tag != "EntityDescriptor" || root.NamespaceURI() != nsMetadata {
		return nil, bad("the root element is not an EntityDescriptor")
	}
	md := &Metadata{EntityID: strings.TrimSpace(root.SelectAttrValue("entityID", ""))}
	if md.EntityID == "" {
		return nil, bad("no entityID")
	}
	validUntil := func(el *etree.Element) error {
		v := el.SelectAttrValue("validUntil", "")
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return bad("validUntil %q", v)
		}
		if md.ValidUntil.IsZero() || t.Before(md.ValidUntil) {
			md.ValidUntil = t.UTC()
		}
		return nil
	}
	if err := validUntil(root); err != nil {
		return nil, err
	}
	var idp *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "IDPSSODescriptor" && c.NamespaceURI() == nsMetadata {
			idp = c
			break
		}
	}
	if idp == nil {
		return nil, bad("no IDPSSODescriptor")
	}
	if err := validUntil(idp); err != nil {
		return nil, err
	}
	for _, kd := range idp.ChildElements() {
		if kd.Tag != "KeyDescriptor" || kd.NamespaceURI() != nsMetadata {
			continue
		}
		if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
			continue
		}
		for _, ki := range kd.ChildElements() {
			if ki.Tag != "KeyInfo" || ki.NamespaceURI() != nsDSig {
				continue
			}
			for _, xd := range ki.ChildElements() {
				if xd.Tag != "X509Data" || xd.NamespaceURI() != nsDSig {
					continue
				}
				for _, xc := range xd.ChildElements() {
					if xc.Tag != "X509Certificate" || xc.NamespaceURI() != nsDSig {
						continue
					}
					der, err := base64.StdEncoding.DecodeString(stripSpace(xc.Text()))
					if err != nil {
						return nil, bad("X509Certificate is not base64")
					}
					cert, err := x509.ParseCertificate(der)
					if err != nil {
						return nil, bad("X509Certificate: %v", err)
					}
					if k, ok := cert.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSAKeyBits {
						return nil, bad("RSA key of %d bits", k.N.BitLen())
					}
					md.SigningCerts = append(md.SigningCerts, cert)
				}
			}
		}
	}
	if len(md.SigningCerts) == 0 {
		return nil, bad("no signing certificate")
	}
	return md, nil
}

// Expect is what a response must match (STS's sts.SAMLExpect).
type Expect = sts.SAMLExpect

// Assertion is the verified content of a response's (first) assertion (STS's sts.SAMLAssertion).
type Assertion = sts.SAMLAssertion

// Verify checks a base64 samlp:Response against an IdP's metadata: the Response or each Assertion must carry an
// enveloped XML signature by one of the metadata's signing certificates, the issuer must be the metadata's
// entity ID, the bearer SubjectConfirmationData's Recipient one of exp.Recipients, every AudienceRestriction must
// name one of exp.Audiences, and exp.Now must lie within the validity window (Conditions NotBefore/NotOnOrAfter,
// SubjectConfirmationData NotOnOrAfter, IssueInstant + exp.MaxAge). The error wraps one of the Err* reasons.
func Verify(encoded string, md *Metadata, exp Expect) (*Assertion, error) {
	encoded = stripSpace(encoded)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrMalformed)
	}
	recipient, err := unverifiedRecipient(raw)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(exp.Recipients, recipient) {
		return nil, fmt.Errorf("%w: %q", ErrRecipient, recipient)
	}
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderIssuer:      md.EntityID,
		AssertionConsumerServiceURL: recipient, // the signed Recipient must equal it: checked by the library
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: md.SigningCerts},
		Clock:                       dsig.NewFakeClockAt(exp.Now),
		MaximumDecompressedBodySize: int64(len(raw)) * 4,
	}
	resp, err := sp.ValidateEncodedResponse(encoded)
	if err != nil {
		return nil, classify(err)
	}
	if len(resp.Assertions) == 0 {
		return nil, fmt.Errorf("%w: no signed assertion", ErrSignature)
	}
	a := &resp.Assertions[0]
	out := &Assertion{Issuer: a.Issuer.Value, Recipient: recipient, IssueInstant: resp.IssueInstant,
		Attributes: map[string][]string{}, FriendlyNames: map[string]string{}}
	if out.IssueInstant.IsZero() {
		out.IssueInstant = a.IssueInstant
	}
	if exp.MaxAge > 0 && !out.IssueInstant.IsZero() && exp.Now.After(out.IssueInstant.Add(exp.MaxAge)) {
		return nil, fmt.Errorf("%w: issued at %s", ErrExpired, out.IssueInstant.Format(time.RFC3339))
	}
	if c := a.Conditions; c != nil {
		if c.NotBefore != "" {
			t, err := time.Parse(time.RFC3339, c.NotBefore)
			if err != nil {
				return nil, fmt.Errorf("%w: Conditions NotBefore %q", ErrMalformed, c.NotBefore)
			}
			if exp.Now.Before(t) {
				return nil, fmt.Errorf("%w: NotBefore %s", ErrNotYetValid, c.NotBefore)
			}
		}
		if c.NotOnOrAfter != "" {
			t, err := time.Parse(time.RFC3339, c.NotOnOrAfter)
			if err != nil {
				return nil, fmt.Errorf("%w: Conditions NotOnOrAfter %q", ErrMalformed, c.NotOnOrAfter)
			}
			if !exp.Now.Before(t) {
				return nil, fmt.Errorf("%w: NotOnOrAfter %s", ErrExpired, c.NotOnOrAfter)
			}
		}
		for _, ar := range c.AudienceRestrictions {
			ok := false
			for _, au := range ar.Audiences {
				v := strings.TrimSpace(au.Value)
				out.Audiences = append(out.Audiences, v)
				ok = ok || slices.Contains(exp.Audiences, v)
			}
			if !ok {
				return nil, fmt.Errorf("%w: %v", ErrAudience, out.Audiences)
			}
		}
	}
	if a.Subject != nil && a.Subject.NameID != nil {
		out.Subject = strings.TrimSpace(a.Subject.NameID.Value)
		out.SubjectFormat = a.Subject.NameID.Format
	}
	if a.AuthnStatement != nil && a.AuthnStatement.SessionNotOnOrAfter != nil {
		out.SessionNotOnOrAfter = a.AuthnStatement.SessionNotOnOrAfter.UTC()
	}
	if a.AttributeStatement != nil {
		for _, at := range a.AttributeStatement.Attributes {
			vals := out.Attributes[at.Name]
			for _, v := range at.Values {
				s := v.Value
				if v.NameID != nil {
					s = v.NameID.Value
				}
				vals = append(vals, strings.TrimSpace(s))
			}
			out.Attributes[at.Name] = vals
			if at.FriendlyName != "" {
				out.FriendlyNames[at.Name] = at.FriendlyName
			}
		}
	}
	return out, nil
}

// unverifiedRecipient reads the Recipient of the first assertion's SubjectConfirmationData before verification, so
// that the library can be told which one to require; the verified response must carry the same value.
func unverifiedRecipient(raw []byte) (string, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(raw); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	root := d.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return "", fmt.Errorf("%w: the root element is not a samlp:Response", ErrMalformed)
	}
	for _, a := range root.ChildElements() {
		if a.Tag != "Assertion" || a.NamespaceURI() != nsAssertion {
			continue
		}
		for _, s := range a.ChildElements() {
			if s.Tag != "Subject" || s.NamespaceURI() != nsAssertion {
				continue
			}
			for _, sc := range s.ChildElements() {
				if sc.Tag != "SubjectConfirmation" || sc.NamespaceURI() != nsAssertion {
					continue
				}
				for _, scd := range sc.ChildElements() {
					if scd.Tag == "SubjectConfirmationData" && scd.NamespaceURI() == nsAssertion {
						return scd.SelectAttrValue("Recipient", ""), nil
					}
				}
			}
		}
		return "", fmt.Errorf("%w: no SubjectConfirmationData", ErrMalformed)
	}
	return "", fmt.Errorf("%w: no Assertion (encrypted assertions are not supported)", ErrMalformed)
}

// classify maps the library's verification errors to the reasons above.
func classify(err error) error {
	var iv saml2.ErrInvalidValue
	if errors.As(err, &iv) {
		switch {
		case iv.Reason == saml2.ReasonExpired:
			return fmt.Errorf("%w: %v", ErrExpired, err)
		case iv.Key == saml2.IssuerTag:
			return fmt.Errorf("%w: %v", ErrIssuer, err)
		case iv.Key == saml2.RecipientAttr || iv.Key == saml2.DestinationAttr:
			return fmt.Errorf("%w: %v", ErrRecipient, err)
		case iv.Key == saml2.StatusCodeTag:
			return fmt.Errorf("%w: %v", ErrUnsuccessful, err)
		}
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var me saml2.ErrMissingElement
	if errors.As(err, &me) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var pe saml2.ErrParsing
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if errors.Is(err, saml2.ErrMissingAssertion) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// Everything else comes from signature verification (a missing, broken or untrusted signature, a digest that
	// does not match the signed content, a certificate outside its validity).
	return fmt.Errorf("%w: %v", ErrSignature, err)
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
}
