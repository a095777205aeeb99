package org

import (
	"context"
	"errors"
	"strconv"
	"strings"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Quotas for AWS Organizations (Organizations User Guide, "Quotas for AWS Organizations").
const (
	maxOUDepth = 5    // OUs nested under the root
	maxOUs     = 2000 // OUs in an organization (the quota page's current figure; it was 1,000 before)
	pageSize   = 20   // the API's default and largest MaxResults for list operations
)

// Errors of the structure operations; messages as the Organizations API reference's exception descriptions write
// them (the live service's exact texts are unconfirmed).
func errParentNotFound() error {
	return &awserr.Error{Code: "ParentNotFoundException", HTTPStatus: 400, Message: "We can't find a root or OU with the ParentId that you specified."}
}

func errOUNotFound() error {
	return &awserr.Error{Code: "OrganizationalUnitNotFoundException", HTTPStatus: 400, Message: "We can't find an OU with the OrganizationalUnitId that you specified."}
}

func errChildNotFound() error {
	return &awserr.Error{Code: "ChildNotFoundException", HTTPStatus: 400, Message: "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."}
}

func errConstraint(reason, msg string) error {
	return &awserr.Error{Code: "ConstraintViolationException", HTTPStatus: 400, Reason: reason, Message: msg}
}

func errInvalidInput(reason, msg string) error {
	return &awserr.Error{Code: "InvalidInputException", HTTPStatus: 400, Reason: reason, Message: msg}
}

// containerARN is the ARN of a root or OU ID, written from its form alone (for authorization before lookups).
func containerARN(o *Organization, id string) string {
	if strings.HasPrefix(id, "r-") {
		return rootARN(o.Partition, o.Management, o.ID, id)
	}
	return ouARN(o.Partition, o.Management, o.ID, id)
}

// getOU returns an OU of the organization, store.ErrNotFound when there is none.
func getOU(ctx context.Context, r store.Reader, o *Organization, id string) (*store.Entity, *OU, error) {
	if !strings.HasPrefix(id, "ou-") {
		return nil, nil, store.ErrNotFound
	}
	e, err := r.Get(ctx, o.Management, KindOU, id)
	if err != nil {
		return nil, nil, err
	}
	ou, err := decode[OU](e)
	if err != nil {
		return nil, nil, err
	}
	return e, ou, nil
}

// containerExists reports whether id is the organization's root or one of its OUs.
func containerExists(ctx context.Context, r store.Reader, o *Organization, id string) (bool, error) {
	if id == o.RootID {
		return true, nil
	}
	_, _, err := getOU(ctx, r, o, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ouChain returns the OU IDs from the root down to id (id last); empty for the root.
func ouChain(ctx context.Context, r store.Reader, o *Organization, id string) ([]string, error) {
	var chain []string
	for id != o.RootID {
		if len(chain) > maxOUDepth*2 {
			return nil, errors.New("organization: OU nesting deeper than AWS allows above " + id)
		}
		e, _, err := getOU(ctx, r, o, id)
		if err != nil {
			return nil, err
		}
		chain = append([]string{id}, chain...)
		id = e.Parent
	}
	return chain, nil
}

// ouPath is an OU's path as the API's OrganizationalUnit.Path writes it: o-.../r-.../ou-.../.
func ouPath(o *Organization, chain []string) string {
	return o.ID + "/" + o.RootID + "/" + strings.Join(chain, "/") + "/"
}

func ouShape(o *Organization, ou *OU, chain []string) *orgtypes.OrganizationalUnit {
	return &orgtypes.OrganizationalUnit{Id: ptr(ou.ID), Arn: ptr(ouARN(o.Partition, o.Management, o.ID, ou.ID)), Name: ptr(ou.Name), Path: ptr(ouPath(o, chain))}
}

// siblingNamed reports whether another OU under parent has the name (AWS compares OU names as written).
func siblingNamed(ctx context.Context, r store.Reader, o *Organization, parent, name, except string) (bool, error) {
	page, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindOU, Parent: parent})
	if err != nil {
		return false, err
	}
	for _, e := range page.Entities {
		ou, err := decode[OU](e)
		if err != nil {
			return false, err
		}
		if ou.ID != except && ou.Name == name {
			return true, nil
		}
	}
	return false, nil
}

func errDuplicateOU() error {
	return &awserr.Error{Code: "DuplicateOrganizationalUnitException", HTTPStatus: 400, Message: "An OU with the same name already exists."}
}

// CreateOrganizationalUnit creates an OU under the root or an OU, with the default policies of the enabled types.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, c *iam.Caller, in *orgtypes.CreateOrganizationalUnitRequest) (*orgtypes.CreateOrganizationalUnitResponse, error) {
	var out *orgtypes.OrganizationalUnit
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:CreateOrganizationalUnit", containerARN(o, in.ParentId), true); err != nil {
			return err
		}
		ok, err := containerExists(ctx, tx, o, in.ParentId)
		if err != nil {
			return err
		}
		if !ok {
			return errParentNotFound()
		}
		chain, err := ouChain(ctx, tx, o, in.ParentId)
		if err != nil {
			return err
		}
		if len(chain)+1 > maxOUDepth {
			return errConstraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindOU})
		if err != nil {
			return err
		}
		if n >= maxOUs {
			return errConstraint("OU_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the number of OUs that you can have in an organization.")
		}
		if dup, err := siblingNamed(ctx, tx, o, in.ParentId, in.Name, ""); err != nil {
			return err
		} else if dup {
			return errDuplicateOU()
		}
		ou := &OU{ID: newOUID(o.RootID), Name: in.Name}
		arn := ouARN(o.Partition, o.Management, o.ID, ou.ID)
		if len(in.Tags) > 0 {
			// Tagging on create also needs organizations:TagResource, as the API reference says.
			if err := s.authorize(ctx, tx, c, o, "organizations:TagResource", arn, true); err != nil {
				return err
			}
			if ou.Tags, err = mergeTags(nil, in.Tags); err != nil {
				return err
			}
		}
		if err := tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindOU, Name: ou.ID, Path: "/", Parent: in.ParentId,
			ARN: arn, Created: s.now(), Data: encode(ou)}); err != nil {
			return err
		}
		if err := s.attachDefaults(ctx, tx, o, ou.ID); err != nil {
			return err
		}
		out = ouShape(o, ou, append(chain, ou.ID))
		return nil
	}, func() *orgtypes.CreateOrganizationalUnitResponse {
		return &orgtypes.CreateOrganizationalUnitResponse{OrganizationalUnit: out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// UpdateOrganizationalUnit renames an OU.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, c *iam.Caller, in *orgtypes.UpdateOrganizationalUnitRequest) (*orgtypes.UpdateOrganizationalUnitResponse, error) {
	var out *orgtypes.OrganizationalUnit
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:UpdateOrganizationalUnit", ouARN(o.Partition, o.Management, o.ID, in.OrganizationalUnitId), true); err != nil {
			return err
		}
		e, ou, err := getOU(ctx, tx, o, in.OrganizationalUnitId)
		if errors.Is(err, store.ErrNotFound) {
			return errOUNotFound()
		}
		if err != nil {
			return err
		}
		if in.Name != nil && *in.Name != ou.Name {
			if dup, err := siblingNamed(ctx, tx, o, e.Parent, *in.Name, ou.ID); err != nil {
				return err
			} else if dup {
				return errDuplicateOU()
			}
			ou.Name = *in.Name
			e.Data = encode(ou)
			if err := tx.Update(ctx, e); err != nil {
				return err
			}
		}
		chain, err := ouChain(ctx, tx, o, ou.ID)
		if err != nil {
			return err
		}
		out = ouShape(o, ou, chain)
		return nil
	}, func() *orgtypes.UpdateOrganizationalUnitResponse {
		return &orgtypes.UpdateOrganizationalUnitResponse{OrganizationalUnit: out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DeleteOrganizationalUnit deletes an OU that has no accounts and no child OUs, with its policy attachments.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, c *iam.Caller, in *orgtypes.DeleteOrganizationalUnitRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DeleteOrganizationalUnit", ouARN(o.Partition, o.Management, o.ID, in.OrganizationalUnitId), true); err != nil {
			return err
		}
		if _, _, err := getOU(ctx, tx, o, in.OrganizationalUnitId); errors.Is(err, store.ErrNotFound) {
			return errOUNotFound()
		} else if err != nil {
			return err
		}
		for _, k := range []store.Kind{KindOU, KindOrgAccount} {
			n, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: k, Parent: in.OrganizationalUnitId})
			if err != nil {
				return err
			}
			if n > 0 {
				return &awserr.Error{Code: "OrganizationalUnitNotEmptyException", HTTPStatus: 400,
					Message: "The specified OU is not empty. Move all accounts to another root or OU, remove all child OUs, and try the operation again."}
			}
		}
		if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, From: in.OrganizationalUnitId}); err != nil {
			return err
		}
		return tx.Delete(ctx, o.Management, KindOU, in.OrganizationalUnitId)
	})
}

// DescribeOrganizationalUnit describes an OU.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, c *iam.Caller, in *orgtypes.DescribeOrganizationalUnitRequest) (*orgtypes.DescribeOrganizationalUnitResponse, error) {
	var out *orgtypes.OrganizationalUnit
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:DescribeOrganizationalUnit", ouARN(o.Partition, o.Management, o.ID, in.OrganizationalUnitId), true); err != nil {
			return err
		}
		_, ou, err := getOU(ctx, r, o, in.OrganizationalUnitId)
		if errors.Is(err, store.ErrNotFound) {
			return errOUNotFound()
		}
		if err != nil {
			return err
		}
		chain, err := ouChain(ctx, r, o, ou.ID)
		if err != nil {
			return err
		}
		out = ouShape(o, ou, chain)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribeOrganizationalUnitResponse{OrganizationalUnit: out}, nil
}

// listPage runs a paged List: NextToken is the store's marker.
func listPage(ctx context.Context, r store.Reader, q store.ListQuery, token *string, max *int32) (store.Page, error) {
	q.Limit = pageSize
	if max != nil && *max > 0 && int(*max) < pageSize {
		q.Limit = int(*max)
	}
	if token != nil {
		q.After = *token
	}
	return r.List(ctx, q)
}

func nextToken(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// pageOf returns one page of items computed in full; NextToken is the index of the page's first item.
func pageOf[T any](items []T, token *string, max *int32) ([]T, *string, error) {
	start := 0
	if token != nil {
		n, err := strconv.Atoi(*token)
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, errInvalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.")
		}
		start = n
	}
	size := pageSize
	if max != nil && *max > 0 && int(*max) < pageSize {
		size = int(*max)
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		next = ptr(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

// ListOrganizationalUnitsForParent lists the OUs directly under a root or OU.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, c *iam.Caller, in *orgtypes.ListOrganizationalUnitsForParentRequest) (*orgtypes.ListOrganizationalUnitsForParentResponse, error) {
	out := &orgtypes.ListOrganizationalUnitsForParentResponse{OrganizationalUnits: []orgtypes.OrganizationalUnit{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListOrganizationalUnitsForParent", containerARN(o, in.ParentId), true); err != nil {
			return err
		}
		if ok, err := containerExists(ctx, r, o, in.ParentId); err != nil {
			return err
		} else if !ok {
			return errParentNotFound()
		}
		chain, err := ouChain(ctx, r, o, in.ParentId)
		if err != nil {
			return err
		}
		page, err := listPage(ctx, r, store.ListQuery{Account: o.Management, Kind: KindOU, Parent: in.ParentId}, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			ou, err := decode[OU](e)
			if err != nil {
				return err
			}
			out.OrganizationalUnits = append(out.OrganizationalUnits, *ouShape(o, ou, append(chain[:len(chain):len(chain)], ou.ID)))
		}
		out.NextToken = nextToken(page.Next)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListChildren lists the accounts or the OUs directly under a root or OU.
func (s *Service) ListChildren(ctx context.Context, c *iam.Caller, in *orgtypes.ListChildrenRequest) (*orgtypes.ListChildrenResponse, error) {
	out := &orgtypes.ListChildrenResponse{Children: []orgtypes.Child{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListChildren", containerARN(o, in.ParentId), true); err != nil {
			return err
		}
		if ok, err := containerExists(ctx, r, o, in.ParentId); err != nil {
			return err
		} else if !ok {
			return errParentNotFound()
		}
		kind := KindOU
		if in.ChildType == orgtypes.ChildTypeACCOUNT {
			kind = KindOrgAccount
		}
		page, err := listPage(ctx, r, store.ListQuery{Account: o.Management, Kind: kind, Parent: in.ParentId}, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			out.Children = append(out.Children, orgtypes.Child{Id: ptr(e.Name), Type: ptr(in.ChildType)})
		}
		out.NextToken = nextToken(page.Next)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListParents lists the parent (there is one) of an account or OU.
func (s *Service) ListParents(ctx context.Context, c *iam.Caller, in *orgtypes.ListParentsRequest) (*orgtypes.ListParentsResponse, error) {
	var out *orgtypes.ListParentsResponse
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		arn := ouARN(o.Partition, o.Management, o.ID, in.ChildId)
		kind := KindOU
		if !strings.HasPrefix(in.ChildId, "ou-") {
			arn, kind = accountARN(o.Partition, o.Management, o.ID, in.ChildId), KindOrgAccount
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListParents", arn, true); err != nil {
			return err
		}
		e, err := r.Get(ctx, o.Management, kind, in.ChildId)
		if errors.Is(err, store.ErrNotFound) {
			return errChildNotFound()
		}
		if err != nil {
			return err
		}
		typ := orgtypes.ParentTypeORGANIZATIONALUNIT
		if e.Parent == o.RootID {
			typ = orgtypes.ParentTypeROOT
		}
		out = &orgtypes.ListParentsResponse{Parents: []orgtypes.Parent{{Id: ptr(e.Parent), Type: &typ}}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MoveAccount moves an account from its parent to another root or OU; the policies it inherits change with it.
func (s *Service) MoveAccount(ctx context.Context, c *iam.Caller, in *orgtypes.MoveAccountRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:MoveAccount", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true); err != nil {
			return err
		}
		e, err := tx.Get(ctx, o.Management, KindOrgAccount, in.AccountId)
		if errors.Is(err, store.ErrNotFound) {
			return acctErrNotFound()
		}
		if err != nil {
			return err
		}
		if ok, err := containerExists(ctx, tx, o, in.SourceParentId); err != nil {
			return err
		} else if !ok || e.Parent != in.SourceParentId {
			return &awserr.Error{Code: "SourceParentNotFoundException", HTTPStatus: 400, Message: "We can't find a source root or OU with the ParentId that you specified."}
		}
		if ok, err := containerExists(ctx, tx, o, in.DestinationParentId); err != nil {
			return err
		} else if !ok {
			return &awserr.Error{Code: "DestinationParentNotFoundException", HTTPStatus: 400, Message: "We can't find the destination container (a root or OU) with the ParentId that you specified."}
		}
		if in.DestinationParentId == e.Parent {
			return &awserr.Error{Code: "DuplicateAccountException", HTTPStatus: 400, Message: "That account is already present in the specified destination."}
		}
		e.Parent = in.DestinationParentId
		return tx.Update(ctx, e)
	})
}
