package catalog_test

import (
	"testing"

	"github.com/iamd-dev/iamd/catalog"
)

func TestServicePrincipalFromTheData(t *testing.T) {
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		principal string
		want      bool
	}{
		{"guardduty.amazonaws.com", true},                    // a service prefix
		{"GuardDuty.amazonaws.com", true},                    // case does not matter
		{"iam.amazonaws.com", true},                          // a service prefix
		{"malware-protection.guardduty.amazonaws.com", true}, // named by an AWS managed policy only
		{"config-multiaccountsetup.amazonaws.com", true},     // named by an AWS managed policy only
		{"nosuchservice.amazonaws.com", false},
		{"amazonaws.com", false},
		{".amazonaws.com", false},
		{"guardduty", false},
		{"guardduty.amazonaws.com.cn", false},
	} {
		if got := c.ServicePrincipal(tc.principal); got != tc.want {
			t.Errorf("ServicePrincipal(%q) = %v, want %v", tc.principal, got, tc.want)
		}
	}
}
