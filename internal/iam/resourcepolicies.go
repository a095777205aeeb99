package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// The resource-policy registry: services that keep their resources outside iamd register each resource's
// resource-based policy (one per resource ARN) through the decision API (PUT /iamd/v1/resource-policies). Decide
// uses the registered policy when the caller sends none, and IAM Access Analyzer's external-access analyzers
// analyze it like a trust policy.

// KindResourcePolicy is the store kind of a registered resource policy, in the resource's account, named by
// registryName(ARN) (the store compares names ignoring case, ARNs do not), with the ARN in Entity.ARN; Data is a
// ResourcePolicy.
const KindResourcePolicy store.Kind = "resource-policy"

// Actions that authorize the registry's calls, on the resource's ARN.
const (
	ActionPutResourcePolicy    = "iamd:PutResourcePolicy"
	ActionGetResourcePolicy    = "iamd:GetResourcePolicy"
	ActionDeleteResourcePolicy = "iamd:DeleteResourcePolicy"
)

// ResourcePolicy is a registered resource policy.
type ResourcePolicy struct {
	ARN      string    `json:"arn"`
	Account  string    `json:"account"`
	Document string    `json:"doc"`
	Updated  time.Time `json:"updated"`
}

func registryName(resourceARN string) string {
	h := sha256.Sum256([]byte(resourceARN))
	return hex.EncodeToString(h[:16])
}

// registryAccount is the account a resource's registered policy is kept in: the ARN's account, else (an S3
// bucket's ARN has none) owner, else the caller's.
func registryAccount(c *Caller, resourceARN, owner string) (string, error) {
	a, err := arn.Parse(resourceARN)
	if err != nil || a.Service == "" {
		return "", invalidParameter("The resource %s is not a valid ARN.", resourceARN)
	}
	switch {
	case a.Account != "":
		return a.Account, nil
	case owner != "":
		return owner, nil
	}
	return c.Account(), nil
}

// PutResourcePolicy registers (or replaces) the resource policy of resourceARN, in the resource's account, which
// must be the caller's; authorized as iamd:PutResourcePolicy on the resource.
func (s *Service) PutResourcePolicy(ctx context.Context, c *Caller, resourceARN, owner, doc string) (*ResourcePolicy, error) {
	acct, err := registryAccount(c, resourceARN, owner)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse([]byte(doc), policy.TypeResource); err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) && len(pe.Findings) > 0 {
			return nil, awserr.MalformedPolicyDocument("%s", pe.Findings[0].Message)
		}
		return nil, awserr.MalformedPolicyDocument("%v", err)
	}
	rp := &ResourcePolicy{ARN: resourceARN, Account: acct, Document: doc, Updated: s.Now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.registryAuthorize(ctx, tx, c, ActionPutResourcePolicy, resourceARN, acct); err != nil {
			return err
		}
		e := &store.Entity{Account: acct, Kind: KindResourcePolicy, Name: registryName(resourceARN), Path: "/", ARN: resourceARN, Created: rp.Updated, Data: encode(rp)}
		err := tx.Update(ctx, e)
		if errors.Is(err, store.ErrNotFound) {
			err = tx.Insert(ctx, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return rp, nil
}

// GetResourcePolicy answers the registered policy of resourceARN (NoSuchEntity when none).
func (s *Service) GetResourcePolicy(ctx context.Context, c *Caller, resourceARN, owner string) (*ResourcePolicy, error) {
	acct, err := registryAccount(c, resourceARN, owner)
	if err != nil {
		return nil, err
	}
	var out *ResourcePolicy
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.registryAuthorize(ctx, r, c, ActionGetResourcePolicy, resourceARN, acct); err != nil {
			return err
		}
		out, err = registeredPolicy(ctx, r, acct, resourceARN)
		if err == nil && out == nil {
			err = awserr.NoSuchEntity("No resource policy is registered for %s.", resourceARN)
		}
		return err
	})
	return out, err
}

// DeleteResourcePolicy removes the registered policy of resourceARN (NoSuchEntity when none).
func (s *Service) DeleteResourcePolicy(ctx context.Context, c *Caller, resourceARN, owner string) error {
	acct, err := registryAccount(c, resourceARN, owner)
	if err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.registryAuthorize(ctx, tx, c, ActionDeleteResourcePolicy, resourceARN, acct); err != nil {
			return err
		}
		err := tx.Delete(ctx, acct, KindResourcePolicy, registryName(resourceARN))
		if errors.Is(err, store.ErrNotFound) {
			return awserr.NoSuchEntity("No resource policy is registered for %s.", resourceARN)
		}
		return err
	})
}

// registryAuthorize lets the caller manage the registry of its own account only, as its policies allow.
func (s *Service) registryAuthorize(ctx context.Context, r store.Reader, c *Caller, action, resourceARN, acct string) error {
	if acct != c.Account() {
		return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
			Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, action, resourceARN)}
	}
	return s.Authorize(ctx, r, c, Authorization{Action: action, Resource: resourceARN})
}

// registeredPolicy reads the registered policy of resourceARN in acct, nil when none.
func registeredPolicy(ctx context.Context, r store.Reader, acct, resourceARN string) (*ResourcePolicy, error) {
	e, err := r.Get(ctx, acct, KindResourcePolicy, registryName(resourceARN))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rp ResourcePolicy
	if err := json.Unmarshal(e.Data, &rp); err != nil {
		return nil, fmt.Errorf("resource policy of %s: %w", resourceARN, err)
	}
	if rp.ARN != resourceARN {
		return nil, nil
	}
	return &rp, nil
}
