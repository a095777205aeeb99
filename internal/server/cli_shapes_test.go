package server_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLIGetUserAsRoot checks aws iam get-user without --user-name under the root user's key: AWS answers with
// the account ID as UserId, the root ARN and the account's creation date, and no Path and no UserName (a real boto3
// answer in grycap/scar#180: {'UserId': '712755113868', 'Arn': 'arn:aws:iam::712755113868:root', 'CreateDate': ...,
// 'PasswordLastUsed': ...}).
func TestAWSCLIGetUserAsRoot(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_shapes_test.go")
	var got struct{ User map[string]any }
	s.mustCLI(t, rootCreds, &got, "iam", "get-user")
	if got.User["UserId"] != account || got.User["Arn"] != "arn:aws:iam::"+account+":root" {
		t.Fatalf("get-user as root: %v; want UserId %s and the root ARN", got.User, account)
	}
	if d, _ := got.User["CreateDate"].(string); d == "" {
		t.Errorf("get-user as root: no CreateDate in %v", got.User)
	}
	// AWS leaves Path and UserName out. The domain leaves them empty (they are required strings of the User shape,
	// never empty otherwise), and the query encoder leaves out a required string whose model minimum is 1 when it
	// is empty.
	for _, k := range []string{"Path", "UserName"} {
		if v, ok := got.User[k]; ok {
			t.Errorf("get-user as root: %s is %q; AWS leaves it out", k, v)
		}
	}
}

// TestAWSCLIDeleteOpenIDConnectProviderIsIdempotent checks that aws iam delete-open-id-connect-provider succeeds for a
// provider that does not exist (the API reference: "This operation is idempotent; it does not fail or return an
// error if you call the operation for a provider that does not exist."), and that a caller without the permission
// is still refused.
func TestAWSCLIDeleteOpenIDConnectProviderIsIdempotent(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_shapes_test.go")
	var created struct{ OpenIDConnectProviderArn string }
	s.mustCLI(t, rootCreds, &created, "iam", "create-open-id-connect-provider", "--url", "https://idempotent.example.com",
		"--client-id-list", "app", "--thumbprint-list", strings.Repeat("0f", 20))
	for _, arn := range []string{
		created.OpenIDConnectProviderArn,
		created.OpenIDConnectProviderArn, // deleted already
		"arn:aws:iam::" + account + ":oidc-provider/never.example.com",
	} {
		s.mustCLI(t, rootCreds, nil, "iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
	}
	var list struct{ OpenIDConnectProviderList []struct{ Arn string } }
	s.mustCLI(t, rootCreds, &list, "iam", "list-open-id-connect-providers")
	for _, p := range list.OpenIDConnectProviderList {
		if p.Arn == created.OpenIDConnectProviderArn {
			t.Fatalf("provider %s still listed", p.Arn)
		}
	}
	nobody := s.userWithPolicy(t, "oidc-nobody", "")
	_, errOut, code := s.awsCLI(t, nobody, "iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn",
		"arn:aws:iam::"+account+":oidc-provider/never.example.com")
	if code == 0 || !strings.Contains(errOut, "(AccessDenied)") {
		t.Fatalf("delete by a user without a policy: exit %d %s; want AccessDenied", code, errOut)
	}
}

// TestAWSCLIVirtualMFADeviceNamesAreScopedByPath checks with aws iam create-virtual-mfa-device that a device's name
// is unique within its path: the same name under another path is a new device whose serial number carries the path,
// and under the same path it is refused with AWS's text.
func TestAWSCLIVirtualMFADeviceNamesAreScopedByPath(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_shapes_test.go")
	dir := t.TempDir()
	create := func(path, name string) (string, string, int) {
		args := []string{"iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", name,
			"--outfile", filepath.Join(dir, strings.Trim(path, "/")+name+".png"), "--bootstrap-method", "QRCodePNG"}
		if path != "" {
			args = append(args, "--path", path)
		}
		return s.awsCLI(t, rootCreds, args...)
	}
	prefix := "arn:aws:iam::" + account + ":mfa/"
	for _, tc := range []struct{ path, want string }{{"", prefix + "scoped"}, {"/team/", prefix + "team/scoped"}} {
		out, errOut, code := create(tc.path, "scoped")
		if code != 0 || !strings.Contains(out, `"SerialNumber": "`+tc.want+`"`) {
			t.Fatalf("create under %q: exit %d\n%s%s", tc.path, code, out, errOut)
		}
	}
	_, errOut, code := create("/team/", "Scoped")
	if code == 0 || !strings.Contains(errOut, "(EntityAlreadyExists)") || !strings.Contains(errOut, "MFADevice entity at the same path and name already exists.") {
		t.Fatalf("same name under the same path: exit %d %s", code, errOut)
	}
}
