package sts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// GetWebIdentityToken limits, from the STS API reference: DurationSeconds from 60 to 3600 seconds (the model's
// range, checked on decode), 300 by default.
const webTokenDefaultDuration = 300 * time.Second

// webTokenClaims are the claims of a token GetWebIdentityToken issues, in the order of AWS's sample token.
type webTokenClaims struct {
	Issuer   string         `json:"iss"`
	Audience jwt.Audience   `json:"aud"` // one audience is written as a string, several as an array
	Subject  string         `json:"sub"`
	IssuedAt int64          `json:"iat"`
	Expiry   int64          `json:"exp"`
	ID       string         `json:"jti"`
	AWS      webTokenAWSSet `json:"https://sts.amazonaws.com/"` // AWS's namespace for its own claims
}

// webTokenAWSSet are AWS's identity claims. iamd has none of AWS's session context claims (EC2 instance or Lambda
// function ARNs): no AWS service calls it on a workload's behalf.
type webTokenAWSSet struct {
	Account       string            `json:"aws_account"`
	SourceRegion  string            `json:"source_region"`
	OrgID         string            `json:"org_id,omitempty"`
	OUPath        string            `json:"ou_path,omitempty"`
	PrincipalTags map[string]string `json:"principal_tags,omitempty"`
	RequestTags   map[string]string `json:"request_tags,omitempty"`
}

// OutboundIssuer is what GetWebIdentityToken needs of IAM: the account's signing key, when outbound identity
// federation is on, and what the token tells of the caller.
type OutboundIssuer interface {
	OutboundSigningKey(ctx context.Context, r store.Reader, account, alg string) (*iam.OutboundSigningKey, error)
	OutboundIdentity(ctx context.Context, r store.Reader, c *iam.Caller) (*iam.OutboundIdentity, error)
}

func errOutboundDisabled() error {
	return awserr.New("OutboundWebIdentityFederationDisabledException", 403,
		"The outbound web identity federation feature is not enabled for this account.")
}

func errSessionDurationEscalation() error {
	return awserr.New("SessionDurationEscalationException", 403,
		"The requested token duration would extend the session beyond its original expiration time.")
}

// GetWebIdentityToken issues a JSON Web Token for the caller, signed with the account's outbound identity
// federation key for the algorithm asked for. The caller needs sts:GetWebIdentityToken (and
// sts:TagGetWebIdentityToken to pass tags), decided with the condition keys the authorization data gives the
// action: sts:IdentityTokenAudience (every audience), sts:DurationSeconds (the token's lifetime, the default
// 300 when not given), sts:SigningAlgorithm, aws:RequestTag/* and aws:TagKeys. It fails closed: an account whose
// feature is off gets OutboundWebIdentityFederationDisabledException and no token. A token from temporary
// credentials may not outlive them (SessionDurationEscalationException). Times are on iamd's clock, like the
// credentials' expiry.
func (s *Service) GetWebIdentityToken(ctx context.Context, c *iam.Caller, in *ststypes.GetWebIdentityTokenRequest) (*ststypes.GetWebIdentityTokenResponse, error) {
	alg := in.SigningAlgorithm
	if alg != iam.OutboundRS256 && alg != iam.OutboundES384 {
		return nil, awserr.ValidationError("1 validation error detected: Value '%s' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			alg, strings.Join(iam.OutboundAlgorithms(), ", "))
	}
	d := webTokenDefaultDuration
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second
	}
	reqTags := map[string]string{}
	actx := policy.Context{}
	var tagKeys []string
	for _, t := range in.Tags {
		for k := range reqTags {
			if strings.EqualFold(k, t.Key) {
				return nil, awserr.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
		reqTags[t.Key] = t.Value
		actx.Set("aws:RequestTag/"+t.Key, t.Value)
		tagKeys = append(tagKeys, t.Key)
	}
	if len(tagKeys) > 0 {
		actx.Set("aws:TagKeys", tagKeys...)
	}
	actx.Set("sts:IdentityTokenAudience", in.Audience...)
	actx.Set("sts:DurationSeconds", fmt.Sprint(int64(d/time.Second)))
	actx.Set("sts:SigningAlgorithm", alg)

	var key *iam.OutboundSigningKey
	var id *iam.OutboundIdentity
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "sts:GetWebIdentityToken", Resource: "*", Context: actx}); err != nil {
			return err
		}
		if len(tagKeys) > 0 {
			if err := s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "sts:TagGetWebIdentityToken", Resource: "*", Context: actx}); err != nil {
				return err
			}
		}
		var err error
		key, err = s.iam.OutboundSigningKey(ctx, r, c.Account(), alg)
		if errors.Is(err, iam.ErrOutboundFederationDisabled) {
			return errOutboundDisabled()
		}
		if err != nil {
			return err
		}
		id, err = s.iam.OutboundIdentity(ctx, r, c)
		return err
	})
	if err != nil {
		return nil, err
	}

	now := s.iam.Time().UTC().Truncate(time.Second)
	exp := now.Add(d)
	if !id.SessionExpires.IsZero() && exp.After(id.SessionExpires) {
		return nil, errSessionDurationEscalation()
	}
	region := c.Region
	if region == "" {
		region = s.region
	}
	claims := webTokenClaims{Issuer: key.Issuer, Audience: jwt.Audience(in.Audience), Subject: id.Subject,
		IssuedAt: now.Unix(), Expiry: exp.Unix(), ID: newTokenID(),
		AWS: webTokenAWSSet{Account: c.Account(), SourceRegion: region, OrgID: id.OrgID, OUPath: id.OUPath,
			PrincipalTags: id.PrincipalTags}}
	if len(reqTags) > 0 {
		claims.AWS.RequestTags = reqTags
	}
	token, err := signWebToken(key, &claims)
	if err != nil {
		return nil, err
	}
	return &ststypes.GetWebIdentityTokenResponse{WebIdentityToken: &token, Expiration: &exp}, nil
}

// signWebToken signs the claims as a JWS compact token whose header names the key (kid) and the type JWT.
func signWebToken(key *iam.OutboundSigningKey, claims *webTokenClaims) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: jose.JSONWebKey{Key: key.Key, KeyID: key.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("web identity token signer: %w", err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("signing web identity token: %w", err)
	}
	return token, nil
}

// newTokenID returns a random token ID (jti) in the UUID form.
func newTokenID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
