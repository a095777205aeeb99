package awsregion

import (
	"slices"
	"testing"
)

// TestPartitionFacts: each partition's ARN prefix, DNS suffix, IAM signing Region and Regions, as botocore's
// partitions.json and endpoints.json give them; "" is aws.
func TestPartitionFacts(t *testing.T) {
	for _, tc := range []struct {
		p                                 Partition
		prefix, policyPrefix, dns, iamRgn string
		has, hasNot                       string
	}{
		{"", "arn:aws:", "arn:aws:iam::aws:policy/", "amazonaws.com", "us-east-1", "eu-west-1", "cn-north-1"},
		{AWS, "arn:aws:", "arn:aws:iam::aws:policy/", "amazonaws.com", "us-east-1", "us-east-1", "us-gov-west-1"},
		{China, "arn:aws-cn:", "arn:aws-cn:iam::aws:policy/", "amazonaws.com.cn", "cn-north-1", "cn-northwest-1", "us-east-1"},
		{GovCloud, "arn:aws-us-gov:", "arn:aws-us-gov:iam::aws:policy/", "amazonaws.com", "us-gov-west-1", "us-gov-east-1", "aws-us-gov-global"},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			if got := tc.p.ARNPrefix(); got != tc.prefix {
				t.Errorf("ARNPrefix = %q", got)
			}
			if got := tc.p.ManagedPolicyPrefix(); got != tc.policyPrefix {
				t.Errorf("ManagedPolicyPrefix = %q", got)
			}
			if got := tc.p.DNSSuffix(); got != tc.dns {
				t.Errorf("DNSSuffix = %q", got)
			}
			if got := tc.p.IAMRegion(); got != tc.iamRgn || !tc.p.HasRegion(got) {
				t.Errorf("IAMRegion = %q", got)
			}
			if !tc.p.HasRegion(tc.has) || tc.p.HasRegion(tc.hasNot) {
				t.Errorf("Regions %v: want %s, not %s", tc.p.Regions(), tc.has, tc.hasNot)
			}
		})
	}
}

func TestParsePartitionKnowsThreePartitions(t *testing.T) {
	for in, want := range map[string]Partition{"": AWS, "aws": AWS, "aws-cn": China, "aws-us-gov": GovCloud} {
		if got, err := ParsePartition(in); err != nil || got != want {
			t.Errorf("ParsePartition(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"aws-iso", "AWS", "cn", "aws-cn "} {
		if _, err := ParsePartition(bad); err == nil {
			t.Errorf("ParsePartition(%q) accepted", bad)
		}
	}
}

func TestOfARNReadsThePartitionField(t *testing.T) {
	for in, want := range map[string]Partition{
		"arn:aws-cn:iam::123456789012:root": China, "arn:aws-us-gov:sts::1:assumed-role/r/s": GovCloud,
		"arn:aws:iam::aws:policy/X": AWS, "arn:aws-cnx:iam::1:root": AWS, "": AWS, "arn:aws-cn": AWS, "xarn:aws-cn:iam": AWS,
	} {
		if got := OfARN(in); got != want {
			t.Errorf("OfARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAllRegionsHoldsEveryPartition(t *testing.T) {
	all := AllRegions()
	for _, r := range []string{"us-east-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1"} {
		if !slices.Contains(all, r) {
			t.Errorf("AllRegions lacks %s", r)
		}
	}
	if !slices.IsSorted(all) || len(all) != len(AWS.Regions())+len(China.Regions())+len(GovCloud.Regions()) {
		t.Errorf("AllRegions %v", all)
	}
}
