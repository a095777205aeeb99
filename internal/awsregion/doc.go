// Package awsregion lists the AWS Regions of the aws partition, as botocore's endpoint data (data/partitions.json)
// names them, so that iamd can refuse a credential scope naming a Region that does not exist, as AWS does.
// Regenerate the list when botocore learns of a new Region.
package awsregion

//go:generate sh -c "go run ../../tools/genregions -partitions \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/partitions.json\" -out zz_generated_regions.go"

// Valid reports whether name is a Region of the partition.
func Valid(name string) bool {
	for _, r := range Names() {
		if r == name {
			return true
		}
	}
	return false
}
