package server_test

import (
	"testing"
)

// TestAWSCLICloseAccount closes a member account with the AWS CLI: PENDING_CLOSURE at once, closed (Status
// SUSPENDED, State CLOSED) once the closure delay has passed on iamd's clock, its credentials refused from the
// start, and AWS's errors for closing it again or closing the management account.
func TestAWSCLICloseAccount(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	const memberID = "210987654321"
	_, _, memberRoot := cliOrgWithMember(t, s, memberID)
	s.mustCLI(t, memberRoot, nil, "sts", "get-caller-identity")

	type accountOut struct {
		Account struct{ Id, Status, State string }
	}
	describe := func(status, state string) {
		t.Helper()
		var a accountOut
		s.mustCLI(t, rootCreds, &a, "organizations", "describe-account", "--account-id", memberID)
		if a.Account.Status != status || a.Account.State != state {
			t.Fatalf("describe-account: %+v, want Status %s State %s", a.Account, status, state)
		}
	}
	s.mustCLI(t, rootCreds, nil, "organizations", "close-account", "--account-id", memberID)
	describe("PENDING_CLOSURE", "PENDING_CLOSURE")
	o, e, c := s.awsCLI(t, memberRoot, "sts", "get-caller-identity")
	wantCLIError(t, o, e, c, "InvalidClientTokenId", "The security token included in the request is invalid")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "close-account", "--account-id", memberID)
	wantCLIError(t, o, e, c, "ConflictException", "conflicts with the current state")

	s.advance(t, "2m")
	describe("SUSPENDED", "CLOSED")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "close-account", "--account-id", memberID)
	wantCLIError(t, o, e, c, "AccountAlreadyClosedException", "You attempted to close an account that is already closed.")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "close-account", "--account-id", account)
	wantCLIError(t, o, e, c, "ConstraintViolationException", "You attempted to close the management account.")
	o, e, c = s.awsCLI(t, memberRoot, "organizations", "describe-organization")
	wantCLIError(t, o, e, c, "UnrecognizedClientException", "")

	s.mustCLI(t, rootCreds, nil, "organizations", "remove-account-from-organization", "--account-id", memberID)
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "describe-account", "--account-id", memberID)
	wantCLIError(t, o, e, c, "AccountNotFoundException", "")
}
