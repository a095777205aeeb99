package iam

import (
	"context"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/apitypes"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// KindAccountAlias is the store kind of an account's alias. Its entity's ID is acctopsAliasID(alias): IDs are unique
// across the store, so no two accounts can hold the same alias, as in AWS where aliases are unique in a partition.
const KindAccountAlias store.Kind = "account-alias"

// acctopsAliasPattern is the model's pattern for account aliases, printed as AWS prints it. It uses a look-ahead,
// which Go's regexp lacks, so the generated validation skips it and acctopsCheckAlias applies it.
const acctopsAliasPattern = `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`

// acctopsAlias is the stored record of an account alias.
type acctopsAlias struct {
	Alias   string    `json:"alias"`
	Created time.Time `json:"created"`
}

// acctopsAliasID is the unique store ID of an alias's entity; it cannot collide with an AWS-style ID.
func acctopsAliasID(alias string) string { return "account-alias:" + alias }

// acctopsCheckAlias checks an alias against the model's length and pattern: 3 to 63 lowercase letters, digits and
// hyphens, starting and ending with a letter or digit, with no two hyphens in a row.
func acctopsCheckAlias(alias string) error {
	var v apitypes.Validation
	v.StringLength("accountAlias", alias, 3, 63, false)
	ok := len(alias) >= 3 && len(alias) <= 63 && !strings.Contains(alias, "--") &&
		alias[0] != '-' && alias[len(alias)-1] != '-'
	for i := 0; ok && i < len(alias); i++ {
		ch := alias[i]
		ok = ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-'
	}
	if !ok {
		v.Add(apitypes.Violation{Path: "accountAlias", Value: alias, Constraint: "Member must satisfy regular expression pattern: " + acctopsAliasPattern})
	}
	if err := v.Err(); err != nil {
		return awserr.ValidationError("%s", err.Error())
	}
	return nil
}

// CreateAccountAlias sets the account's alias. An account has one alias: creating another replaces it, as in AWS.
// The alias must not be held by any account, this one included.
func (s *Service) CreateAccountAlias(ctx context.Context, c *Caller, in *iamtypes.CreateAccountAliasRequest) error {
	acct := c.Account()
	if err := acctopsCheckAlias(in.AccountAlias); err != nil {
		return err
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateAccountAlias", Resource: "*"}); err != nil {
			return err
		}
		exists := awserr.EntityAlreadyExists("The account alias %s already exists.", in.AccountAlias)
		page, err := tx.List(ctx, store.ListQuery{Account: acct, Kind: KindAccountAlias})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			if e.Name == in.AccountAlias {
				return exists
			}
			if err := tx.Delete(ctx, acct, KindAccountAlias, e.Name); err != nil {
				return err
			}
		}
		created := s.Now().UTC().Truncate(time.Second)
		err = tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindAccountAlias, Name: in.AccountAlias, Path: "/",
			ID: acctopsAliasID(in.AccountAlias), Created: created, Data: encode(acctopsAlias{Alias: in.AccountAlias, Created: created})})
		if conflict(err) {
			return exists // held by another account; the transaction keeps this account's old alias
		}
		return err
	})
	return internal(err)
}

// DeleteAccountAlias removes the account's alias; it must name the alias the account has.
func (s *Service) DeleteAccountAlias(ctx context.Context, c *Caller, in *iamtypes.DeleteAccountAliasRequest) error {
	acct := c.Account()
	if err := acctopsCheckAlias(in.AccountAlias); err != nil {
		return err
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DeleteAccountAlias", Resource: "*"}); err != nil {
			return err
		}
		err := tx.Delete(ctx, acct, KindAccountAlias, in.AccountAlias)
		if notFound(err) {
			return awserr.NoSuchEntity("The account alias %s cannot be found.", in.AccountAlias)
		}
		return err
	})
	return internal(err)
}

// ListAccountAliases lists the account's alias (at most one).
func (s *Service) ListAccountAliases(ctx context.Context, c *Caller, in *iamtypes.ListAccountAliasesRequest) (*iamtypes.ListAccountAliasesResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListAccountAliasesResponse{AccountAliases: []string{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListAccountAliases", Resource: "*"}); err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindAccountAlias, After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			out.AccountAliases = append(out.AccountAliases, e.Name)
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// Quotas reported by GetAccountSummary that iamd does not enforce itself (it stores no such entities), with AWS's
// default values.
const (
	acctopsServerCertificatesQuota         = 20
	acctopsSigningCertificatesPerUserQuota = 2
	acctopsPolicyVersionsInUseQuota        = 10000
	acctopsGlobalEndpointTokenVersion      = 1
)

// GetAccountSummary reports the account's IAM entity usage and quotas, with every key of AWS's SummaryMap.
func (s *Service) GetAccountSummary(ctx context.Context, c *Caller) (*iamtypes.GetAccountSummaryResponse, error) {
	acct := c.Account()
	m := iamtypes.SummaryMapType{
		iamtypes.SummaryKeyTypeUsersQuota:                        int32(s.quotas.UsersPerAccount),
		iamtypes.SummaryKeyTypeGroupsQuota:                       int32(s.quotas.GroupsPerAccount),
		iamtypes.SummaryKeyTypeRolesQuota:                        int32(s.quotas.RolesPerAccount),
		iamtypes.SummaryKeyTypePoliciesQuota:                     int32(s.quotas.PoliciesPerAccount),
		iamtypes.SummaryKeyTypeInstanceProfilesQuota:             int32(s.quotas.InstanceProfilesPerAccount),
		iamtypes.SummaryKeyTypeServerCertificatesQuota:           acctopsServerCertificatesQuota,
		iamtypes.SummaryKeyTypeUserPolicySizeQuota:               MaxUserInlinePolicySize,
		iamtypes.SummaryKeyTypeGroupPolicySizeQuota:              MaxGroupInlinePolicySize,
		iamtypes.SummaryKeyTypeRolePolicySizeQuota:               MaxRoleInlinePolicySize,
		iamtypes.SummaryKeyTypeAssumeRolePolicySizeQuota:         MaxTrustPolicySize,
		iamtypes.SummaryKeyTypePolicySizeQuota:                   MaxManagedPolicySize,
		iamtypes.SummaryKeyTypeGroupsPerUserQuota:                MaxGroupsPerUser,
		iamtypes.SummaryKeyTypeSigningCertificatesPerUserQuota:   acctopsSigningCertificatesPerUserQuota,
		iamtypes.SummaryKeyTypeAccessKeysPerUserQuota:            MaxAccessKeysPerUser,
		iamtypes.SummaryKeyTypeAttachedPoliciesPerGroupQuota:     MaxManagedPoliciesPerEntity,
		iamtypes.SummaryKeyTypeAttachedPoliciesPerRoleQuota:      MaxManagedPoliciesPerEntity,
		iamtypes.SummaryKeyTypeAttachedPoliciesPerUserQuota:      MaxManagedPoliciesPerEntity,
		iamtypes.SummaryKeyTypePolicyVersionsInUseQuota:          acctopsPolicyVersionsInUseQuota,
		iamtypes.SummaryKeyTypeVersionsPerPolicyQuota:            MaxPolicyVersions,
		iamtypes.SummaryKeyTypeGlobalEndpointTokenVersion:        acctopsGlobalEndpointTokenVersion,
		iamtypes.SummaryKeyTypeServerCertificates:                0,
		iamtypes.SummaryKeyTypeMFADevices:                        0,
		iamtypes.SummaryKeyTypeMFADevicesInUse:                   0,
		iamtypes.SummaryKeyTypeAccountMFAEnabled:                 0,
		iamtypes.SummaryKeyTypeAccountPasswordPresent:            0,
		iamtypes.SummaryKeyTypeAccountSigningCertificatesPresent: 0,
		iamtypes.SummaryKeyTypeProviders:                         0,
	}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccountSummary", Resource: "*"}); err != nil {
			return err
		}
		counts := []struct {
			key  iamtypes.SummaryKeyType
			kind store.Kind
		}{
			{iamtypes.SummaryKeyTypeUsers, KindUser},
			{iamtypes.SummaryKeyTypeGroups, KindGroup},
			{iamtypes.SummaryKeyTypeRoles, KindRole},
			{iamtypes.SummaryKeyTypePolicies, KindPolicy},
			{iamtypes.SummaryKeyTypeInstanceProfiles, KindInstanceProfile},
			{iamtypes.SummaryKeyTypeMFADevices, KindMFADevice},
			{iamtypes.SummaryKeyTypeServerCertificates, KindServerCertificate},
		}
		for _, k := range counts {
			n, err := r.Count(ctx, store.ListQuery{Account: acct, Kind: k.kind})
			if err != nil {
				return err
			}
			m[k.key] = int32(n)
		}
		n, err := r.Count(ctx, store.ListQuery{Account: acct, Kind: KindRootKey})
		if err != nil {
			return err
		}
		m[iamtypes.SummaryKeyTypeAccountAccessKeysPresent] = int32(min(n, 1))
		// Managed policies attached to users, groups and roles, the usage that PolicyVersionsInUseQuota bounds.
		n, err = r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached})
		if err != nil {
			return err
		}
		m[iamtypes.SummaryKeyTypePolicyVersionsInUse] = int32(n)
		if n, err = r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice}); err != nil {
			return err
		}
		m[iamtypes.SummaryKeyTypeMFADevicesInUse] = int32(n)
		if n, err = r.Count(ctx, store.ListQuery{Account: acct, Kind: KindSigningCertificate, Parent: sigcertRootParent}); err != nil {
			return err
		}
		m[iamtypes.SummaryKeyTypeAccountSigningCertificatesPresent] = int32(min(n, 1))
		v, err := stsprefsTokenVersion(ctx, r, acct)
		if err != nil {
			return err
		}
		m[iamtypes.SummaryKeyTypeGlobalEndpointTokenVersion] = v
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetAccountSummaryResponse{SummaryMap: m}, nil
}
