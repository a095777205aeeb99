package server_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestGoldenCreateGovCloudAccount pins the JSON of CreateGovCloudAccount: the commercial member's status with the
// paired aws-us-gov account's ID. It runs on its own server, so the accounts it makes change no other golden answer.
func TestGoldenCreateGovCloudAccount(t *testing.T) {
	s := startServer(t)
	if status, out := s.callJSON(t, rootCreds, "CreateOrganization", `{"FeatureSet":"ALL"}`); status != 200 {
		t.Fatalf("CreateOrganization: %d %s", status, out)
	}
	status, out := s.callJSON(t, rootCreds, "CreateGovCloudAccount", `{"Email":"gov@example.com","AccountName":"gov"}`)
	for _, n := range orgMoreNormalizers {
		out = n.re.ReplaceAllString(out, n.with)
	}
	for member, with := range map[string]string{"AccountId": "210987654321", "GovCloudAccountId": "310987654321"} {
		if id := regexp.MustCompile(`"` + member + `":"([0-9]{12})"`).FindStringSubmatch(out); id != nil {
			out = strings.ReplaceAll(out, id[1], with)
		}
	}
	goldenJSON(t, "CreateGovCloudAccount", status, out)
}
