package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/iamd-dev/iamd/authz"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// IssuerKeys gives the public keys an OpenID Connect issuer signs its tokens with (its JWKS).
type IssuerKeys interface {
	// Keys returns the issuer's signing keys with key ID kid (every key when kid is empty), refetching once when the
	// issuer's cached keys lack kid. No key and a nil error means the issuer publishes no such key; an error means
	// the issuer could not be reached or read.
	Keys(ctx context.Context, issuer, kid string) ([]jose.JSONWebKey, error)
}

// Web identity token rules. AWS does not publish its clock tolerance; iamd allows five minutes of skew for nbf and
// iat and none for exp.
const (
	webIdentitySkew = 5 * time.Minute
	maxSessionTags  = 50 // session tags per session (IAM User Guide, "Passing session tags in AWS STS")
)

// webIdentityAlgorithms are the signature algorithms a web identity token may use: asymmetric ones only, so "none"
// and HMAC (whose key would be a shared secret) are refused.
func webIdentityAlgorithms() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}
}

// webClaims are the claims of an OpenID Connect ID token that AssumeRoleWithWebIdentity reads.
type webClaims struct {
	jwt.Claims
	AZP            string          `json:"azp,omitempty"`
	AMR            json.RawMessage `json:"amr,omitempty"`
	Tags           *webTags        `json:"https://aws.amazon.com/tags,omitempty"`
	SourceIdentity *string         `json:"https://aws.amazon.com/source_identity,omitempty"`
}

// webTags is the session tags claim (IAM User Guide, "Passing session tags using AssumeRoleWithWebIdentity").
type webTags struct {
	PrincipalTags     map[string][]string `json:"principal_tags"`
	TransitiveTagKeys []string            `json:"transitive_tag_keys"`
}

// invalidToken is AWS's InvalidIdentityToken. Where iamd does not know AWS's exact message for a failure, it uses
// the service model's description of the error.
func invalidToken(msg string) error {
	return &awserr.Error{Code: "InvalidIdentityToken", HTTPStatus: 400, Message: msg}
}

const msgTokenNotValidated = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."

// parseWebIdentityToken parses a JWS compact token with an allowed algorithm and reads its claims without
// verifying the signature; the caller verifies it before trusting anything but the issuer.
func parseWebIdentityToken(raw string) (*jwt.JSONWebToken, *webClaims, error) {
	tok, err := jwt.ParseSigned(raw, webIdentityAlgorithms())
	if err != nil {
		return nil, nil, invalidToken(msgTokenNotValidated)
	}
	if len(tok.Headers) != 1 {
		return nil, nil, invalidToken(msgTokenNotValidated)
	}
	var cl webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&cl); err != nil {
		return nil, nil, invalidToken(msgTokenNotValidated)
	}
	if cl.Issuer == "" {
		return nil, nil, invalidToken(msgTokenNotValidated)
	}
	return tok, &cl, nil
}

// verifyWebIdentityToken checks the token's signature with the issuer's keys and its time claims at now, and returns
// the verified claims.
func verifyWebIdentityToken(tok *jwt.JSONWebToken, keys []jose.JSONWebKey, now time.Time) (*webClaims, error) {
	alg := tok.Headers[0].Algorithm
	var cl *webClaims
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		var c webClaims
		if err := tok.Claims(k.Key, &c); err == nil {
			cl = &c
			break
		}
	}
	if cl == nil {
		return nil, invalidToken(msgTokenNotValidated)
	}
	if cl.Expiry == nil {
		return nil, invalidToken(msgTokenNotValidated)
	}
	if exp := cl.Expiry.Time(); !now.Before(exp) {
		// AWS's wording, with times as epoch seconds (seen in AWS's answers; the exact spacing is unconfirmed).
		return nil, &awserr.Error{Code: "ExpiredTokenException", HTTPStatus: 400,
			Message: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), exp.Unix())}
	}
	if cl.NotBefore != nil && now.Add(webIdentitySkew).Before(cl.NotBefore.Time()) {
		return nil, invalidToken(msgTokenNotValidated)
	}
	if cl.IssuedAt != nil && now.Add(webIdentitySkew).Before(cl.IssuedAt.Time()) {
		return nil, invalidToken(msgTokenNotValidated)
	}
	return cl, nil
}

// webAudience returns the client ID the token was issued to, if the provider registers it: the azp claim when it is a
// registered client ID, else the first aud value that is.
func webAudience(cl *webClaims, clientIDs []string) (string, bool) {
	if cl.AZP != "" && slices.Contains(clientIDs, cl.AZP) {
		return cl.AZP, true
	}
	for _, a := range cl.Audience {
		if slices.Contains(clientIDs, a) {
			return a, true
		}
	}
	return "", false
}

// webConditionKeys are the keys a trust policy can test for an OIDC provider (IAM User Guide, "Available keys for
// AWS OIDC federation"), named <provider URL without https://>:<claim>: sub, aud (the azp claim when the token has
// one, else aud), oaud (the aud claim, when azp stood in for it), azp, amr.
func webConditionKeys(ctx policy.Context, name string, cl *webClaims) {
	ctx.Set(name+":sub", cl.Subject)
	if cl.AZP != "" {
		ctx.Set(name+":aud", cl.AZP)
		ctx.Set(name+":azp", cl.AZP)
		if len(cl.Audience) > 0 {
			ctx.Set(name+":oaud", cl.Audience...)
		}
	} else if len(cl.Audience) > 0 {
		ctx.Set(name+":aud", cl.Audience...)
	}
	if len(cl.AMR) > 0 {
		var list []string
		if err := json.Unmarshal(cl.AMR, &list); err != nil {
			var one string
			if json.Unmarshal(cl.AMR, &one) == nil {
				list = []string{one}
			}
		}
		if len(list) > 0 {
			ctx.Set(name+":amr", list...)
		}
	}
}

// AssumeRoleWithWebIdentity issues a role session for a user of an OpenID Connect identity provider: the request is
// unsigned, and the ID token in it, signed by an issuer registered as an IAM OIDC provider in the role's account and
// issued to one of the provider's client IDs, stands for the caller. The role's trust policy alone decides, with the
// token's claims as condition keys. ProviderId (OAuth 2.0 access tokens of www.amazon.com and graph.facebook.com) is
// not supported and answered with InvalidParameterValue.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, c *iam.Caller, in *ststypes.AssumeRoleWithWebIdentityRequest) (*ststypes.AssumeRoleWithWebIdentityResponse, error) {
	if in.ProviderId != nil {
		return nil, &awserr.Error{Code: "InvalidParameterValue", HTTPStatus: 400,
			Message: "ProviderId is for OAuth 2.0 access tokens, which iamd does not accept; pass an OpenID Connect ID token without ProviderId."}
	}
	inline := deref(in.Policy)
	policyARNs, policyChars, err := sessionPolicies(inline, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tok, unverified, err := parseWebIdentityToken(in.WebIdentityToken)
	if err != nil {
		return nil, err
	}
	issuer := unverified.Issuer
	account := accountOf(in.RoleArn)

	// Find the provider before any network access, so that only registered issuers are ever fetched from. This read
	// is apart from the write transaction below so that no store transaction is held open across the fetch; the
	// write transaction looks the provider up again.
	var prov *iam.OIDCProvider
	err = s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		prov, err = s.iam.OIDCProviderForIssuer(ctx, r, account, issuer)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidToken("No OpenIDConnect provider found in your account for " + issuer)
	}
	if err != nil {
		return nil, err
	}
	if s.WebIdentityKeys == nil {
		return nil, errIDPCommunication(errors.New("no issuer key source configured"))
	}
	keys, err := s.WebIdentityKeys.Keys(ctx, issuer, tok.Headers[0].KeyID)
	if err != nil {
		return nil, errIDPCommunication(err)
	}
	if len(keys) == 0 {
		return nil, invalidToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	cl, err := verifyWebIdentityToken(tok, keys, s.iam.RealTime()) // the issuer's exp and nbf are on the real time
	if err != nil {
		return nil, err
	}
	if cl.Issuer != issuer { // the verified claims are the ones read unverified; a belt-and-braces check
		return nil, invalidToken(msgTokenNotValidated)
	}
	audience, ok := webAudience(cl, prov.ClientIDs)
	if !ok {
		return nil, invalidToken("Incorrect token audience")
	}

	// Session tags and source identity come from the token.
	tags := map[string]string{}
	var transitive, tagKeys []string
	tagChars := 0
	actx := policy.Context{}
	if cl.Tags != nil {
		if len(cl.Tags.PrincipalTags) > maxSessionTags {
			return nil, invalidToken(msgTokenNotValidated)
		}
		for k, vs := range cl.Tags.PrincipalTags {
			if len(vs) != 1 || k == "" || len(k) > 128 || len(vs[0]) > 256 {
				return nil, invalidToken(msgTokenNotValidated)
			}
			tags[k] = vs[0]
			tagKeys = append(tagKeys, k)
			tagChars += len(k) + len(vs[0])
			actx.Set("aws:RequestTag/"+k, vs[0])
		}
		slices.Sort(tagKeys)
		for _, k := range cl.Tags.TransitiveTagKeys {
			if _, ok := tags[k]; ok && !slices.Contains(transitive, k) {
				transitive = append(transitive, k)
			}
		}
		if len(tagKeys) > 0 {
			actx.Set("aws:TagKeys", tagKeys...)
		}
		if len(transitive) > 0 {
			actx.Set("sts:TransitiveTagKeys", transitive...)
		}
	}
	packedPct, err := packedSize(policyChars, tagChars)
	if err != nil {
		return nil, err
	}
	sourceIdentity := ""
	if cl.SourceIdentity != nil {
		sourceIdentity = *cl.SourceIdentity
		actx.Set("sts:SourceIdentity", sourceIdentity)
	}
	actx.Set("sts:RoleSessionName", in.RoleSessionName)
	webConditionKeys(actx, prov.URL, cl)

	var out *issuedSession
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		p, err := s.iam.OIDCProviderForIssuer(ctx, tx, account, issuer)
		if errors.Is(err, store.ErrNotFound) {
			return invalidToken("No OpenIDConnect provider found in your account for " + issuer)
		}
		if err != nil {
			return err
		}
		if !slices.Contains(p.ClientIDs, audience) { // the client ID was removed meanwhile
			return invalidToken("Incorrect token audience")
		}
		principal := authz.Principal{Type: authz.PrincipalWebIdentity, Provider: p.ARN, Account: account}
		ro, err := s.iam.RoleByARN(ctx, tx, in.RoleArn)
		if errors.Is(err, store.ErrNotFound) {
			return accessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity") // as for a role that does not trust
		}
		if err != nil {
			return err
		}
		if err := s.federatedTrust(ctx, tx, c, principal, "sts:AssumeRoleWithWebIdentity", ro, actx, len(tags) > 0, sourceIdentity, policyARNs); err != nil {
			return err
		}
		d, err := roleDuration(in.DurationSeconds, ro)
		if err != nil {
			return err
		}
		out, err = s.issueRoleSession(ctx, tx, c, ro, sessionRequest{opt: iam.RoleSessionOptions{Duration: d,
			SessionName: in.RoleSessionName, Tags: tags, TransitiveTagKeys: transitive, Policy: inline,
			PolicyARNs: policyARNs, SourceIdentity: sourceIdentity}, packedPct: packedPct, tagged: len(tags) > 0})
		return err
	}, func() *ststypes.AssumeRoleWithWebIdentityResponse {
		return &ststypes.AssumeRoleWithWebIdentityResponse{
			Credentials:                 out.credentials,
			SubjectFromWebIdentityToken: ptr(cl.Subject),
			AssumedRoleUser:             out.assumedRoleUser,
			// The API reference says Provider holds the token's iss; AWS's answers for IAM OIDC providers (EKS, GitHub)
			// carry the provider's ARN, which iamd follows.
			Provider:         ptr(prov.ARN),
			Audience:         ptr(audience),
			PackedPolicySize: out.packedPolicySize,
			SourceIdentity:   out.sourceIdentity,
		}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// errIDPCommunication is AWS's IDPCommunicationError (message from the service model's description); the cause
// (never the token) goes to the log through the API layer.
func errIDPCommunication(cause error) error {
	return &awserr.Error{Code: "IDPCommunicationError", HTTPStatus: 400, Cause: cause,
		Message: "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached. This is often a transient error caused by network conditions. Retry the request a limited number of times and wait between attempts to be sure it succeeds."}
}
