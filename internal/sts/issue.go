package sts

import (
	"context"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// issuedSession is a role session issued, as AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML all
// answer it.
type issuedSession struct {
	credentials     *ststypes.Credentials
	assumedRoleUser *ststypes.AssumedRoleUser
	// packedPolicySize is set when the request carried session policies or session tags (STS API reference:
	// PackedPolicySize, "a percentage value that indicates the packed size of the session policies and session
	// tags combined"); nil otherwise.
	packedPolicySize *int32
	sourceIdentity   *string
}

// sessionRequest is what a flow decided, once the role's trust policy allowed the caller, about the session to
// issue: its options (duration, name, tags, session policies, source identity, MFA), the packed size of its
// policies and tags, and whether the request itself carried session tags.
type sessionRequest struct {
	opt       iam.RoleSessionOptions
	packedPct int
	tagged    bool
}

// issueRoleSession is the step the three AssumeRole flows share after their own trust checks: it stores the
// session's credentials in tx and returns what each flow's answer reports of them.
func (s *Service) issueRoleSession(ctx context.Context, tx store.Tx, c *iam.Caller, ro *iam.Role, req sessionRequest) (*issuedSession, error) {
	out, err := s.iam.NewRoleSessionCredentials(ctx, tx, c, ro, req.opt)
	if err != nil {
		return nil, err
	}
	name := req.opt.SessionName
	is := &issuedSession{
		credentials: &ststypes.Credentials{AccessKeyId: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey,
			SessionToken: out.SessionToken, Expiration: out.Expiration},
		assumedRoleUser: &ststypes.AssumedRoleUser{AssumedRoleId: ro.RoleID + ":" + name,
			Arn: iam.AssumedRoleARN(awsregion.OfARN(ro.ARN), accountOf(ro.ARN), ro.RoleName, name)},
	}
	if req.opt.Policy != "" || len(req.opt.PolicyARNs) > 0 || req.tagged {
		n := int32(req.packedPct)
		is.packedPolicySize = &n
	}
	if req.opt.SourceIdentity != "" {
		is.sourceIdentity = ptr(req.opt.SourceIdentity)
	}
	return is, nil
}
