// Command genshapes generates Go API shapes from a botocore service model (query protocol).
//
//	go run ./tools/genshapes -model PATH/service-2.json.gz -package iamtypes -out internal/apitypes/iam/zz_generated_shapes.go
//
// For every structure an operation uses (inputs, outputs and what they nest) it writes a struct with its
// members in model order, named string types with constants for enums, Validate methods built from the
// model's constraints, the service's operation table and its error shapes. The rules it follows are in
// generate.go's doc comment.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *modelPath == "" || *pkg == "" {
		fmt.Fprintln(stderr, "genshapes: -model and -package are required")
		fs.Usage()
		return 2
	}
	m, err := ReadModel(*modelPath)
	if err != nil {
		fmt.Fprintln(stderr, "genshapes:", err)
		return 1
	}
	src, err := Generate(m, Options{Package: *pkg, Source: filepath.Base(*modelPath)})
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
