package iam

import (
	"context"
	"errors"

	"github.com/iamd-dev/iamd/internal/store"
)

// CheckSignInMFA makes SignIn ask for an MFA code from users with an enabled virtual MFA device, and checks it
// (recording the code as used, so it cannot be replayed).
func (s *Service) CheckSignInMFA(ctx context.Context, tx store.Tx, account string, user *User, code string) (required, valid bool, err error) {
	has, err := s.VerifyUserMFA(ctx, tx, account, user.UserName, code)
	switch {
	case errors.Is(err, ErrMFACodeInvalid):
		return has, false, nil
	case err != nil:
		return has, false, err
	}
	return has, has, nil
}

var _ SignInMFAChecker = (*Service)(nil)
