package server_test

import (
	"strings"
	"testing"
)

// TestAWSCLIResourcePolicy puts, reads, enforces and deletes the organization's resource policy with the AWS CLI.
func TestAWSCLIResourcePolicy(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	const memberID = "210987654321"
	orgID, _, memberRoot := cliOrgWithMember(t, s, memberID)

	o, e, c := s.awsCLI(t, rootCreds, "organizations", "describe-resource-policy")
	wantCLIError(t, o, e, c, "ResourcePolicyNotFoundException", "We can't find a resource policy request with the parameter that you specified.")
	o, e, c = s.awsCLI(t, memberRoot, "organizations", "list-accounts")
	wantCLIError(t, o, e, c, "AccessDeniedException", "")

	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Delegate","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + memberID +
		`:root"},"Action":["organizations:List*","organizations:Describe*"],"Resource":"*"}]}`
	var put struct {
		ResourcePolicy struct {
			ResourcePolicySummary struct{ Id, Arn string }
			Content               string
		}
	}
	s.mustCLI(t, rootCreds, &put, "organizations", "put-resource-policy", "--content", doc, "--tags", "Key=team,Value=platform")
	sum := put.ResourcePolicy.ResourcePolicySummary
	if !strings.HasPrefix(sum.Id, "rp-") || sum.Arn != "arn:aws:organizations::"+account+":resourcepolicy/"+orgID+"/"+sum.Id ||
		put.ResourcePolicy.Content != doc {
		t.Fatalf("put-resource-policy %+v", put)
	}
	var accounts struct{ Accounts []struct{ Id string } }
	s.mustCLI(t, memberRoot, &accounts, "organizations", "list-accounts")
	if len(accounts.Accounts) != 2 {
		t.Fatalf("list-accounts by the delegated member %+v", accounts)
	}
	var described struct{ ResourcePolicy struct{ Content string } }
	s.mustCLI(t, memberRoot, &described, "organizations", "describe-resource-policy")
	if described.ResourcePolicy.Content != doc {
		t.Fatalf("describe-resource-policy %+v", described)
	}
	var tags struct{ Tags []struct{ Key, Value string } }
	s.mustCLI(t, rootCreds, &tags, "organizations", "list-tags-for-resource", "--resource-id", sum.Id)
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "team" {
		t.Fatalf("list-tags-for-resource %+v", tags)
	}
	o, e, c = s.awsCLI(t, memberRoot, "organizations", "put-resource-policy", "--content", doc)
	wantCLIError(t, o, e, c, "AccessDeniedException", "")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "put-resource-policy", "--content",
		strings.Replace(doc, "organizations:List*", "organizations:CreateAccount", 1))
	wantCLIError(t, o, e, c, "InvalidInputException", "organizations:CreateAccount")

	s.mustCLI(t, rootCreds, nil, "organizations", "delete-resource-policy")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "delete-resource-policy")
	wantCLIError(t, o, e, c, "ResourcePolicyNotFoundException", "")
	o, e, c = s.awsCLI(t, memberRoot, "organizations", "list-accounts")
	wantCLIError(t, o, e, c, "AccessDeniedException", "")
}
