// Package corpus reads the decision corpus (authz/testdata/decisions): AWS authorization cases as data, each with
// its policies, request, expected decision and the AWS documentation page it rests on. Tests of the engine, and
// later of the server, run the same cases.
package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// Case is one decision case as written in the corpus.
type Case struct {
	File      string          `json:"-"`
	Name      string          `json:"name"`
	Doc       string          `json:"doc"`
	Note      string          `json:"note"`
	Principal Principal       `json:"principal"`
	Action    string          `json:"action"`
	Resource  string          `json:"resource"`
	ResAcct   string          `json:"resourceAccount"`
	Context   json.RawMessage `json:"context"`
	Policies  Policies        `json:"policies"`
	Expect    Expect          `json:"expect"`
}

// Principal is the case's caller.
type Principal struct {
	ARN       string            `json:"arn"`
	RoleARN   string            `json:"roleArn"`
	Service   string            `json:"service"`
	Anonymous bool              `json:"anonymous"`
	Tags      map[string]string `json:"tags"`
	UserID    string            `json:"userid"`
}

// Named is a named policy document (object or string).
type Named struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// LevelPolicies is one organization level.
type LevelPolicies struct {
	Level    string  `json:"level"`
	Policies []Named `json:"policies"`
}

// Policies are the case's policies by layer.
type Policies struct {
	Identity               []Named         `json:"identity"`
	Resource               *Named          `json:"resource"`
	ResourcePolicyRequired bool            `json:"resourcePolicyRequired"`
	Boundary               *Named          `json:"boundary"`
	Session                []Named         `json:"session"`
	SCPs                   []LevelPolicies `json:"scps"`
	PrincipalIsManagement  bool            `json:"principalAccountIsManagement"`
	RCPs                   []LevelPolicies `json:"rcps"`
	ResourceIsManagement   bool            `json:"resourceAccountIsManagement"`
}

// Expect is the expected outcome.
type Expect struct {
	Decision     string   `json:"decision"`
	Statements   []string `json:"statements"`
	Missing      string   `json:"missing"`
	MissingLevel string   `json:"missingLevel"`
}

// Load reads every *.json file of dir.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Cases []Case `json:"cases"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		for i := range doc.Cases {
			doc.Cases[i].File = filepath.Base(f)
		}
		all = append(all, doc.Cases...)
	}
	return all, nil
}

// DocumentText returns a policy document's text: a JSON string is taken as the text, an object as written.
func DocumentText(raw json.RawMessage) []byte {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	return raw
}

// Build turns the case into the engine's inputs.
func (c *Case) Build() (authz.PolicySet, authz.Request, error) {
	var set authz.PolicySet
	var req authz.Request
	p, err := c.principal()
	if err != nil {
		return set, req, err
	}
	att := func(n Named, typ policy.Type, where string) (authz.Attached, error) {
		pol, err := policy.Parse(DocumentText(n.Document), typ)
		if err != nil {
			return authz.Attached{}, fmt.Errorf("policy %s: %w", n.Name, err)
		}
		return authz.Attached{Name: n.Name, AttachedTo: where, Policy: pol}, nil
	}
	for _, n := range c.Policies.Identity {
		a, err := att(n, policy.TypeIdentity, "principal")
		if err != nil {
			return set, req, err
		}
		set.Identity = append(set.Identity, a)
	}
	if n := c.Policies.Resource; n != nil {
		typ := policy.TypeResource
		if strings.HasPrefix(strings.ToLower(c.Action), "sts:assumerole") {
			typ = policy.TypeTrust
		}
		a, err := att(*n, typ, "resource")
		if err != nil {
			return set, req, err
		}
		set.Resource = &a
	}
	set.ResourcePolicyRequired = c.Policies.ResourcePolicyRequired
	if n := c.Policies.Boundary; n != nil {
		a, err := att(*n, policy.TypeBoundary, "principal")
		if err != nil {
			return set, req, err
		}
		set.Boundary = &a
	}
	for _, n := range c.Policies.Session {
		a, err := att(n, policy.TypeSession, "session")
		if err != nil {
			return set, req, err
		}
		set.Session = append(set.Session, a)
	}
	levels := func(ls []LevelPolicies, typ policy.Type) ([]authz.Level, error) {
		if ls == nil {
			return nil, nil
		}
		out := make([]authz.Level, 0, len(ls))
		for _, l := range ls {
			lv := authz.Level{Name: l.Level}
			for _, n := range l.Policies {
				a, err := att(n, typ, l.Level)
				if err != nil {
					return nil, err
				}
				lv.Policies = append(lv.Policies, a)
			}
			out = append(out, lv)
		}
		return out, nil
	}
	if set.SCPs, err = levels(c.Policies.SCPs, policy.TypeSCP); err != nil {
		return set, req, err
	}
	if set.RCPs, err = levels(c.Policies.RCPs, policy.TypeRCP); err != nil {
		return set, req, err
	}
	set.PrincipalAccountIsManagement = c.Policies.PrincipalIsManagement
	set.ResourceAccountIsManagement = c.Policies.ResourceIsManagement

	req.Principal = p
	req.Action = c.Action
	req.Resource = c.Resource
	if req.Resource == "" {
		req.Resource = "*"
	}
	req.ResourceAccount = c.ResAcct
	if req.ResourceAccount == "" {
		req.ResourceAccount = resourceAccount(req.Resource, p.Account)
	}
	req.Context = policy.Context{}
	authz.SetPrincipalKeys(req.Context, p, c.Principal.UserID, c.Principal.Tags)
	if err := addContext(req.Context, c.Context); err != nil {
		return set, req, err
	}
	return set, req, nil
}

func (c *Case) principal() (authz.Principal, error) {
	switch {
	case c.Principal.Anonymous:
		return authz.Principal{Type: authz.PrincipalAnonymous}, nil
	case c.Principal.Service != "":
		return authz.Principal{Type: authz.PrincipalService, Service: c.Principal.Service}, nil
	}
	p, err := authz.PrincipalFromARN(c.Principal.ARN)
	if err != nil {
		return p, err
	}
	if c.Principal.RoleARN != "" {
		p.RoleARN = c.Principal.RoleARN
	}
	return p, nil
}

// resourceAccount is the account field of an ARN, or def when it has none.
func resourceAccount(resource, def string) string {
	parts := strings.SplitN(resource, ":", 6)
	if len(parts) == 6 && parts[4] != "" && parts[4] != "aws" {
		return parts[4]
	}
	return def
}

func addContext(ctx policy.Context, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("context: %w", err)
	}
	for k, v := range m {
		switch v := v.(type) {
		case []any:
			vals := make([]string, 0, len(v))
			for _, x := range v {
				vals = append(vals, scalar(x))
			}
			ctx.Set(k, vals...)
		default:
			ctx.Set(k, scalar(v))
		}
	}
	return nil
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// StatementRef names a matched statement as the corpus writes it: Name[i].
func StatementRef(m authz.Match) string {
	return fmt.Sprintf("%s[%d]", m.Policy.Name, m.Statement.Index)
}
