// Package stsapi binds the STS API to sts.Service. tools/genshapes generates, from botocore's model, the STS
// interface (one method per operation, with the signature the wire layer calls), its UnimplementedSTS default and
// the operation table (zz_generated_dispatch.go), and the reflection-free query-protocol codec of the shapes
// (zz_generated_codec.go: a decoder per input structure, an encoder per output structure) that the table calls,
// and the audit-trail encoders of the shapes (zz_generated_trail.go) with which the table's Calls tell the ctx's
// dispatch.Trail the input and output as CloudTrail writes them, secrets hidden.
// Bind serves the domain's operations and answers NotImplemented for the others; the compile-time check in bind.go
// makes a domain method with an operation's name and another signature a build failure.
//
// Regenerate with go generate (needs python3 with botocore); see CONTRIBUTING.md, "Adding an operation".
package stsapi

//go:generate sh -c "go run ../../../tools/genshapes -dispatch -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz\" -package stsapi -types ststypes=github.com/iamd-dev/iamd/internal/apitypes/sts -out zz_generated_dispatch.go"
//go:generate sh -c "go run ../../../tools/genshapes -codec -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz\" -package stsapi -types ststypes=github.com/iamd-dev/iamd/internal/apitypes/sts -out zz_generated_codec.go"
//go:generate sh -c "go run ../../../tools/genshapes -trail -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz\" -package stsapi -types ststypes=github.com/iamd-dev/iamd/internal/apitypes/sts -out zz_generated_trail.go"
//go:generate sh -c "go run ../../../tools/genshapes -trailcases -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/sts/2011-06-15/service-2.json.gz\" -package stsapi -types ststypes=github.com/iamd-dev/iamd/internal/apitypes/sts -out zz_generated_trail_test.go"
