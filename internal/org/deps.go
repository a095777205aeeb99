package org

import (
	"context"
	"time"

	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// IAM is what Organizations needs of the IAM service: to authorize the caller, to know and create accounts (with
// the role an organization's management account assumes in a new one), and its clock. *iam.Service implements it.
type IAM interface {
	Authorize(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization) error
	AccountExists(ctx context.Context, r store.Reader, account string) (bool, error)
	HasRootKey(ctx context.Context, r store.Reader, account string) (bool, error)
	AccountPartition(ctx context.Context, r store.Reader, account string) (awsregion.Partition, error)
	EnsureAccountTx(ctx context.Context, tx store.Tx, account string) error
	EnsureAccountInTx(ctx context.Context, tx store.Tx, p awsregion.Partition, account string) error
	CreateAccessRoleTx(ctx context.Context, tx store.Tx, account, roleName, trusted string) error
	// Time is the time on IAM's clock (the test clock when it is offset).
	Time() time.Time
}

var _ IAM = (*iam.Service)(nil)
