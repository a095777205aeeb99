// Package iamtypes holds the IAM API (2010-05-08) shapes: request and response structs, enums, the
// operation table and the error shapes, generated from botocore's IAM model by tools/genshapes into
// zz_generated_shapes.go. The domain (internal/iam) and the wire layer (internal/api) share these types.
//
// Required scalar members are plain values and optional ones pointers; nested structures are always
// pointers, lists and maps never. Every input structure has a Validate method that checks the model's
// constraints and reports violations in the words of AWS's ValidationError.
//
// Regenerate with:
//
//	go run ./tools/genshapes -model "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/iam/2010-05-08/service-2.json.gz" \
//		-package iamtypes -out internal/apitypes/iam/zz_generated_shapes.go
package iamtypes

//go:generate sh -c "go run ../../../tools/genshapes -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/iam/2010-05-08/service-2.json.gz\" -package iamtypes -out zz_generated_shapes.go"
