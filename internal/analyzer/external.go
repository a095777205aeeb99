package analyzer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

// ExternalAccess is the Detector of external-access analyzers (types ACCOUNT and ORGANIZATION): the role trust
// policies and the resource policies registered through the decision API (iam.KindResourcePolicy) of every account
// in the zone of trust that let a principal outside the zone act on the resource.
//
// Per Allow statement and per principal it names:
//   - a service principal is no finding (AWS reports none for its own services);
//   - an account, or an IAM identity of an account, in the zone is no finding, whatever the conditions;
//   - any other principal (another account, "*", a federated identity provider, a canonical user, NotPrincipal)
//     is a finding when the statement grants it without condition and the policy denies nothing; otherwise
//     package reason decides whether the statement, limited to that principal, with the policy's Deny
//     statements, allows some request that the zone's own policy does not: one that allows the zone's accounts,
//     the service principals the policy names and, for an organization, any principal whose aws:PrincipalOrgID
//     is the organization's. So a condition that pins the principal to the organization (aws:PrincipalOrgID) or to
//     accounts in the zone (aws:PrincipalAccount) removes the finding, and one that does not, does not. When
//     reason cannot decide (budget, unsupported policy), the finding stays: fail closed.
//
// A federated principal (an OIDC or SAML provider, of this account or not) is external: the identities it
// federates are not principals of the zone, and AWS reports findings for them (the AWS CLI's get-finding example,
// a role trusted by cognito-identity.amazonaws.com).
//
// isPublic follows reason's CheckNoPublicAccess for the resource type (AWS::IAM::AssumeRolePolicyDocument for
// roles); for a type it does not know, a "*" principal is public.
//
// What it derives from one resource's policy is cached by the policy's text, the resource type and the zone, so
// that an unchanged account costs one read of its roles and no reasoning.
type ExternalAccess struct {
	checker *reason.Checker
	timeout time.Duration

	mu    sync.Mutex
	cache map[string]cachedDetection
}

type cachedDetection struct {
	sum      [32]byte
	detected []Detected
}

// NewExternalAccess returns the external-access detector, deciding with checker, each check within timeout.
func NewExternalAccess(checker *reason.Checker, timeout time.Duration) *ExternalAccess {
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	return &ExternalAccess{checker: checker, timeout: timeout, cache: map[string]cachedDetection{}}
}

// maxCached bounds the detector's cache (entries, one per resource analyzed).
const maxCached = 200_000

// Detect implements Detector.
func (x *ExternalAccess) Detect(ctx context.Context, r store.Reader, a *Analyzer, now time.Time) ([]Detected, error) {
	zone := a.Zone
	if len(zone.Accounts) == 0 {
		zone.Accounts = []string{a.Account}
	}
	zkey := zone.OrgID + "|" + strings.Join(zone.Accounts, ",")
	var out []Detected
	for _, acct := range zone.Accounts {
		roles, err := r.List(ctx, store.ListQuery{Account: acct, Kind: iam.KindRole})
		if err != nil {
			return nil, err
		}
		for _, e := range roles.Entities {
			var ro struct {
				ARN   string `json:"arn"`
				Trust string `json:"trust"`
			}
			if err := json.Unmarshal(e.Data, &ro); err != nil {
				return nil, fmt.Errorf("role %s: %w", e.Name, err)
			}
			d, err := x.resource(ctx, ro.ARN, acct, aatypes.ResourceTypeAWSIAMRole, ro.Trust, policy.TypeTrust, zone, zkey)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
		}
		rps, err := r.List(ctx, store.ListQuery{Account: acct, Kind: iam.KindResourcePolicy})
		if err != nil {
			return nil, err
		}
		for _, e := range rps.Entities {
			var rp iam.ResourcePolicy
			if err := json.Unmarshal(e.Data, &rp); err != nil {
				return nil, fmt.Errorf("resource policy %s: %w", e.ARN, err)
			}
			d, err := x.resource(ctx, rp.ARN, acct, ResourceTypeOf(rp.ARN), rp.Document, policy.TypeResource, zone, zkey)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
		}
	}
	return out, nil
}

// resource is what one resource's policy lets principals outside the zone do, from the cache when its policy and
// the zone are unchanged.
func (x *ExternalAccess) resource(ctx context.Context, arn, owner string, rt aatypes.ResourceType, doc string, typ policy.Type, zone Zone, zkey string) ([]Detected, error) {
	sum := sha256.Sum256([]byte(string(rt) + "\x00" + zkey + "\x00" + doc))
	x.mu.Lock()
	c, ok := x.cache[arn]
	x.mu.Unlock()
	if ok && c.sum == sum {
		return c.detected, nil
	}
	d, err := x.analyze(ctx, arn, owner, rt, doc, typ, zone)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	if len(x.cache) >= maxCached {
		clear(x.cache)
	}
	x.cache[arn] = cachedDetection{sum: sum, detected: d}
	x.mu.Unlock()
	return d, nil
}

// rawPolicy is a policy document as JSON, statement by statement, so that a statement can be narrowed to one of its
// principals.
type rawPolicy struct {
	Version    json.RawMessage              `json:"Version,omitempty"`
	Statements []map[string]json.RawMessage `json:"-"`
}

func parseRaw(doc string) (*rawPolicy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, err
	}
	p := &rawPolicy{Version: top["Version"]}
	st := bytes.TrimSpace(top["Statement"])
	if len(st) > 0 && st[0] == '{' {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(st, &one); err != nil {
			return nil, err
		}
		p.Statements = []map[string]json.RawMessage{one}
	} else if err := json.Unmarshal(st, &p.Statements); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *rawPolicy) text(stmts []map[string]json.RawMessage) []byte {
	m := map[string]any{"Statement": stmts}
	if len(p.Version) > 0 {
		m["Version"] = p.Version
	}
	b, _ := json.Marshal(m)
	return b
}

// strings reads a JSON string or array of strings.
func stringsOf(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(raw, &many)
	return many
}

// grantee is one principal a statement names, as a finding reports it.
type grantee struct {
	typ, value string
}

func granteesOf(raw json.RawMessage) []grantee {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return []grantee{{"AWS", star}}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []grantee{{"AWS", "*"}}
	}
	var out []grantee
	for _, t := range slices.Sorted(mapsKeys(m)) {
		for _, v := range stringsOf(m[t]) {
			out = append(out, grantee{t, v})
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// accountOf is the account an AWS principal names (an account ID or an ARN of it), "" for "*" or a unique ID.
func accountOf(v string) string {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v
	}
	if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}

// analyze is the external-access findings of one resource's policy.
func (x *ExternalAccess) analyze(ctx context.Context, arn, owner string, rt aatypes.ResourceType, doc string, typ policy.Type, zone Zone) ([]Detected, error) {
	base := Detected{Resource: arn, ResourceType: rt, ResourceOwnerAccount: owner, FindingType: aatypes.FindingTypeExternalAccess}
	if strings.TrimSpace(doc) == "" {
		return nil, nil
	}
	_, perr := policy.Parse([]byte(doc), typ)
	raw, rerr := parseRaw(doc)
	if perr != nil || rerr != nil {
		// A policy iamd cannot read is reported, never dropped.
		d := base
		d.Key = "unreadable"
		d.Details = []aatypes.FindingDetails{{ExternalAccessDetails: &aatypes.ExternalAccessDetails{Principal: aatypes.PrincipalMap{"AWS": "*"}, Action: []string{"*"},
			Condition: aatypes.ConditionKeyMap{}, IsPublic: ptr(true), Sources: []aatypes.FindingSource{{Type: aatypes.FindingSourceTypePOLICY}}}}}
		return []Detected{d}, nil
	}
	var denies []map[string]json.RawMessage
	for _, st := range raw.Statements {
		if strings.EqualFold(strings.Join(stringsOf(st["Effect"]), ""), "Deny") {
			denies = append(denies, st)
		}
	}
	partition := "aws"
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 {
		partition = parts[1]
	}
	var out []Detected
	for _, st := range raw.Statements {
		if !strings.EqualFold(strings.Join(stringsOf(st["Effect"]), ""), "Allow") {
			continue
		}
		var gs []grantee
		notPrincipal := false
		if p, ok := st["Principal"]; ok {
			gs = granteesOf(p)
		} else if _, ok := st["NotPrincipal"]; ok {
			gs, notPrincipal = []grantee{{"AWS", "*"}}, true
		}
		for _, g := range gs {
			if strings.EqualFold(g.typ, "Service") {
				continue
			}
			if strings.EqualFold(g.typ, "AWS") && g.value != "*" {
				if acct := accountOf(g.value); acct != "" && zone.Trusts(acct) {
					continue
				}
			}
			d, found, err := x.grant(ctx, raw, st, denies, g, notPrincipal, typ, rt, zone, partition, doc, owner)
			if err != nil {
				return nil, err
			}
			if found {
				d.Resource, d.ResourceType, d.ResourceOwnerAccount, d.FindingType = base.Resource, base.ResourceType, base.ResourceOwnerAccount, base.FindingType
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// grant decides whether statement st, narrowed to principal g, gives access outside the zone, and if so the
// finding.
func (x *ExternalAccess) grant(ctx context.Context, raw *rawPolicy, st map[string]json.RawMessage, denies []map[string]json.RawMessage, g grantee,
	notPrincipal bool, typ policy.Type, rt aatypes.ResourceType, zone Zone, partition, doc, owner string) (Detected, bool, error) {
	narrowed := make(map[string]json.RawMessage, len(st))
	for k, v := range st {
		if k != "NotPrincipal" {
			narrowed[k] = v
		}
	}
	if !notPrincipal {
		pb, _ := json.Marshal(map[string]string{g.typ: g.value})
		if g.typ == "AWS" && g.value == "*" {
			pb = []byte(`"*"`)
		}
		narrowed["Principal"] = pb
	} else {
		narrowed["Principal"] = json.RawMessage(`"*"`)
	}
	_, conditional := st["Condition"]
	external := true
	if conditional || len(denies) > 0 {
		text := raw.text(append([]map[string]json.RawMessage{narrowed}, denies...))
		ok, err := x.outside(ctx, text, typ, zone, partition, doc, owner)
		if err != nil {
			return Detected{}, false, err
		}
		external = ok
	}
	if !external {
		return Detected{}, false, nil
	}
	actions := stringsOf(st["Action"])
	if _, ok := st["NotAction"]; ok {
		actions = []string{"*"}
	}
	slices.Sort(actions)
	cond := conditionMap(st["Condition"])
	public := g.value == "*"
	if public {
		public = x.public(ctx, raw.text([]map[string]json.RawMessage{narrowed}), typ, rt)
	}
	principal := aatypes.PrincipalMap{g.typ: g.value}
	ckey, _ := json.Marshal(cond)
	d := Detected{
		Key: g.typ + "=" + g.value + "|" + strings.Join(actions, ",") + "|" + string(ckey),
		Details: []aatypes.FindingDetails{{ExternalAccessDetails: &aatypes.ExternalAccessDetails{Principal: principal, Action: actions, Condition: cond,
			IsPublic: ptr(public), Sources: []aatypes.FindingSource{{Type: aatypes.FindingSourceTypePOLICY}}}}},
	}
	return d, true, nil
}

// conditionMap flattens a statement's Condition element into Access Analyzer's condition map: each key with its
// values joined by commas.
func conditionMap(raw json.RawMessage) aatypes.ConditionKeyMap {
	out := aatypes.ConditionKeyMap{}
	if len(raw) == 0 {
		return out
	}
	var ops map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &ops) != nil {
		return out
	}
	for _, keys := range ops {
		for k, v := range keys {
			vals := stringsOf(v)
			if len(vals) == 0 {
				vals = []string{strings.Trim(string(v), `"`)}
			}
			if prev, ok := out[k]; ok {
				vals = append([]string{prev}, vals...)
			}
			out[k] = strings.Join(vals, ",")
		}
	}
	return out
}

// outside asks reason whether the narrowed policy (text) allows a request that the zone's policy does not. It
// answers true (a finding) when reason finds one or cannot decide.
func (x *ExternalAccess) outside(ctx context.Context, text []byte, typ policy.Type, zone Zone, partition, doc, owner string) (bool, error) {
	p, err := policy.Parse(text, typ)
	if err != nil {
		return true, nil
	}
	zp, err := policy.Parse(zonePolicy(zone, typ, partition, doc, owner), typ)
	if err != nil {
		return true, nil
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	res, err := x.checker.Exceeds(cctx, []*policy.Policy{p}, []*policy.Policy{zp}, func(i int) string { return "" })
	switch {
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil: // unsupported, or the check's own budget ran out: fail closed
		return true, nil
	}
	return res.Verdict != reason.Pass, nil
}

// zonePolicy is the policy that allows everything to the principals of the zone: its accounts that the analyzed
// policy names (an account it does not name is one it treats like any other, so leaving it out changes no answer),
// always the resource's owner, by principal and by aws:PrincipalAccount; the service principals the policy names;
// and for an organization any principal of it (aws:PrincipalOrgID).
func zonePolicy(zone Zone, typ policy.Type, partition, doc, owner string) []byte {
	var accts, ids []string
	for _, a := range zone.Accounts {
		if a == owner || strings.Contains(doc, a) {
			accts = append(accts, "arn:"+partition+":iam::"+a+":root")
			ids = append(ids, a)
		}
	}
	if len(accts) == 0 {
		accts, ids = []string{"arn:" + partition + ":iam::" + owner + ":root"}, []string{owner}
	}
	stmt := func(principal any, cond any) map[string]any {
		m := map[string]any{"Effect": "Allow", "Principal": principal, "Action": "*"}
		if typ == policy.TypeResource {
			m["Resource"] = "*"
		}
		if cond != nil {
			m["Condition"] = cond
		}
		return m
	}
	// aws:PrincipalAccount pins any caller to the zone's accounts, service principals too (for which reason
	// leaves the key free).
	stmts := []map[string]any{stmt(map[string]any{"AWS": accts}, nil),
		stmt("*", map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": ids}})}
	if services := servicePrincipals(doc); len(services) > 0 {
		stmts = append(stmts, stmt(map[string]any{"Service": services}, nil))
	}
	if zone.OrgID != "" {
		stmts = append(stmts, stmt("*", map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": zone.OrgID}}))
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	return b
}

// servicePrincipals are the service principals a policy names.
func servicePrincipals(doc string) []string {
	raw, err := parseRaw(doc)
	if err != nil {
		return nil
	}
	var out []string
	for _, st := range raw.Statements {
		for _, g := range granteesOf(st["Principal"]) {
			if strings.EqualFold(g.typ, "Service") && !slices.Contains(out, g.value) {
				out = append(out, g.value)
			}
		}
	}
	return out
}

// public reports whether a statement narrowed to "*" grants public access, as CheckNoPublicAccess decides it; for
// a resource type reason does not know, or when it cannot decide, it is public.
func (x *ExternalAccess) public(ctx context.Context, text []byte, typ policy.Type, rt aatypes.ResourceType) bool {
	t := string(rt)
	if typ == policy.TypeTrust {
		t = "AWS::IAM::AssumeRolePolicyDocument"
	}
	p, err := policy.Parse(text, typ)
	if err != nil {
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	res, err := x.checker.NoPublicAccess(cctx, p, t)
	if err != nil {
		return !errors.Is(err, context.Canceled)
	}
	return res.Verdict != reason.Pass
}

// ResourceTypeOf is Access Analyzer's resource type of a resource ARN, from its service and resource type where
// AWS has one (AWS::S3::Bucket, AWS::SQS::Queue, AWS::KMS::Key, ...), else "AWS::<service>::Resource" named after
// the ARN's service.
func ResourceTypeOf(arn string) aatypes.ResourceType {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "AWS::Unknown::Resource"
	}
	service, res := parts[2], parts[5]
	kind := res
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		kind = res[:i]
	}
	switch service {
	case "s3":
		if strings.Contains(res, "/") {
			return "AWS::S3::Object"
		}
		return aatypes.ResourceTypeAWSS3Bucket
	case "s3express":
		return aatypes.ResourceTypeAWSS3ExpressDirectoryBucket
	case "sqs":
		return aatypes.ResourceTypeAWSSQSQueue
	case "sns":
		return aatypes.ResourceTypeAWSSNSTopic
	case "kms":
		return aatypes.ResourceTypeAWSKMSKey
	case "secretsmanager":
		return aatypes.ResourceTypeAWSSecretsManagerSecret
	case "lambda":
		if strings.HasPrefix(res, "layer:") {
			return aatypes.ResourceTypeAWSLambdaLayerVersion
		}
		return aatypes.ResourceTypeAWSLambdaFunction
	case "elasticfilesystem":
		return aatypes.ResourceTypeAWSEFSFileSystem
	case "ecr":
		return aatypes.ResourceTypeAWSECRRepository
	case "dynamodb":
		if strings.Contains(res, "/stream/") {
			return aatypes.ResourceTypeAWSDynamoDBStream
		}
		return aatypes.ResourceTypeAWSDynamoDBTable
	case "iam":
		if kind == "role" {
			return aatypes.ResourceTypeAWSIAMRole
		}
		if kind == "user" {
			return aatypes.ResourceTypeAWSIAMUser
		}
	case "rds":
		if kind == "cluster-snapshot" {
			return aatypes.ResourceTypeAWSRDSDBClusterSnapshot
		}
		if kind == "snapshot" {
			return aatypes.ResourceTypeAWSRDSDBSnapshot
		}
	case "ec2":
		if kind == "snapshot" {
			return aatypes.ResourceTypeAWSEC2Snapshot
		}
	}
	return aatypes.ResourceType("AWS::" + service + "::Resource")
}

// ExternalAccessFindings is what an external-access analyzer of type t (ACCOUNT or ORGANIZATION) in account would
// report now, read from r without an analyzer or any write: iamd analyze findings runs it over a data directory.
func ExternalAccessFindings(ctx context.Context, r store.Reader, orgs Organizations, checker *reason.Checker, account string, t aatypes.Type) ([]Detected, error) {
	z, err := ZoneOf(ctx, r, orgs, account, t)
	if err != nil {
		return nil, err
	}
	return NewExternalAccess(checker, 0).Detect(ctx, r, &Analyzer{Account: account, Type: t, Zone: z}, time.Now())
}
