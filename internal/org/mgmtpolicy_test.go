package org_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/org"
)

// inheritanceCase is one case of testdata/inheritance: the policies of a type attached at each level from the root
// down to an account, and the effective policy AWS shows for the account (null: none).
type inheritanceCase struct {
	Name   string              `json:"name"`
	Source string              `json:"source"`
	Type   string              `json:"type"`
	Levels [][]json.RawMessage `json:"levels"`
	Want   json.RawMessage     `json:"want"`
}

func loadInheritanceCases(t testing.TB) []inheritanceCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "inheritance", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []inheritanceCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// compactLevels writes each level's documents as compact JSON strings.
func compactLevels(t testing.TB, levels [][]json.RawMessage) [][]string {
	t.Helper()
	out := make([][]string, len(levels))
	for i, l := range levels {
		out[i] = []string{}
		for _, d := range l {
			var b bytes.Buffer
			if err := json.Compact(&b, d); err != nil {
				t.Fatal(err)
			}
			out[i] = append(out[i], b.String())
		}
	}
	return out
}

func TestEffectiveManagementPolicyMatchesTheUserGuideExamples(t *testing.T) {
	for _, tc := range loadInheritanceCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Source == "" {
				t.Fatal("a case cites the page it comes from")
			}
			got, ok, err := org.EffectivePolicyForTest(tc.Type, compactLevels(t, tc.Levels))
			if err != nil {
				t.Fatal(err)
			}
			if string(tc.Want) == "null" {
				if ok {
					t.Fatalf("got %s, want no effective policy", got)
				}
				return
			}
			var want bytes.Buffer
			if err := json.Compact(&want, tc.Want); err != nil {
				t.Fatal(err)
			}
			if !ok || got != want.String() {
				t.Fatalf("got  %s\nwant %s", got, want.String())
			}
		})
	}
}

// exampleDocs is a valid document of every management policy type, from the type's syntax page.
var exampleDocs = map[orgtypes.PolicyType]string{
	orgtypes.PolicyTypeTAGPOLICY:                     `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`,
	orgtypes.PolicyTypeBACKUPPOLICY:                  `{"plans":{"p":{"regions":{"@@assign":["us-east-1"]},"rules":{"r":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"Default"}}}}}}`,
	orgtypes.PolicyTypeAISERVICESOPTOUTPOLICY:        `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`,
	orgtypes.PolicyTypeCHATBOTPOLICY:                 `{"chatbot":{"platforms":{"slack":{"client":{"@@assign":"enabled"}}}}}`,
	orgtypes.PolicyTypeDECLARATIVEPOLICYEC2:          `{"ec2_attributes":{"image_block_public_access":{"state":{"@@assign":"block_new_sharing"}}}}`,
	orgtypes.PolicyTypeSECURITYHUBPOLICY:             `{"securityhub":{"enable_in_regions":{"@@append":["ALL_SUPPORTED"]},"disable_in_regions":{"@@append":[]}}}`,
	orgtypes.PolicyTypeINSPECTORPOLICY:               `{"inspector":{"enablement":{"ec2_scanning":{"enable_in_regions":{"@@assign":["us-east-1"]}}}}}`,
	orgtypes.PolicyTypeUPGRADEROLLOUTPOLICY:          `{"upgrade_rollout":{"default":{"patch_order":{"@@assign":"last"}}}}`,
	orgtypes.PolicyTypeBEDROCKPOLICY:                 `{"bedrock":{"guardrail_inference":{"us-east-1":{"config_1":{"identifier":{"@@assign":"arn:aws:bedrock:us-east-1:123456789012:guardrail/hu1dlsv9wy1d:1"},"input_tags":{"@@assign":"honor"}}}}}}`,
	orgtypes.PolicyTypeS3POLICY:                      `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"all"}}}`,
	orgtypes.PolicyTypeNETWORKSECURITYDIRECTORPOLICY: `{"network_security_director":{"scan":{"@@assign":"enabled"}}}`,
}

func TestEveryPolicyTypeIsEnabledAttachedAndEffective(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	for _, typ := range orgtypes.PolicyType("").Values() {
		t.Run(string(typ), func(t *testing.T) {
			enable(t, s, root, typ)
			if typ == orgtypes.PolicyTypeSERVICECONTROLPOLICY || typ == orgtypes.PolicyTypeRESOURCECONTROLPOLICY {
				return
			}
			doc, ok := exampleDocs[typ]
			if !ok {
				t.Fatalf("no example document of %s", typ)
			}
			attach(t, s, mustPolicy(t, s, typ, "p-"+string(typ), doc), root)
			out, err := s.DescribeEffectivePolicy(ctx, rootOf(mgmt), &orgtypes.DescribeEffectivePolicyRequest{
				PolicyType: orgtypes.EffectivePolicyType(typ), TargetId: sref(member)})
			if err != nil {
				t.Fatal(err)
			}
			if c := *out.EffectivePolicy.PolicyContent; !json.Valid([]byte(c)) || bytes.Contains([]byte(c), []byte("@@")) {
				t.Fatalf("effective policy %s", c)
			}
			_, err = s.DisablePolicyType(ctx, rootOf(mgmt), &orgtypes.DisablePolicyTypeRequest{RootId: root, PolicyType: typ})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.DescribeEffectivePolicy(ctx, rootOf(mgmt), &orgtypes.DescribeEffectivePolicyRequest{
				PolicyType: orgtypes.EffectivePolicyType(typ), TargetId: sref(member)})
			wantCode(t, err, "EffectivePolicyNotFoundException")
		})
	}
}

func TestManagementPolicyTypesNeedAllFeatures(t *testing.T) {
	ctx := context.Background()
	s := newBillingOrg(t)
	_, err := s.CreatePolicy(ctx, rootOf(mgmt), &orgtypes.CreatePolicyRequest{Type: orgtypes.PolicyTypeBACKUPPOLICY, Name: "b",
		Content: exampleDocs[orgtypes.PolicyTypeBACKUPPOLICY]})
	wantCode(t, err, "PolicyTypeNotAvailableForOrganizationException")
}

func TestManagementPolicyGrammar(t *testing.T) {
	for _, tc := range []struct {
		name, typ, doc string
		ok             bool
	}{
		{"the AI services opt-out example with child controls at every level", org.TypeAIOptOut,
			`{"services":{"default":{"opt_out_policy":{"@@assign":"optOut","@@operators_allowed_for_child_policies":["@@none"]},"@@operators_allowed_for_child_policies":["@@none"]},"@@operators_allowed_for_child_policies":["@@none"]}}`, true},
		{"an AI service with another setting", org.TypeAIOptOut, `{"services":{"lex":{"opt_in":{"@@assign":"optOut"}}}}`, false},
		{"an AI opt-out value given as an array", org.TypeAIOptOut, `{"services":{"lex":{"opt_out_policy":{"@@assign":["optOut"]}}}}`, false},
		{"a backup plan nested as AWS writes copy actions", org.TypeBackup,
			`{"plans":{"p":{"rules":{"r":{"copy_actions":{"arn:aws:backup:us-east-1:$account:backup-vault:secondary":{"target_backup_vault_arn":{"@@assign":"arn:aws:backup:us-east-1:$account:backup-vault:secondary"},"lifecycle":{"delete_after_days":{"@@assign":"28"}}}}}}}}}`, true},
		{"a value-setting operator on the top-level element", org.TypeBackup, `{"plans":{"@@assign":"x"}}`, false},
		{"an operator AWS does not have", org.TypeSecurityHub, `{"securityhub":{"enable_in_regions":{"@@replace":["us-east-1"]}}}`, false},
		{"@@append given a string", org.TypeSecurityHub, `{"securityhub":{"enable_in_regions":{"@@append":"us-east-1"}}}`, false},
		{"a number where a string goes", org.TypeUpgradeRollout, `{"upgrade_rollout":{"default":{"patch_order":{"@@assign":1}}}}`, false},
		{"a child control operator AWS does not have", org.TypeBedrock, `{"bedrock":{"@@operators_allowed_for_child_policies":["@@some"]}}`, false},
		{"a duplicate element", org.TypeChatbot, `{"chatbot":{"a":{},"a":{}}}`, false},
		{"the wrong top-level element for the type", org.TypeInspector, `{"securityhub":{}}`, false},
		{"an S3 policy that keeps Block Public Access off", org.TypeS3, `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"none"}}}`, true},
		{"any top-level element where the syntax is undocumented", org.TypeNetworkSecurityDirector, `{"anything":{"x":{"@@assign":["y"]}}}`, true},
		{"not JSON", org.TypeDeclarativeEC2, `{"ec2_attributes":`, false},
		{"content after the document", org.TypeDeclarativeEC2, `{"ec2_attributes":{}} {}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := org.EffectivePolicyForTest(tc.typ, [][]string{{tc.doc}})
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func FuzzManagementPolicy(f *testing.F) {
	for _, tc := range loadInheritanceCases(f) {
		levels := compactLevels(f, tc.Levels)
		if len(levels) >= 2 && len(levels[0]) > 0 && len(levels[1]) > 0 {
			f.Add(tc.Type, levels[0][0], levels[1][0])
		}
	}
	f.Fuzz(func(t *testing.T, typ, parent, child string) {
		got, ok, err := org.EffectivePolicyForTest(typ, [][]string{{parent}, {child}})
		if err != nil || !ok {
			return
		}
		if !json.Valid([]byte(got)) {
			t.Fatalf("effective policy is not JSON: %s", got)
		}
	})
}
