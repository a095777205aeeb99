package iam

import (
	"testing"

	"github.com/iamd-dev/iamd/catalog"
)

func slrTestCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestSLRKnownServicesHaveTheirPolicies: every service of the table names an AWS managed policy of the
// /aws-service-role/ path, and no principal or role name is listed twice.
func TestSLRKnownServicesHaveTheirPolicies(t *testing.T) {
	cat := slrTestCatalog(t)
	principals, roles := map[string]bool{}, map[string]bool{}
	for _, svc := range slrKnown {
		if _, ok := slrPolicy(cat, svc.Policy); !ok {
			t.Errorf("%s: %s is not an AWS managed policy under /aws-service-role/", svc.Principal, svc.Policy)
		}
		if principals[svc.Principal] || roles[svc.RoleName] {
			t.Errorf("%s / %s listed twice", svc.Principal, svc.RoleName)
		}
		principals[svc.Principal], roles[svc.RoleName] = true, true
		if len(svc.RoleName) > 64 {
			t.Errorf("%s: role name too long", svc.RoleName)
		}
	}
}

// TestSLRDerivedFromTheCatalog: the catalog gives the roles of services the table does not list, agrees with the
// table where both know a service, and leaves out principals it cannot tell apart.
func TestSLRDerivedFromTheCatalog(t *testing.T) {
	cat := slrTestCatalog(t)
	derived := slrDerive(cat)
	if len(derived) < 40 {
		t.Fatalf("only %d services derived", len(derived))
	}
	want := map[string][2]string{
		"airflow-serverless.amazonaws.com":       {"AWSServiceRoleForAmazonMWAAServerless", "AmazonMWAAServerlessServiceRolePolicy"},
		"docdb-elastic.amazonaws.com":            {"AWSServiceRoleForDocDB-Elastic", "AmazonDocDB-ElasticServiceRolePolicy"},
		"remediation.config.amazonaws.com":       {"AWSServiceRoleForConfigRemediation", "AWSConfigRemediationServiceRolePolicy"},
		"neptune-graph.amazonaws.com":            {"AWSServiceRoleForNeptuneGraph", "AWSServiceRoleForNeptuneGraphPolicy"},
		"timestream-influxdb.amazonaws.com":      {"AWSServiceRoleForTimestreamInfluxDB", "AmazonTimestreamInfluxDBServiceRolePolicy"},
		"reporting.trustedadvisor.amazonaws.com": {"AWSServiceRoleForTrustedAdvisorReporting", "AWSTrustedAdvisorReportingServiceRolePolicy"},
	}
	for principal, w := range want {
		got, ok := derived[principal]
		if !ok || got.RoleName != w[0] || got.Policy != w[1] {
			t.Errorf("%s: got %+v, want %v", principal, got, w)
		}
	}
	// Three Elastic Beanstalk principals name one role in the policies: none of them is taken from there.
	for _, p := range []string{"maintenance.elasticbeanstalk.amazonaws.com", "redshift-data.amazonaws.com"} {
		if got, ok := derived[p]; ok {
			t.Errorf("%s derived as %+v", p, got)
		}
	}
	for _, svc := range slrKnown {
		if got, ok := derived[svc.Principal]; ok && (got.RoleName != svc.RoleName || got.Policy != svc.Policy) {
			t.Errorf("%s: table says %s/%s, catalog %s/%s", svc.Principal, svc.RoleName, svc.Policy, got.RoleName, got.Policy)
		}
	}
}

func TestSLRPolicyNameRule(t *testing.T) {
	cases := map[string]string{
		"AWSServiceRoleForAutoScaling":          "AutoScalingServiceRolePolicy",
		"AWSServiceRoleForAmazonEKS":            "AmazonEKSServiceRolePolicy",
		"AWSServiceRoleForRDS":                  "AmazonRDSServiceRolePolicy",
		"AWSServiceRoleForElasticLoadBalancing": "AWSElasticLoadBalancingServiceRolePolicy",
		"AWSServiceRoleForAmazonGuardDuty":      "AmazonGuardDutyServiceRolePolicy",
	}
	cat := slrTestCatalog(t)
	for role, want := range cases {
		got := ""
		for _, name := range slrPolicyNames(role) {
			if mp, ok := slrPolicy(cat, name); ok {
				got = mp.Name
				break
			}
		}
		if got != want {
			t.Errorf("%s: %s, want %s", role, got, want)
		}
	}
}
