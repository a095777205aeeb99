package org_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// awsText is one case of testdata/errors/aws-texts.json: an error AWS's own words are on record for, the situation
// that makes the operation answer it, and where the words come from. Kind tells how strong the source is:
// "aws-output" quotes a response AWS sent (CLI, SDK or Terraform output), "moto-test" is an assertion of moto's
// Organizations tests, which copy AWS's texts but were not all run against AWS. ChangedFrom is the text iamd
// answered before it took AWS's.
type awsText struct {
	Operation   string `json:"operation"`
	Situation   string `json:"situation"`
	Code        string `json:"code"`
	Status      int    `json:"status"`
	Reason      string `json:"reason"`
	Message     string `json:"message"`
	Kind        string `json:"kind"`
	Source      string `json:"source"`
	Evidence    string `json:"evidence"`
	Note        string `json:"note"`
	ChangedFrom string `json:"changed_from"`
}

func (c awsText) key() string { return c.Operation + ": " + c.Situation }

func loadAWSTexts(t *testing.T) []awsText {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "errors", "aws-texts.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cases []awsText
	if err := dec.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

const (
	strangerAccount = "333333333333" // in no organization
	unknownPolicy   = "p-47fhe9s3"
	unknownRoot     = "r-0000"
	knownPrincipal  = "ssm.amazonaws.com"
	unknownService  = "moto.amazonaws.com"
)

// scpDoc is a service control policy document for the situations that need one.
const scpDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

func enableSCPs(t *testing.T, s *service, root string) {
	t.Helper()
	if _, err := s.EnablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY}); err != nil {
		t.Fatal(err)
	}
}

func mustSCP(t *testing.T, s *service, name string) string {
	t.Helper()
	out, err := s.CreatePolicy(context.Background(), rootOf(mgmt), &orgtypes.CreatePolicyRequest{Name: name, Description: "d",
		Type: orgtypes.PolicyTypeSERVICECONTROLPOLICY, Content: scpDoc})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Policy.PolicySummary.Id
}

// awsTextSituations drives each situation of the data file through the Organizations service, on a fresh
// organization of mgmt with member joined under the root, and returns the operation's error.
var awsTextSituations = map[string]func(t *testing.T, s *service, root string) error{
	"DescribeOrganization: the caller's account is in no organization": func(t *testing.T, s *service, _ string) error {
		_, err := s.DescribeOrganization(context.Background(), rootOf(strangerAccount))
		return err
	},
	"CreateOrganization: the caller's account already has an organization": func(t *testing.T, s *service, _ string) error {
		_, err := s.CreateOrganization(context.Background(), rootOf(mgmt), &orgtypes.CreateOrganizationRequest{})
		return err
	},
	"DescribeAccount: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		_, err := s.DescribeAccount(context.Background(), rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: strangerAccount})
		return err
	},
	"MoveAccount: the account is not in the organization": func(t *testing.T, s *service, root string) error {
		ou := mustOU(t, s, root, "dest")
		return s.MoveAccount(context.Background(), rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: strangerAccount, SourceParentId: root, DestinationParentId: *ou.Id})
	},
	"CloseAccount: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		return s.CloseAccount(context.Background(), rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: strangerAccount})
	},
	"RegisterDelegatedAdministrator: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		return s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: strangerAccount, ServicePrincipal: knownPrincipal})
	},
	"UpdateOrganizationalUnit: a sibling OU already has the name": func(t *testing.T, s *service, root string) error {
		mustOU(t, s, root, "taken")
		ou := mustOU(t, s, root, "other")
		_, err := s.UpdateOrganizationalUnit(context.Background(), rootOf(mgmt), &orgtypes.UpdateOrganizationalUnitRequest{OrganizationalUnitId: *ou.Id, Name: aptr("taken")})
		return err
	},
	"CreateOrganizationalUnit: a sibling OU already has the name": func(t *testing.T, s *service, root string) error {
		mustOU(t, s, root, "taken")
		_, err := s.CreateOrganizationalUnit(context.Background(), rootOf(mgmt), &orgtypes.CreateOrganizationalUnitRequest{ParentId: root, Name: "taken"})
		return err
	},
	"DeleteOrganization: a member account is still in the organization": func(t *testing.T, s *service, _ string) error {
		return s.DeleteOrganization(context.Background(), rootOf(mgmt))
	},
	"AttachPolicy: service control policies are not enabled in the root": func(t *testing.T, s *service, root string) error {
		p := mustSCP(t, s, "scp")
		return s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: p, TargetId: root})
	},
	"DisablePolicyType: the policy type is not enabled in the root": func(t *testing.T, s *service, root string) error {
		_, err := s.DisablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.DisablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
		return err
	},
	"EnablePolicyType: the policy type is already enabled in the root": func(t *testing.T, s *service, root string) error {
		enableSCPs(t, s, root)
		_, err := s.EnablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
		return err
	},
	"EnablePolicyType: the root ID is not the organization's root": func(t *testing.T, s *service, _ string) error {
		_, err := s.EnablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: unknownRoot, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
		return err
	},
	"DisablePolicyType: the root ID is not the organization's root": func(t *testing.T, s *service, _ string) error {
		_, err := s.DisablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.DisablePolicyTypeRequest{RootId: unknownRoot, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
		return err
	},
	"ListPoliciesForTarget: the root ID is not the organization's root": func(t *testing.T, s *service, _ string) error {
		_, err := s.ListPoliciesForTarget(context.Background(), rootOf(mgmt), &orgtypes.ListPoliciesForTargetRequest{TargetId: unknownRoot, Filter: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
		return err
	},
	"TagResource: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		return s.TagResource(context.Background(), rootOf(mgmt), &orgtypes.TagResourceRequest{ResourceId: strangerAccount, Tags: []orgtypes.Tag{{Key: "key", Value: "value"}}})
	},
	"UntagResource: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		return s.UntagResource(context.Background(), rootOf(mgmt), &orgtypes.UntagResourceRequest{ResourceId: strangerAccount, TagKeys: []string{"key"}})
	},
	"ListTagsForResource: the account is not in the organization": func(t *testing.T, s *service, _ string) error {
		_, err := s.ListTagsForResource(context.Background(), rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: strangerAccount})
		return err
	},
	"DescribePolicy: no policy has the ID": func(t *testing.T, s *service, _ string) error {
		_, err := s.DescribePolicy(context.Background(), rootOf(mgmt), &orgtypes.DescribePolicyRequest{PolicyId: unknownPolicy})
		return err
	},
	"ListTargetsForPolicy: no policy has the ID": func(t *testing.T, s *service, _ string) error {
		_, err := s.ListTargetsForPolicy(context.Background(), rootOf(mgmt), &orgtypes.ListTargetsForPolicyRequest{PolicyId: unknownPolicy})
		return err
	},
	"DeletePolicy: no policy has the ID": func(t *testing.T, s *service, _ string) error {
		return s.DeletePolicy(context.Background(), rootOf(mgmt), &orgtypes.DeletePolicyRequest{PolicyId: unknownPolicy})
	},
	"UpdatePolicy: no policy has the ID": func(t *testing.T, s *service, _ string) error {
		_, err := s.UpdatePolicy(context.Background(), rootOf(mgmt), &orgtypes.UpdatePolicyRequest{PolicyId: unknownPolicy, Name: aptr("renamed")})
		return err
	},
	"AttachPolicy: the policy is already attached to the target": func(t *testing.T, s *service, root string) error {
		enableSCPs(t, s, root)
		p := mustSCP(t, s, "scp")
		if err := s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: p, TargetId: root}); err != nil {
			t.Fatal(err)
		}
		return s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: p, TargetId: root})
	},
	"AttachPolicy: the target has the most service control policies it can have": func(t *testing.T, s *service, root string) error {
		enableSCPs(t, s, root) // FullAWSAccess is the first of five
		for i := range 4 {
			if err := s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: mustSCP(t, s, fmt.Sprint("scp", i)), TargetId: root}); err != nil {
				t.Fatal(err)
			}
		}
		return s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: mustSCP(t, s, "sixth"), TargetId: root})
	},
	"DetachPolicy: the policy is the target's last service control policy": func(t *testing.T, s *service, root string) error {
		enableSCPs(t, s, root)
		return s.DetachPolicy(context.Background(), rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: "p-FullAWSAccess", TargetId: root})
	},
	"RegisterDelegatedAdministrator: the account is the management account": func(t *testing.T, s *service, _ string) error {
		return s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: mgmt, ServicePrincipal: knownPrincipal})
	},
	"RegisterDelegatedAdministrator: the service has no trusted access": func(t *testing.T, s *service, _ string) error {
		return s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: knownPrincipal})
	},
	"RegisterDelegatedAdministrator: the account is already registered for the service": func(t *testing.T, s *service, _ string) error {
		in := &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: knownPrincipal}
		if err := s.EnableAWSServiceAccess(context.Background(), rootOf(mgmt), &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: knownPrincipal}); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), in); err != nil {
			t.Fatal(err)
		}
		return s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), in)
	},
	"DeregisterDelegatedAdministrator: the account is not registered for the service": func(t *testing.T, s *service, _ string) error {
		return s.DeregisterDelegatedAdministrator(context.Background(), rootOf(mgmt), &orgtypes.DeregisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: knownPrincipal})
	},
	"EnableAWSServiceAccess: the service principal is not one AWS has": func(t *testing.T, s *service, _ string) error {
		return s.EnableAWSServiceAccess(context.Background(), rootOf(mgmt), &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: unknownService})
	},
	"DisableAWSServiceAccess: the service principal is not one AWS has": func(t *testing.T, s *service, _ string) error {
		return s.DisableAWSServiceAccess(context.Background(), rootOf(mgmt), &orgtypes.DisableAWSServiceAccessRequest{ServicePrincipal: unknownService})
	},
	"RegisterDelegatedAdministrator: the service principal is not one AWS has": func(t *testing.T, s *service, _ string) error {
		return s.RegisterDelegatedAdministrator(context.Background(), rootOf(mgmt), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: unknownService})
	},
	"RemoveAccountFromOrganization: a created account has not completed its sign-up": func(t *testing.T, s *service, _ string) error {
		id := *createAccount(t, s, "dev", "dev@example.com").AccountId
		return s.RemoveAccountFromOrganization(context.Background(), rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: id})
	},
	"CloseAccount: the organization has used its close account quota": func(t *testing.T, s *service, _ string) error {
		s.CloseAccountQuota = 1
		first := *createAccount(t, s, "a", "a@example.com").AccountId
		second := *createAccount(t, s, "b", "b@example.com").AccountId
		if err := s.CloseAccount(context.Background(), rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: first}); err != nil {
			t.Fatal(err)
		}
		return s.CloseAccount(context.Background(), rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: second})
	},
	"EnableAllFeatures: the organization already has all features": func(t *testing.T, s *service, _ string) error {
		_, err := s.EnableAllFeatures(context.Background(), rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
		return err
	},
}

// TestErrorsInAWSWords drives every situation of testdata/errors/aws-texts.json through the service and compares
// the error's code, HTTP status, reason and message with the words AWS uses, exactly.
func TestErrorsInAWSWords(t *testing.T) {
	cases := loadAWSTexts(t)
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.key(), func(t *testing.T) {
			if seen[c.key()] {
				t.Fatal("the case is listed twice")
			}
			seen[c.key()] = true
			if c.Source == "" || !slices.Contains([]string{"aws-output", "moto-test"}, c.Kind) {
				t.Fatalf("a case names its source and a kind of aws-output or moto-test: %+v", c)
			}
			if c.Kind == "aws-output" && c.Evidence == "" {
				t.Fatal("an aws-output case quotes the output")
			}
			drive, ok := awsTextSituations[c.key()]
			if !ok {
				t.Fatal("no situation drives this case; add it to awsTextSituations")
			}
			s, root := newOrgWithMember(t)
			err := drive(t, s, root)
			ae, ok := awserr.As(err)
			if !ok {
				t.Fatalf("err = %v, want %s", err, c.Code)
			}
			if ae.Code != c.Code || ae.HTTPStatus != c.Status || ae.Reason != c.Reason || ae.Message != c.Message {
				t.Errorf("answer  %s %d %q %q\nAWS's   %s %d %q %q", ae.Code, ae.HTTPStatus, ae.Reason, ae.Message, c.Code, c.Status, c.Reason, c.Message)
			}
		})
	}
	for k := range awsTextSituations {
		if !seen[k] {
			t.Errorf("situation %q has no case in testdata/errors/aws-texts.json", k)
		}
	}
}
