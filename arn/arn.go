// Package arn parses and formats Amazon Resource Names.
//
// An ARN has six colon-separated parts: arn:partition:service:region:account-id:resource.
// The resource part may itself contain colons; Parse keeps them.
package arn

import (
	"errors"
	"strings"
)

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// ErrInvalid is returned by Parse for text that is not an ARN.
var ErrInvalid = errors.New("arn: not an ARN (want arn:partition:service:region:account-id:resource)")

// Parse splits s into its parts. It fails unless s starts with "arn:" and has at least six parts.
func Parse(s string) (ARN, error) {
	var parts [6]string
	if !Split(s, &parts) {
		return ARN{}, ErrInvalid
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// Split fills parts with the six parts of s without allocating and reports whether s is an ARN.
func Split(s string, parts *[6]string) bool {
	if !strings.HasPrefix(s, "arn:") {
		return false
	}
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false
		}
		parts[i] = rest[:j]
		rest = rest[j+1:]
	}
	parts[5] = rest
	return true
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// AccountRoot returns the ARN of the root principal of an account in the aws partition.
func AccountRoot(account string) string { return "arn:aws:iam::" + account + ":root" }
