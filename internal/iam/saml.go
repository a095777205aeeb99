package iam

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// KindSAMLProvider is an IAM SAML identity provider. Name is the provider's name.
const KindSAMLProvider store.Kind = "saml-provider"

// MaxSAMLProvidersPerAccount is AWS's quota of SAML providers in an account (IAM User Guide, "IAM and AWS STS
// quotas": 100).
const MaxSAMLProvidersPerAccount = 100

// samlDefaultValidity is how long a provider whose metadata sets no validUntil stays valid. AWS reports a
// ValidUntil about a hundred years after creation for such documents (not confirmed in AWS's documentation).
const samlDefaultValidity = 100 * 365 * 24 * time.Hour

// SAMLMetadata is what a service provider keeps of a SAML identity provider's metadata document: the IdP's entity
// ID, the end of the document's validity and the certificates that sign its responses.
type SAMLMetadata struct {
	EntityID     string
	ValidUntil   time.Time // zero when the document does not say
	SigningCerts []*x509.Certificate
}

// SAMLMetadataParser reads an identity provider's metadata document for CreateSAMLProvider and UpdateSAMLProvider.
// The SAML protocol (XML, its signatures) stays outside the domain: internal/samlsp implements this, and the server
// passes it in Options.SAML.
type SAMLMetadataParser interface {
	// ParseSAMLMetadata returns the metadata of an md:EntityDescriptor with an IDPSSODescriptor and at least one
	// signing certificate, or an error for any document that is not one.
	ParseSAMLMetadata(doc []byte) (*SAMLMetadata, error)
}

// errNoSAMLParser is the cause of the failure of every SAML provider write when the service has no
// SAMLMetadataParser: no document is accepted unread.
var errNoSAMLParser = errors.New("iam: no SAML metadata parser configured")

// SAMLProvider is the stored record of a SAML provider: its metadata document as uploaded, with what
// AssumeRoleWithSAML needs of it (the IdP's entity ID and signing certificates, DER) parsed at upload.
type SAMLProvider struct {
	Name       string    `json:"name"`
	ARN        string    `json:"arn"`
	UUID       string    `json:"uuid"`
	Metadata   string    `json:"metadata"`
	EntityID   string    `json:"entityId"`
	Certs      [][]byte  `json:"certs"`
	ValidUntil time.Time `json:"validUntil"`
	CreateDate time.Time `json:"created"`
	Tags       []Tag     `json:"tags,omitempty"`
}

// SAMLMetadata returns the provider's parsed metadata.
func (p *SAMLProvider) SAMLMetadata() (*SAMLMetadata, error) {
	md := &SAMLMetadata{EntityID: p.EntityID, ValidUntil: p.ValidUntil}
	for _, der := range p.Certs {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("stored certificate of %s: %w", p.ARN, err)
		}
		md.SigningCerts = append(md.SigningCerts, c)
	}
	return md, nil
}

// SAMLProviderARN returns arn:PARTITION:iam::ACCOUNT:saml-provider/NAME.
func SAMLProviderARN(p awsregion.Partition, account, name string) string {
	return arnFor(p, account, "saml-provider", "/", name)
}

// SAMLProviderByARN loads a SAML provider of any account iamd holds by its ARN. It returns store.ErrNotFound when
// there is none.
func (s *Service) SAMLProviderByARN(ctx context.Context, r store.Reader, arn string) (*SAMLProvider, error) {
	acct, name, ok := samlSplitARN(arn)
	if !ok {
		return nil, store.ErrNotFound
	}
	e, err := r.Get(ctx, acct, KindSAMLProvider, name)
	if err != nil {
		return nil, err
	}
	p, err := decode[SAMLProvider](e)
	if err != nil {
		return nil, err
	}
	if p.ARN != arn {
		return nil, store.ErrNotFound
	}
	return p, nil
}

// samlSplitARN splits arn:aws:iam::ACCOUNT:saml-provider/NAME.
func samlSplitARN(arn string) (account, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, awsregion.OfARN(arn).IAMPrefix())
	if !ok {
		return "", "", false
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || !isAccountID(account) {
		return "", "", false
	}
	name, ok = strings.CutPrefix(res, "saml-provider/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return account, name, true
}

// samlParseMetadata parses an uploaded metadata document, answering AWS's InvalidInput "Could not parse metadata."
// (the message the IAM User Guide's SAML troubleshooting page quotes). Without a parser it fails (ServiceFailure).
func (s *Service) samlParseMetadata(doc string) (*SAMLMetadata, error) {
	if s.saml == nil {
		return nil, errNoSAMLParser
	}
	md, err := s.saml.ParseSAMLMetadata([]byte(doc))
	if err != nil {
		return nil, &awserr.Error{Code: "InvalidInput", HTTPStatus: 400, Message: "Could not parse metadata.", Cause: err}
	}
	return md, nil
}

// samlApplyMetadata stores a parsed metadata document in the record.
func samlApplyMetadata(p *SAMLProvider, doc string, md *SAMLMetadata) {
	p.Metadata, p.EntityID, p.ValidUntil = doc, md.EntityID, md.ValidUntil
	if p.ValidUntil.IsZero() {
		p.ValidUntil = p.CreateDate.Add(samlDefaultValidity)
	}
	p.Certs = p.Certs[:0]
	for _, c := range md.SigningCerts {
		p.Certs = append(p.Certs, c.Raw)
	}
}

// samlCheckEncryption answers the newer encryption fields. iamd verifies plaintext assertions only, so it accepts
// AssertionEncryptionMode "Allowed" (plaintext assertions are accepted, which is what iamd does) and refuses
// "Required" and private keys; the message is iamd's own.
func samlCheckEncryption(mode *iamtypes.AssertionEncryptionModeType, addKey, removeKey *string) error {
	if (mode != nil && *mode == iamtypes.AssertionEncryptionModeTypeRequired) || addKey != nil || removeKey != nil {
		return awserr.InvalidInput("iamd does not support encrypted SAML assertions: AssertionEncryptionMode Required, AddPrivateKey and RemovePrivateKey are not implemented.")
	}
	return nil
}

func samlNoSuch(arn string) error {
	return awserr.NoSuchEntity("Manifest not found for arn %s", arn)
}

func samlPut(ctx context.Context, tx store.Tx, account string, p *SAMLProvider, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindSAMLProvider, Name: p.Name, Path: "/", ID: p.UUID, ARN: p.ARN,
		Created: p.CreateDate, Data: encode(p)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// samlLoad loads a provider of the caller's account and authorizes the action on its ARN (on the ARN asked for when
// there is no such provider, so a denied caller learns nothing).
func (s *Service) samlLoad(ctx context.Context, r store.Reader, c *Caller, action, arn string, actx policy.Context) (*SAMLProvider, error) {
	if actx == nil {
		actx = policy.Context{}
	}
	acct, name, ok := samlSplitARN(arn)
	var p *SAMLProvider
	if ok && acct == c.Account() {
		e, err := r.Get(ctx, acct, KindSAMLProvider, name)
		switch {
		case err == nil:
			if p, err = decode[SAMLProvider](e); err != nil {
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
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arn, Context: actx}); err != nil {
			return nil, err
		}
		if !ok {
			// Not confirmed against AWS: iamd's message for an ARN that is not a SAML provider's.
			return nil, awserr.InvalidInput("Invalid SAML provider ARN: %s", arn)
		}
		return nil, samlNoSuch(arn)
	}
	resourceTagContext(actx, p.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: p.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return p, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CreateSAMLProvider creates a SAML provider from an IdP's metadata document.
func (s *Service) CreateSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.CreateSAMLProviderRequest) (*iamtypes.CreateSAMLProviderResponse, error) {
	acct := c.Account()
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	p := &SAMLProvider{Name: in.Name, ARN: SAMLProviderARN(c.Partition(), acct, in.Name), UUID: newUUID(),
		CreateDate: s.Now().UTC().Truncate(time.Second), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateSAMLProvider", Resource: p.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagSAMLProvider", Resource: p.ARN, Context: actx}); err != nil {
				return err
			}
		}
		if err := samlCheckEncryption(in.AssertionEncryptionMode, in.AddPrivateKey, nil); err != nil {
			return err
		}
		md, err := s.samlParseMetadata(in.SAMLMetadataDocument)
		if err != nil {
			return err
		}
		samlApplyMetadata(p, in.SAMLMetadataDocument, md)
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindSAMLProvider})
		if err != nil {
			return err
		}
		if n >= MaxSAMLProvidersPerAccount {
			// AWS's quota name; the exact message is not confirmed.
			return awserr.LimitExceeded("Cannot exceed quota for SAMLProvidersPerAccount: %d", MaxSAMLProvidersPerAccount)
		}
		if err := samlPut(ctx, tx, acct, p, true); err != nil {
			if conflict(err) {
				// Not confirmed against AWS: the text of its EntityAlreadyExists for a SAML provider.
				return awserr.EntityAlreadyExists("SAMLProvider %s already exists.", in.Name)
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreateSAMLProviderResponse {
		return &iamtypes.CreateSAMLProviderResponse{SAMLProviderArn: ptr(p.ARN), Tags: tagShapes(p.Tags)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetSAMLProvider returns a provider's metadata document, dates, UUID and tags.
func (s *Service) GetSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.GetSAMLProviderRequest) (*iamtypes.GetSAMLProviderResponse, error) {
	var p *SAMLProvider
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		p, err = s.samlLoad(ctx, r, c, "iam:GetSAMLProvider", in.SAMLProviderArn, nil)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	// AssertionEncryptionMode and PrivateKeyList are left out: iamd keeps no encryption setting (see samlCheckEncryption).
	return &iamtypes.GetSAMLProviderResponse{SAMLProviderUUID: ptr(p.UUID), SAMLMetadataDocument: ptr(p.Metadata),
		CreateDate: ptr(p.CreateDate), ValidUntil: ptr(p.ValidUntil), Tags: tagShapes(p.Tags)}, nil
}

// UpdateSAMLProvider replaces a provider's metadata document.
func (s *Service) UpdateSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.UpdateSAMLProviderRequest) (*iamtypes.UpdateSAMLProviderResponse, error) {
	acct := c.Account()
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		p, err := s.samlLoad(ctx, tx, c, "iam:UpdateSAMLProvider", in.SAMLProviderArn, nil)
		if err != nil {
			return err
		}
		if err := samlCheckEncryption(in.AssertionEncryptionMode, in.AddPrivateKey, in.RemovePrivateKey); err != nil {
			return err
		}
		if in.SAMLMetadataDocument == nil {
			return nil
		}
		md, err := s.samlParseMetadata(*in.SAMLMetadataDocument)
		if err != nil {
			return err
		}
		samlApplyMetadata(p, *in.SAMLMetadataDocument, md)
		return samlPut(ctx, tx, acct, p, false)
	}, func() *iamtypes.UpdateSAMLProviderResponse {
		return &iamtypes.UpdateSAMLProviderResponse{SAMLProviderArn: ptr(in.SAMLProviderArn)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// DeleteSAMLProvider deletes a provider. Roles that trust it keep their trust policies, as on AWS.
func (s *Service) DeleteSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.DeleteSAMLProviderRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.samlLoad(ctx, tx, c, "iam:DeleteSAMLProvider", in.SAMLProviderArn, nil)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindSAMLProvider, p.Name)
	})
	return internal(err)
}

// ListSAMLProviders lists the account's SAML providers (the operation has no paging).
func (s *Service) ListSAMLProviders(ctx context.Context, c *Caller, in *iamtypes.ListSAMLProvidersRequest) (*iamtypes.ListSAMLProvidersResponse, error) {
	acct := c.Account()
	out := &iamtypes.ListSAMLProvidersResponse{SAMLProviderList: []iamtypes.SAMLProviderListEntry{}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListSAMLProviders", Resource: "*"}); err != nil {
			return err
		}
		after := ""
		for {
			page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindSAMLProvider, After: after, Limit: MaxSAMLProvidersPerAccount})
			if err != nil {
				return err
			}
			for _, e := range page.Entities {
				p, err := decode[SAMLProvider](e)
				if err != nil {
					return err
				}
				out.SAMLProviderList = append(out.SAMLProviderList, iamtypes.SAMLProviderListEntry{Arn: ptr(p.ARN),
					ValidUntil: ptr(p.ValidUntil), CreateDate: ptr(p.CreateDate)})
			}
			if page.Next == "" {
				return nil
			}
			after = page.Next
		}
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// samlProviderTagging describes SAML providers for tagEntity; a missing provider is authorized against the ARN asked
// for, with the request's keys.
func samlProviderTagging() taggable[SAMLProvider] {
	return taggable[SAMLProvider]{tagAction: "iam:TagSAMLProvider", untagAction: "iam:UntagSAMLProvider", maxTags: MaxTagsPerResource,
		untagKeysOnlyWhenSome: true,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, arn string, actx policy.Context) (*SAMLProvider, error) {
			return s.samlLoad(ctx, r, c, action, arn, actx)
		},
		tags: func(p *SAMLProvider) *[]Tag { return &p.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, p *SAMLProvider) error {
			return samlPut(ctx, tx, account, p, false)
		},
	}
}

// TagSAMLProvider adds or replaces tags on a provider.
func (s *Service) TagSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.TagSAMLProviderRequest) error {
	return tagEntity(ctx, s, c, samlProviderTagging(), in.SAMLProviderArn, in.Tags)
}

// UntagSAMLProvider removes tags from a provider.
func (s *Service) UntagSAMLProvider(ctx context.Context, c *Caller, in *iamtypes.UntagSAMLProviderRequest) error {
	return untagEntity(ctx, s, c, samlProviderTagging(), in.SAMLProviderArn, in.TagKeys)
}

// ListSAMLProviderTags lists a provider's tags, a page at a time.
func (s *Service) ListSAMLProviderTags(ctx context.Context, c *Caller, in *iamtypes.ListSAMLProviderTagsRequest) (*iamtypes.ListSAMLProviderTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		p, err := s.samlLoad(ctx, r, c, "iam:ListSAMLProviderTags", in.SAMLProviderArn, nil)
		if err != nil {
			return nil, err
		}
		return p.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListSAMLProviderTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
