package sts

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// The SAML attributes AWS reads (IAM User Guide, "Configure SAML assertions for the authentication response" and
// "Passing session tags using AssumeRoleWithSAML").
const (
	samlAttrPrefix            = "https://aws.amazon.com/SAML/Attributes/"
	samlAttrRole              = samlAttrPrefix + "Role"
	samlAttrRoleSessionName   = samlAttrPrefix + "RoleSessionName"
	samlAttrSessionDuration   = samlAttrPrefix + "SessionDuration"
	samlAttrSourceIdentity    = samlAttrPrefix + "SourceIdentity"
	samlAttrPrincipalTag      = samlAttrPrefix + "PrincipalTag:"
	samlAttrTransitiveTagKeys = samlAttrPrefix + "TransitiveTagKeys"
)

// SAML limits: AWS requires a response to be redeemed within five minutes of its IssueInstant (ExpiredTokenException
// "Token must be redeemed within 5 minutes of issuance"); the SessionDuration attribute ranges from 900 to 43200
// seconds; at most 50 session tags.
const (
	samlMaxAge             = 5 * time.Minute
	samlMinSessionDuration = 900
	samlMaxSessionDuration = 43200
	samlMaxSessionTags     = 50
	samlSignInURL          = "https://signin.aws.amazon.com/saml"
	samlNameIDFormatPrefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
)

// SAMLExpect is what a SAML response must match for AssumeRoleWithSAML.
type SAMLExpect struct {
	Now        time.Time
	Recipients []string      // accepted SubjectConfirmationData Recipient values (and Response Destination, when set)
	Audiences  []string      // accepted Audience values; every AudienceRestriction must name one
	MaxAge     time.Duration // how long after its IssueInstant a response may be redeemed; 0 for no limit
}

// SAMLAssertion is the verified content of a response's (first) assertion: the facts AssumeRoleWithSAML decides on
// and answers with.
type SAMLAssertion struct {
	Issuer              string
	Subject             string // NameID
	SubjectFormat       string // NameID Format, as written
	Recipient           string
	Audiences           []string
	IssueInstant        time.Time
	SessionNotOnOrAfter time.Time // zero when the AuthnStatement does not set it
	// Attributes are the attribute values by attribute Name, in document order; FriendlyNames maps a Name to its
	// FriendlyName where one is given.
	Attributes    map[string][]string
	FriendlyNames map[string]string
}

// SAMLVerifier verifies the samlp:Response of AssumeRoleWithSAML against the metadata of the SAML provider it names.
// The SAML protocol (XML, its signatures) stays outside the domain: internal/samlsp implements this, and the server
// passes it in Options.SAML.
type SAMLVerifier interface {
	// VerifySAMLResponse checks a base64 samlp:Response: its XML signature by one of md's signing certificates,
	// its issuer (md's entity ID), recipient, audience and validity window at exp.Now. A refusal wraps one of the
	// ErrSAML* reasons, which decide the error the caller sees.
	VerifySAMLResponse(encoded string, md *iam.SAMLMetadata, exp SAMLExpect) (*SAMLAssertion, error)
}

// Reasons a SAML response is refused; a SAMLVerifier wraps one of them with the detail.
var (
	ErrSAMLMalformed    = errors.New("saml: malformed SAML response")
	ErrSAMLSignature    = errors.New("saml: response signature invalid")
	ErrSAMLIssuer       = errors.New("saml: issuer not present in the provider's metadata")
	ErrSAMLRecipient    = errors.New("saml: recipient not accepted")
	ErrSAMLAudience     = errors.New("saml: audience not accepted")
	ErrSAMLExpired      = errors.New("saml: assertion expired")
	ErrSAMLNotYetValid  = errors.New("saml: assertion not yet valid")
	ErrSAMLUnsuccessful = errors.New("saml: response status is not success")
)

// errNoSAMLVerifier is the cause of AssumeRoleWithSAML's failure when the service has no SAMLVerifier: no response
// is accepted unverified.
var errNoSAMLVerifier = errors.New("sts: no SAML verifier configured")

// samlSessionName is the pattern AWS gives in its error for a bad RoleSessionName attribute.
var samlSessionName = regexp.MustCompile(`^[a-zA-Z_0-9+=,.@-]{2,64}$`)

// samlAttributeKeys are the saml:* condition keys the IAM User Guide lists under "Available keys for SAML-based
// federation" that come from assertion attributes, with the attribute names (OIDs, and for primaryGroupSID
// Microsoft's claim URI) that carry them. An attribute whose Name or FriendlyName is the key's own name counts too.
var samlAttributeKeys = []struct{ key, name string }{
	{"cn", "urn:oid:2.5.4.3"},
	{"commonName", "urn:oid:2.5.4.3"},
	{"edupersonaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"},
	{"edupersonnickname", "urn:oid:1.3.6.1.4.1.5923.1.1.1.2"},
	{"edupersonorgdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.3"},
	{"edupersonorgunitdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.4"},
	{"edupersonprimaryaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.5"},
	{"edupersonprincipalname", "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"},
	{"edupersonentitlement", "urn:oid:1.3.6.1.4.1.5923.1.1.1.7"},
	{"edupersonprimaryorgunitdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.8"},
	{"edupersonscopedaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.9"},
	{"edupersontargetedid", "urn:oid:1.3.6.1.4.1.5923.1.1.1.10"},
	{"edupersonassurance", "urn:oid:1.3.6.1.4.1.5923.1.1.1.11"},
	{"givenName", "urn:oid:2.5.4.42"},
	{"mail", "urn:oid:0.9.2342.19200300.100.1.3"},
	{"name", "urn:oid:2.5.4.41"},
	{"organizationStatus", ""},
	{"primaryGroupSID", "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid"},
	{"surname", "urn:oid:2.5.4.4"},
	{"uid", "urn:oid:0.9.2342.19200300.100.1.1"},
	{"x500UniqueIdentifier", "urn:oid:2.5.4.45"},
}

func samlInvalidToken(msg string, cause error) error {
	return &awserr.Error{Code: "InvalidIdentityToken", HTTPStatus: 400, Message: msg, Cause: cause}
}

func samlDenied() error {
	return accessDenied("Not authorized to perform sts:AssumeRoleWithSAML")
}

// samlVerifyError maps a verification failure to AWS's answer. The messages for signature, issuer, session name and
// expiry are AWS's (IAM User Guide, "Troubleshooting SAML 2.0 federation"; the expiry text as AWS returns it); the
// others are iamd's own, as AWS's could not be confirmed.
func samlVerifyError(err error) error {
	switch {
	case errors.Is(err, ErrSAMLSignature):
		return samlInvalidToken("Response signature invalid", err)
	case errors.Is(err, ErrSAMLIssuer):
		return samlInvalidToken("Issuer not present in specified provider", err)
	case errors.Is(err, ErrSAMLExpired):
		return &awserr.Error{Code: "ExpiredTokenException", HTTPStatus: 400, Message: "Token must be redeemed within 5 minutes of issuance", Cause: err}
	case errors.Is(err, ErrSAMLNotYetValid):
		return samlInvalidToken("Assertion is not yet valid", err)
	case errors.Is(err, ErrSAMLAudience):
		return samlInvalidToken("Invalid audience in SAML response", err)
	case errors.Is(err, ErrSAMLRecipient):
		return samlInvalidToken("Invalid recipient in SAML response", err)
	case errors.Is(err, ErrSAMLUnsuccessful):
		return &awserr.Error{Code: "IDPRejectedClaim", HTTPStatus: 403, Message: "The SAML response reports that authentication failed", Cause: err}
	}
	return samlInvalidToken("Invalid SAML response", err)
}

// samlNameQualifier is AWS's NameQualifier: BASE64(SHA1(issuer + account ID + "/" + provider name)) (STS API
// reference, AssumeRoleWithSAML response).
func samlNameQualifier(issuer, account, provider string) string {
	sum := sha1.Sum([]byte(issuer + account + "/" + provider))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// samlSubjectType is the SubjectType of a NameID Format: AWS drops the urn:oasis:names:tc:SAML:2.0:nameid-format:
// prefix and returns any other format unchanged. A NameID without a Format (SAML's default is unspecified) is
// reported as "unspecified" (iamd's choice).
func samlSubjectType(format string) string {
	if format == "" {
		return "unspecified"
	}
	if t, ok := strings.CutPrefix(format, samlNameIDFormatPrefix); ok {
		return t
	}
	return format
}

// samlHasRolePair reports whether the Role attribute offers the role with the provider: each value is a
// comma-separated pair of a role ARN and a provider ARN, in either order.
func samlHasRolePair(values []string, roleARN, providerARN string) bool {
	for _, v := range values {
		a, b, ok := strings.Cut(v, ",")
		if !ok {
			continue
		}
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if (a == roleARN && b == providerARN) || (a == providerARN && b == roleARN) {
			return true
		}
	}
	return false
}

// samlConditionKeys returns the saml:* keys of a verified assertion.
func samlConditionKeys(as *SAMLAssertion, account, providerName string) policy.Context {
	ctx := policy.Context{}
	ctx.Set("saml:aud", as.Recipient) // AWS takes saml:aud from the Recipient, not the Audience
	ctx.Set("saml:iss", as.Issuer)
	ctx.Set("saml:doc", account+"/"+providerName)
	ctx.Set("saml:namequalifier", samlNameQualifier(as.Issuer, account, providerName))
	if as.Subject != "" {
		ctx.Set("saml:sub", as.Subject)
		subType := as.SubjectFormat
		switch subType {
		case samlNameIDFormatPrefix + "persistent", samlNameIDFormatPrefix + "transient":
			subType = strings.TrimPrefix(subType, samlNameIDFormatPrefix)
		case "":
			subType = "unspecified"
		}
		ctx.Set("saml:sub_type", subType)
	}
	for _, k := range samlAttributeKeys {
		var vals []string
		for name, v := range as.Attributes {
			if (k.name != "" && name == k.name) || strings.EqualFold(name, k.key) || strings.EqualFold(as.FriendlyNames[name], k.key) {
				vals = append(vals, v...)
			}
		}
		if len(vals) > 0 {
			ctx.Set("saml:"+k.key, vals...)
		}
	}
	return ctx
}

// samlRoleARNValid checks the shape of a role ARN: arn:aws:iam::ACCOUNT:role/...
func samlRoleARNValid(a string) bool {
	rest, ok := strings.CutPrefix(a, awsregion.OfARN(a).IAMPrefix())
	if !ok {
		return false
	}
	acct, res, ok := strings.Cut(rest, ":")
	return ok && len(acct) == 12 && strings.HasPrefix(res, "role/")
}

// samlProviderParts splits a SAML provider ARN into its account and name.
func samlProviderParts(a string) (account, name string, ok bool) {
	rest, ok := strings.CutPrefix(a, awsregion.OfARN(a).IAMPrefix())
	if !ok {
		return "", "", false
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || len(account) != 12 {
		return "", "", false
	}
	name, ok = strings.CutPrefix(res, "saml-provider/")
	return account, name, ok && name != ""
}

// AssumeRoleWithSAML issues a role session for a user that a SAML identity provider authenticated. The request is
// unsigned: the base64 samlp:Response must be signed by a certificate in the metadata of the SAML provider named by
// PrincipalArn (in the role's account), be issued by that provider's entity ID for AWS's sign-in endpoint and be
// fresh; its Role attribute must offer the role with the provider; the role's trust policy alone decides, for the
// principal {"Federated": PrincipalArn} with the assertion's saml:* keys. The assertion is never logged: errors
// carry only the reason.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, c *iam.Caller, in *ststypes.AssumeRoleWithSAMLRequest) (*ststypes.AssumeRoleWithSAMLResponse, error) {
	inline := deref(in.Policy)
	policyARNs, policyChars, err := sessionPolicies(inline, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	providerAcct, providerName, ok := samlProviderParts(in.PrincipalArn)
	if !ok || !samlRoleARNValid(in.RoleArn) {
		return nil, awserr.ValidationError("Request ARN is invalid")
	}
	if providerAcct != accountOf(in.RoleArn) {
		// Not confirmed against AWS's text.
		return nil, awserr.ValidationError("Principal exists outside the account of the Role being assumed.")
	}
	if s.saml == nil {
		return nil, awserr.Internal(errNoSAMLVerifier)
	}
	now := s.iam.RealTime().UTC() // the IdP's NotBefore and NotOnOrAfter are on the real time
	var (
		out *issuedSession
		as  *SAMLAssertion
	)
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		var (
			sessionName, sourceIdentity string
			packedPct                   int
			tagged                      bool
		)
		ro, err := s.iam.RoleByARN(ctx, tx, in.RoleArn)
		if errors.Is(err, store.ErrNotFound) {
			return samlDenied()
		}
		if err != nil {
			return err
		}
		prov, err := s.iam.SAMLProviderByARN(ctx, tx, in.PrincipalArn)
		if errors.Is(err, store.ErrNotFound) {
			// Not confirmed against AWS's text.
			return samlInvalidToken("Specified provider doesn't exist", nil)
		}
		if err != nil {
			return err
		}
		md, err := prov.SAMLMetadata()
		if err != nil {
			return err
		}
		endpoints := []string{samlSignInURL}
		if s.region != "" {
			endpoints = append(endpoints, "https://"+s.region+".signin.aws.amazon.com/saml")
		}
		as, err = s.saml.VerifySAMLResponse(in.SAMLAssertion, md, SAMLExpect{Now: now, Recipients: endpoints,
			Audiences: append(endpoints, "urn:amazon:webservices"), MaxAge: samlMaxAge})
		if err != nil {
			return samlVerifyError(err)
		}
		if !samlHasRolePair(as.Attributes[samlAttrRole], in.RoleArn, in.PrincipalArn) || as.Subject == "" {
			return samlDenied() // the IAM User Guide's troubleshooting page: a missing role or NameID
		}
		names := as.Attributes[samlAttrRoleSessionName]
		if len(names) == 0 {
			return samlInvalidToken("RoleSessionName is required in AuthnResponse", nil)
		}
		sessionName = names[0]
		if len(names) != 1 || !samlSessionName.MatchString(sessionName) {
			return samlInvalidToken("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}", nil)
		}

		// Session tags and transitive keys.
		tags := map[string]string{}
		tagChars := 0
		actx := samlConditionKeys(as, providerAcct, providerName)
		var tagKeys []string
		for name, vals := range as.Attributes {
			k, ok := strings.CutPrefix(name, samlAttrPrincipalTag)
			if !ok {
				continue
			}
			if k == "" || len(k) > 128 || len(vals) != 1 || len(vals[0]) > 256 {
				// Not confirmed against AWS's text.
				return samlInvalidToken("Invalid session tag in AuthnResponse: "+k, nil)
			}
			for existing := range tags {
				if strings.EqualFold(existing, k) {
					return samlInvalidToken("Duplicate session tag key in AuthnResponse: "+k, nil)
				}
			}
			tags[k] = vals[0]
			tagChars += len(k) + len(vals[0])
			tagKeys = append(tagKeys, k)
			actx.Set("aws:RequestTag/"+k, vals[0])
		}
		if len(tags) > samlMaxSessionTags {
			return samlInvalidToken("AuthnResponse has more than 50 session tags", nil)
		}
		var transitive []string
		for _, k := range as.Attributes[samlAttrTransitiveTagKeys] {
			if _, ok := tags[k]; ok && !contains(transitive, k) {
				transitive = append(transitive, k)
			}
		}
		if len(tagKeys) > 0 {
			actx.Set("aws:TagKeys", tagKeys...)
			tagged = true
		}
		if len(transitive) > 0 {
			actx.Set("sts:TransitiveTagKeys", transitive...)
		}
		if packedPct, err = packedSize(policyChars, tagChars); err != nil {
			return err
		}
		if vals := as.Attributes[samlAttrSourceIdentity]; len(vals) > 0 {
			sourceIdentity = vals[0]
			if len(vals) != 1 || !samlSessionName.MatchString(sourceIdentity) || strings.HasPrefix(strings.ToLower(sourceIdentity), "aws:") {
				// Not confirmed against AWS's text.
				return samlInvalidToken("SourceIdentity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}", nil)
			}
			actx.Set("sts:SourceIdentity", sourceIdentity)
		}

		p := authz.Principal{Type: authz.PrincipalSAML, Provider: in.PrincipalArn, Account: providerAcct}
		if err := s.federatedTrust(ctx, tx, c, p, "sts:AssumeRoleWithSAML", ro, actx, tagged, sourceIdentity, policyARNs); err != nil {
			return err
		}

		// Duration: DurationSeconds (default one hour) up to the role's maximum, then capped by the SessionDuration
		// attribute and the AuthnStatement's SessionNotOnOrAfter.
		d, err := roleDuration(in.DurationSeconds, ro)
		if err != nil {
			return err
		}
		if vals := as.Attributes[samlAttrSessionDuration]; len(vals) > 0 {
			n, err := strconv.Atoi(vals[0])
			if err != nil || len(vals) != 1 || n < samlMinSessionDuration || n > samlMaxSessionDuration {
				// Not confirmed against AWS's text.
				return samlInvalidToken("SessionDuration in AuthnResponse must be between 900 and 43200 seconds", nil)
			}
			d = min(d, time.Duration(n)*time.Second)
		}
		if !as.SessionNotOnOrAfter.IsZero() {
			left := as.SessionNotOnOrAfter.Sub(now).Truncate(time.Second)
			if left <= 0 {
				return &awserr.Error{Code: "ExpiredTokenException", HTTPStatus: 400, Message: "Token must be redeemed within 5 minutes of issuance"}
			}
			d = min(d, left)
		}
		out, err = s.issueRoleSession(ctx, tx, c, ro, sessionRequest{opt: iam.RoleSessionOptions{Duration: d, SessionName: sessionName,
			Tags: tags, TransitiveTagKeys: transitive, Policy: inline, PolicyARNs: policyARNs, SourceIdentity: sourceIdentity},
			packedPct: packedPct, tagged: tagged})
		return err
	}, func() *ststypes.AssumeRoleWithSAMLResponse {
		return &ststypes.AssumeRoleWithSAMLResponse{
			Credentials:      out.credentials,
			AssumedRoleUser:  out.assumedRoleUser,
			Subject:          ptr(as.Subject),
			SubjectType:      ptr(samlSubjectType(as.SubjectFormat)),
			Issuer:           ptr(as.Issuer),
			Audience:         ptr(as.Recipient),
			NameQualifier:    ptr(samlNameQualifier(as.Issuer, providerAcct, providerName)),
			PackedPolicySize: out.packedPolicySize,
			SourceIdentity:   out.sourceIdentity,
		}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
