package org

import (
	"context"
	"errors"
	"strings"

	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file answers what IAM's Organizations access report (GenerateOrganizationsAccessReport) needs to know of
// an organization: the accounts under a root, OU or account path with the SCPs above it, and one SCP with its
// targets.

var _ iam.OrgReports = (*View)(nil)

// OrgEntity implements iam.OrgReports.
func (v *View) OrgEntity(ctx context.Context, r store.Reader, management, path string) (*iam.OrgEntity, error) {
	o, err := loadOrg(ctx, r, management)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) < 2 || parts[0] != o.ID || parts[1] != o.RootID {
		return nil, nil
	}
	levels := []level{{id: o.RootID, name: "root " + o.RootID}}
	ent := &iam.OrgEntity{}
	for i, id := range parts[2:] {
		parent := levels[len(levels)-1].id
		if ou, err := r.Get(ctx, o.Management, KindOU, id); err == nil && ou.Parent == parent {
			levels = append(levels, level{id: id, name: "OU " + id})
			continue
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		acct, err := r.Get(ctx, o.Management, KindOrgAccount, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && (acct.Parent != parent || i != len(parts)-3) {
			return nil, nil // not a child of the level above, or an account that is not last
		}
		if err != nil {
			return nil, err
		}
		levels = append(levels, level{id: id, name: "account " + id})
		ent.Account = true
	}
	if o.enabled(TypeSCP) {
		if ent.SCPs, err = policyLevels(ctx, r, o, levels, TypeSCP, policy.TypeSCP); err != nil {
			return nil, err
		}
	}
	base := strings.Join(parts, "/")
	if ent.Account {
		ent.Accounts = []iam.OrgEntityAccount{{ID: parts[len(parts)-1], Path: base}}
		return ent, nil
	}
	ent.Accounts, err = accountsUnder(ctx, r, o, levels[len(levels)-1].id, base, 0)
	return ent, err
}

// accountsUnder lists the accounts under a root or OU (and its OUs), each with its entity path.
func accountsUnder(ctx context.Context, r store.Reader, o *Organization, parent, path string, depth int) ([]iam.OrgEntityAccount, error) {
	if depth > 10 {
		return nil, nil // deeper than AWS allows OUs to nest
	}
	accts, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount, Parent: parent})
	if err != nil {
		return nil, err
	}
	var out []iam.OrgEntityAccount
	for _, a := range accts.Entities {
		out = append(out, iam.OrgEntityAccount{ID: a.Name, Path: path + "/" + a.Name})
	}
	ous, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindOU, Parent: parent})
	if err != nil {
		return nil, err
	}
	for _, ou := range ous.Entities {
		more, err := accountsUnder(ctx, r, o, ou.Name, path+"/"+ou.Name, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// OrgSCP implements iam.OrgReports.
func (v *View) OrgSCP(ctx context.Context, r store.Reader, management, id string) (*iam.OrgSCP, error) {
	o, err := loadOrg(ctx, r, management)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, typ, content, err := policyContent(ctx, r, o, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if typ != TypeSCP {
		return nil, nil
	}
	links, err := r.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, To: id})
	if err != nil {
		return nil, err
	}
	out := &iam.OrgSCP{Content: content}
	for _, l := range links {
		out.Targets = append(out.Targets, l.From)
	}
	return out, nil
}
