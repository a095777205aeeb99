// Package ststypes holds the AWS STS API (2011-06-15) shapes: request and response structs, the operation
// table and the error shapes, generated from botocore's STS model by tools/genshapes into
// zz_generated_shapes.go. The domain (internal/sts) and the wire layer (internal/api) share these types.
//
// Required scalar members are plain values and optional ones pointers; nested structures are always
// pointers, lists and maps never. Every input structure has a Validate method that checks the model's
// constraints and reports violations in the words of AWS's ValidationError.
//
// Regenerate with:
//
//	go run ./tools/genshapes -model "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz" \
//		-package ststypes -out internal/apitypes/sts/zz_generated_shapes.go
package ststypes

//go:generate sh -c "go run ../../../tools/genshapes -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz\" -package ststypes -out zz_generated_shapes.go"
