package awsregion

import (
	"fmt"
	"slices"
)

// Partition is an AWS partition: a group of Regions with its own accounts, ARNs ("arn:PARTITION:...") and DNS
// suffix. The zero value is the aws partition, so a record written before iamd knew partitions reads as aws.
type Partition string

// The partitions iamd's accounts can be in.
const (
	AWS      Partition = "aws"
	China    Partition = "aws-cn"
	GovCloud Partition = "aws-us-gov"
)

// partitionIDs are the partitions an account can be in, aws first (a fixed array, never written).
var partitionIDs = [...]Partition{AWS, China, GovCloud}

// ParsePartition returns the partition named id; "" is aws. Any other name is an error.
func ParsePartition(id string) (Partition, error) {
	if id == "" {
		return AWS, nil
	}
	if slices.Contains(partitionIDs[:], Partition(id)) {
		return Partition(id), nil
	}
	return "", fmt.Errorf("partition %q: want one of aws, aws-cn, aws-us-gov", id)
}

// OfARN returns the partition of an ARN ("arn:aws-cn:iam::..."), aws when it names none iamd knows.
func OfARN(arn string) Partition {
	for _, p := range partitionIDs[1:] {
		if len(arn) > len(p)+5 && arn[:4] == "arn:" && arn[4:4+len(p)] == string(p) && arn[4+len(p)] == ':' {
			return p
		}
	}
	return AWS
}

// String returns the partition's ID: aws, aws-cn or aws-us-gov.
func (p Partition) String() string {
	if p == "" {
		return string(AWS)
	}
	return string(p)
}

// ARNPrefix is how the partition's ARNs begin: "arn:aws-cn:".
func (p Partition) ARNPrefix() string { return "arn:" + p.String() + ":" }

// ARN builds an ARN of the partition: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func (p Partition) ARN(service, region, account, resource string) string {
	return "arn:" + p.String() + ":" + service + ":" + region + ":" + account + ":" + resource
}

// IAMPrefix begins the ARN of an IAM resource of the partition: "arn:aws-cn:iam::".
func (p Partition) IAMPrefix() string { return "arn:" + p.String() + ":iam::" }

// ManagedPolicyPrefix begins the ARN of every AWS managed policy of the partition: "arn:aws-cn:iam::aws:policy/".
func (p Partition) ManagedPolicyPrefix() string { return p.IAMPrefix() + "aws:policy/" }

// DNSSuffix is the partition's domain: amazonaws.com, or amazonaws.com.cn in China.
func (p Partition) DNSSuffix() string {
	_, s, _ := partitionFacts(p.String())
	return s
}

// Regions returns the partition's Regions, sorted; the caller may keep and change the slice.
func (p Partition) Regions() []string {
	r, _, _ := partitionFacts(p.String())
	return r
}

// HasRegion reports whether region is one of the partition's Regions.
func (p Partition) HasRegion(region string) bool { return slices.Contains(p.Regions(), region) }

// IAMRegion is the Region a request to IAM (and Organizations) is signed for: the credential scope of IAM's global
// endpoint in botocore's endpoints.json (us-east-1, cn-north-1, us-gov-west-1).
func (p Partition) IAMRegion() string {
	switch p {
	case China:
		return "cn-north-1"
	case GovCloud:
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// AllRegions returns the Regions of every partition iamd's accounts can be in, sorted.
func AllRegions() []string {
	var all []string
	for _, p := range partitionIDs {
		all = append(all, p.Regions()...)
	}
	slices.Sort(all)
	return all
}

// Names returns the aws partition's Regions, sorted; the caller may keep and change the slice.
func Names() []string { return AWS.Regions() }
