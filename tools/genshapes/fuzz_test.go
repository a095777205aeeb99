package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func mustCompile(t *testing.T, expr string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(expr)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

// FuzzDecodeModel: any input either fails to decode as a model or decodes to one that Generate handles
// without panicking.
func FuzzDecodeModel(f *testing.F) {
	mini, err := os.ReadFile(filepath.Join("testdata", "mini.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mini)
	f.Add([]byte(`{"metadata":{"protocol":"query"},"operations":{},"shapes":{}}`))
	f.Add([]byte(`{"metadata":{"protocol":"query"},"operations":{"A":{"input":{"shape":"S"}}},"shapes":{"S":{"type":"structure","members":{"M":{"shape":"S"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeModel(bytes.NewReader(data))
		if err != nil {
			return
		}
		_, _ = Generate(m, Options{Package: "x"})
	})
}
