package org

import (
	"context"

	"github.com/iamd-dev/iamd/internal/store"
)

// JoinForTest makes account a member of the organization whose management account is mgmt, under the root, as
// CreateAccount and invitations do, for tests that need a member account without those operations.
func JoinForTest(ctx context.Context, s *Service, mgmt, account string) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := loadOrg(ctx, tx, mgmt)
		if err != nil {
			return err
		}
		return s.join(ctx, tx, o, Account{ID: account, Name: "member " + account, Email: defaultEmail(account), Status: "ACTIVE",
			JoinedMethod: "INVITED", Joined: s.now()}, o.RootID)
	})
}

// EffectivePolicyForTest parses the management policies of a type attached at each level, root first, and merges
// them.
func EffectivePolicyForTest(typ string, levels [][]string) (string, bool, error) {
	var docs [][]*mgmtNode
	for _, l := range levels {
		var level []*mgmtNode
		for _, d := range l {
			n, err := parseMgmtPolicy(typ, []byte(d))
			if err != nil {
				return "", false, err
			}
			level = append(level, n)
		}
		docs = append(docs, level)
	}
	out, ok := effectiveMgmtPolicy(docs)
	return out, ok, nil
}

// EffectiveTagPolicyForTest merges the tag policies attached at each level, root first.
func EffectiveTagPolicyForTest(levels [][]string) (string, bool, error) {
	return EffectivePolicyForTest(TypeTag, levels)
}

// CloseQuotaForTest is AWS's closure quota for an organization with members member accounts.
func CloseQuotaForTest(members int) int { return closeQuota(members) }
