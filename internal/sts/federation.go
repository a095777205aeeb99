package sts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// GetFederationToken limits, from the STS API reference (GetFederationToken, DurationSeconds): 900 seconds to
// 129,600 seconds (36 hours), 43,200 seconds (12 hours) by default; sessions obtained with the root user's
// credentials are restricted to 3,600 seconds, and a longer duration defaults to one hour.
const (
	federationDefaultDuration = 43200 * time.Second
	federationRootMaxDuration = 3600 * time.Second
)

// GetFederationToken issues the session of a federated user for an IAM user (or the root user) signed with a
// long-term key. The session's permissions are the intersection of the caller's and the session policies passed
// here: without a session policy it has none.
func (s *Service) GetFederationToken(ctx context.Context, c *iam.Caller, in *ststypes.GetFederationTokenRequest) (*ststypes.GetFederationTokenResponse, error) {
	if c.SessionToken {
		return nil, accessDenied("Cannot call GetFederationToken with session credentials")
	}
	if c.Principal.Type != authz.PrincipalUser && c.Principal.Type != authz.PrincipalRoot {
		return nil, accessDenied("Cannot call GetFederationToken with session credentials")
	}
	d := federationDefaultDuration
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second // the model's range (900..129600) is checked on decode
	}
	if c.IsRoot() && (in.DurationSeconds == nil || d > federationRootMaxDuration) {
		d = federationRootMaxDuration
	}

	inline := deref(in.Policy)
	policyARNs, policyChars, err := sessionPolicies(inline, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	tagChars := 0
	actx := policy.Context{}
	var tagKeys []string
	for _, t := range in.Tags {
		for k := range tags {
			if strings.EqualFold(k, t.Key) {
				return nil, awserr.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
		tags[t.Key] = t.Value
		tagChars += len(t.Key) + len(t.Value)
		actx.Set("aws:RequestTag/"+t.Key, t.Value)
		tagKeys = append(tagKeys, t.Key)
	}
	if len(tagKeys) > 0 {
		actx.Set("aws:TagKeys", tagKeys...)
	}
	packedPct, err := packedSize(policyChars, tagChars)
	if err != nil {
		return nil, err
	}

	acct := c.Account()
	fedARN := iam.FederatedUserARN(c.Partition(), acct, in.Name)
	var out *iam.SessionCredentials
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		if err := s.iam.Authorize(ctx, tx, c, iam.Authorization{Action: "sts:GetFederationToken", Resource: fedARN, Context: actx}); err != nil {
			return err
		}
		if len(tagKeys) > 0 {
			if err := s.iam.Authorize(ctx, tx, c, iam.Authorization{Action: "sts:TagSession", Resource: fedARN, Context: actx}); err != nil {
				return err
			}
		}
		for _, a := range policyARNs {
			if err := s.iam.CheckSessionPolicyARN(ctx, tx, a); err != nil {
				return err
			}
		}
		var err error
		out, err = s.iam.NewFederatedSessionCredentials(ctx, tx, c, iam.FederatedSessionOptions{Duration: d, Name: in.Name,
			Tags: tags, Policy: inline, PolicyARNs: policyARNs})
		return err
	}, func() *ststypes.GetFederationTokenResponse {
		resp := &ststypes.GetFederationTokenResponse{
			Credentials: &ststypes.Credentials{AccessKeyId: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey,
				SessionToken: out.SessionToken, Expiration: out.Expiration},
			FederatedUser: &ststypes.FederatedUser{FederatedUserId: acct + ":" + in.Name, Arn: fedARN},
		}
		if inline != "" || len(policyARNs) > 0 || len(in.Tags) > 0 {
			n := int32(packedPct)
			resp.PackedPolicySize = &n
		}
		return resp
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetAccessKeyInfo returns the account that owns an access key iamd knows: an IAM user's or root user's key, or
// temporary credentials. AWS derives the account from the key ID itself and does not tell the key's state; iamd
// answers for the keys it holds and, for any other (or deleted) key, that the key does not exist.
func (s *Service) GetAccessKeyInfo(ctx context.Context, c *iam.Caller, in *ststypes.GetAccessKeyInfoRequest) (*ststypes.GetAccessKeyInfoResponse, error) {
	var account string
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "sts:GetAccessKeyInfo", Resource: "*"}); err != nil {
			return err
		}
		e, err := r.GetByID(ctx, in.AccessKeyId)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		switch e.Kind {
		case iam.KindAccessKey, iam.KindRootKey, iam.KindSession:
			account = e.Account
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if account == "" {
		return nil, awserr.ValidationError("The access key ID %s does not exist.", in.AccessKeyId)
	}
	return &ststypes.GetAccessKeyInfoResponse{Account: ptr(account)}, nil
}
