package iam

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// OpenID Connect provider limits, from the IAM API reference (CreateOpenIDConnectProvider) and the IAM User Guide's
// "IAM and AWS STS quotas": up to 100 client IDs and 5 thumbprints per provider, 100 providers per account.
const (
	MaxOIDCClientIDs      = 100
	MaxOIDCThumbprints    = 5
	MaxOIDCProvidersPerAc = 100
)

// OIDCProvider is the stored record of an IAM OpenID Connect identity provider. Its store name is URL, the issuer
// URL without "https://"; its ARN is arn:aws:iam::ACCOUNT:oidc-provider/URL.
type OIDCProvider struct {
	URL         string    `json:"url"`
	ARN         string    `json:"arn"`
	ClientIDs   []string  `json:"clientIds,omitempty"`
	Thumbprints []string  `json:"thumbprints,omitempty"`
	CreateDate  time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
}

// OIDCProviderARN returns the ARN of the provider of an issuer URL ("https://host/path") in account.
func OIDCProviderARN(p awsregion.Partition, account, issuer string) string {
	return p.IAMPrefix() + account + ":oidc-provider/" + oidcName(issuer)
}

// oidcName is the provider's name: its URL without the https:// scheme.
func oidcName(u string) string {
	if len(u) >= 8 && strings.EqualFold(u[:8], "https://") {
		return u[8:]
	}
	return u
}

// OIDCProviderForIssuer loads the provider of account that a token's iss claim names; store.ErrNotFound when the
// account has none.
func (s *Service) OIDCProviderForIssuer(ctx context.Context, r store.Reader, account, issuer string) (*OIDCProvider, error) {
	if len(issuer) < 8 || !strings.EqualFold(issuer[:8], "https://") {
		return nil, store.ErrNotFound
	}
	e, err := r.Get(ctx, account, KindOIDCProvider, oidcName(issuer))
	if err != nil {
		return nil, err
	}
	p, err := decode[OIDCProvider](e)
	if err != nil {
		return nil, err
	}
	if p.URL != oidcName(issuer) { // the store matches names case-insensitively; an issuer matches exactly
		return nil, store.ErrNotFound
	}
	return p, nil
}

func oidcSave(ctx context.Context, tx store.Tx, account string, p *OIDCProvider, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindOIDCProvider, Name: p.URL, Path: "/", ARN: p.ARN, Created: p.CreateDate, Data: encode(p)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

func errNoOIDCProvider(arn string) error {
	return awserr.NoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

// oidcAuthorized loads the provider an ARN names in the caller's account and authorizes action on it, with its tags
// as aws:ResourceTag/* (and more keys from more). A provider that does not exist is authorized against the ARN as
// given before NoSuchEntity, so a caller without the permission learns nothing.
func (s *Service) oidcAuthorized(ctx context.Context, r store.Reader, c *Caller, action, arn string, more func(actx policy.Context)) (*OIDCProvider, error) {
	acct := c.Account()
	prefix := c.Partition().IAMPrefix() + acct + ":oidc-provider/"
	var p *OIDCProvider
	if name, ok := strings.CutPrefix(arn, prefix); ok && name != "" {
		e, err := r.Get(ctx, acct, KindOIDCProvider, name)
		switch {
		case err == nil:
			if p, err = decode[OIDCProvider](e); err != nil {
				return nil, err
			}
			if p.ARN != arn {
				p = nil
			}
		case !notFound(err):
			return nil, err
		}
	}
	if p == nil {
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arn}); err != nil {
			return nil, err
		}
		return nil, errNoOIDCProvider(arn)
	}
	actx := policy.Context{}
	resourceTagContext(actx, p.Tags)
	if more != nil {
		more(actx)
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: p.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return p, nil
}

// checkThumbprints checks a thumbprint list: at most five, each the 40 hex digits of a SHA-1 hash. The model checks
// the length of each; iamd also checks they are hex. Messages are iamd's own: AWS's exact texts are unconfirmed.
func checkThumbprints(list []string) error {
	if len(list) > MaxOIDCThumbprints {
		return awserr.InvalidInput("Thumbprint list must contain fewer than %d entries.", MaxOIDCThumbprints+1)
	}
	for _, t := range list {
		if len(t) != 40 || strings.Trim(strings.ToLower(t), "0123456789abcdef") != "" {
			return awserr.InvalidInput("Thumbprint must be a 40-character hexadecimal SHA-1 hash: %s", t)
		}
	}
	return nil
}

// dedupe returns list without repeated values, in first-seen order.
func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// CreateOpenIDConnectProvider registers an OpenID Connect identity provider under its issuer URL.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.CreateOpenIDConnectProviderRequest) (*iamtypes.CreateOpenIDConnectProviderResponse, error) {
	acct := c.Account()
	// The URL must begin with https://; per the OIDC standard path components are allowed but query parameters are
	// not (IAM API reference, CreateOpenIDConnectProvider, Url). The messages are iamd's: AWS's are unconfirmed.
	if len(in.Url) < 8 || !strings.EqualFold(in.Url[:8], "https://") {
		return nil, awserr.InvalidInput("Invalid Url: the URL must begin with https://")
	}
	name := oidcName(in.Url)
	if name == "" || strings.ContainsAny(name, "?#") || strings.HasPrefix(name, "/") {
		return nil, awserr.InvalidInput("Invalid Url: %s", in.Url)
	}
	clientIDs := dedupe(in.ClientIDList)
	if len(clientIDs) > MaxOIDCClientIDs {
		return nil, awserr.LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MaxOIDCClientIDs)
	}
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return nil, err
	}
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	p := &OIDCProvider{URL: name, ARN: OIDCProviderARN(c.Partition(), acct, in.Url), ClientIDs: clientIDs,
		Thumbprints: dedupe(in.ThumbprintList), CreateDate: s.Now().UTC().Truncate(time.Second), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateOpenIDConnectProvider", Resource: p.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagOpenIDConnectProvider", Resource: p.ARN, Context: actx}); err != nil {
				return err
			}
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindOIDCProvider})
		if err != nil {
			return err
		}
		if n >= MaxOIDCProvidersPerAc {
			// The quota's name follows iamd's other quota messages; AWS's exact text is unconfirmed.
			return awserr.LimitExceeded("Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d", MaxOIDCProvidersPerAc)
		}
		if err := oidcSave(ctx, tx, acct, p, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("Provider with url %s already exists.", in.Url)
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreateOpenIDConnectProviderResponse {
		return &iamtypes.CreateOpenIDConnectProviderResponse{OpenIDConnectProviderArn: ptr(p.ARN), Tags: tagShapes(p.Tags)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetOpenIDConnectProvider describes a provider. Its Url is given without the https:// scheme, as AWS gives it.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.GetOpenIDConnectProviderRequest) (*iamtypes.GetOpenIDConnectProviderResponse, error) {
	var out *iamtypes.GetOpenIDConnectProviderResponse
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		p, err := s.oidcAuthorized(ctx, r, c, "iam:GetOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			return err
		}
		created := p.CreateDate
		out = &iamtypes.GetOpenIDConnectProviderResponse{Url: ptr(p.URL), ClientIDList: append([]string{}, p.ClientIDs...),
			ThumbprintList: append([]string{}, p.Thumbprints...), CreateDate: &created, Tags: tagShapes(p.Tags)}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// DeleteOpenIDConnectProvider deletes a provider. Roles that trust it keep their trust policies (as in AWS) and
// can no longer be assumed with its tokens. Deleting a provider that does not exist succeeds, once authorized.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.DeleteOpenIDConnectProviderRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.oidcAuthorized(ctx, tx, c, "iam:DeleteOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			// The API reference: "This operation is idempotent; it does not fail or return an error if you call the
			// operation for a provider that does not exist." oidcAuthorized has authorized the caller on the ARN as
			// named before it reports the provider missing, so a caller without the permission is still refused.
			if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
				return nil
			}
			return err
		}
		return tx.Delete(ctx, c.Account(), KindOIDCProvider, p.URL)
	})
	return internal(err)
}

// ListOpenIDConnectProviders lists the account's providers by ARN (the operation has no paging).
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, c *Caller, in *iamtypes.ListOpenIDConnectProvidersRequest) (*iamtypes.ListOpenIDConnectProvidersResponse, error) {
	out := &iamtypes.ListOpenIDConnectProvidersResponse{OpenIDConnectProviderList: []iamtypes.OpenIDConnectProviderListEntry{}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListOpenIDConnectProviders", Resource: "*"}); err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: c.Account(), Kind: KindOIDCProvider})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			p, err := decode[OIDCProvider](e)
			if err != nil {
				return err
			}
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamtypes.OpenIDConnectProviderListEntry{Arn: ptr(p.ARN)})
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// AddClientIDToOpenIDConnectProvider adds a client ID (audience); adding one already registered changes nothing.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.AddClientIDToOpenIDConnectProviderRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.oidcAuthorized(ctx, tx, c, "iam:AddClientIDToOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			return err
		}
		if slices.Contains(p.ClientIDs, in.ClientID) {
			return nil
		}
		if len(p.ClientIDs) >= MaxOIDCClientIDs {
			return awserr.LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MaxOIDCClientIDs)
		}
		p.ClientIDs = append(p.ClientIDs, in.ClientID)
		return oidcSave(ctx, tx, c.Account(), p, false)
	})
	return internal(err)
}

// RemoveClientIDFromOpenIDConnectProvider removes a client ID; removing one not registered changes nothing.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.RemoveClientIDFromOpenIDConnectProviderRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.oidcAuthorized(ctx, tx, c, "iam:RemoveClientIDFromOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			return err
		}
		if !slices.Contains(p.ClientIDs, in.ClientID) {
			return nil
		}
		var keep []string
		for _, id := range p.ClientIDs {
			if id != in.ClientID {
				keep = append(keep, id)
			}
		}
		p.ClientIDs = keep
		return oidcSave(ctx, tx, c.Account(), p, false)
	})
	return internal(err)
}

// UpdateOpenIDConnectProviderThumbprint replaces a provider's thumbprint list. iamd verifies issuers' certificates
// against trusted CAs (the system roots and --oidc-ca-file), as AWS does for issuers with certificates from
// trusted CAs; thumbprints are kept and returned, not used.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, c *Caller, in *iamtypes.UpdateOpenIDConnectProviderThumbprintRequest) error {
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return err
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.oidcAuthorized(ctx, tx, c, "iam:UpdateOpenIDConnectProviderThumbprint", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			return err
		}
		p.Thumbprints = dedupe(in.ThumbprintList)
		return oidcSave(ctx, tx, c.Account(), p, false)
	})
	return internal(err)
}

// oidcProviderTagging describes OIDC providers for tagEntity; a missing provider is authorized against the ARN asked for.
func oidcProviderTagging() taggable[OIDCProvider] {
	return taggable[OIDCProvider]{tagAction: "iam:TagOpenIDConnectProvider", untagAction: "iam:UntagOpenIDConnectProvider", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, arn string, actx policy.Context) (*OIDCProvider, error) {
			return s.oidcAuthorized(ctx, r, c, action, arn, func(own policy.Context) { maps.Copy(own, actx) })
		},
		tags: func(p *OIDCProvider) *[]Tag { return &p.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, p *OIDCProvider) error {
			return oidcSave(ctx, tx, account, p, false)
		},
	}
}

// TagOpenIDConnectProvider adds or replaces tags on a provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.TagOpenIDConnectProviderRequest) error {
	return tagEntity(ctx, s, c, oidcProviderTagging(), in.OpenIDConnectProviderArn, in.Tags)
}

// UntagOpenIDConnectProvider removes tags from a provider.
func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, c *Caller, in *iamtypes.UntagOpenIDConnectProviderRequest) error {
	return untagEntity(ctx, s, c, oidcProviderTagging(), in.OpenIDConnectProviderArn, in.TagKeys)
}

// ListOpenIDConnectProviderTags lists a provider's tags, a page at a time.
func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, c *Caller, in *iamtypes.ListOpenIDConnectProviderTagsRequest) (*iamtypes.ListOpenIDConnectProviderTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		p, err := s.oidcAuthorized(ctx, r, c, "iam:ListOpenIDConnectProviderTags", in.OpenIDConnectProviderArn, nil)
		if err != nil {
			return nil, err
		}
		return p.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListOpenIDConnectProviderTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
