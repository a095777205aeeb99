//go:build !unix

package pgtest

import "os/exec"

// runAs does nothing where there is no root to avoid.
func runAs(string) (func(*exec.Cmd), error) { return func(*exec.Cmd) {}, nil }
