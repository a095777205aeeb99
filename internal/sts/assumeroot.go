package sts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// AssumeRoot limits, from the STS API reference (AssumeRoot): a privileged session lasts at most 900 seconds, the
// default; the task policy is one of the AWS managed policies under arn:aws:iam::aws:policy/root-task/ (in the
// caller's partition).
const (
	rootTaskMaxDuration = 900 * time.Second
	rootTaskPolicyPath  = "root-task/" // under the partition's managed policy prefix
)

var (
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	accountRootRE = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:iam::([0-9]{12}):root$`)
)

// AssumeRoot issues a short privileged session of a member account's root user, limited by a root-task policy, to
// a principal of the organization's management account once centralized root access with root sessions is enabled
// (iam EnableOrganizationsRootSessions). Root user credentials cannot call it.
func (s *Service) AssumeRoot(ctx context.Context, c *iam.Caller, in *ststypes.AssumeRootRequest) (*ststypes.AssumeRootResponse, error) {
	target := in.TargetPrincipal
	if m := accountRootRE.FindStringSubmatch(target); m != nil {
		target = m[1]
	}
	if !accountIDRE.MatchString(target) {
		return nil, awserr.ValidationError("The TargetPrincipal must be a member account ID or the ARN of its root user.") // AWS's text unconfirmed
	}
	resource := c.Partition().IAMPrefix() + target + ":root"
	denied := func() error {
		return accessDenied(fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s", c.Principal.ARN, resource))
	}
	if c.IsRoot() {
		return nil, denied() // "You cannot use root user credentials to make this call."
	}
	task := ""
	if in.TaskPolicyArn != nil && in.TaskPolicyArn.Arn != nil {
		task = *in.TaskPolicyArn.Arn
	}
	if taskPath := c.Partition().ManagedPolicyPrefix() + rootTaskPolicyPath; !strings.HasPrefix(task, taskPath) {
		return nil, awserr.ValidationError("The TaskPolicyArn must name an AWS managed policy under %s.", taskPath) // AWS's text unconfirmed
	}
	d := rootTaskMaxDuration
	if in.DurationSeconds != nil && *in.DurationSeconds > 0 {
		d = time.Duration(*in.DurationSeconds) * time.Second // the model caps it at 900
	}
	var out *iam.SessionCredentials
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		actx.Set("sts:TaskPolicyArn", task)
		if err := s.iam.Authorize(ctx, tx, c, iam.Authorization{Action: "sts:AssumeRoot", Resource: resource, Context: actx}); err != nil {
			return err
		}
		v, err := s.iam.AccountOrg(ctx, tx, c.Account())
		if err != nil {
			return err
		}
		if v == nil || v.Management != c.Account() || target == v.Management {
			return denied()
		}
		tv, err := s.iam.AccountOrg(ctx, tx, target)
		if err != nil {
			return err
		}
		if tv == nil || tv.OrgID != v.OrgID {
			return denied()
		}
		on, err := s.iam.RootSessionsEnabled(ctx, tx, v.Management)
		if err != nil {
			return err
		}
		if !on {
			return denied()
		}
		if err := s.iam.CheckSessionPolicyARN(ctx, tx, task); err != nil {
			return err
		}
		out, err = s.iam.NewRootTaskSession(ctx, tx, target, task, c.AccessKeyID, c.SourceIdentity, d)
		return err
	}, func() *ststypes.AssumeRootResponse {
		resp := &ststypes.AssumeRootResponse{Credentials: &ststypes.Credentials{AccessKeyId: out.AccessKeyID,
			SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken, Expiration: out.Expiration}}
		if c.SourceIdentity != "" {
			resp.SourceIdentity = ptr(c.SourceIdentity)
		}
		return resp
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
