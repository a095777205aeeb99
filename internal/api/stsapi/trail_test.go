package stsapi

import (
	"testing"

	"github.com/iamd-dev/iamd/internal/api/trailjson/trailtest"
)

// TestTrailHidesEverySecretOfTheModel: with every member of every operation's input and output set, the trail
// shows each member under its CloudTrail name and type, and each secret — every member botocore's model marks
// sensitive, and those testdata/trail_secrets.txt adds by name — only as HIDDEN_DUE_TO_SECURITY_REASONS.
func TestTrailHidesEverySecretOfTheModel(t *testing.T) {
	trailtest.CheckModel(t, "sts/2011-06-15", "testdata/trail_secrets.txt", trailCases())
}
