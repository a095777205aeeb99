package iam

import (
	"context"
	"strings"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/store"
)

// IdentityPolicies are the identity-based policies of the user or role principalARN names in account, compiled: a
// user's inline and managed policies and those of its groups, a role's inline and managed policies. A principal
// the account does not have is NoSuchEntity. Policy generation compares what it writes with them; unlike
// UserPolicies and RolePolicies (analysisview.go), it finds the principal by its ARN.
func (s *Service) IdentityPolicies(ctx context.Context, r store.Reader, account, principalARN string) ([]authz.Attached, error) {
	a, err := arn.Parse(principalARN)
	typ, rest, _ := strings.Cut(a.Resource, "/")
	if err != nil || a.Service != "iam" || a.Account != account || rest == "" {
		return nil, laInvalidARN(principalARN)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	switch typ {
	case "user":
		u, err := getUser(ctx, r, account, name)
		if err != nil {
			return nil, err
		}
		return s.userPolicies(ctx, r, account, u, true)
	case "role":
		ro, err := rolesLoad(ctx, r, account, name)
		if err != nil {
			return nil, err
		}
		return s.rolePolicies(ctx, r, account, ro)
	}
	return nil, laInvalidARN(principalARN)
}
