package stsapi

import (
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery/difftest"
)

// TestGeneratedCodecMatchesReflective: for every input structure, random forms decode to the same value or the
// same error with the generated decoder as with the reflective one; for every output structure, random values
// encode to the same bytes.
func TestGeneratedCodecMatchesReflective(t *testing.T) {
	cases := 300
	if testing.Short() {
		cases = 30
	}
	difftest.Run(t, diffDecoders, diffEncoders, cases, 1)
}

func FuzzGeneratedCodecMatchesReflective(f *testing.F) {
	difftest.Fuzz(f, diffDecoders, diffEncoders)
}
