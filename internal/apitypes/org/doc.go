// Package orgtypes holds the AWS Organizations API (2016-11-28) shapes: request and response structs, enums, the
// operation table and the error shapes, generated from botocore's Organizations model by tools/genshapes into
// zz_generated_shapes.go. The shapes carry no wire metadata: timestamps are time.Time and members have no tags.
// Organizations speaks the AWS JSON 1.1 protocol; its codec (epoch-second timestamps, member names, escaping)
// is generated into the wire layer, internal/api/orgapi/zz_generated_codec.go.
//
// Regenerate with:
//
//	go run ./tools/genshapes -model "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/organizations/2016-11-28/service-2.json.gz" \
//		-package orgtypes -out internal/apitypes/org/zz_generated_shapes.go
package orgtypes

//go:generate sh -c "go run ../../../tools/genshapes -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/organizations/2016-11-28/service-2.json.gz\" -package orgtypes -out zz_generated_shapes.go"
