package org

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/store"
)

// Members is an organization as a zone of trust: its ID, its management account, every member account (the
// management account among them) and the accounts registered as delegated administrators, by service principal.
// IAM Access Analyzer's organization analyzers read it (internal/analyzer).
type Members struct {
	OrgID      string
	Management string
	Accounts   []string
	// Delegated maps a service principal (access-analyzer.amazonaws.com, ...) to the accounts registered as its
	// delegated administrators.
	Delegated map[string][]string
}

// Members returns the organization account belongs to as a zone of trust, or nil and no error when it belongs
// to none.
func (v *View) Members(ctx context.Context, r store.Reader, account string) (*Members, error) {
	m, err := membership(ctx, r, account)
	if err != nil || m == nil {
		return nil, err
	}
	o, err := loadOrg(ctx, r, m.Management)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("organization of %s: %w", account, err)
	}
	out := &Members{OrgID: o.ID, Management: o.Management, Delegated: map[string][]string{}}
	page, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
	if err != nil {
		return nil, err
	}
	seenMgmt := false
	for _, e := range page.Entities {
		out.Accounts = append(out.Accounts, e.Name)
		seenMgmt = seenMgmt || e.Name == o.Management
	}
	if !seenMgmt {
		out.Accounts = append(out.Accounts, o.Management)
	}
	regs, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindDelegatedAdmin})
	if err != nil {
		return nil, err
	}
	for _, e := range regs.Entities {
		d, err := decode[delegationRecord](e)
		if err != nil {
			return nil, err
		}
		out.Delegated[d.ServicePrincipal] = append(out.Delegated[d.ServicePrincipal], d.Account)
	}
	return out, nil
}
