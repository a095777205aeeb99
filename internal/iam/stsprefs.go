package iam

import (
	"context"
	"errors"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// stsprefsSetting is the per-account setting that holds the global endpoint token version chosen with
// SetSecurityTokenServicePreferences ("v1Token" or "v2Token"). Its absence means AWS's default, version 1 tokens.
const stsprefsSetting = "sts-preferences"

// SetSecurityTokenServicePreferences sets the version of the session tokens the global STS endpoint issues for the
// account: v1Token (valid only in the Regions enabled by default) or v2Token (valid in every Region). The model
// has validated the value against its enum. GetAccountSummary reports it as GlobalEndpointTokenVersion (1 or 2).
// iamd serves every Region from one endpoint, so the version changes what the account reports, not which Regions
// accept its tokens.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, c *Caller, in *iamtypes.SetSecurityTokenServicePreferencesRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:SetSecurityTokenServicePreferences", Resource: "*"}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, c.Account(), stsprefsSetting, []byte(in.GlobalEndpointTokenVersion))
	})
	if err != nil {
		return internal(err)
	}
	return nil
}

// stsprefsTokenVersion returns the account's global endpoint token version as GetAccountSummary reports it: 1 for
// v1Token (the default), 2 for v2Token.
func stsprefsTokenVersion(ctx context.Context, r store.Reader, account string) (int32, error) {
	b, err := r.Setting(ctx, account, stsprefsSetting)
	if errors.Is(err, store.ErrNotFound) {
		return acctopsGlobalEndpointTokenVersion, nil
	}
	if err != nil {
		return 0, err
	}
	if iamtypes.GlobalEndpointTokenVersion(b) == iamtypes.GlobalEndpointTokenVersionV2Token {
		return 2, nil
	}
	return 1, nil
}
