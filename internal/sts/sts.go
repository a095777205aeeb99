// Package sts is the STS service's domain: the identity of a caller today (GetCallerIdentity), and later
// temporary credentials, role sessions and federation. It knows nothing of HTTP or storage engines.
package sts

import (
	"context"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Service runs STS operations.
type Service struct{}

// New returns the STS service.
func New() *Service { return &Service{} }

// GetCallerIdentity returns who signed the request. It needs no permission: AWS answers it even when a policy
// denies sts:GetCallerIdentity.
func (s *Service) GetCallerIdentity(ctx context.Context, c *iam.Caller, in *ststypes.GetCallerIdentityRequest) (*ststypes.GetCallerIdentityResponse, error) {
	return &ststypes.GetCallerIdentityResponse{UserId: ptr(c.UserID), Account: ptr(c.Account()), Arn: ptr(c.Principal.ARN)}, nil
}

func ptr(s string) *string { return &s }
