package iamapi

import (
	"context"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/trailjson/trailtest"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// trailTime is when the outputs of trailDomain were made: CloudTrail writes it "Oct 6, 2025, 3:04:05 PM".
var trailTime = time.Date(2025, 10, 6, 15, 4, 5, 0, time.UTC)

// trailDomain answers the operations of the trail golden cases with fixed outputs holding secrets.
type trailDomain struct{}

func (trailDomain) CreateUser(_ context.Context, _ *iam.Caller, in *iamtypes.CreateUserRequest) (*iamtypes.CreateUserResponse, error) {
	return &iamtypes.CreateUserResponse{User: &iamtypes.User{Path: "/", UserName: in.UserName, UserId: "AIDACKCEVSQ6C2EXAMPLE",
		Arn: "arn:aws:iam::123456789012:user/" + in.UserName, CreateDate: trailTime, Tags: in.Tags}}, nil
}

func (trailDomain) GetUser(_ context.Context, _ *iam.Caller, _ *iamtypes.GetUserRequest) (*iamtypes.GetUserResponse, error) {
	return &iamtypes.GetUserResponse{User: &iamtypes.User{Path: "/", UserName: "alice", UserId: "AIDACKCEVSQ6C2EXAMPLE",
		Arn: "arn:aws:iam::123456789012:user/alice", CreateDate: trailTime, PasswordLastUsed: &trailTime}}, nil
}

func (trailDomain) CreateAccessKey(_ context.Context, _ *iam.Caller, _ *iamtypes.CreateAccessKeyRequest) (*iamtypes.CreateAccessKeyResponse, error) {
	return &iamtypes.CreateAccessKeyResponse{AccessKey: &iamtypes.AccessKey{UserName: "alice", AccessKeyId: "AKIAIOSFODNN7EXAMPLE",
		Status: iamtypes.StatusTypeActive, SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", CreateDate: &trailTime}}, nil
}

func (trailDomain) CreateLoginProfile(_ context.Context, _ *iam.Caller, in *iamtypes.CreateLoginProfileRequest) (*iamtypes.CreateLoginProfileResponse, error) {
	return &iamtypes.CreateLoginProfileResponse{LoginProfile: &iamtypes.LoginProfile{UserName: *in.UserName, CreateDate: trailTime,
		PasswordResetRequired: in.PasswordResetRequired}}, nil
}

func (trailDomain) ChangePassword(context.Context, *iam.Caller, *iamtypes.ChangePasswordRequest) error {
	return nil
}

func (trailDomain) CreateVirtualMFADevice(_ context.Context, _ *iam.Caller, in *iamtypes.CreateVirtualMFADeviceRequest) (*iamtypes.CreateVirtualMFADeviceResponse, error) {
	return &iamtypes.CreateVirtualMFADeviceResponse{VirtualMFADevice: &iamtypes.VirtualMFADevice{
		SerialNumber: "arn:aws:iam::123456789012:mfa/" + in.VirtualMFADeviceName, Base32StringSeed: []byte("JBSWY3DPEHPK3PXP"),
		QRCodePNG: []byte("\x89PNG\r\n\x1a\n")}}, nil
}

func (trailDomain) EnableMFADevice(context.Context, *iam.Caller, *iamtypes.EnableMFADeviceRequest) error {
	return nil
}

func (trailDomain) UploadServerCertificate(_ context.Context, _ *iam.Caller, in *iamtypes.UploadServerCertificateRequest) (*iamtypes.UploadServerCertificateResponse, error) {
	return &iamtypes.UploadServerCertificateResponse{ServerCertificateMetadata: &iamtypes.ServerCertificateMetadata{Path: "/",
		ServerCertificateName: in.ServerCertificateName, ServerCertificateId: "ASCACKCEVSQ6C2EXAMPLE",
		Arn: "arn:aws:iam::123456789012:server-certificate/" + in.ServerCertificateName, UploadDate: &trailTime}}, nil
}

func (trailDomain) CreateServiceSpecificCredential(_ context.Context, _ *iam.Caller, in *iamtypes.CreateServiceSpecificCredentialRequest) (*iamtypes.CreateServiceSpecificCredentialResponse, error) {
	return &iamtypes.CreateServiceSpecificCredentialResponse{ServiceSpecificCredential: &iamtypes.ServiceSpecificCredential{
		CreateDate: trailTime, ServiceName: in.ServiceName, ServiceUserName: ptr(in.UserName + "-at-123456789012"),
		ServicePassword: ptr("xTBAr/czp+D3EXAMPLE47lrJ2ms="), ServiceSpecificCredentialId: "ACCA12345ABCDEXAMPLE",
		UserName: in.UserName, Status: iamtypes.StatusTypeActive}}, nil
}

// trailCasesGolden: an IAM request, as the AWS CLI sends it, and the golden file of what the trail shows of it
// (testdata/trail/<name>.json; the members named after the operations' models, secrets hidden as in the IAM
// User Guide's "Logging IAM and AWS STS API calls with AWS CloudTrail").
var trailCasesGolden = []struct{ name, action, form, secret string }{
	{"create_user", "CreateUser", "UserName=alice&Path=%2F&Tags.member.1.Key=team&Tags.member.1.Value=blue+%2B+green", ""},
	{"get_user_no_parameters", "GetUser", "", ""},
	{"create_access_key", "CreateAccessKey", "UserName=alice", "wJalrXUtnFEMI"},
	{"create_login_profile", "CreateLoginProfile", "UserName=alice&Password=Sup3r%2Bsecret%21&PasswordResetRequired=true", "Sup3r"},
	{"change_password", "ChangePassword", "OldPassword=Old-pass-1&NewPassword=New-pass-2", "pass-"},
	{"create_virtual_mfa_device", "CreateVirtualMFADevice", "VirtualMFADeviceName=alice-phone", "JBSWY3DPEHPK3PXP"},
	{"enable_mfa_device", "EnableMFADevice", "UserName=alice&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice-phone&AuthenticationCode1=314159&AuthenticationCode2=271828", "314159"},
	{"upload_server_certificate", "UploadServerCertificate", "ServerCertificateName=web&CertificateBody=-----BEGIN+CERTIFICATE-----MIIC-----END+CERTIFICATE-----&PrivateKey=-----BEGIN+RSA+PRIVATE+KEY-----MIIEsecret-----END+RSA+PRIVATE+KEY-----", "MIIEsecret"},
	{"create_service_specific_credential", "CreateServiceSpecificCredential", "UserName=alice&ServiceName=codecommit.amazonaws.com", "xTBAr"},
}

// TestTrailGolden runs each case's operation through its generated Call with a Trail in the context and compares
// the event's requestParameters and responseElements with the golden file; no secret the case names is in them.
func TestTrailGolden(t *testing.T) {
	ops := dispatch.Index(Operations(struct {
		UnimplementedIAM
		trailDomain
	}{}, trailDomain{}))
	for _, tc := range trailCasesGolden {
		t.Run(tc.name, func(t *testing.T) {
			trailtest.QueryGolden(t, ops, iamtypes.XMLNamespace, tc.name, tc.action, tc.form, *update, []string{tc.secret})
		})
	}
}
