package iam

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// Account operations that other domains (Organizations' CreateAccount) run inside their own transaction.

// AccountExists reports whether iamd holds the account.
func (s *Service) AccountExists(ctx context.Context, r store.Reader, account string) (bool, error) {
	_, err := r.Setting(ctx, account, settingAccount)
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}

// HasRootKey reports whether the account's root user has an access key: iamd's sign of an account that can stand
// alone (an account that Organizations created has none until the operator gives it one).
func (s *Service) HasRootKey(ctx context.Context, r store.Reader, account string) (bool, error) {
	n, err := r.Count(ctx, store.ListQuery{Account: account, Kind: KindRootKey})
	return n > 0, err
}

// EnsureAccountTx creates the account, without root credentials, if iamd does not hold it yet, inside tx.
func (s *Service) EnsureAccountTx(ctx context.Context, tx store.Tx, account string) error {
	return s.EnsureAccountInTx(ctx, tx, awsregion.AWS, account)
}

// EnsureAccountInTx is EnsureAccountTx for an account of partition p (a GovCloud account that Organizations'
// CreateGovCloudAccount pairs with a commercial one). An account iamd holds already keeps its partition.
func (s *Service) EnsureAccountInTx(ctx context.Context, tx store.Tx, p awsregion.Partition, account string) error {
	if !isAccountID(account) {
		return fmt.Errorf("account ID %q: want 12 digits", account)
	}
	ok, err := s.AccountExists(ctx, tx, account)
	if err != nil || ok {
		return err
	}
	return tx.PutSetting(ctx, account, settingAccount, encode(Account{ID: account, Created: s.Now().UTC().Truncate(time.Second), Partition: partitionField(p)}))
}

// AdministratorAccessARN is the AWS managed policy that Organizations attaches to the access role of a new account.
const AdministratorAccessARN = awsPolicyPrefix + "AdministratorAccess"

// CreateAccessRoleTx creates, inside tx, the role that Organizations preconfigures in an account it creates
// (OrganizationAccountAccessRole unless named otherwise): it trusts the management account's root
// (arn:aws:iam::MGMT:root) to call sts:AssumeRole and has AdministratorAccess attached, as the Organizations User
// Guide describes it. The account's role quota applies.
func (s *Service) CreateAccessRoleTx(ctx context.Context, tx store.Tx, account, roleName, trusted string) error {
	p, err := partitionOf(ctx, tx, account)
	if err != nil {
		return err
	}
	_, admin, ok := s.awsManagedPolicy(p.ManagedPolicyPrefix() + strings.TrimPrefix(AdministratorAccessARN, awsPolicyPrefix))
	if !ok || admin == "" {
		return fmt.Errorf("the catalog has no %s", AdministratorAccessARN)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p.IAMPrefix() + trusted +
		`:root"},"Action":"sts:AssumeRole"}]}`
	ro := &Role{RoleName: roleName, RoleID: secret.NewID("AROA", 21), ARN: arnFor(p, account, "role", "/", roleName), Path: "/",
		CreateDate: s.Now().UTC().Truncate(time.Second), AssumeRolePolicyDocument: trust, MaxSessionDuration: rolesDefaultSessionDuration}
	if err := s.rolesInsert(ctx, tx, account, ro); err != nil {
		return err
	}
	return tx.Link(ctx, store.Link{Account: account, Kind: LinkAttached, From: ro.RoleID, To: admin, Created: ro.CreateDate})
}
