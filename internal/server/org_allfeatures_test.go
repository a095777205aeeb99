package server_test

import "testing"

// TestAWSCLIEnableAllFeatures moves a consolidated-billing organization to all features with the AWS CLI: the
// invited member approves its ENABLE_ALL_FEATURES handshake and the management account accepts its
// APPROVE_ALL_FEATURES handshake.
func TestAWSCLIEnableAllFeatures(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	standalone, alone := standaloneAccount(t, s)
	s.mustCLI(t, rootCreds, nil, "organizations", "create-organization", "--feature-set", "CONSOLIDATED_BILLING")
	type handshake struct {
		Handshake struct{ Id, State, Action, Arn string }
	}
	var inv handshake
	s.mustCLI(t, rootCreds, &inv, "organizations", "invite-account-to-organization", "--target", "Id="+standalone+",Type=ACCOUNT")
	s.mustCLI(t, alone, nil, "organizations", "accept-handshake", "--handshake-id", inv.Handshake.Id)

	var req handshake
	s.mustCLI(t, rootCreds, &req, "organizations", "enable-all-features")
	if req.Handshake.Action != "ENABLE_ALL_FEATURES" || req.Handshake.State != "REQUESTED" {
		t.Fatalf("enable-all-features: %+v", req.Handshake)
	}
	o, e, c := s.awsCLI(t, rootCreds, "organizations", "enable-all-features")
	wantCLIError(t, o, e, c, "HandshakeConstraintViolationException", "already started the process to enable all features")

	type handshakes struct {
		Handshakes []struct{ Id, State, Action string }
	}
	var mine handshakes
	s.mustCLI(t, alone, &mine, "organizations", "list-handshakes-for-account", "--filter", "ActionType=ENABLE_ALL_FEATURES")
	if len(mine.Handshakes) != 1 || mine.Handshakes[0].State != "REQUESTED" {
		t.Fatalf("member's handshakes %+v", mine)
	}
	s.mustCLI(t, alone, nil, "organizations", "accept-handshake", "--handshake-id", mine.Handshakes[0].Id)

	var approve handshakes
	s.mustCLI(t, rootCreds, &approve, "organizations", "list-handshakes-for-account", "--filter", "ActionType=APPROVE_ALL_FEATURES")
	if len(approve.Handshakes) != 1 {
		t.Fatalf("management account's approvals %+v", approve)
	}
	var fin handshake
	s.mustCLI(t, rootCreds, &fin, "organizations", "accept-handshake", "--handshake-id", approve.Handshakes[0].Id)
	if fin.Handshake.State != "ACCEPTED" || fin.Handshake.Action != "APPROVE_ALL_FEATURES" {
		t.Fatalf("accept-handshake APPROVE_ALL_FEATURES: %+v", fin.Handshake)
	}
	var org struct{ Organization struct{ FeatureSet string } }
	s.mustCLI(t, rootCreds, &org, "organizations", "describe-organization")
	if org.Organization.FeatureSet != "ALL" {
		t.Fatalf("feature set %s", org.Organization.FeatureSet)
	}
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "enable-all-features")
	wantCLIError(t, o, e, c, "HandshakeConstraintViolationException", "All features are already enabled on this organization.")
}
