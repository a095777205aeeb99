package awsregion

import "testing"

// TestValidKnowsRealRegionsOnly: the commercial Regions are valid; made-up names, pseudo-regions and other
// partitions' Regions are not.
func TestValidKnowsRealRegionsOnly(t *testing.T) {
	for name, want := range map[string]bool{
		"us-east-1": true, "eu-west-1": true, "ap-southeast-2": true,
		"xx-fake-9": false, "aws-global": false, "": false, "US-EAST-1": false, "cn-north-1": false,
	} {
		if got := Valid(name); got != want {
			t.Errorf("Valid(%q) = %v, want %v", name, got, want)
		}
	}
}
