// Command genshapes generates Go API shapes from a botocore service model (query, JSON or REST-JSON protocol), and the
// typed dispatch of its operations for the wire layer.
//
//	go run ./tools/genshapes -model PATH/service-2.json.gz -package iamtypes -out internal/apitypes/iam/zz_generated_shapes.go
//	go run ./tools/genshapes -dispatch -model PATH/service-2.json.gz -package iamapi \
//		-types iamtypes=github.com/iamd-dev/iamd/internal/apitypes/iam -out internal/api/iamapi/zz_generated_dispatch.go
//	go run ./tools/genshapes -codec -model PATH/service-2.json.gz -package orgapi \
//		-types orgtypes=github.com/iamd-dev/iamd/internal/apitypes/org -out internal/api/orgapi/zz_generated_codec.go
//	go run ./tools/genshapes -codec -model PATH/service-2.json.gz -package iamapi \
//		-types iamtypes=github.com/iamd-dev/iamd/internal/apitypes/iam -out internal/api/iamapi/zz_generated_codec.go
//	go run ./tools/genshapes -trail -model PATH/service-2.json.gz -package iamapi \
//		-types iamtypes=github.com/iamd-dev/iamd/internal/apitypes/iam -out internal/api/iamapi/zz_generated_trail.go
//
// For every structure an operation uses (inputs, outputs and what they nest) it writes a struct with its
// members in model order, named string types with constants for enums, Validate methods built from the
// model's constraints, the service's operation table and its error shapes. The rules it follows are in
// generate.go's doc comment. With -dispatch it writes instead the service's interface (one method per
// operation), its Unimplemented default and its operation table; see dispatch.go. With -codec it writes the
// reflection-free codec of the shapes for the wire layer: query-protocol decoders and XML encoders
// (querycodec.go) or JSON encoders and decoders (jsoncodec.go), by the model's protocol. With -trail it writes
// the audit-trail encoders of the shapes (CloudTrail's requestParameters and responseElements, secrets hidden;
// trail.go), and with -trailcases the table of every operation's trail encoders for the package's tests.
// -operations limits the output to the operations named (Model.SelectOperations), for a service iamd serves only
// in part:
//
//	go run ./tools/genshapes -codec -operations LookupEvents,DescribeTrails -model PATH/service-2.json.gz ...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("genshapes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", "", "botocore service-2.json or service-2.json.gz")
	pkg := fs.String("package", "", "Go package name of the output")
	out := fs.String("out", "", "output file (stdout when empty)")
	dispatch := fs.Bool("dispatch", false, "write the operations' interface, Unimplemented default and table instead of the shapes")
	codec := fs.Bool("codec", false, "write the codec of the shapes (query or JSON protocol, by the model) instead of the shapes")
	trail := fs.Bool("trail", false, "write the audit-trail encoders of the shapes instead of the shapes")
	trailCases := fs.Bool("trailcases", false, "write the table of every operation's trail encoders, for the package's tests, instead of the shapes")
	types := fs.String("types", "", "with -dispatch or -codec: the shapes package as name=importpath")
	operations := fs.String("operations", "", "comma-separated operations to generate (all when empty); with -dispatch the others are listed as not implemented")
	caller := fs.String("caller", "github.com/iamd-dev/iamd/internal/iam.Caller", "with -dispatch: the caller type as importpath.Type")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *modelPath == "" || *pkg == "" {
		fmt.Fprintln(stderr, "genshapes: -model and -package are required")
		fs.Usage()
		return 2
	}
	typesName, typesImport, okTypes := strings.Cut(*types, "=")
	dot := strings.LastIndex(*caller, ".")
	modes := 0
	for _, on := range []bool{*codec, *dispatch, *trail, *trailCases} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		fmt.Fprintln(stderr, "genshapes: -codec, -dispatch, -trail and -trailcases exclude each other")
		fs.Usage()
		return 2
	}
	if (*codec || *trail || *trailCases) && (!okTypes || typesName == "" || typesImport == "") {
		fmt.Fprintln(stderr, "genshapes: -codec, -trail and -trailcases need -types name=importpath")
		fs.Usage()
		return 2
	}
	if *dispatch && (!okTypes || typesName == "" || typesImport == "" || dot <= strings.LastIndex(*caller, "/")) {
		fmt.Fprintln(stderr, "genshapes: -dispatch needs -types name=importpath and -caller importpath.Type")
		fs.Usage()
		return 2
	}
	m, err := ReadModel(*modelPath)
	if err != nil {
		fmt.Fprintln(stderr, "genshapes:", err)
		return 1
	}
	var others []string
	if *operations != "" {
		if others, err = m.SelectOperations(strings.Split(*operations, ",")); err != nil {
			fmt.Fprintln(stderr, "genshapes:", err)
			return 1
		}
	}
	var src []byte
	switch {
	case *trail:
		src, err = GenerateTrail(m, CodecOptions{Package: *pkg, Source: filepath.Base(*modelPath), TypesName: typesName, TypesImport: typesImport})
	case *trailCases:
		src, err = GenerateTrailCases(m, CodecOptions{Package: *pkg, Source: filepath.Base(*modelPath), TypesName: typesName, TypesImport: typesImport})
	case *codec:
		opt := CodecOptions{Package: *pkg, Source: filepath.Base(*modelPath), TypesName: typesName, TypesImport: typesImport}
		if m.Metadata.Protocol == "json" || m.Metadata.Protocol == "rest-json" {
			src, err = GenerateJSONCodec(m, opt)
		} else {
			src, err = GenerateQueryCodec(m, opt)
		}
	case *dispatch:
		src, err = GenerateDispatch(m, DispatchOptions{Package: *pkg, Source: filepath.Base(*modelPath),
			TypesName: typesName, TypesImport: typesImport, CallerImport: (*caller)[:dot], CallerType: (*caller)[dot+1:], Others: others})
	default:
		src, err = Generate(m, Options{Package: *pkg, Source: filepath.Base(*modelPath)})
	}
	if err != nil {
		fmt.Fprintln(stderr, "genshapes:", err)
		return 1
	}
	if *out == "" {
		_, err = os.Stdout.Write(src)
	} else {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "genshapes:", err)
		return 1
	}
	return 0
}
