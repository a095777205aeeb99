package sts

import (
	"context"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// DelegationExchanger trades the token of a finalized IAM delegation request for the delegated session.
type DelegationExchanger interface {
	ExchangeDelegationToken(ctx context.Context, tx store.Tx, c *iam.Caller, token string) (*iam.DelegatedSession, error)
}

// GetDelegatedAccessToken exchanges the trade-in token that SendDelegationToken released for temporary credentials
// of the identity that accepted the delegation request, limited by the request's permission policy (see
// internal/iam/delegation.go). The caller is the partner: an identity of the requesting account allowed
// sts:GetDelegatedAccessToken (the action has no resource type: "*"). Every unusable token is
// ExpiredTradeInTokenException. PackedPolicySize is not populated (the STS API reference: deprecated for this
// operation).
func (s *Service) GetDelegatedAccessToken(ctx context.Context, c *iam.Caller, in *ststypes.GetDelegatedAccessTokenRequest) (*ststypes.GetDelegatedAccessTokenResponse, error) {
	var ds *iam.DelegatedSession
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		if err := s.iam.Authorize(ctx, tx, c, iam.Authorization{Action: "sts:GetDelegatedAccessToken", Resource: "*"}); err != nil {
			return err
		}
		var err error
		ds, err = s.iam.ExchangeDelegationToken(ctx, tx, c, in.TradeInToken)
		return err
	}, func() *ststypes.GetDelegatedAccessTokenResponse {
		cr := ds.Credentials
		return &ststypes.GetDelegatedAccessTokenResponse{
			Credentials: &ststypes.Credentials{AccessKeyId: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey,
				SessionToken: cr.SessionToken, Expiration: cr.Expiration},
			AssumedPrincipal: ptr(ds.AssumedPrincipal)}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
