// Package cttypes holds the shapes of the AWS CloudTrail API (2013-11-01) that iamd serves: request and response
// structs, enums, the operation table and the error shapes of LookupEvents, DescribeTrails, GetTrail, GetTrailStatus,
// GetEventSelectors, ListTrails and ListPublicKeys, generated from botocore's CloudTrail model by tools/genshapes (-operations) into
// zz_generated_shapes.go. The shapes carry no wire metadata. CloudTrail speaks the AWS JSON 1.1 protocol; its codec
// is generated into the wire layer, internal/api/ctapi/zz_generated_codec.go.
//
// Regenerate with go generate (needs python3 with botocore); see CONTRIBUTING.md, "Adding an operation".
package cttypes

//go:generate sh -c "go run ../../../tools/genshapes -operations LookupEvents,DescribeTrails,GetTrail,GetTrailStatus,GetEventSelectors,ListTrails,ListPublicKeys -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/cloudtrail/2013-11-01/service-2.json.gz\" -package cttypes -out zz_generated_shapes.go"
