// Package awsregion knows the AWS partitions iamd's accounts can be in (aws, aws-cn, aws-us-gov) and their Regions,
// as botocore's endpoint data (data/partitions.json) names them, so that iamd builds ARNs in the account's partition
// and refuses a credential scope naming a Region that does not exist, or one of another partition, as AWS does.
// Regenerate the list when botocore learns of a new Region.
package awsregion

//go:generate sh -c "go run ../../tools/genregions -partitions \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/partitions.json\" -out zz_generated_regions.go"

// Valid reports whether name is a Region of the aws partition.
func Valid(name string) bool { return AWS.HasRegion(name) }
