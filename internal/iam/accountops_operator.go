package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// Errors of CreateAccount that callers branch on. Their messages are shown to the operator as they are.
var (
	// ErrAccountExists is returned (wrapped with the account ID) when the account already exists.
	ErrAccountExists = errors.New("already exists")
	// ErrInvalidAccountRequest is returned (wrapped with the reason) for a malformed account ID or root key.
	ErrInvalidAccountRequest = errors.New("invalid account request")
	// ErrAccessKeyInUse is returned (wrapped with the key ID) when the given root access key ID is taken.
	ErrAccessKeyInUse = errors.New("is already in use")
)

var (
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyIDRE = regexp.MustCompile(`^[\w]{16,128}$`) // IAM's accessKeyIdType: [\w]+, 16 to 128 characters
)

// maxOperatorSecretLen bounds a root secret access key given by the operator (AWS's are 40 characters).
const maxOperatorSecretLen = 128

// ValidateAccountRequest checks an operator's request for a new account: a 12-digit account ID and, optionally, a
// root access key pair given together. The error wraps ErrInvalidAccountRequest and never contains the secret.
func ValidateAccountRequest(account, accessKeyID, secretKey string) error {
	if !accountIDRE.MatchString(account) {
		return fmt.Errorf("%w: account ID %q must be 12 digits", ErrInvalidAccountRequest, account)
	}
	if (accessKeyID == "") != (secretKey == "") {
		return fmt.Errorf("%w: give both the access key ID and the secret access key, or neither", ErrInvalidAccountRequest)
	}
	if accessKeyID != "" && !accessKeyIDRE.MatchString(accessKeyID) {
		return fmt.Errorf("%w: access key ID must be 16 to 128 letters, digits or underscores", ErrInvalidAccountRequest)
	}
	if len(secretKey) > maxOperatorSecretLen {
		return fmt.Errorf("%w: secret access key must be at most %d characters", ErrInvalidAccountRequest, maxOperatorSecretLen)
	}
	return nil
}

// CreateAccount creates a standalone account with the operator's chosen ID and its root user's access key: the one
// given, or a new one. Unlike EnsureAccount it refuses an account whose root has an access key (ErrAccountExists),
// so an existing key is neither shown nor rotated. An account that exists without root credentials (one that
// Organizations' CreateAccount made) gets its first root key, which lets it stand alone. The returned credentials
// hold the secret; it is not kept anywhere else in plain text. Everything happens in one store transaction.
func (s *Service) CreateAccount(ctx context.Context, account, accessKeyID, secretKey string) (RootCredentials, error) {
	return s.CreateAccountIn(ctx, awsregion.AWS, account, accessKeyID, secretKey)
}

// CreateAccountIn is CreateAccount for an account in partition p. An account that exists without root credentials
// keeps the partition it was created in; asking for another is ErrInvalidAccountRequest.
func (s *Service) CreateAccountIn(ctx context.Context, p awsregion.Partition, account, accessKeyID, secretKey string) (RootCredentials, error) {
	if err := ValidateAccountRequest(account, accessKeyID, secretKey); err != nil {
		return RootCredentials{}, err
	}
	p, err := awsregion.ParsePartition(string(p))
	if err != nil {
		return RootCredentials{}, fmt.Errorf("%w: %v", ErrInvalidAccountRequest, err)
	}
	configured := accessKeyID != ""
	if !configured {
		accessKeyID, secretKey = secret.NewID("AKIA", 20), secret.NewSecretAccessKey()
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Setting(ctx, account, settingAccount)
		exists := err == nil
		if err != nil && !notFound(err) {
			return err
		}
		if exists {
			if have, err := partitionOf(ctx, tx, account); err != nil {
				return err
			} else if have != p {
				return fmt.Errorf("%w: account %s is in the %s partition", ErrInvalidAccountRequest, account, have)
			}
			if n, err := tx.Count(ctx, store.ListQuery{Account: account, Kind: KindRootKey}); err != nil {
				return err
			} else if n > 0 {
				return fmt.Errorf("account %s %w", account, ErrAccountExists)
			}
		}
		if _, err := tx.GetByID(ctx, accessKeyID); err == nil {
			return fmt.Errorf("access key ID %s %w", accessKeyID, ErrAccessKeyInUse)
		} else if !notFound(err) {
			return err
		}
		if !exists {
			a := Account{ID: account, Created: s.Now().UTC().Truncate(time.Second), Partition: partitionField(p)}
			if err := tx.PutSetting(ctx, account, settingAccount, encode(a)); err != nil {
				return err
			}
		}
		return s.putRootKey(ctx, tx, account, accessKeyID, secretKey, configured)
	})
	if err != nil {
		return RootCredentials{}, err
	}
	return RootCredentials{AccountID: account, AccessKeyID: accessKeyID, SecretAccessKey: secretKey, Created: true, Partition: p}, nil
}
