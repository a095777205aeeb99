package main

import (
	"strings"
	"testing"
)

// TestGenerateKeepsThePartitionsRealRegions: the partition's Regions are written sorted, without the global
// pseudo-region and without other partitions' Regions.
func TestGenerateKeepsThePartitionsRealRegions(t *testing.T) {
	raw := `{"partitions":[{"id":"aws","outputs":{"dnsSuffix":"amazonaws.com"},"regions":{"us-east-1":{},"aws-global":{},"eu-west-1":{}}},
		{"id":"aws-cn","outputs":{"dnsSuffix":"amazonaws.com.cn"},"regions":{"cn-north-1":{},"aws-cn-global":{}}}],"version":"1.1"}`
	src, err := generate([]byte(raw), []string{"aws"})
	if err != nil {
		t.Fatal(err)
	}
	got := string(src)
	if !strings.Contains(got, "\"eu-west-1\",\n\t\t\t\"us-east-1\",") || strings.Contains(got, "aws-global") || strings.Contains(got, "cn-north-1") {
		t.Errorf("generated:\n%s", got)
	}
	src, err = generate([]byte(raw), []string{"aws", "aws-cn"})
	if err != nil {
		t.Fatal(err)
	}
	got = string(src)
	if !strings.Contains(got, "\"cn-north-1\",\n\t\t}, \"amazonaws.com.cn\", true") || strings.Contains(got, "aws-cn-global") {
		t.Errorf("generated with aws-cn:\n%s", got)
	}
	if _, err := generate([]byte(raw), []string{"aws-iso"}); err == nil {
		t.Error("a partition without Regions was accepted")
	}
}
