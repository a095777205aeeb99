package iam_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// credHeader is the header line of the IAM User Guide's "Getting credential reports", byte for byte.
const credHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
	"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
	"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
	"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

// credClock is a settable clock for the service.
type credClock struct{ t time.Time }

func (c *credClock) now() time.Time { return c.t }

// credAccount sets a fixed clock and creates a second account at that time, so the root row's creation time is known.
func credAccount(t *testing.T) (*iam.Service, *iam.Caller, *credClock) {
	t.Helper()
	svc, _ := newService(t)
	clock := &credClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	svc.Now = clock.now
	const acct = "210987654321"
	if _, err := svc.EnsureAccount(context.Background(), acct, "", ""); err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, UserID: acct}
	return svc, root, clock
}

func credGet(t *testing.T, svc *iam.Service, c *iam.Caller) string {
	t.Helper()
	out, err := svc.GetCredentialReport(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if *out.ReportFormat != iamtypes.ReportFormatTypeTextCsv || out.GeneratedTime == nil {
		t.Fatalf("report %+v", out)
	}
	return string(out.Content)
}

func TestCredentialReportHeaderRootRowAndKeyUse(t *testing.T) {
	ctx := context.Background()
	svc, root, clock := credAccount(t)
	t0 := "2026-03-04T05:06:07+00:00"

	_, err := svc.GetCredentialReport(ctx, root)
	wantCode(t, err, "ReportNotPresent")

	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}

	gen, err := svc.GenerateCredentialReport(ctx, root)
	if err != nil || *gen.State != iamtypes.ReportStateTypeSTARTED || *gen.Description != "No report exists. Starting a new report generation task" {
		t.Fatalf("generate: %+v %v", gen, err)
	}
	want := credHeader +
		"<root_account>,arn:aws:iam::210987654321:root," + t0 + ",not_supported,N/A,not_supported,not_supported,false," +
		"true," + t0 + ",N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
		"alice,arn:aws:iam::210987654321:user/alice," + t0 + ",false,N/A,N/A,N/A,false," +
		"true," + t0 + ",N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
	if got := credGet(t, svc, root); got != want {
		t.Fatalf("report:\n%s\nwant:\n%s", got, want)
	}

	// The key is used an hour later; a report younger than four hours is served as it was, COMPLETE.
	clock.t = clock.t.Add(time.Hour)
	if err := svc.RecordKeyUse(ctx, key.AccessKey.AccessKeyId, "s3", "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	gen, err = svc.GenerateCredentialReport(ctx, root)
	if err != nil || *gen.State != iamtypes.ReportStateTypeCOMPLETE || gen.Description != nil {
		t.Fatalf("generate within four hours: %+v %v", gen, err)
	}
	if got := credGet(t, svc, root); got != want {
		t.Fatalf("report regenerated within four hours:\n%s", got)
	}

	// Four hours after generation the report has expired; a new one shows the key's use.
	clock.t = clock.t.Add(3 * time.Hour)
	_, err = svc.GetCredentialReport(ctx, root)
	wantCode(t, err, "ReportExpired")
	gen, err = svc.GenerateCredentialReport(ctx, root)
	if err != nil || *gen.State != iamtypes.ReportStateTypeSTARTED {
		t.Fatalf("regenerate: %+v %v", gen, err)
	}
	got := credGet(t, svc, root)
	wantAlice := "alice,arn:aws:iam::210987654321:user/alice," + t0 + ",false,N/A,N/A,N/A,false," +
		"true," + t0 + ",2026-03-04T06:06:07+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
	if !strings.HasSuffix(got, wantAlice) {
		t.Fatalf("after key use:\n%s\nwant alice row:\n%s", got, wantAlice)
	}
}

func TestCredentialReportPasswordMFAAndCertificateColumns(t *testing.T) {
	ctx := context.Background()
	svc, root, clock := credAccount(t)
	t0 := "2026-03-04T05:06:07+00:00"
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	serial, seed := mfaCreate(t, svc, root, "bob-phone")
	mfaEnable(t, svc, root, &mfaClock{t: clock.t}, "bob", serial, seed)
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("bob"), Password: str("Correct-Horse-9-Battery")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{MaxPasswordAge: ptrInt32(90)}); err != nil {
		t.Fatal(err)
	}
	certPEM, _ := certsMake(t, nil, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := svc.UploadSigningCertificate(ctx, root, &iamtypes.UploadSigningCertificateRequest{UserName: str("bob"), CertificateBody: certPEM}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GenerateCredentialReport(ctx, root); err != nil {
		t.Fatal(err)
	}
	got := credGet(t, svc, root)
	wantBob := "bob,arn:aws:iam::210987654321:user/bob," + t0 + ",true,N/A," + t0 + ",2026-06-02T05:06:07+00:00,true," +
		"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,true," + t0 + ",false,N/A\n"
	if !strings.HasSuffix(got, wantBob) {
		t.Fatalf("report:\n%s\nwant bob row:\n%s", got, wantBob)
	}
}

func ptrInt32(v int32) *int32 { return &v }

func TestCredentialReportDeniedWithoutPolicyChangesNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	_, err := svc.GenerateCredentialReport(ctx, alice)
	wantCode(t, err, "AccessDenied")
	err = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		_, err := r.Setting(ctx, testAccount, "credential-report")
		return err
	})
	if err == nil {
		t.Fatal("a denied GenerateCredentialReport stored a report")
	}
	if _, err := svc.GenerateCredentialReport(ctx, root); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetCredentialReport(ctx, alice)
	wantCode(t, err, "AccessDenied")
}

// credSnapshot returns every entity and the report setting of the test account, to check that a failed call
// changed nothing.
func credSnapshot(t *testing.T, svc *iam.Service) string {
	t.Helper()
	var b strings.Builder
	err := svc.Store.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		for _, k := range []store.Kind{iam.KindUser, iam.KindSSHPublicKey, iam.KindSigningCertificate, iam.KindServerCertificate, iam.KindServiceCredential} {
			page, err := r.List(ctx, store.ListQuery{Account: testAccount, Kind: k})
			if err != nil {
				return err
			}
			for _, e := range page.Entities {
				j, _ := json.Marshal(e)
				b.Write(j)
			}
		}
		v, _ := r.Setting(ctx, testAccount, "credential-report")
		b.Write(v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
