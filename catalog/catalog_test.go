package catalog

import (
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
)

// embeddedCatalog is shared by the read-only tests; tests that check laziness
// or concurrency build their own.
var embeddedCatalog = sync.OnceValues(Embedded)

func mustEmbedded(t testing.TB) *Catalog {
	t.Helper()
	c, err := embeddedCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Embedded decodes lazily and panics on corrupt data, so the embedded copy
// must pass the eager, fully checked load.
func TestEmbeddedDataPassesEagerLoad(t *testing.T) {
	sub, err := fs.Sub(embedded, "awsdata")
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadFS(sub)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Services()); got != 455 {
		t.Errorf("LoadFS: %d services, want 455", got)
	}
}

func TestEmbeddedCountsMatchREADME(t *testing.T) {
	c := mustEmbedded(t)
	services := c.Services()
	var actions, resourceTypes, arnFormats, keys int
	levels := map[AccessLevel]int{}
	for _, s := range services {
		actions += len(s.Actions)
		resourceTypes += len(s.ResourceTypes)
		keys += len(s.ConditionKeys)
		for _, a := range s.Actions {
			levels[a.AccessLevel]++
		}
		for _, r := range s.ResourceTypes {
			arnFormats += len(r.ARNFormats)
		}
	}
	policies := c.ManagedPolicies()
	deprecated := 0
	paths := map[string]int{}
	for _, p := range policies {
		if p.Deprecated {
			deprecated++
		}
		paths[p.Path]++
	}
	tests := []struct {
		what      string
		got, want int
	}{
		{"services", len(services), 455},
		{"actions", actions, 21788},
		{"Write actions", levels[AccessWrite], 11198},
		{"Read actions", levels[AccessRead], 5789},
		{"List actions", levels[AccessList], 3671},
		{"Tagging actions", levels[AccessTagging], 715},
		{"Permissions management actions", levels[AccessPermissionsManagement], 415},
		{"resource types", resourceTypes, 2300},
		{"ARN formats", arnFormats, 2313},
		{"service condition-key entries", keys, 2545},
		{"global condition keys", len(c.global), 61},
		{"managed policies", len(policies), 1594},
		{"deprecated managed policies", deprecated, 26},
		{"policies under /", paths["/"], 994},
		{"policies under /aws-service-role/", paths["/aws-service-role/"], 357},
		{"policies under /service-role/", paths["/service-role/"], 227},
		{"policies under /job-function/", paths["/job-function/"], 11},
		{"policies under /root-task/", paths["/root-task/"], 5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.what, tt.got, tt.want)
		}
	}
}

func TestActionFactsFromData(t *testing.T) {
	c := mustEmbedded(t)
	tests := []struct {
		service, name string
		level         AccessLevel
		resources     []string
		keys          []string // a subset of the action's condition keys
	}{
		{"s3", "GetObject", AccessRead, []string{"accesspointobject", "object"}, []string{"s3:ExistingObjectTag/<key>"}},
		{"s3", "ListBucket", AccessList, []string{"accesspoint", "bucket"}, []string{"s3:prefix"}},
		{"s3", "PutObjectTagging", AccessTagging, []string{"accesspointobject", "object"}, nil},
		{"iam", "ListUsers", AccessList, nil, nil},
		{"iam", "PassRole", AccessWrite, []string{"role"}, []string{"iam:AssociatedResourceArn", "iam:PassedToService"}},
		{"iam", "AttachRolePolicy", AccessPermissionsManagement, []string{"role"}, []string{"iam:PolicyARN"}},
		{"iam", "TagRole", AccessTagging, []string{"role"}, []string{"aws:RequestTag/${TagKey}", "aws:TagKeys"}},
		{"sts", "GetCallerIdentity", AccessRead, nil, nil},
		// Flags say Write; the Service Authorization Reference page says Read.
		{"sts", "GetFederationToken", AccessWrite, []string{"federated-user"}, nil},
		// Flags say Permissions management; the page says Write.
		{"organizations", "AttachPolicy", AccessPermissionsManagement, []string{"account", "organizationalunit", "policy", "root"}, nil},
		{"ec2", "DescribeInstances", AccessList, nil, []string{"ec2:Region"}},
		{"kms", "Decrypt", AccessWrite, []string{"key"}, []string{"kms:EncryptionContext:${EncryptionContextKey}"}},
		{"dynamodb", "GetItem", AccessRead, []string{"table"}, []string{"dynamodb:LeadingKeys"}},
	}
	for _, tt := range tests {
		t.Run(tt.service+":"+tt.name, func(t *testing.T) {
			a, ok := c.Action(tt.service, tt.name)
			if !ok {
				t.Fatal("not found")
			}
			if a.Service != tt.service || a.Name != tt.name {
				t.Errorf("got %s:%s", a.Service, a.Name)
			}
			if a.AccessLevel != tt.level {
				t.Errorf("AccessLevel = %q, want %q", a.AccessLevel, tt.level)
			}
			if !slices.Equal(a.ResourceTypes, tt.resources) {
				t.Errorf("ResourceTypes = %q, want %q", a.ResourceTypes, tt.resources)
			}
			for _, k := range tt.keys {
				if !slices.Contains(a.ConditionKeys, k) {
					t.Errorf("ConditionKeys = %q, missing %q", a.ConditionKeys, k)
				}
			}
			s, _ := c.Service(tt.service)
			for _, r := range a.ResourceTypes {
				if _, ok := s.ResourceType(r); !ok {
					t.Errorf("resource type %q is not declared by the service", r)
				}
			}
		})
	}
}

func TestActionWithoutConditionKeysHasNil(t *testing.T) {
	a, _ := mustEmbedded(t).Action("sts", "GetCallerIdentity")
	if a.ConditionKeys != nil || a.ResourceTypes != nil {
		t.Errorf("got ConditionKeys %q, ResourceTypes %q; want nil", a.ConditionKeys, a.ResourceTypes)
	}
}

func TestLookupsIgnoreCase(t *testing.T) {
	c := mustEmbedded(t)
	tests := []struct{ service, action, want string }{
		{"s3", "GetObject", "s3:GetObject"},
		{"S3", "getobject", "s3:GetObject"},
		{"IAM", "PASSROLE", "iam:PassRole"},
		{"Sts", "getCallerIdentity", "sts:GetCallerIdentity"},
		{"ACCESS-ANALYZER", "ListAnalyzers", "access-analyzer:ListAnalyzers"},
	}
	for _, tt := range tests {
		a, ok := c.Action(tt.service, tt.action)
		if !ok || a.String() != tt.want {
			t.Errorf("Action(%q, %q) = %v, %v; want %s", tt.service, tt.action, a, ok, tt.want)
		}
		s, ok := c.Service(tt.service)
		if !ok || s.Prefix != strings.ToLower(tt.service) {
			t.Fatalf("Service(%q) = %v, %v", tt.service, s, ok)
		}
		if sa, ok := s.Action(tt.action); !ok || sa != a {
			t.Errorf("Service(%q).Action(%q) = %v, %v; want %v", tt.service, tt.action, sa, ok, a)
		}
	}
	s, _ := c.Service("s3")
	if r, ok := s.ResourceType("OBJECT"); !ok || r.Name != "object" {
		t.Errorf("ResourceType(OBJECT) = %v, %v", r, ok)
	}
}

func TestUnknownNamesAreNotFound(t *testing.T) {
	c := mustEmbedded(t)
	if a, ok := c.Action("s3", "GetObjects"); ok {
		t.Errorf("Action(s3, GetObjects) = %v", a)
	}
	if a, ok := c.Action("nosuchservice", "GetObject"); ok {
		t.Errorf("Action(nosuchservice, GetObject) = %v", a)
	}
	for _, p := range []string{"", "s3:", "s", "deeplens" /* retired */} {
		if s, ok := c.Service(p); ok {
			t.Errorf("Service(%q) = %v", p, s.Prefix)
		}
	}
	s, _ := c.Service("s3")
	if r, ok := s.ResourceType("role"); ok {
		t.Errorf("s3 ResourceType(role) = %v", r)
	}
}

func TestServiceFacts(t *testing.T) {
	c := mustEmbedded(t)
	s3, _ := c.Service("s3")
	iam, _ := c.Service("iam")
	a2c, _ := c.Service("a2c")
	tests := []struct {
		what, got, want string
	}{
		{"s3 name", s3.Name, "Amazon S3"},
		{"iam name", iam.Name, "AWS Identity and Access Management (IAM)"},
		{"a2c name", a2c.Name, "AWS App2Container"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	obj, _ := s3.ResourceType("object")
	if want := []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}; !slices.Equal(obj.ARNFormats, want) {
		t.Errorf("s3 object ARNFormats = %q, want %q", obj.ARNFormats, want)
	}
	if want := []string{"aws:ResourceTag/${TagKey}", "s3:BucketTag/${TagKey}"}; !slices.Equal(obj.ConditionKeys, want) {
		t.Errorf("s3 object ConditionKeys = %q, want %q", obj.ConditionKeys, want)
	}
	if len(a2c.ResourceTypes) != 0 || len(a2c.ConditionKeys) != 0 || len(a2c.Actions) != 4 {
		t.Errorf("a2c: %d actions, %d resource types, %d keys; want 4, 0, 0",
			len(a2c.Actions), len(a2c.ResourceTypes), len(a2c.ConditionKeys))
	}
}

func TestServicesAndActionsAreSorted(t *testing.T) {
	c := mustEmbedded(t)
	services := c.Services()
	if !slices.IsSortedFunc(services, func(a, b *Service) int { return strings.Compare(a.Prefix, b.Prefix) }) {
		t.Error("Services() is not sorted by prefix")
	}
	for _, s := range services {
		if !slices.IsSortedFunc(s.Actions, func(a, b *Action) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: Actions not sorted by name", s.Prefix)
		}
		for _, a := range s.Actions {
			if a.Service != s.Prefix {
				t.Errorf("%s: action %s has Service %q", s.Prefix, a.Name, a.Service)
			}
			if got, ok := s.Action(a.Name); !ok || got != a {
				t.Errorf("%s.Action(%q) does not find it", s.Prefix, a.Name)
			}
		}
		if got, _ := c.Service(s.Prefix); got != s {
			t.Errorf("Service(%q) is not the same *Service as in Services()", s.Prefix)
		}
	}
	// The slice is the caller's.
	services[0] = nil
	if c.Services()[0] == nil {
		t.Error("Services() returned shared slice")
	}
}

func TestDataDateIsNewestOfServiceReferenceAndPolicies(t *testing.T) {
	if got := mustEmbedded(t).DataDate(); got != "2026-08-26" {
		t.Errorf("DataDate() = %q, want 2026-08-26", got)
	}
}
