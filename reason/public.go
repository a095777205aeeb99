package reason

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// Public access, as IAM Access Analyzer reads it ("How IAM Access Analyzer findings work", "IAM Access Analyzer
// filter keys", CheckNoPublicAccess in the Access Analyzer API reference, and "The meaning of public" in the
// Amazon S3 User Guide): a resource policy grants public access when it allows a request from anyone, that is
// from the anonymous caller or from an identity of an account it does not name, that no condition on a key AWS
// lists as limiting access confines: the principal's account, ARN, organization or user ID, the calling service's
// account, ARN or organization (aws:Source*), the network path (aws:SourceVpc, aws:SourceVpce, and aws:SourceIp
// when it names private addresses or a range no broader than /8 for IPv4 or /32 for IPv6), the KMS caller's
// account, the S3 access point, and for role trust policies the audience of a public identity provider. A public
// request is then one from such a caller, for an action of the resource type's service, in which those keys are
// absent (the caller could be anyone) or hold values of the public's own, that no value a condition names matches
// (a grant to whoever holds a named value is limited to them; a pattern matching every value limits nothing),
// with aws:SourceIp a public address outside those ranges. Every other key may hold any value.
//
// The check is the search of Exceeds, with the first set the policy, the second set empty (nothing allowed), the
// principals those of the public classes and the requests so constrained: PASS only when no public request is
// allowed, FAIL with a witness the engine allows.

// ErrResourceType is returned for a resource type that CheckNoPublicAccess does not know.
var ErrResourceType = errors.New("reason: resource type not supported for public access checks")

// publicServices gives, for each resource type of CheckNoPublicAccess (botocore's accessanalyzer model,
// AccessCheckResourceType), the service prefixes of the actions its policy can grant.
var publicServices = map[string][]string{
	"AWS::DynamoDB::Table":               {"dynamodb"},
	"AWS::DynamoDB::Stream":              {"dynamodb"},
	"AWS::EFS::FileSystem":               {"elasticfilesystem"},
	"AWS::OpenSearchService::Domain":     {"es"},
	"AWS::Kinesis::Stream":               {"kinesis"},
	"AWS::Kinesis::StreamConsumer":       {"kinesis"},
	"AWS::KMS::Key":                      {"kms"},
	"AWS::Lambda::Function":              {"lambda"},
	"AWS::S3::Bucket":                    {"s3"},
	"AWS::S3::AccessPoint":               {"s3"},
	"AWS::S3Express::DirectoryBucket":    {"s3express"},
	"AWS::S3Express::AccessPoint":        {"s3express"},
	"AWS::S3::Glacier":                   {"glacier"},
	"AWS::S3Outposts::Bucket":            {"s3-outposts"},
	"AWS::S3Outposts::AccessPoint":       {"s3-outposts"},
	"AWS::SecretsManager::Secret":        {"secretsmanager"},
	"AWS::SNS::Topic":                    {"sns"},
	"AWS::SQS::Queue":                    {"sqs"},
	"AWS::IAM::AssumeRolePolicyDocument": {"sts"},
	"AWS::S3Tables::TableBucket":         {"s3tables"},
	"AWS::S3Tables::Table":               {"s3tables"},
	"AWS::ApiGateway::RestApi":           {"execute-api"},
	"AWS::CodeArtifact::Domain":          {"codeartifact"},
	"AWS::Backup::BackupVault":           {"backup"},
	"AWS::CloudTrail::Dashboard":         {"cloudtrail"},
	"AWS::CloudTrail::EventDataStore":    {"cloudtrail"},
}

// PublicAccessResourceTypes lists the resource types CheckNoPublicAccess takes, sorted.
func PublicAccessResourceTypes() []string {
	out := make([]string, 0, len(publicServices))
	for k := range publicServices {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// limitingKeys are the condition keys (lower-cased) that confine a grant to known callers, absent from a public
// request.
var limitingKeys = []string{
	"aws:principalaccount", "aws:principalarn", "aws:principalorgid", "aws:principalorgpaths", "aws:userid",
	"aws:username", "aws:principalisawsservice", "aws:principalservicename",
	"aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
	"aws:sourcevpc", "aws:sourcevpce", "aws:sourcevpcarn",
	"kms:calleraccount", "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "lambda:eventsourcetoken",
}

// publicProviders are the identity providers anyone can sign in to, with the keys that confine a role trust
// policy to one application of theirs.
var publicProviders = map[string][]string{
	"cognito-identity.amazonaws.com": {"cognito-identity.amazonaws.com:aud"},
	"accounts.google.com":            {"accounts.google.com:aud", "accounts.google.com:oaud"},
	"graph.facebook.com":             {"graph.facebook.com:app_id"},
	"www.amazon.com":                 {"www.amazon.com:app_id"},
}

// nonPublicPrefixes are the address ranges that no caller on the internet has: private, shared, loopback and
// link-local (RFC 1918, RFC 6598, RFC 4193 and the IANA special-purpose registries).
var nonPublicPrefixes = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
	"::/128", "::1/128", "fc00::/7", "fe80::/10",
}

// publicIPs is the set of public addresses (IPv4 and IPv6 global unicast) outside the fixed ranges: a grant limited to the addresses of a range
// no broader than /8 (IPv4) or /32 (IPv6) is not public ("The meaning of public", Amazon S3 User Guide).
func publicIPs(fixed []netip.Prefix) *iset {
	s := &iset{dom: domIP}
	for _, p := range nonPublicPrefixes {
		s = s.union(prefixSet(netip.MustParsePrefix(p)))
	}
	for _, p := range fixed {
		s = s.union(prefixSet(p))
	}
	// Addresses on the internet: IPv4, and IPv6 global unicast (2000::/3).
	internet := prefixSet(netip.MustParsePrefix("0.0.0.0/0")).union(prefixSet(netip.MustParsePrefix("2000::/3")))
	out := s.complement().intersect(internet)
	out.other = false
	return out
}

// publicQuery is a CheckNoPublicAccess question.
type publicQuery struct {
	resourceType string
}

// principals are the public callers: the anonymous caller and the identities of an account no element names,
// and for role trust policies the users of public identity providers.
func (q *publicQuery) principals(sets ...[]*policy.Policy) []authz.Principal {
	accounts, taken := map[string]bool{}, map[string]bool{}
	for _, e := range elements(sets...) {
		for _, s := range e.AWS {
			taken[s] = true
			if a, err := arn.Parse(s); err == nil {
				accounts[a.Account] = true
			}
		}
	}
	out := []authz.Principal{{Type: authz.PrincipalAnonymous}}
	out = append(out, accountPrincipals("aws", freshAccount(accounts), taken)...)
	if q.resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
		for _, p := range slices.Sorted(maps.Keys(publicProviders)) {
			out = append(out, authz.Principal{Type: authz.PrincipalWebIdentity, Provider: p})
		}
	}
	return out
}

// constraints are the literals every public request meets, and the goals it meets one way or another.
func (q *publicQuery) constraints(s *solver) ([]lit, []goal) {
	var seqs [][]token
	for _, svc := range publicServices[q.resourceType] {
		seqs = append(seqs, actionTokens(svc+":*"))
	}
	out := []lit{{kind: litAct, d: globsDFA(seqs)}}
	keys := slices.Clone(limitingKeys)
	if q.resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
		for _, ks := range publicProviders {
			keys = append(keys, ks...)
		}
		slices.Sort(keys)
	}
	// A limiting key of a public request is absent or holds values of the public's own: none that a pattern of
	// the policy names (a pattern that matches everything names none).
	var goals []goal
	for _, k := range keys {
		info, used := s.keys[k]
		if !used || (info.dom != 0 && info.dom != 'S') {
			continue // untested, or compared as numbers, dates or addresses: free, which only widens the search
		}
		g := goal{alts: [][]lit{{{kind: litAbsent, key: k}}}}
		if f := s.freshValues(k); f != nil {
			g.alts = append(g.alts, []lit{{kind: litAll, key: k, set: vset{d: f}}})
		}
		goals = append(goals, g)
	}
	// aws:SourceIp compared as addresses: a public caller's address is public. Compared otherwise (a string
	// operator), the key is left free, which only widens the search.
	if d := s.keys["aws:sourceip"].dom; d == 0 || d == 'I' {
		out = append(out, lit{kind: litAll, key: "aws:sourceip", set: vset{n: publicIPs(fixedRanges(s.a))}})
	}
	return out, goals
}

// freshValues is the set of values of limiting key k that a public caller may hold, or nil for none: those that
// no pattern of the first set's conditions on k matches, except that a pattern matching every value is no
// restriction. aws:PrincipalIsAWSService is "false" for a public caller, aws:PrincipalServiceName absent.
func (s *solver) freshValues(k string) *dfa {
	switch k {
	case "aws:principalisawsservice":
		return globDFA(foldTokens(literalTokens("false")))
	case "aws:principalservicename":
		return nil
	}
	named := noneDFA()
	for _, p := range s.a {
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				if strings.ToLower(c.Key) != k || family(c.BaseOperator()) != 'S' {
					continue
				}
				for _, v := range c.Values {
					m, exact := s.matchSet(c.BaseOperator(), []string{v}, p.Variables(), nil)
					if !exact || m.d == nil || m.d.complement().empty() {
						continue // a pattern the solver cannot state, or one that matches everything, names no one
					}
					named = s.product(named, m.d, or)
				}
			}
		}
	}
	return named.complement()
}

// fixedRanges lists the ranges of the IpAddress conditions on aws:SourceIp that are narrow enough to make a
// grant non-public.
func fixedRanges(set []*policy.Policy) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range set {
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				if !strings.EqualFold(c.Key, "aws:SourceIp") || c.BaseOperator() != "IpAddress" {
					continue
				}
				for _, v := range c.Values {
					pr, ok := policy.ParseCIDR(v)
					if ok && (pr.Addr().Is4() && pr.Bits() >= 8 || !pr.Addr().Is4() && pr.Bits() >= 32) {
						out = append(out, pr)
					}
				}
			}
		}
	}
	return out
}

// NoPublicAccess is Access Analyzer's CheckNoPublicAccess: PASS when resource policy p grants no public access
// to a resource of resourceType (one of PublicAccessResourceTypes), FAIL with, for each statement that grants it,
// a public request the engine allows (see AllowsResource), UNKNOWN (which callers answer as FAIL) when the budget
// ran out. Every statement of p must have a Principal or NotPrincipal element.
func (c *Checker) NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (Result, error) {
	if _, ok := publicServices[resourceType]; !ok {
		return Result{}, fmt.Errorf("%w: %q", ErrResourceType, resourceType)
	}
	for _, st := range p.Statements {
		if st.Principal == nil {
			return Result{}, fmt.Errorf("%w: statement %d has no Principal element; a resource policy names its principals", ErrUnsupported, st.Index)
		}
	}
	q := query{resource: true, public: &publicQuery{resourceType: resourceType}}
	return c.exceeds(ctx, []*policy.Policy{p}, nil, func(i int) string {
		return fmt.Sprintf("Public access granted in the following statement with index: %d.", i)
	}, q)
}

// policyTypeOf maps Access Analyzer's policyType to the parser's policy type.
func policyTypeOf(s string) (policy.Type, error) {
	switch strings.ToUpper(s) {
	case "IDENTITY_POLICY":
		return policy.TypeIdentity, nil
	case "RESOURCE_POLICY":
		return policy.TypeResource, nil
	}
	return 0, fmt.Errorf("%w: policy type %q (want IDENTITY_POLICY or RESOURCE_POLICY)", ErrUnsupported, s)
}

func parse(doc string, t policy.Type) (*policy.Policy, error) {
	p, err := policy.Parse([]byte(doc), t)
	if err != nil {
		return nil, fmt.Errorf("reason: policy: %w", err)
	}
	return p, nil
}

// CheckNoNewAccess parses two policies of Access Analyzer's policyType (IDENTITY_POLICY or RESOURCE_POLICY) and
// runs NoNewAccess with a Checker of opts.
func CheckNoNewAccess(ctx context.Context, existing, updated, policyType string, opts Options) (Result, error) {
	t, err := policyTypeOf(policyType)
	if err != nil {
		return Result{}, err
	}
	e, err := parse(existing, t)
	if err != nil {
		return Result{}, err
	}
	u, err := parse(updated, t)
	if err != nil {
		return Result{}, err
	}
	return New(opts).NoNewAccess(ctx, e, u)
}

// CheckAccessNotGranted parses a policy of Access Analyzer's policyType and runs AccessNotGranted.
func CheckAccessNotGranted(ctx context.Context, doc, policyType string, actions, resources []string, opts Options) (Result, error) {
	t, err := policyTypeOf(policyType)
	if err != nil {
		return Result{}, err
	}
	p, err := parse(doc, t)
	if err != nil {
		return Result{}, err
	}
	return New(opts).AccessNotGranted(ctx, p, actions, resources)
}

// CheckNoPublicAccess parses a resource policy and runs NoPublicAccess for resourceType.
func CheckNoPublicAccess(ctx context.Context, doc, resourceType string, opts Options) (Result, error) {
	t := policy.TypeResource
	if resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
		t = policy.TypeTrust
	}
	p, err := parse(doc, t)
	if err != nil {
		return Result{}, err
	}
	return New(opts).NoPublicAccess(ctx, p, resourceType)
}
