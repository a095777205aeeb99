package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Entity kinds of certificates.
const (
	// KindSigningCertificate is a user's (or the root user's) X.509 signing certificate. Name is the certificate ID,
	// unique per account; Parent is the owner's lower-cased user name, or sigcertRootParent for the root user.
	KindSigningCertificate store.Kind = "signing-certificate"
	// KindServerCertificate is a server certificate. Name is its name, ID its ASCA... ID.
	KindServerCertificate store.Kind = "server-certificate"
)

// sigcertRootParent owns the root user's signing certificates; no user name can contain "#".
const sigcertRootParent = "#root"

// Certificate quotas.
const (
	MaxSigningCertificatesPerUser   = 2
	MaxServerCertificatesPerAccount = 20
)

// SigningCert is the stored record of a signing certificate.
type SigningCert struct {
	ID         string    `json:"id"`
	UserName   string    `json:"user,omitempty"` // "" for the root user
	Body       string    `json:"body"`
	Status     string    `json:"status"`
	UploadDate time.Time `json:"uploaded"`
}

// ServerCert is the stored record of a server certificate. The private key is sealed with the service's box, bound
// to the certificate's ID.
type ServerCert struct {
	Name       string    `json:"name"`
	ID         string    `json:"id"`
	ARN        string    `json:"arn"`
	Path       string    `json:"path"`
	Body       string    `json:"body"`
	Chain      string    `json:"chain,omitempty"`
	SealedKey  []byte    `json:"key"`
	UploadDate time.Time `json:"uploaded"`
	Expiration time.Time `json:"expires"`
	Tags       []Tag     `json:"tags,omitempty"`
}

func certsMalformed() error {
	return awserr.New("MalformedCertificate", 400, "Unable to parse certificate. Please ensure the certificate is in PEM format.")
}

// certsParse parses one PEM certificate; anything else than exactly one CERTIFICATE block is malformed.
func certsParse(body string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, certsMalformed()
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, certsMalformed()
	}
	return cert, nil
}

// sigcertID forms a signing certificate's ID from the certificate itself: the base32 of the SHA-1 of its DER, 32
// upper-case characters like AWS's IDs. The same certificate always gets the same ID, which is how a duplicate is
// recognised.
func sigcertID(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base32.StdEncoding.EncodeToString(sum[:])
}

func sigcertNoSuch(id string) error {
	return awserr.NoSuchEntity("The Certificate with id %s cannot be found.", id)
}

// sigcertOwner resolves whose certificates an operation works on and authorizes it, as for access keys.
func (s *Service) sigcertOwner(ctx context.Context, r store.Reader, c *Caller, action string, userName *string) (parent, user string, err error) {
	owner, err := s.keysAuthorize(ctx, r, c, action, userName)
	if err != nil {
		return "", "", err
	}
	if owner.root {
		return sigcertRootParent, "", nil
	}
	return strings.ToLower(owner.user.UserName), owner.user.UserName, nil
}

func sigcertFind(ctx context.Context, r store.Reader, account, parent, id string) (*store.Entity, *SigningCert, error) {
	e, err := r.Get(ctx, account, KindSigningCertificate, id)
	if notFound(err) || (err == nil && e.Parent != parent) {
		return nil, nil, sigcertNoSuch(id)
	}
	if err != nil {
		return nil, nil, err
	}
	sc, err := decode[SigningCert](e)
	if err != nil {
		return nil, nil, err
	}
	return e, sc, nil
}

func sigcertShape(sc *SigningCert) iamtypes.SigningCertificate {
	return iamtypes.SigningCertificate{UserName: sc.UserName, CertificateId: sc.ID, CertificateBody: sc.Body,
		Status: iamtypes.StatusType(sc.Status), UploadDate: ptr(sc.UploadDate)}
}

// UploadSigningCertificate adds an X.509 signing certificate to a user, by default the caller (the root user's own
// for root).
func (s *Service) UploadSigningCertificate(ctx context.Context, c *Caller, in *iamtypes.UploadSigningCertificateRequest) (*iamtypes.UploadSigningCertificateResponse, error) {
	acct := c.Account()
	var out *SigningCert
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		parent, user, err := s.sigcertOwner(ctx, tx, c, "iam:UploadSigningCertificate", in.UserName)
		if err != nil {
			return err
		}
		cert, err := certsParse(in.CertificateBody)
		if err != nil {
			return err
		}
		now := s.Now().UTC().Truncate(time.Second)
		if now.After(cert.NotAfter) {
			return awserr.New("MalformedCertificate", 400, "The certificate has expired.")
		}
		if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
			return awserr.New("InvalidCertificate", 400, "The request was rejected because the certificate is invalid.")
		}
		id := sigcertID(cert)
		if _, err := tx.Get(ctx, acct, KindSigningCertificate, id); err == nil {
			return awserr.New("DuplicateCertificate", 409, "The request was rejected because the same certificate is associated with an IAM user in the account.")
		} else if !notFound(err) {
			return err
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindSigningCertificate, Parent: parent})
		if err != nil {
			return err
		}
		if n >= MaxSigningCertificatesPerUser {
			return awserr.LimitExceeded("Cannot exceed quota for CertificatesPerUser: %d", MaxSigningCertificatesPerUser)
		}
		sc := &SigningCert{ID: id, UserName: user, Body: in.CertificateBody, Status: keysActive, UploadDate: now}
		if err := tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindSigningCertificate, Name: id, Path: "/", Parent: parent,
			Created: now, Data: encode(sc)}); err != nil {
			return errorf("store signing certificate: %w", err)
		}
		out = sc
		return nil
	}, func() *iamtypes.UploadSigningCertificateResponse {
		shape := sigcertShape(out)
		return &iamtypes.UploadSigningCertificateResponse{Certificate: &shape}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// UpdateSigningCertificate makes a signing certificate active or inactive.
func (s *Service) UpdateSigningCertificate(ctx context.Context, c *Caller, in *iamtypes.UpdateSigningCertificateRequest) error {
	acct := c.Account()
	status := string(in.Status)
	if status != keysActive && status != keysInactive {
		return awserr.ValidationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		parent, _, err := s.sigcertOwner(ctx, tx, c, "iam:UpdateSigningCertificate", in.UserName)
		if err != nil {
			return err
		}
		e, sc, err := sigcertFind(ctx, tx, acct, parent, in.CertificateId)
		if err != nil {
			return err
		}
		if sc.Status == status {
			return nil
		}
		sc.Status = status
		e.Data = encode(sc)
		return tx.Update(ctx, e)
	})
	return internal(err)
}

// DeleteSigningCertificate deletes a signing certificate.
func (s *Service) DeleteSigningCertificate(ctx context.Context, c *Caller, in *iamtypes.DeleteSigningCertificateRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		parent, _, err := s.sigcertOwner(ctx, tx, c, "iam:DeleteSigningCertificate", in.UserName)
		if err != nil {
			return err
		}
		e, _, err := sigcertFind(ctx, tx, acct, parent, in.CertificateId)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindSigningCertificate, e.Name)
	})
	return internal(err)
}

// ListSigningCertificates lists the signing certificates of a user, by default the caller.
func (s *Service) ListSigningCertificates(ctx context.Context, c *Caller, in *iamtypes.ListSigningCertificatesRequest) (*iamtypes.ListSigningCertificatesResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListSigningCertificatesResponse{Certificates: []iamtypes.SigningCertificate{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		parent, _, err := s.sigcertOwner(ctx, r, c, "iam:ListSigningCertificates", in.UserName)
		if err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindSigningCertificate, Parent: parent, After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			sc, err := decode[SigningCert](e)
			if err != nil {
				return err
			}
			out.Certificates = append(out.Certificates, sigcertShape(sc))
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// srvcertParseKey parses a PEM private key (PKCS #1, PKCS #8 or SEC 1).
func srvcertParseKey(text string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	bad := awserr.New("MalformedCertificate", 400, "Unable to parse private key. Please ensure the private key is in PEM format and not encrypted.")
	if block == nil {
		return nil, bad
	}
	var k any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, bad
	}
	if err != nil {
		return nil, bad
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, bad
}

// srvcertParseChain parses a PEM certificate chain: one or more CERTIFICATE blocks.
func srvcertParseChain(text string) error {
	rest := []byte(strings.TrimSpace(text))
	for i := 0; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if i == 0 || len(strings.TrimSpace(string(rest))) > 0 {
				return awserr.New("MalformedCertificate", 400, "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: %d", i)
			}
			return nil
		}
		if block.Type != "CERTIFICATE" {
			return awserr.New("MalformedCertificate", 400, "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: %d", i)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return awserr.New("MalformedCertificate", 400, "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: %d", i)
		}
	}
}

func srvcertNoSuch(name string) error {
	return awserr.NoSuchEntity("The Server Certificate with name %s cannot be found.", name)
}

func srvcertGet(ctx context.Context, r store.Reader, account, name string) (*ServerCert, error) {
	e, err := r.Get(ctx, account, KindServerCertificate, name)
	if notFound(err) {
		return nil, srvcertNoSuch(name)
	}
	if err != nil {
		return nil, err
	}
	return decode[ServerCert](e)
}

// srvcertLoad loads a server certificate and authorizes the action on its ARN (on the ARN it would have when it does
// not exist, so a denied caller learns nothing).
func (s *Service) srvcertLoad(ctx context.Context, r store.Reader, c *Caller, action, name string, actx policy.Context) (*ServerCert, error) {
	acct := c.Account()
	sc, err := srvcertGet(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "server-certificate", "/", name), Context: actx}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	if actx == nil {
		actx = policy.Context{}
	}
	resourceTagContext(actx, sc.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: sc.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return sc, nil
}

func srvcertPut(ctx context.Context, tx store.Tx, account string, sc *ServerCert, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindServerCertificate, Name: sc.Name, Path: sc.Path, ID: sc.ID, ARN: sc.ARN,
		Created: sc.UploadDate, Data: encode(sc)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

func srvcertMetadata(sc *ServerCert) iamtypes.ServerCertificateMetadata {
	return iamtypes.ServerCertificateMetadata{Path: sc.Path, ServerCertificateName: sc.Name, ServerCertificateId: sc.ID, Arn: sc.ARN,
		UploadDate: ptr(sc.UploadDate), Expiration: ptr(sc.Expiration)}
}

// UploadServerCertificate stores a server certificate with its private key and optional chain. The key must match
// the certificate; it is kept sealed and never returned.
func (s *Service) UploadServerCertificate(ctx context.Context, c *Caller, in *iamtypes.UploadServerCertificateRequest) (*iamtypes.UploadServerCertificateResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	sc := &ServerCert{Name: in.ServerCertificateName, ID: secret.NewID("ASCA", 21), ARN: arnFor(c.Partition(), acct, "server-certificate", path, in.ServerCertificateName),
		Path: path, Body: in.CertificateBody, Chain: str(in.CertificateChain, ""), UploadDate: s.Now().UTC().Truncate(time.Second), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UploadServerCertificate", Resource: sc.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagServerCertificate", Resource: sc.ARN, Context: actx}); err != nil {
				return err
			}
		}
		cert, err := certsParse(in.CertificateBody)
		if err != nil {
			return err
		}
		key, err := srvcertParseKey(in.PrivateKey)
		if err != nil {
			return err
		}
		pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(key.Public()) {
			return awserr.New("KeyPairMismatch", 400, "The request was rejected because the public key certificate and the private key do not match.")
		}
		if sc.Chain != "" {
			if err := srvcertParseChain(sc.Chain); err != nil {
				return err
			}
		}
		sc.Expiration = cert.NotAfter.UTC()
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindServerCertificate})
		if err != nil {
			return err
		}
		if n >= MaxServerCertificatesPerAccount {
			return awserr.LimitExceeded("Cannot exceed quota for ServerCertificatesPerAccount: %d", MaxServerCertificatesPerAccount)
		}
		sc.SealedKey = s.Box.Seal([]byte(in.PrivateKey), []byte(sc.ID))
		if err := srvcertPut(ctx, tx, acct, sc, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("The Server Certificate with name %s already exists.", in.ServerCertificateName)
			}
			return err
		}
		return nil
	}, func() *iamtypes.UploadServerCertificateResponse {
		md := srvcertMetadata(sc)
		return &iamtypes.UploadServerCertificateResponse{ServerCertificateMetadata: &md, Tags: tagShapes(sc.Tags)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetServerCertificate returns a server certificate, its chain and tags; never its private key.
func (s *Service) GetServerCertificate(ctx context.Context, c *Caller, in *iamtypes.GetServerCertificateRequest) (*iamtypes.GetServerCertificateResponse, error) {
	var sc *ServerCert
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		sc, err = s.srvcertLoad(ctx, r, c, "iam:GetServerCertificate", in.ServerCertificateName, nil)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	md := srvcertMetadata(sc)
	out := &iamtypes.ServerCertificate{ServerCertificateMetadata: &md, CertificateBody: sc.Body, Tags: tagShapes(sc.Tags)}
	if sc.Chain != "" {
		out.CertificateChain = ptr(sc.Chain)
	}
	return &iamtypes.GetServerCertificateResponse{ServerCertificate: out}, nil
}

// UpdateServerCertificate changes a server certificate's path and/or name. The caller needs the action on both the
// old and the new ARN, as AWS requires.
func (s *Service) UpdateServerCertificate(ctx context.Context, c *Caller, in *iamtypes.UpdateServerCertificateRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		sc, err := s.srvcertLoad(ctx, tx, c, "iam:UpdateServerCertificate", in.ServerCertificateName, nil)
		if err != nil {
			return err
		}
		newName, newPath := str(in.NewServerCertificateName, sc.Name), str(in.NewPath, sc.Path)
		newARN := arnFor(c.Partition(), acct, "server-certificate", newPath, newName)
		if newARN != sc.ARN {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateServerCertificate", Resource: newARN}); err != nil {
				return err
			}
		}
		renamed := !strings.EqualFold(newName, sc.Name)
		if renamed {
			if _, err := tx.Get(ctx, acct, KindServerCertificate, newName); err == nil {
				return awserr.EntityAlreadyExists("The Server Certificate with name %s already exists.", newName)
			} else if !notFound(err) {
				return err
			}
			if err := tx.Delete(ctx, acct, KindServerCertificate, sc.Name); err != nil {
				return err
			}
		}
		sc.Name, sc.Path, sc.ARN = newName, newPath, newARN
		return srvcertPut(ctx, tx, acct, sc, renamed)
	})
	return internal(err)
}

// DeleteServerCertificate deletes a server certificate.
func (s *Service) DeleteServerCertificate(ctx context.Context, c *Caller, in *iamtypes.DeleteServerCertificateRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		sc, err := s.srvcertLoad(ctx, tx, c, "iam:DeleteServerCertificate", in.ServerCertificateName, nil)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindServerCertificate, sc.Name)
	})
	return internal(err)
}

// ListServerCertificates lists the account's server certificates whose path starts with PathPrefix.
func (s *Service) ListServerCertificates(ctx context.Context, c *Caller, in *iamtypes.ListServerCertificatesRequest) (*iamtypes.ListServerCertificatesResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListServerCertificatesResponse{ServerCertificateMetadataList: []iamtypes.ServerCertificateMetadata{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListServerCertificates", Resource: "*"}); err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindServerCertificate, PathPrefix: str(in.PathPrefix, "/"), After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			sc, err := decode[ServerCert](e)
			if err != nil {
				return err
			}
			out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, srvcertMetadata(sc))
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// serverCertificateTagging describes server certificates for tagEntity; a missing certificate is authorized against
// its ARN at the root path, with the request's keys.
func serverCertificateTagging() taggable[ServerCert] {
	return taggable[ServerCert]{tagAction: "iam:TagServerCertificate", untagAction: "iam:UntagServerCertificate", maxTags: MaxTagsPerResource,
		untagKeysOnlyWhenSome: true,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, name string, actx policy.Context) (*ServerCert, error) {
			return s.srvcertLoad(ctx, r, c, action, name, actx)
		},
		tags: func(sc *ServerCert) *[]Tag { return &sc.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, sc *ServerCert) error {
			return srvcertPut(ctx, tx, account, sc, false)
		},
	}
}

// TagServerCertificate adds or replaces tags on a server certificate.
func (s *Service) TagServerCertificate(ctx context.Context, c *Caller, in *iamtypes.TagServerCertificateRequest) error {
	return tagEntity(ctx, s, c, serverCertificateTagging(), in.ServerCertificateName, in.Tags)
}

// UntagServerCertificate removes tags from a server certificate.
func (s *Service) UntagServerCertificate(ctx context.Context, c *Caller, in *iamtypes.UntagServerCertificateRequest) error {
	return untagEntity(ctx, s, c, serverCertificateTagging(), in.ServerCertificateName, in.TagKeys)
}

// ListServerCertificateTags lists a server certificate's tags.
func (s *Service) ListServerCertificateTags(ctx context.Context, c *Caller, in *iamtypes.ListServerCertificateTagsRequest) (*iamtypes.ListServerCertificateTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		sc, err := s.srvcertLoad(ctx, r, c, "iam:ListServerCertificateTags", in.ServerCertificateName, nil)
		if err != nil {
			return nil, err
		}
		return sc.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListServerCertificateTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
