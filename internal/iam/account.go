package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// Account is the stored record of an account.
type Account struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Partition is the partition the account is in; empty (every account written before iamd knew partitions) is aws.
	Partition awsregion.Partition `json:"partition,omitempty"`
}

// AccountPartition returns the partition of an account: aws for one iamd does not hold or that names none.
func (s *Service) AccountPartition(ctx context.Context, r store.Reader, account string) (awsregion.Partition, error) {
	return partitionOf(ctx, r, account)
}

func partitionOf(ctx context.Context, r store.Reader, account string) (awsregion.Partition, error) {
	v, err := r.Setting(ctx, account, settingAccount)
	if notFound(err) {
		return awsregion.AWS, nil
	}
	if err != nil {
		return "", err
	}
	var a Account
	if err := json.Unmarshal(v, &a); err != nil {
		return "", err
	}
	return awsregion.ParsePartition(string(a.Partition))
}

const settingAccount = "account"

// RootKey is the stored record of an account root's access key.
type RootKey struct {
	AccessKeyID  string     `json:"id"`
	Account      string     `json:"account"`
	SealedSecret []byte     `json:"secret"`
	CreateDate   time.Time  `json:"created"`
	Inactive     bool       `json:"inactive,omitempty"`   // deactivated with UpdateAccessKey
	Configured   bool       `json:"configured,omitempty"` // given by the operator (IAMD_ROOT_ACCESS_KEY_ID), not created by a call
	LastUsedDate *time.Time `json:"lastUsed,omitempty"`
	LastService  string     `json:"lastService,omitempty"`
	LastRegion   string     `json:"lastRegion,omitempty"`
}

// accountCreated returns when the account was created.
func (s *Service) accountCreated(ctx context.Context, r store.Reader, account string) (time.Time, error) {
	v, err := r.Setting(ctx, account, settingAccount)
	if notFound(err) {
		return time.Time{}, awserr.NoSuchEntity("The account %s does not exist.", account)
	}
	if err != nil {
		return time.Time{}, err
	}
	var a Account
	if err := json.Unmarshal(v, &a); err != nil {
		return time.Time{}, err
	}
	return a.Created, nil
}

// RootCredentials are an account root's access key pair, shown once when created.
type RootCredentials struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
	Created         bool // false when the account already had a root key and none was given
	Partition       awsregion.Partition
}

// EnsureAccount creates the account if it does not exist and makes sure its root user has an access key: the one
// given (replacing any other), or a new one when the account has none. The secret of an existing generated key is
// never returned again.
func (s *Service) EnsureAccount(ctx context.Context, account, accessKeyID, secretKey string) (RootCredentials, error) {
	out := RootCredentials{AccountID: account}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Setting(ctx, account, settingAccount); notFound(err) {
			a := Account{ID: account, Created: s.Now().UTC().Truncate(time.Second)}
			if err := tx.PutSetting(ctx, account, settingAccount, encode(a)); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		page, err := tx.List(ctx, store.ListQuery{Account: account, Kind: KindRootKey})
		if err != nil {
			return err
		}
		if accessKeyID != "" {
			// The operator's key replaces the key the operator configured before; keys created through the API stay.
			for _, e := range page.Entities {
				k, err := decode[RootKey](e)
				if err != nil {
					return err
				}
				if e.Name == accessKeyID {
					if plain, err := s.Box.Open(k.SealedSecret, []byte(accessKeyID)); err == nil && secret.Equal(string(plain), secretKey) {
						out.AccessKeyID = accessKeyID
						return nil
					}
				}
				if e.Name == accessKeyID || k.Configured {
					if err := tx.Delete(ctx, account, KindRootKey, e.Name); err != nil {
						return err
					}
				}
			}
			out.AccessKeyID, out.SecretAccessKey = accessKeyID, secretKey
			return s.putRootKey(ctx, tx, account, accessKeyID, secretKey, true)
		}
		if len(page.Entities) > 0 {
			out.AccessKeyID = page.Entities[0].Name
			return nil
		}
		out.AccessKeyID, out.SecretAccessKey, out.Created = secret.NewID("AKIA", 20), secret.NewSecretAccessKey(), true
		return s.putRootKey(ctx, tx, account, out.AccessKeyID, out.SecretAccessKey, false)
	})
	return out, err
}

func (s *Service) putRootKey(ctx context.Context, tx store.Tx, account, id, secretKey string, configured bool) error {
	root, err := s.rootARN(ctx, tx, account)
	if err != nil {
		return err
	}
	k := RootKey{AccessKeyID: id, Account: account, SealedSecret: s.Box.Seal([]byte(secretKey), []byte(id)), CreateDate: s.Now().UTC().Truncate(time.Second), Configured: configured}
	err = tx.Insert(ctx, &store.Entity{Account: account, Kind: KindRootKey, Name: id, Path: "/", ID: id, ARN: root, Created: k.CreateDate, Data: encode(k)})
	if conflict(err) {
		return fmt.Errorf("access key ID %s is already in use", id)
	}
	return err
}

// partitionField is how an account record stores partition p: empty for aws, as records written before iamd knew
// partitions have it.
func partitionField(p awsregion.Partition) awsregion.Partition {
	if p == awsregion.AWS {
		return ""
	}
	return p
}

// rootARN is the ARN of the account's root user, in the account's partition.
func (s *Service) rootARN(ctx context.Context, r store.Reader, account string) (string, error) {
	p, err := s.AccountPartition(ctx, r, account)
	if err != nil {
		return "", err
	}
	return authzRoot(p, account), nil
}

// authzRoot is the ARN of the account's root user in partition p.
func authzRoot(p awsregion.Partition, account string) string {
	return p.IAMPrefix() + account + ":root"
}

// Credential is what authentication needs to know about an access key: its secret and whom it belongs to.
type Credential struct {
	Secret []byte
	Caller Caller // the caller template; request facts are added per request
	Active bool
	// SessionToken is the token temporary credentials must present with every request, and Expires when they stop
	// working; both are empty for a long-term key.
	SessionToken string
	Expires      time.Time
}

// LookupAccessKey finds an access key of a root user or an IAM user, or temporary credentials (KindSession), by its
// ID and opens its secret (and session token). Results are cached until a write other than a usage stamp.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (*Credential, error) {
	gen := s.Store.PolicyGeneration()
	if cred, ok := s.creds.get(id, gen); ok {
		return cred, nil
	}
	cred, err := s.lookupAccessKey(ctx, id)
	if err != nil {
		return nil, err
	}
	s.creds.put(id, gen, cred)
	return cred, nil
}

func (s *Service) lookupAccessKey(ctx context.Context, id string) (*Credential, error) {
	var cred *Credential
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, id)
		if err != nil {
			return err
		}
		switch e.Kind {
		case KindRootKey:
			k, err := decode[RootKey](e)
			if err != nil {
				return err
			}
			plain, err := s.Box.Open(k.SealedSecret, []byte(id))
			if err != nil {
				return err
			}
			root, err := s.rootARN(ctx, r, k.Account)
			if err != nil {
				return err
			}
			cred = &Credential{Secret: plain, Active: !k.Inactive, Caller: Caller{
				Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: root, Account: k.Account},
				UserID:    k.Account, AccessKeyID: id}}
		case KindAccessKey:
			k, err := decode[AccessKey](e)
			if err != nil {
				return err
			}
			plain, err := s.Box.Open(k.SealedSecret, []byte(id))
			if err != nil {
				return err
			}
			u, err := getUser(ctx, r, e.Account, k.UserName)
			if err != nil {
				return err
			}
			cred = &Credential{Secret: plain, Active: strings.EqualFold(k.Status, "Active"), Caller: Caller{
				Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.ARN, Account: e.Account},
				Name:      u.UserName, UserID: u.UserID, AccessKeyID: id}}
		case KindSession:
			if cred, err = s.lookupSession(ctx, r, e); err != nil {
				return err
			}
		default:
			return store.ErrNotFound
		}
		// A closed account is suspended: its credentials fail as unknown ones do.
		v, err := s.accountOrg(ctx, r, cred.Caller.Account())
		if err != nil {
			return err
		}
		if v != nil && v.Closed {
			cred.Active = false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cred, nil
}

// keyUseInterval is how often a key's last use is written: AWS records it at most every 15 minutes.
const keyUseInterval = 15 * time.Minute

// RecordKeyUse notes that an IAM user's access key authenticated a request for a service in a region. It writes
// at most once per key in keyUseInterval, so the store (and the caches keyed on its generation) are not churned by
// every request.
func (s *Service) RecordKeyUse(ctx context.Context, id, service, region string) error {
	now := s.Now().UTC().Truncate(time.Second)
	if !s.keyUse.due(id, now) {
		return nil
	}
	// A usage stamp: no decision reads it, so it leaves compiled evaluators and cached credentials in place.
	return s.Store.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error {
		e, err := tx.GetByID(ctx, id)
		if err != nil {
			return nil // a vanished key
		}
		switch e.Kind {
		case KindAccessKey:
			k, err := decode[AccessKey](e)
			if err != nil {
				return err
			}
			if k.LastUsedDate != nil && now.Sub(*k.LastUsedDate) < keyUseInterval && k.LastService == service && k.LastRegion == region {
				return nil
			}
			k.LastUsedDate, k.LastService, k.LastRegion = &now, service, region
			e.Data = encode(k)
		case KindRootKey:
			k, err := decode[RootKey](e)
			if err != nil {
				return err
			}
			if k.LastUsedDate != nil && now.Sub(*k.LastUsedDate) < keyUseInterval && k.LastService == service && k.LastRegion == region {
				return nil
			}
			k.LastUsedDate, k.LastService, k.LastRegion = &now, service, region
			e.Data = encode(k)
		default:
			return nil // temporary credentials are not tracked
		}
		return tx.Update(ctx, e)
	})
}
