package sts

import (
	"context"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// DecodeAuthorizationMessage reveals an encoded authorization failure message (which iamd adds to an AccessDenied
// answer when the request asks for it with the X-Iamd-Authorization-Message header) to a principal of the account
// whose request was denied, when its policies allow sts:DecodeAuthorizationMessage. The decoded JSON has AWS's
// shape: allowed, explicitDeny, matchedStatements, failures and context (principal, action, resource, conditions).
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, c *iam.Caller, in *ststypes.DecodeAuthorizationMessageRequest) (*ststypes.DecodeAuthorizationMessageResponse, error) {
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		return s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "sts:DecodeAuthorizationMessage", Resource: "*"})
	})
	if err != nil {
		return nil, err
	}
	msg, err := s.iam.DecodeAuthorizationMessage(c.Account(), in.EncodedMessage)
	if err != nil {
		return nil, err
	}
	return &ststypes.DecodeAuthorizationMessageResponse{DecodedMessage: &msg}, nil
}
