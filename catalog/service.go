package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Service is one AWS service of the service reference.
type Service struct {
	Prefix string // the action prefix, lowercase: "s3"
	Name   string // from service-names.json when present ("Amazon S3"), else the document's Name

	Actions       []*Action       // sorted by Name (byte order)
	ResourceTypes []*ResourceType // in the document's order
	// ConditionKeys are the keys the service's document lists, in its order.
	// Besides the service's own keys this includes the global tag keys
	// (aws:RequestTag/${TagKey}, aws:ResourceTag/${TagKey}, aws:TagKeys) when
	// the service supports them.
	ConditionKeys []*ConditionKey

	actions   map[string]*Action       // by lowercase name
	resources map[string]*ResourceType // by lowercase name
}

// Action returns the service's action with the given name, ignoring case.
func (s *Service) Action(name string) (*Action, bool) {
	return lookupFold(s.actions, name)
}

// ResourceType returns the service's resource type with the given name,
// ignoring case.
func (s *Service) ResourceType(name string) (*ResourceType, bool) {
	return lookupFold(s.resources, name)
}

// AccessLevel is the access level of an action, as in the Service
// Authorization Reference.
type AccessLevel string

// The access levels.
const (
	AccessList                  AccessLevel = "List"
	AccessRead                  AccessLevel = "Read"
	AccessWrite                 AccessLevel = "Write"
	AccessPermissionsManagement AccessLevel = "Permissions management"
	AccessTagging               AccessLevel = "Tagging"
)

// Action is an IAM action.
type Action struct {
	Service string // lowercase service prefix: "s3"
	Name    string // AWS's spelling: "GetObject"
	// AccessLevel is derived from the document's flags by precedence:
	// IsPermissionManagement, then IsTaggingOnly, then IsWrite, then IsList,
	// else Read. This matches the Service Authorization Reference pages for
	// all but a handful of actions (sts:GetFederationToken is Write here, Read
	// there).
	AccessLevel AccessLevel
	// ResourceTypes names the resource types the action can be scoped to, in
	// the document's order. Empty means the action supports only "*". The
	// service reference does not say which of them are required.
	ResourceTypes []string
	// ConditionKeys are the action's ActionConditionKeys, when the document
	// lists them.
	ConditionKeys []string
	// LastAccessedTracked reports whether IAM's action last accessed data
	// covers the action (the document's SupportedBy "IAM Action Last
	// Accessed"): such actions are the TrackedActionsLastAccessed of an
	// ACTION_LEVEL report.
	LastAccessedTracked bool
}

// String returns "prefix:Name", for example "s3:GetObject".
func (a *Action) String() string { return a.Service + ":" + a.Name }

// ResourceType is a resource type of a service ("object", "role").
type ResourceType struct {
	Name          string
	ARNFormats    []string // templates such as arn:${Partition}:s3:::${BucketName}/${ObjectName}
	ConditionKeys []string
}

// serviceEntry is a service of the catalog: its raw document until it is
// decoded, then the decoded Service.
type serviceEntry struct {
	prefix string // lowercase
	name   string // from service-names.json, or ""
	raw    []byte // the service's JSON document

	keysOnce sync.Once
	keys     []*ConditionKey
	keysErr  error

	once sync.Once
	svc  *Service
	err  error
}

// load decodes the service once and returns it.
func (e *serviceEntry) load(c *Catalog) (*Service, error) {
	e.once.Do(func() { e.svc, e.err = e.decode(c) })
	return e.svc, e.err
}

func (e *serviceEntry) mustLoad(c *Catalog) *Service {
	s, err := e.load(c)
	if err != nil {
		panic(corrupt(err))
	}
	return s
}

// conditionKeys decodes only the service's ConditionKeys, once. The catalog's
// condition-key index is built from these without decoding whole services.
func (e *serviceEntry) conditionKeys(c *Catalog) ([]*ConditionKey, error) {
	e.keysOnce.Do(func() {
		var raw []rawConditionKey
		e.keysErr = eachMember(e.raw, func(key string, val []byte) error {
			if key != "ConditionKeys" {
				return nil
			}
			return json.Unmarshal(val, &raw)
		})
		if e.keysErr != nil {
			e.keysErr = fmt.Errorf("service %q: %w", e.prefix, e.keysErr)
			return
		}
		keys := make([]ConditionKey, len(raw))
		e.keys = make([]*ConditionKey, len(raw))
		for i, r := range raw {
			keys[i] = r.key()
			_, keys[i].Global = lookupFold(c.global, r.Name)
			e.keys[i] = &keys[i]
		}
	})
	return e.keys, e.keysErr
}

// The parts of a service document the catalog uses.
type rawService struct {
	Name    string
	Actions []struct {
		Name                string
		ActionConditionKeys []string
		Annotations         struct {
			Properties struct {
				IsList                 bool
				IsPermissionManagement bool
				IsTaggingOnly          bool
				IsWrite                bool
			}
		}
		Resources   []struct{ Name string }
		SupportedBy map[string]bool
	}
	Resources []struct {
		Name          string
		ARNFormats    []string
		ConditionKeys []string
	}
}

func (e *serviceEntry) decode(c *Catalog) (*Service, error) {
	var r rawService
	// Decode only the members used; skipping Operations and the rest with the
	// structural scanner is much cheaper than letting encoding/json do it.
	err := eachMember(e.raw, func(key string, val []byte) error {
		var dst any
		switch key {
		case "Name":
			dst = &r.Name
		case "Actions":
			dst = &r.Actions
		case "Resources":
			dst = &r.Resources
		default:
			return nil
		}
		if err := json.Unmarshal(val, dst); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", e.prefix, err)
	}
	keys, err := e.conditionKeys(c)
	if err != nil {
		return nil, err
	}

	s := &Service{
		Prefix:        e.prefix,
		Name:          e.name,
		ConditionKeys: keys,
		Actions:       make([]*Action, len(r.Actions)),
		actions:       make(map[string]*Action, len(r.Actions)),
		ResourceTypes: make([]*ResourceType, len(r.Resources)),
		resources:     make(map[string]*ResourceType, len(r.Resources)),
	}
	if s.Name == "" {
		s.Name = r.Name
	}

	actions := make([]Action, len(r.Actions))
	for i, ra := range r.Actions {
		a := &actions[i]
		a.Service = e.prefix
		a.Name = ra.Name
		a.ConditionKeys = ra.ActionConditionKeys
		a.LastAccessedTracked = ra.SupportedBy["IAM Action Last Accessed"]
		p := ra.Annotations.Properties
		switch {
		case p.IsPermissionManagement:
			a.AccessLevel = AccessPermissionsManagement
		case p.IsTaggingOnly:
			a.AccessLevel = AccessTagging
		case p.IsWrite:
			a.AccessLevel = AccessWrite
		case p.IsList:
			a.AccessLevel = AccessList
		default:
			a.AccessLevel = AccessRead
		}
		if len(ra.Resources) > 0 {
			a.ResourceTypes = make([]string, len(ra.Resources))
			for j, res := range ra.Resources {
				a.ResourceTypes[j] = res.Name
			}
		}
		k := lower(a.Name)
		if _, dup := s.actions[k]; dup {
			return nil, fmt.Errorf("service %q: action %q appears twice", e.prefix, a.Name)
		}
		s.actions[k] = a
		s.Actions[i] = a
	}
	slices.SortFunc(s.Actions, func(a, b *Action) int { return strings.Compare(a.Name, b.Name) })

	types := make([]ResourceType, len(r.Resources))
	for i, rr := range r.Resources {
		t := &types[i]
		t.Name, t.ARNFormats, t.ConditionKeys = rr.Name, rr.ARNFormats, rr.ConditionKeys
		k := lower(t.Name)
		if _, dup := s.resources[k]; dup {
			return nil, fmt.Errorf("service %q: resource type %q appears twice", e.prefix, t.Name)
		}
		s.resources[k] = t
		s.ResourceTypes[i] = t
	}
	return s, nil
}
