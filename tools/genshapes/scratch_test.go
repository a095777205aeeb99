package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scratchGo returns the go tool for buildScratch, or skips the test under -short or without one.
func scratchGo(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds scratch packages")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	return goBin
}

// buildScratch lays files (absolute target path → content) over the module with go's -overlay, builds the test
// binary of the package at pkgDir (relative to this directory) and runs its TestDispatch. It returns the
// compiler's output when the build fails, else the test's.
func buildScratch(t *testing.T, goBin string, files map[string][]byte, pkgDir string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	var pairs []string
	for target, body := range files {
		src := filepath.Join(dir, filepath.Base(target))
		if err := os.WriteFile(src, body, 0o644); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, quoteJSON(target)+": "+quoteJSON(src))
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, []byte(`{"Replace": {`+strings.Join(pairs, ", ")+`}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "scratch.test")
	cmd := exec.Command(goBin, "test", "-c", "-vet=off", "-o", bin, "-overlay", overlay, "./"+pkgDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return out, err
	}
	run := exec.Command(bin, "-test.count=1", "-test.run=TestDispatch", "-test.v")
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err == nil && !bytes.Contains(out, []byte("--- PASS: TestDispatch")) {
		t.Fatalf("TestDispatch did not run:\n%s", out)
	}
	return out, err
}
