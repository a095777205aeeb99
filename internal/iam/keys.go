package iam

import (
	"context"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Access key statuses.
const (
	keysActive   = "Active"
	keysInactive = "Inactive"
)

// keysOwner is whose access keys an operation works on: an IAM user, or the account's root user.
type keysOwner struct {
	root bool
	user *User // nil for root
}

// keysAuthorize resolves the owner of the keys an operation names (UserName, or by default the caller itself) and
// authorizes the action on the owner's ARN, as AWS does for access key actions (resource type "user").
func (s *Service) keysAuthorize(ctx context.Context, r store.Reader, c *Caller, action string, userName *string) (keysOwner, error) {
	acct := c.Account()
	name := str(userName, "")
	if name == "" {
		switch {
		case c.IsRoot():
			// Without a user name the root user works on its own keys.
			if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: authzRoot(c.Partition(), acct)}); err != nil {
				return keysOwner{}, err
			}
			return keysOwner{root: true}, nil
		case c.Principal.Type == authz.PrincipalUser && c.Name != "":
			name = c.Name
		default:
			return keysOwner{}, awserr.ValidationError("Must specify userName when calling with non-User credentials")
		}
	}
	u, err := getUser(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			// Authorize against the ARN the user would have, so a denied caller learns nothing.
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "user", "/", name)}); aerr != nil {
				return keysOwner{}, aerr
			}
		}
		return keysOwner{}, err
	}
	actx := policy.Context{}
	resourceTagContext(actx, u.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
		return keysOwner{}, err
	}
	return keysOwner{user: u}, nil
}

// keysNoSuchKey is AWS's error for an access key that the named owner does not have.
func keysNoSuchKey(id string) error {
	return awserr.NoSuchEntity("The Access Key with id %s cannot be found.", id)
}

// keysFind loads the entity of an access key of the owner, or NoSuchEntity.
func keysFind(ctx context.Context, r store.Reader, account string, owner keysOwner, id string) (*store.Entity, error) {
	e, err := r.GetByID(ctx, id)
	if notFound(err) {
		return nil, keysNoSuchKey(id)
	}
	if err != nil {
		return nil, err
	}
	if e.Account != account {
		return nil, keysNoSuchKey(id)
	}
	if owner.root {
		if e.Kind != KindRootKey {
			return nil, keysNoSuchKey(id)
		}
		return e, nil
	}
	if e.Kind != KindAccessKey || e.Parent != strings.ToLower(owner.user.UserName) {
		return nil, keysNoSuchKey(id)
	}
	return e, nil
}

// keysPutRootKey stores a new root access key, sealed like the keys EnsureAccount creates.
func (s *Service) keysPutRootKey(ctx context.Context, tx store.Tx, account, id, secretKey string, created time.Time) error {
	k := RootKey{AccessKeyID: id, Account: account, SealedSecret: s.Box.Seal([]byte(secretKey), []byte(id)), CreateDate: created}
	root, err := s.rootARN(ctx, tx, account)
	if err != nil {
		return err
	}
	return tx.Insert(ctx, &store.Entity{Account: account, Kind: KindRootKey, Name: id, Path: "/", ID: id, ARN: root, Created: created, Data: encode(k)})
}

// CreateAccessKey creates an access key for a user, by default the caller; for the root user without a user name,
// a root access key. The secret is returned only here: it is stored sealed.
func (s *Service) CreateAccessKey(ctx context.Context, c *Caller, in *iamtypes.CreateAccessKeyRequest) (*iamtypes.CreateAccessKeyResponse, error) {
	acct := c.Account()
	var out iamtypes.AccessKey
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:CreateAccessKey", in.UserName)
		if err != nil {
			return err
		}
		q := store.ListQuery{Account: acct, Kind: KindRootKey}
		if !owner.root {
			q = store.ListQuery{Account: acct, Kind: KindAccessKey, Parent: strings.ToLower(owner.user.UserName)}
		}
		n, err := tx.Count(ctx, q)
		if err != nil {
			return err
		}
		if n >= MaxAccessKeysPerUser {
			return awserr.LimitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeysPerUser)
		}
		id, sec := secret.NewID("AKIA", 20), secret.NewSecretAccessKey()
		created := s.Now().UTC().Truncate(time.Second)
		if owner.root {
			if err := s.keysPutRootKey(ctx, tx, acct, id, sec, created); err != nil {
				return errorf("store root access key: %w", err)
			}
		} else {
			u := owner.user
			k := AccessKey{AccessKeyID: id, UserName: u.UserName, UserID: u.UserID, Status: keysActive, CreateDate: created,
				SealedSecret: s.Box.Seal([]byte(sec), []byte(id))}
			e := &store.Entity{Account: acct, Kind: KindAccessKey, Name: id, Path: "/", ID: id, ARN: u.ARN,
				Parent: strings.ToLower(u.UserName), Created: created, Data: encode(k)}
			if err := tx.Insert(ctx, e); err != nil {
				return errorf("store access key: %w", err)
			}
			out.UserName = u.UserName
		}
		out.AccessKeyId, out.SecretAccessKey, out.Status, out.CreateDate = id, sec, iamtypes.StatusTypeActive, &created
		return nil
	}, func() *iamtypes.CreateAccessKeyResponse {
		return &iamtypes.CreateAccessKeyResponse{AccessKey: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// ListAccessKeys lists the access keys of a user, by default the caller (the root user's own keys for root).
func (s *Service) ListAccessKeys(ctx context.Context, c *Caller, in *iamtypes.ListAccessKeysRequest) (*iamtypes.ListAccessKeysResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListAccessKeysResponse{AccessKeyMetadata: []iamtypes.AccessKeyMetadata{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		owner, err := s.keysAuthorize(ctx, r, c, "iam:ListAccessKeys", in.UserName)
		if err != nil {
			return err
		}
		q := store.ListQuery{Account: acct, Kind: KindRootKey, After: pa.after, Limit: pa.limit}
		if !owner.root {
			q.Kind, q.Parent = KindAccessKey, strings.ToLower(owner.user.UserName)
		}
		page, err := r.List(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			m, err := keysMetadata(e)
			if err != nil {
				return err
			}
			out.AccessKeyMetadata = append(out.AccessKeyMetadata, m)
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// keysMetadata converts a stored key, a user's or the root user's, to the API's AccessKeyMetadata.
func keysMetadata(e *store.Entity) (iamtypes.AccessKeyMetadata, error) {
	if e.Kind == KindRootKey {
		k, err := decode[RootKey](e)
		if err != nil {
			return iamtypes.AccessKeyMetadata{}, err
		}
		status := iamtypes.StatusTypeActive
		if k.Inactive {
			status = iamtypes.StatusTypeInactive
		}
		return iamtypes.AccessKeyMetadata{AccessKeyId: ptr(k.AccessKeyID), Status: ptr(status), CreateDate: ptr(k.CreateDate)}, nil
	}
	k, err := decode[AccessKey](e)
	if err != nil {
		return iamtypes.AccessKeyMetadata{}, err
	}
	return iamtypes.AccessKeyMetadata{UserName: ptr(k.UserName), AccessKeyId: ptr(k.AccessKeyID), Status: ptr(iamtypes.StatusType(k.Status)), CreateDate: ptr(k.CreateDate)}, nil
}

// UpdateAccessKey makes an access key active or inactive; an inactive key no longer authenticates.
func (s *Service) UpdateAccessKey(ctx context.Context, c *Caller, in *iamtypes.UpdateAccessKeyRequest) error {
	acct := c.Account()
	status := string(in.Status)
	if status != keysActive && status != keysInactive {
		return awserr.ValidationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:UpdateAccessKey", in.UserName)
		if err != nil {
			return err
		}
		e, err := keysFind(ctx, tx, acct, owner, in.AccessKeyId)
		if err != nil {
			return err
		}
		if owner.root {
			k, err := decode[RootKey](e)
			if err != nil {
				return err
			}
			if k.Inactive == (status == keysInactive) {
				return nil
			}
			k.Inactive = status == keysInactive
			e.Data = encode(k)
			return tx.Update(ctx, e)
		}
		k, err := decode[AccessKey](e)
		if err != nil {
			return err
		}
		if k.Status == status {
			return nil
		}
		k.Status = status
		e.Data = encode(k)
		return tx.Update(ctx, e)
	})
	return internal(err)
}

// DeleteAccessKey deletes an access key of a user, by default the caller (the root user's own key for root).
func (s *Service) DeleteAccessKey(ctx context.Context, c *Caller, in *iamtypes.DeleteAccessKeyRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:DeleteAccessKey", in.UserName)
		if err != nil {
			return err
		}
		e, err := keysFind(ctx, tx, acct, owner, in.AccessKeyId)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, e.Kind, e.Name)
	})
	return internal(err)
}

// keyLastUsedShape sets out's AccessKeyLastUsed to the key's last use (keyLastUse), if it was used.
func (s *Service) keyLastUsedShape(ctx context.Context, r store.Reader, acct, id string, date *time.Time, service, region string, out *iamtypes.GetAccessKeyLastUsedResponse) error {
	when, service, region, err := s.keyLastUse(ctx, r, acct, id, date, service, region)
	if err != nil {
		return err
	}
	if when != nil {
		out.AccessKeyLastUsed = &iamtypes.AccessKeyLastUsed{LastUsedDate: when, ServiceName: service, Region: region}
	}
	return nil
}

// GetAccessKeyLastUsed reports when, where and with which service an access key of the caller's account was last
// used; "N/A" for the service and region of a key never used.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, c *Caller, in *iamtypes.GetAccessKeyLastUsedRequest) (*iamtypes.GetAccessKeyLastUsedResponse, error) {
	acct := c.Account()
	out := &iamtypes.GetAccessKeyLastUsedResponse{AccessKeyLastUsed: &iamtypes.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, in.AccessKeyId)
		if err != nil && !notFound(err) {
			return err
		}
		if err != nil || e.Account != acct || (e.Kind != KindAccessKey && e.Kind != KindRootKey) {
			// Only a caller allowed to read the last use of every user's keys learns that the key does not exist.
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccessKeyLastUsed", Resource: arnFor(c.Partition(), acct, "user", "/", "*")}); aerr != nil {
				return aerr
			}
			return keysNoSuchKey(in.AccessKeyId)
		}
		if e.Kind == KindRootKey {
			if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccessKeyLastUsed", Resource: authzRoot(c.Partition(), acct)}); err != nil {
				return err
			}
			k, err := decode[RootKey](e)
			if err != nil {
				return err
			}
			return s.keyLastUsedShape(ctx, r, acct, k.AccessKeyID, k.LastUsedDate, k.LastService, k.LastRegion, out)
		}
		k, err := decode[AccessKey](e)
		if err != nil {
			return err
		}
		u, err := getUser(ctx, r, acct, k.UserName)
		if err != nil {
			return errorf("owner of access key %s: %w", k.AccessKeyID, err)
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccessKeyLastUsed", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		out.UserName = ptr(u.UserName)
		return s.keyLastUsedShape(ctx, r, acct, k.AccessKeyID, k.LastUsedDate, k.LastService, k.LastRegion, out)
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}
