package aaapi

import (
	"testing"

	"github.com/iamd-dev/iamd/internal/api/trailjson/trailtest"
)

// TestTrailHidesEverySecretOfTheModel: with every member of every served operation's input and output set, the
// trail shows each member under its CloudTrail name and type, and would show a secret (a member botocore's model
// marks sensitive, or one testdata/trail_secrets.txt names) only as HIDDEN_DUE_TO_SECURITY_REASONS.
func TestTrailHidesEverySecretOfTheModel(t *testing.T) {
	trailtest.CheckModel(t, "accessanalyzer/2019-11-01", "testdata/trail_secrets.txt", trailCases())
}
