package server_test

import "testing"

// TestAWSCLIServicePrincipalsAWSHas: trusted access and delegated administrators with the AWS CLI take only the
// service principals AWS has.
func TestAWSCLIServicePrincipalsAWSHas(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	const memberID = "210987654321"
	cliOrgWithMember(t, s, memberID)

	s.mustCLI(t, rootCreds, nil, "organizations", "enable-aws-service-access", "--service-principal", "tagpolicies.tag.amazonaws.com")
	o, e, c := s.awsCLI(t, rootCreds, "organizations", "enable-aws-service-access", "--service-principal", "nosuchservice.amazonaws.com")
	wantCLIError(t, o, e, c, "InvalidInputException", "You specified an unrecognized service principal.")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "register-delegated-administrator", "--account-id", memberID,
		"--service-principal", "nosuchservice.amazonaws.com")
	wantCLIError(t, o, e, c, "InvalidInputException", "You specified an unrecognized service principal.")
	// Without trusted access, no delegated administrator (AWS's SERVICE_ACCESS_NOT_ENABLED).
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "register-delegated-administrator", "--account-id", memberID,
		"--service-principal", "securityhub.amazonaws.com")
	wantCLIError(t, o, e, c, "ConstraintViolationException", "You must enable service access before you delegate an administrator for this service.")
	s.mustCLI(t, rootCreds, nil, "organizations", "enable-aws-service-access", "--service-principal", "securityhub.amazonaws.com")
	s.mustCLI(t, rootCreds, nil, "organizations", "register-delegated-administrator", "--account-id", memberID,
		"--service-principal", "securityhub.amazonaws.com")
}
