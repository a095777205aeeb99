package catalog

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A tiny data set in the real formats, written with whitespace and in an
// order that differs from the embedded files'.
const (
	tinyServiceRef = `{
  "demo": {
    "Name": "demo",
    "Version": "v1.4",
    "Operations": [{"Name": "Op", "SDK": [{"Name": "demo", "Method": "op", "Package": "Boto3"}]}],
    "Actions": [
      {"Name": "PutThing", "ActionConditionKeys": ["demo:Color", "aws:RequestTag/${TagKey}"],
       "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": true}},
       "Resources": [{"Name": "thing", "ConditionKeys": ["demo:Color"]}]},
      {"Name": "GetThing",
       "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": false}},
       "Resources": [{"Name": "thing"}]},
      {"Name": "ListThings",
       "Annotations": {"Properties": {"IsList": true, "IsPermissionManagement": false, "IsTaggingOnly": false, "IsWrite": false}}},
      {"Name": "TagThing",
       "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false, "IsTaggingOnly": true, "IsWrite": true}}},
      {"Name": "PutThingPolicy",
       "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": true, "IsTaggingOnly": true, "IsWrite": true}}},
      {"Name": "NoAnnotations"}
    ],
    "Resources": [{"Name": "thing", "ARNFormats": ["arn:${Partition}:demo:${Region}:${Account}:thing/${ThingId}"]}],
    "ConditionKeys": [
      {"Name": "demo:Color", "Types": ["String"]},
      {"Name": "demo:Label/${LabelKey}", "Types": ["ArrayOfString"]},
      {"Name": "demo:Label/special", "Types": ["Bool"]},
      {"Name": "demo:Label/sp<rest>", "Types": ["Numeric"]},
      {"Name": "aws:RequestTag/${TagKey}", "Types": ["String"]}
    ]
  },
  "other": {"Name": "other", "Actions": [], "ConditionKeys": [
    {"Name": "demo:Color", "Types": ["ARN"]},
    {"Name": "idp${Host}:sub", "Types": ["String"]},
    {"Name": "idp.example.com:tag/${Key}", "Types": ["Bool"]}
  ]}
}`
	tinyGlobalKeys = `[
  {"Name": "aws:RequestTag/${TagKey}", "Types": ["String"], "ValueType": "Single-valued"},
  {"Name": "aws:CalledVia", "Types": ["String"], "ValueType": "Multivalued"}
]`
	tinyPolicies = `{
  "DemoAccess": {"arn": "arn:aws:iam::aws:policy/DemoAccess", "latestVersionId": "v2", "versionsCount": 2,
    "versions": {"v2": {"createdDate": "2020-01-01T00:00:00.000Z",
      "document": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "demo:*", "Resource": "*"}}}},
    "createdDate": "2020-01-01T00:00:00.000Z", "lastUpdatedDate": "2027-03-04T05:06:07.000Z"},
  "DemoRole": {"arn": "arn:aws:iam::aws:policy/service-role/DemoRole", "latestVersionId": "v1", "versionsCount": 1,
    "versions": {"v1": {"createdDate": "2021-01-01T00:00:00.000Z", "document": {"Statement": []}}},
    "createdDate": "2021-01-01T00:00:00.000Z", "lastUpdatedDate": "2021-01-01T00:00:00.000Z", "isAttachable": false}
}`
	tinyNames      = `{"demo": "Amazon Demo"}`
	tinyDeprecated = `["DemoRole", "NotInTheData"]`
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadDirReadsHandMadeFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		FileServiceReference:    gz(t, tinyServiceRef),
		FileGlobalConditionKeys: []byte(tinyGlobalKeys),
		FileServiceNames:        []byte(tinyNames),
		FileManagedPolicies:     []byte(tinyPolicies), // plain JSON under a .gz name
		FileDeprecatedPolicies:  []byte(tinyDeprecated),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	s, ok := c.Service("DEMO")
	if !ok || s.Name != "Amazon Demo" || s.Prefix != "demo" {
		t.Fatalf("Service(DEMO) = %+v, %v", s, ok)
	}
	var names []string
	levels := map[string]AccessLevel{}
	for _, a := range s.Actions {
		names = append(names, a.Name)
		levels[a.Name] = a.AccessLevel
	}
	if want := []string{"GetThing", "ListThings", "NoAnnotations", "PutThing", "PutThingPolicy", "TagThing"}; !slices.Equal(names, want) {
		t.Errorf("actions %q, want %q", names, want)
	}
	wantLevels := map[string]AccessLevel{
		"PutThing": AccessWrite, "GetThing": AccessRead, "ListThings": AccessList, "TagThing": AccessTagging,
		"PutThingPolicy": AccessPermissionsManagement, "NoAnnotations": AccessRead,
	}
	for n, want := range wantLevels {
		if levels[n] != want {
			t.Errorf("%s: AccessLevel %q, want %q", n, levels[n], want)
		}
	}
	put, _ := c.Action("demo", "putthing")
	if !slices.Equal(put.ResourceTypes, []string{"thing"}) || !slices.Equal(put.ConditionKeys, []string{"demo:Color", "aws:RequestTag/${TagKey}"}) {
		t.Errorf("PutThing = %+v", put)
	}
	if r, ok := s.ResourceType("thing"); !ok || len(r.ARNFormats) != 1 {
		t.Errorf("ResourceType(thing) = %+v, %v", r, ok)
	}
	if o, _ := c.Service("other"); o.Name != "other" {
		t.Errorf("other: Name %q, want the document's Name", o.Name)
	}

	for _, tt := range []struct {
		query, want string
		typ         KeyType
		global      bool
	}{
		{"demo:Label/special", "demo:Label/special", TypeBool, false},   // exact beats template
		{"demo:Label/spare", "demo:Label/sp<rest>", TypeNumeric, false}, // more fixed text wins
		{"demo:Label/other", "demo:Label/${LabelKey}", TypeArrayOfString, false},
		{"demo:Color", "demo:Color", TypeString, false}, // its own service beats "other"
		{"aws:RequestTag/x", "aws:RequestTag/${TagKey}", TypeString, true},
		{"aws:CalledVia", "aws:CalledVia", TypeString, true},
		// A placeholder before the first colon, and a template filed under
		// the same text before the colon.
		{"idp.example.com:sub", "idp${Host}:sub", TypeString, false},
		{"idp.example.com:tag/x", "idp.example.com:tag/${Key}", TypeBool, false},
		{"idp2:sub", "idp${Host}:sub", TypeString, false},
	} {
		k, ok := c.ConditionKey(tt.query)
		if !ok || k.Name != tt.want || k.Types[0] != tt.typ || k.Global != tt.global {
			t.Errorf("ConditionKey(%q) = %+v, %v; want %s %s global=%v", tt.query, k, ok, tt.want, tt.typ, tt.global)
		}
	}
	if k, _ := c.ConditionKey("aws:CalledVia"); !k.Multivalued {
		t.Error("aws:CalledVia: ValueType Multivalued should make it Multivalued")
	}
	if k, _ := c.ConditionKey("demo:Label/x"); !k.Multivalued {
		t.Error("demo:Label: ArrayOfString should make it Multivalued")
	}

	demo, ok := c.ManagedPolicy("arn:aws:iam::aws:policy/DemoAccess")
	if !ok {
		t.Fatal("DemoAccess not found")
	}
	if want := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"demo:*","Resource":"*"}}`; string(demo.Document) != want {
		t.Errorf("Document = %s, want %s", demo.Document, want)
	}
	if demo.Deprecated || !demo.IsAttachable || demo.DefaultVersionID != "v2" || demo.Path != "/" {
		t.Errorf("DemoAccess = %+v", demo)
	}
	role, _ := c.ManagedPolicy("DemoRole")
	if !role.Deprecated || role.IsAttachable || role.Path != "/service-role/" {
		t.Errorf("DemoRole = %+v", role)
	}
	if got := c.DataDate(); got != "2027-03-04" {
		t.Errorf("DataDate() = %q, want 2027-03-04 (newest lastUpdatedDate)", got)
	}
}

func TestLoadDirWithoutOptionalFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"service-reference.json":    tinyServiceRef, // the .gz name may lose its suffix
		FileGlobalConditionKeys:     tinyGlobalKeys,
		"aws-managed-policies.json": tinyPolicies,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Service("demo"); s.Name != "demo" {
		t.Errorf("Name = %q, want the document's Name", s.Name)
	}
	if p, _ := c.ManagedPolicy("DemoRole"); p.Deprecated {
		t.Error("DemoRole deprecated without a deprecated list")
	}
}

func TestLoadDirReportsMissingRequiredFiles(t *testing.T) {
	full := fstest.MapFS{
		FileServiceReference:    {Data: []byte(tinyServiceRef)},
		FileGlobalConditionKeys: {Data: []byte(tinyGlobalKeys)},
		FileManagedPolicies:     {Data: []byte(tinyPolicies)},
	}
	if _, err := LoadFS(full); err != nil {
		t.Fatalf("complete set: %v", err)
	}
	for name := range full {
		fsys := fstest.MapFS{}
		for n, f := range full {
			if n != name {
				fsys[n] = f
			}
		}
		if _, err := LoadFS(fsys); err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(name, ".gz")) {
			t.Errorf("without %s: err = %v", name, err)
		}
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "nonexistent")); err == nil {
		t.Error("LoadDir(nonexistent) succeeded")
	}
}

func TestLoadAcceptsPlainAndGzipJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		ref  []byte
	}{
		{"plain", []byte(tinyServiceRef)},
		{"gzip", gz(t, tinyServiceRef)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(bytes.NewReader(tt.ref), strings.NewReader(tinyGlobalKeys), bytes.NewReader(gz(t, tinyPolicies)))
			if err != nil {
				t.Fatal(err)
			}
			if a, ok := c.Action("demo", "GetThing"); !ok || a.String() != "demo:GetThing" {
				t.Errorf("Action(demo, GetThing) = %v, %v", a, ok)
			}
			if len(c.ManagedPolicies()) != 2 {
				t.Errorf("%d policies, want 2", len(c.ManagedPolicies()))
			}
		})
	}
}

func TestLoadWithoutOptionalReaders(t *testing.T) {
	c, err := Load(strings.NewReader(tinyServiceRef), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.ManagedPolicies()); n != 0 {
		t.Errorf("%d policies, want 0", n)
	}
	if got := c.DataDate(); got != "2026-08-22" {
		t.Errorf("DataDate() = %q, want the service reference's 2026-08-22", got)
	}
	if k, ok := c.ConditionKey("aws:RequestTag/x"); !ok || k.Global {
		t.Errorf("without global keys: %+v, %v; want the service's entry, not global", k, ok)
	}
	if _, err := Load(nil, nil, nil); err == nil {
		t.Error("Load(nil, nil, nil) succeeded")
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	okRef, okKeys, okPolicies := tinyServiceRef, tinyGlobalKeys, tinyPolicies
	policy := func(arn, version, date string) string {
		return `{"P": {"arn": "` + arn + `", "latestVersionId": "v1", "versions": {"` + version +
			`": {"document": {}}}, "createdDate": "` + date + `", "lastUpdatedDate": "2020-01-01T00:00:00Z"}}`
	}
	tests := []struct {
		name                string
		ref, keys, policies string
		wantErrContaining   string
	}{
		{"service reference not an object", `[]`, okKeys, okPolicies, "expected '{'"},
		{"service not an object", `{"demo": []}`, okKeys, okPolicies, "not a JSON object"},
		{"truncated service reference", `{"demo": {"Name": "demo"`, okKeys, okPolicies, "end of JSON"},
		{"bad syntax in a skipped member", `{"demo": {"Name": "demo", "Actions": [], "Operations": [tru]}}`, okKeys, okPolicies, "invalid"},
		{"wrong type", `{"demo": {"Name": "demo", "Actions": {}}}`, okKeys, okPolicies, "Actions"},
		{"duplicate service", `{"demo": {"Actions": []}, "DEMO": {"Actions": []}}`, okKeys, okPolicies, "twice"},
		{"duplicate action", `{"demo": {"Actions": [{"Name": "A"}, {"Name": "a"}]}}`, okKeys, okPolicies, "twice"},
		{"data after the object", okRef + ` {}`, okKeys, okPolicies, "after"},
		{"global keys not an array", okRef, `{}`, okPolicies, "global-condition-keys"},
		{"duplicate global key", okRef, `[{"Name": "aws:A"}, {"Name": "AWS:a"}]`, okPolicies, "twice"},
		{"policies not an object", okRef, okKeys, `[]`, "managed policies"},
		{"policy ARN without its name", okRef, okKeys, policy("arn:aws:iam::aws:policy/Other", "v1", ""), "ARN"},
		{"policy without default version", okRef, okKeys, policy("arn:aws:iam::aws:policy/P", "v2", ""), "default version"},
		{"policy with bad date", okRef, okKeys, policy("arn:aws:iam::aws:policy/P", "v1", "yesterday"), "createdDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.ref), strings.NewReader(tt.keys), strings.NewReader(tt.policies))
			if err == nil || !strings.Contains(err.Error(), tt.wantErrContaining) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErrContaining)
			}
		})
	}
	if _, err := Load(bytes.NewReader([]byte{0x1f, 0x8b, 1, 2, 3}), nil, nil); err == nil {
		t.Error("corrupt gzip accepted")
	}
}

func TestParseDateAcceptsDataFormats(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2015-02-06T18:39:46.000Z":  time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
		"2015-02-06T18:39:46+00:00": time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
		"":                          {},
	} {
		if got, err := parseDate(in); err != nil || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
