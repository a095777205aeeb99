package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// AssumeRole limits, from the STS API reference (AssumeRole): DurationSeconds from 900 seconds up to the role's
// maximum session duration, 3600 seconds by default; a role session that assumes a role (role chaining) is limited
// to one hour; up to 10 managed session policy ARNs; the plaintext of the inline and managed session policies
// together can't exceed 2,048 characters.
const (
	roleDefaultDuration  = 3600 * time.Second
	roleChainMaxDuration = 3600 * time.Second
	maxSessionPolicyARNs = 10
	packedPolicyBudget   = 2048 // characters of session policy plaintext (inline document and ARNs)
	packedTagBudget      = 2048 // characters of session tag keys and values (iamd's approximation of AWS's packing)
)

// AssumeRole issues a role session: the role (of any account iamd holds) must trust the caller in its trust
// policy, and for a caller of another account, or a trust policy naming only the caller's account, the caller's
// identity-based policies must allow sts:AssumeRole on it too.
func (s *Service) AssumeRole(ctx context.Context, c *iam.Caller, in *ststypes.AssumeRoleRequest) (*ststypes.AssumeRoleResponse, error) {
	if c.IsRoot() {
		return nil, accessDenied("Roles may not be assumed by root accounts.")
	}
	denied := func(action string) error {
		return accessDenied(fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, action, in.RoleArn))
	}

	// Session policies.
	inline := deref(in.Policy)
	policyARNs, policyChars, err := sessionPolicies(inline, in.PolicyArns)
	if err != nil {
		return nil, err
	}

	// Session tags: those the caller's session passes on (transitive, when chaining), then the request's.
	tags := map[string]string{}
	var transitive []string
	chained := c.RoleSession
	if chained {
		for _, k := range c.TransitiveTagKeys {
			if v, ok := c.SessionTags[k]; ok {
				tags[k] = v
				transitive = append(transitive, k)
			}
		}
	}
	tagChars := 0
	reqTags := policy.Context{}
	var tagKeys []string
	for _, t := range in.Tags {
		for k := range tags {
			if strings.EqualFold(k, t.Key) && k != t.Key {
				delete(tags, k)
			}
		}
		tags[t.Key] = t.Value
		tagChars += len(t.Key) + len(t.Value)
		reqTags.Set("aws:RequestTag/"+t.Key, t.Value)
		tagKeys = append(tagKeys, t.Key)
	}
	for _, k := range in.TransitiveTagKeys {
		if _, ok := tags[k]; ok && !contains(transitive, k) {
			transitive = append(transitive, k)
		}
	}
	packedPct, err := packedSize(policyChars, tagChars)
	if err != nil {
		return nil, err
	}

	// Source identity: once set, it stays for the chain.
	sourceIdentity := c.SourceIdentity
	if in.SourceIdentity != nil {
		if sourceIdentity != "" && *in.SourceIdentity != sourceIdentity {
			return nil, denied("sts:SetSourceIdentity")
		}
		sourceIdentity = *in.SourceIdentity
	}

	serial, code := deref(in.SerialNumber), deref(in.TokenCode)
	if (serial == "") != (code == "") {
		return nil, accessDenied("MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	}

	var out *issuedSession
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.iam.RoleByARN(ctx, tx, in.RoleArn)
		if errors.Is(err, store.ErrNotFound) {
			return denied("sts:AssumeRole") // AWS does not tell whether the role exists
		}
		if err != nil {
			return err
		}
		caller := *c
		if serial != "" {
			if c.Principal.Type != authz.PrincipalUser {
				return errMFAFailed() // only IAM users have MFA devices in iamd
			}
			err := s.iam.VerifyMFADevice(ctx, tx, c.Account(), c.Name, serial, code)
			if errors.Is(err, iam.ErrMFACodeInvalid) {
				return errMFAFailed()
			}
			if err != nil {
				return err
			}
			caller.SessionToken, caller.MFAPresent, caller.MFAAuthTime = true, true, s.iam.Time()
			if caller.TokenIssueTime.IsZero() {
				caller.TokenIssueTime = caller.MFAAuthTime
			}
		}
		actx := policy.Context{}
		actx.Set("sts:RoleSessionName", in.RoleSessionName)
		if in.ExternalId != nil {
			actx.Set("sts:ExternalId", *in.ExternalId)
		}
		if in.SourceIdentity != nil {
			actx.Set("sts:SourceIdentity", *in.SourceIdentity)
		}
		for k, v := range reqTags {
			actx[k] = v
		}
		if chained { // the tags the caller's session passes on (IAM User Guide, "Chaining roles with session tags")
			for _, k := range c.TransitiveTagKeys {
				if v, ok := c.SessionTags[k]; ok {
					actx.Set("sts:TransitiveTag/"+k, v)
				}
			}
		}
		if len(tagKeys) > 0 {
			actx.Set("aws:TagKeys", tagKeys...)
		}
		if len(in.TransitiveTagKeys) > 0 {
			actx.Set("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
		}
		owner := accountOf(ro.ARN)
		check := func(action string) error {
			return s.iam.AuthorizeWithResourcePolicy(ctx, tx, &caller, iam.Authorization{Action: action, Resource: ro.ARN,
				ResourceOwner: owner, Context: actx}, ro.AssumeRolePolicyDocument, policy.TypeTrust, "trust policy of role/"+ro.RoleName)
		}
		if err := check("sts:AssumeRole"); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := check("sts:TagSession"); err != nil {
				return err
			}
		}
		if in.SourceIdentity != nil && c.SourceIdentity == "" {
			if err := check("sts:SetSourceIdentity"); err != nil {
				return err
			}
		}
		for _, a := range policyARNs {
			if err := s.iam.CheckSessionPolicyARN(ctx, tx, a); err != nil {
				return err
			}
		}

		if chained && in.DurationSeconds != nil && time.Duration(*in.DurationSeconds)*time.Second > roleChainMaxDuration {
			return awserr.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
		d, err := roleDuration(in.DurationSeconds, ro)
		if err != nil {
			return err
		}
		out, err = s.issueRoleSession(ctx, tx, &caller, ro, sessionRequest{opt: iam.RoleSessionOptions{Duration: d,
			SessionName: in.RoleSessionName, Tags: tags, TransitiveTagKeys: transitive, Policy: inline,
			PolicyARNs: policyARNs, SourceIdentity: sourceIdentity, MFA: caller.MFAPresent},
			packedPct: packedPct, tagged: len(in.Tags) > 0})
		return err
	}, func() *ststypes.AssumeRoleResponse {
		return &ststypes.AssumeRoleResponse{Credentials: out.credentials, AssumedRoleUser: out.assumedRoleUser,
			PackedPolicySize: out.packedPolicySize, SourceIdentity: out.sourceIdentity}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func packedTooLarge(msg string) error {
	return &awserr.Error{Code: "PackedPolicyTooLarge", HTTPStatus: 400, Message: msg}
}

func accountOf(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
