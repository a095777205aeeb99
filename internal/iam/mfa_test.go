package iam_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// mfaClock is a settable clock for the service.
type mfaClock struct{ t time.Time }

func (c *mfaClock) now() time.Time { return c.t }

// mfaSetup returns a service on a fixed clock, its root caller and the clock.
func mfaSetup(t *testing.T) (*iam.Service, *iam.Caller, *mfaClock) {
	t.Helper()
	svc, root := newService(t)
	clk := &mfaClock{t: time.Unix(1_800_000_000, 0).UTC()}
	svc.Now = clk.now
	return svc, root, clk
}

// mfaDevice creates a virtual device and returns its serial number and seed.
func mfaCreate(t *testing.T, svc *iam.Service, c *iam.Caller, name string) (string, []byte) {
	t.Helper()
	out, err := svc.CreateVirtualMFADevice(context.Background(), c, &iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: name})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(out.VirtualMFADevice.Base32StringSeed))
	if err != nil {
		t.Fatal(err)
	}
	return out.VirtualMFADevice.SerialNumber, seed
}

// mfaCode is the device's code at the clock's time plus steps.
func mfaCode(seed []byte, clk *mfaClock, steps int64) string {
	return iam.TOTPCode(seed, iam.TOTPStep(clk.t)+steps, 6)
}

func mfaEnable(t *testing.T, svc *iam.Service, root *iam.Caller, clk *mfaClock, user, serial string, seed []byte) {
	t.Helper()
	err := svc.EnableMFADevice(context.Background(), root, &iamtypes.EnableMFADeviceRequest{UserName: user, SerialNumber: serial,
		AuthenticationCode1: mfaCode(seed, clk, -1), AuthenticationCode2: mfaCode(seed, clk, 0)})
	if err != nil {
		t.Fatal(err)
	}
}

func mfaListVirtual(t *testing.T, svc *iam.Service, c *iam.Caller, status iamtypes.AssignmentStatusType) []iamtypes.VirtualMFADevice {
	t.Helper()
	in := &iamtypes.ListVirtualMFADevicesRequest{}
	if status != "" {
		in.AssignmentStatus = &status
	}
	out, err := svc.ListVirtualMFADevices(context.Background(), c, in)
	if err != nil {
		t.Fatal(err)
	}
	return out.VirtualMFADevices
}

func TestCreateVirtualMFADeviceReturnsSeedAndQRCodeOnce(t *testing.T) {
	svc, root, _ := mfaSetup(t)
	ctx := context.Background()
	out, err := svc.CreateVirtualMFADevice(ctx, root, &iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "alice-phone", Path: str("/team/"),
		Tags: []iamtypes.Tag{{Key: "owner", Value: "alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.VirtualMFADevice
	if want := "arn:aws:iam::" + testAccount + ":mfa/team/alice-phone"; d.SerialNumber != want {
		t.Errorf("serial = %s, want %s", d.SerialNumber, want)
	}
	if len(d.Base32StringSeed) != 64 {
		t.Errorf("seed has %d base32 characters, want 64 as AWS's", len(d.Base32StringSeed))
	}
	if seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(d.Base32StringSeed)); err != nil || len(seed) != 40 {
		t.Errorf("seed does not decode to 40 bytes: %d, %v", len(seed), err)
	}
	img, err := png.Decode(bytes.NewReader(d.QRCodePNG))
	if err != nil {
		t.Fatalf("QRCodePNG is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 150 || b.Dx() > 600 {
		t.Errorf("QR code image is %v, want a square of about 250 pixels", b)
	}
	if len(d.Tags) != 1 {
		t.Errorf("tags = %v", d.Tags)
	}
	// The seed is never returned again.
	for _, v := range mfaListVirtual(t, svc, root, "") {
		if v.Base32StringSeed != nil || v.QRCodePNG != nil {
			t.Errorf("ListVirtualMFADevices returned the seed")
		}
	}
}

func TestCreateVirtualMFADeviceErrors(t *testing.T) {
	svc, root, _ := mfaSetup(t)
	ctx := context.Background()
	mfaCreate(t, svc, root, "taken")
	bob := userCaller(t, svc, root, "bob")
	cases := []struct {
		name   string
		caller *iam.Caller
		in     iamtypes.CreateVirtualMFADeviceRequest
		code   string
	}{
		{"name taken", root, iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "taken"}, "EntityAlreadyExists"},
		{"name taken in other case", root, iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "TAKEN"}, "EntityAlreadyExists"},
		{"name taken in other case under the same path given", root, iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "Taken", Path: str("/")}, "EntityAlreadyExists"},
		{"duplicate tag keys", root, iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "d", Tags: []iamtypes.Tag{{Key: "a"}, {Key: "A"}}}, "InvalidInput"},
		{"user without a policy", bob, iamtypes.CreateVirtualMFADeviceRequest{VirtualMFADeviceName: "bob"}, "AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.CreateVirtualMFADevice(ctx, c.caller, &c.in)
			wantCode(t, err, c.code)
		})
	}
	if n := len(mfaListVirtual(t, svc, root, "Any")); n != 1 {
		t.Errorf("%d devices after failed creates, want 1", n)
	}
}

// TestVirtualMFADeviceNamesAreScopedByPath checks how AWS scopes a virtual MFA device's name: by its path. The serial
// number is arn:aws:iam::ACCOUNT:mfa/ followed by the path without its leading slash and the name; a name taken under
// one path is free under another ("Use with path to uniquely identify a virtual MFA device", says the API reference),
// and taken under the same path it is refused with AWS's text, "MFADevice entity at the same path and name already
// exists." (as in CloudTrail records of a refused CreateVirtualMFADevice). Deleting one leaves the other.
func TestVirtualMFADeviceNamesAreScopedByPath(t *testing.T) {
	svc, root, _ := mfaSetup(t)
	ctx := context.Background()
	create := func(path *string, name string) (string, error) {
		out, err := svc.CreateVirtualMFADevice(ctx, root, &iamtypes.CreateVirtualMFADeviceRequest{Path: path, VirtualMFADeviceName: name})
		if err != nil {
			return "", err
		}
		return out.VirtualMFADevice.SerialNumber, nil
	}
	prefix := "arn:aws:iam::" + testAccount + ":mfa/"
	serials := map[string]string{}
	for _, tc := range []struct {
		path       *string
		name, want string
	}{
		{nil, "phone", prefix + "phone"},
		{str("/team/"), "phone", prefix + "team/phone"},
		{str("/team/sub/"), "phone", prefix + "team/sub/phone"},
		{str("/team/"), "phone2", prefix + "team/phone2"},
	} {
		got, err := create(tc.path, tc.name)
		if err != nil || got != tc.want {
			t.Fatalf("create %v %s: %q, %v; want %q", tc.path, tc.name, got, err, tc.want)
		}
		serials[got] = tc.name
	}
	_, err := create(str("/team/"), "Phone")
	wantCode(t, err, "EntityAlreadyExists")
	if err == nil || !strings.Contains(err.Error(), "MFADevice entity at the same path and name already exists.") {
		t.Errorf("duplicate under the same path: %v", err)
	}
	list := mfaListVirtual(t, svc, root, "Any")
	if len(list) != len(serials) {
		t.Fatalf("listed %d devices, want %d", len(list), len(serials))
	}
	for _, d := range list {
		if _, ok := serials[d.SerialNumber]; !ok {
			t.Errorf("listed unknown device %s", d.SerialNumber)
		}
	}
	if err := svc.DeleteVirtualMFADevice(ctx, root, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: prefix + "team/phone"}); err != nil {
		t.Fatal(err)
	}
	left := mfaListVirtual(t, svc, root, "Any")
	for _, d := range left {
		if d.SerialNumber == prefix+"team/phone" {
			t.Fatal("deleted device still listed")
		}
	}
	if len(left) != len(serials)-1 {
		t.Fatalf("%d devices left, want %d", len(left), len(serials)-1)
	}
	if _, err := create(str("/team/"), "phone"); err != nil {
		t.Fatalf("the deleted device's name is free again under its path: %v", err)
	}
}

func TestEnableMFADeviceAssignsDeviceAfterTwoConsecutiveCodes(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	userCaller(t, svc, root, "alice")
	serial, seed := mfaCreate(t, svc, root, "alice")
	mfaEnable(t, svc, root, clk, "alice", serial, seed)

	got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeAssigned)
	if len(got) != 1 || got[0].User == nil || got[0].User.UserName != "alice" || got[0].EnableDate == nil || !got[0].EnableDate.Equal(clk.t) {
		t.Fatalf("assigned devices = %+v", got)
	}
	if got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeUnassigned); len(got) != 0 {
		t.Errorf("unassigned devices = %+v", got)
	}
	list, err := svc.ListMFADevices(ctx, root, &iamtypes.ListMFADevicesRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.MFADevices) != 1 || list.MFADevices[0].SerialNumber != serial || list.MFADevices[0].UserName != "alice" {
		t.Errorf("ListMFADevices = %+v", list.MFADevices)
	}
	g, err := svc.GetMFADevice(ctx, root, &iamtypes.GetMFADeviceRequest{SerialNumber: serial, UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if g.SerialNumber != serial || *g.UserName != "alice" || g.EnableDate == nil {
		t.Errorf("GetMFADevice = %+v", g)
	}
}

func TestEnableMFADeviceErrors(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "carol")
	serial, seed := mfaCreate(t, svc, root, "dev")
	used, usedSeed := mfaCreate(t, svc, root, "used")
	mfaEnable(t, svc, root, clk, "carol", used, usedSeed)
	code := func(steps int64) string { return mfaCode(seed, clk, steps) }
	cases := []struct {
		name         string
		caller       *iam.Caller
		user, serial string
		code1, code2 string
		want         string
	}{
		{"wrong codes", root, "bob", serial, "000000", "111111", "InvalidAuthenticationCode"},
		{"same code twice", root, "bob", serial, code(0), code(0), "InvalidAuthenticationCode"},
		{"codes in the wrong order", root, "bob", serial, code(0), code(-1), "InvalidAuthenticationCode"},
		{"codes too old", root, "bob", serial, code(-5), code(-4), "InvalidAuthenticationCode"},
		{"no such user", root, "nobody", serial, code(-1), code(0), "NoSuchEntity"},
		{"no such device", root, "bob", "arn:aws:iam::" + testAccount + ":mfa/none", code(-1), code(0), "NoSuchEntity"},
		{"device of another account", root, "bob", "arn:aws:iam::210987654321:mfa/dev", code(-1), code(0), "NoSuchEntity"},
		{"device already in use", root, "bob", used, mfaCode(usedSeed, clk, 1), mfaCode(usedSeed, clk, 2), "EntityAlreadyExists"},
		{"user without a policy", bob, "bob", serial, code(-1), code(0), "AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := svc.EnableMFADevice(ctx, c.caller, &iamtypes.EnableMFADeviceRequest{UserName: c.user, SerialNumber: c.serial,
				AuthenticationCode1: c.code1, AuthenticationCode2: c.code2})
			wantCode(t, err, c.want)
		})
	}
	if got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeUnassigned); len(got) != 1 || got[0].SerialNumber != serial {
		t.Errorf("failed enables changed the device: unassigned = %+v", got)
	}
}

func TestEnableMFADeviceLimitsUserToEightDevices(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	userCaller(t, svc, root, "alice")
	for i := range iam.MaxMFADevicesPerUser {
		serial, seed := mfaCreate(t, svc, root, "d"+string(rune('a'+i)))
		mfaEnable(t, svc, root, clk, "alice", serial, seed)
	}
	serial, seed := mfaCreate(t, svc, root, "ninth")
	err := svc.EnableMFADevice(context.Background(), root, &iamtypes.EnableMFADeviceRequest{UserName: "alice", SerialNumber: serial,
		AuthenticationCode1: mfaCode(seed, clk, -1), AuthenticationCode2: mfaCode(seed, clk, 0)})
	wantCode(t, err, "LimitExceeded")
}

// mfaVerify runs VerifyUserMFA in a transaction of its own.
func mfaVerify(t *testing.T, svc *iam.Service, user, code string) (bool, error) {
	t.Helper()
	var has bool
	var verr error
	err := svc.Store.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		has, verr = svc.VerifyUserMFA(ctx, tx, testAccount, user, code)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return has, verr
}

func TestVerifyUserMFAAcceptsCurrentCodeOnce(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	userCaller(t, svc, root, "alice")
	userCaller(t, svc, root, "nomfa")
	serial, seed := mfaCreate(t, svc, root, "alice")
	mfaEnable(t, svc, root, clk, "alice", serial, seed)

	if has, err := mfaVerify(t, svc, "nomfa", "123456"); has || err != nil {
		t.Errorf("user without device: (%v, %v), want (false, nil)", has, err)
	}
	// The code used to enable the device cannot be used again.
	if has, err := mfaVerify(t, svc, "alice", mfaCode(seed, clk, 0)); !has || !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("replayed enable code: (%v, %v)", has, err)
	}
	clk.t = clk.t.Add(30 * time.Second)
	code := mfaCode(seed, clk, 0)
	if has, err := mfaVerify(t, svc, "alice", code); !has || err != nil {
		t.Fatalf("current code: (%v, %v), want (true, nil)", has, err)
	}
	if _, err := mfaVerify(t, svc, "alice", code); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("replayed code: %v, want ErrMFACodeInvalid", err)
	}
	clk.t = clk.t.Add(90 * time.Second)
	if _, err := mfaVerify(t, svc, "alice", mfaCode(seed, clk, -2)); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("code two steps old: %v, want ErrMFACodeInvalid", err)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, err := mfaVerify(t, svc, "alice", bad); !errors.Is(err, iam.ErrMFACodeInvalid) {
			t.Errorf("code %q: %v, want ErrMFACodeInvalid", bad, err)
		}
	}
	if _, err := mfaVerify(t, svc, "nobody", "123456"); err == nil {
		t.Errorf("no such user: nil error")
	}
	// VerifyMFADevice checks one named device.
	clk.t = clk.t.Add(30 * time.Second)
	err := svc.Store.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		if err := svc.VerifyMFADevice(ctx, tx, testAccount, "alice", serial+"x", mfaCode(seed, clk, 0)); !errors.Is(err, iam.ErrMFACodeInvalid) {
			t.Errorf("other serial: %v, want ErrMFACodeInvalid", err)
		}
		return svc.VerifyMFADevice(ctx, tx, testAccount, "alice", serial, mfaCode(seed, clk, 0))
	})
	if err != nil {
		t.Errorf("VerifyMFADevice: %v", err)
	}
}

func TestResyncMFADeviceLearnsDrift(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	serial, seed := mfaCreate(t, svc, root, "alice")
	mfaEnable(t, svc, root, clk, "alice", serial, seed)
	clk.t = clk.t.Add(30 * time.Second)
	// The device runs five steps (2.5 minutes) fast.
	resync := func(c *iam.Caller, user, serial, c1, c2 string) error {
		return svc.ResyncMFADevice(ctx, c, &iamtypes.ResyncMFADeviceRequest{UserName: user, SerialNumber: serial, AuthenticationCode1: c1, AuthenticationCode2: c2})
	}
	for _, c := range []struct {
		name, user, serial, c1, c2, want string
		caller                           *iam.Caller
	}{
		{"wrong codes", "alice", serial, "000000", "000001", "InvalidAuthenticationCode", root},
		{"not consecutive", "alice", serial, mfaCode(seed, clk, 5), mfaCode(seed, clk, 7), "InvalidAuthenticationCode", root},
		{"beyond the window", "alice", serial, mfaCode(seed, clk, 40), mfaCode(seed, clk, 41), "InvalidAuthenticationCode", root},
		{"device not the user's", "bob", serial, mfaCode(seed, clk, 4), mfaCode(seed, clk, 5), "NoSuchEntity", root},
		{"no such user", "nobody", serial, mfaCode(seed, clk, 4), mfaCode(seed, clk, 5), "NoSuchEntity", root},
		{"user without a policy", "alice", serial, mfaCode(seed, clk, 4), mfaCode(seed, clk, 5), "AccessDenied", bob},
	} {
		t.Run(c.name, func(t *testing.T) { wantCode(t, resync(c.caller, c.user, c.serial, c.c1, c.c2), c.want) })
	}
	if _, err := mfaVerify(t, svc, "alice", mfaCode(seed, clk, 6)); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("drifted code before resync: %v, want ErrMFACodeInvalid", err)
	}
	if err := resync(root, "alice", serial, mfaCode(seed, clk, 4), mfaCode(seed, clk, 5)); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(30 * time.Second)
	if _, err := mfaVerify(t, svc, "alice", mfaCode(seed, clk, 5)); err != nil {
		t.Errorf("drifted code after resync: %v", err)
	}
}

func TestDeactivateAndDeleteVirtualMFADevice(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	alice := userCaller(t, svc, root, "alice")
	serial, seed := mfaCreate(t, svc, root, "alice")
	mfaEnable(t, svc, root, clk, "alice", serial, seed)
	none := "arn:aws:iam::" + testAccount + ":mfa/none"

	wantCode(t, svc.DeleteVirtualMFADevice(ctx, root, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: serial}), "DeleteConflict")
	wantCode(t, svc.DeleteVirtualMFADevice(ctx, root, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: none}), "NoSuchEntity")
	wantCode(t, svc.DeleteVirtualMFADevice(ctx, bob, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: serial}), "AccessDenied")
	for _, c := range []struct {
		name   string
		caller *iam.Caller
		user   *string
		serial string
		want   string
	}{
		{"device of another user", root, str("bob"), serial, "NoSuchEntity"},
		{"no such device", root, str("alice"), none, "NoSuchEntity"},
		{"no such user", root, str("nobody"), serial, "NoSuchEntity"},
		{"user without a policy", alice, nil, serial, "AccessDenied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, svc.DeactivateMFADevice(ctx, c.caller, &iamtypes.DeactivateMFADeviceRequest{UserName: c.user, SerialNumber: c.serial}), c.want)
		})
	}
	if got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeAssigned); len(got) != 1 {
		t.Fatalf("failed deactivations changed the device: %+v", got)
	}
	if err := svc.DeactivateMFADevice(ctx, root, &iamtypes.DeactivateMFADeviceRequest{UserName: str("alice"), SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
	if got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeUnassigned); len(got) != 1 || got[0].User != nil || got[0].EnableDate != nil {
		t.Errorf("after deactivation unassigned = %+v", got)
	}
	if has, err := mfaVerify(t, svc, "alice", "123456"); has || err != nil {
		t.Errorf("after deactivation VerifyUserMFA = (%v, %v)", has, err)
	}
	if err := svc.DeleteVirtualMFADevice(ctx, root, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
	if got := mfaListVirtual(t, svc, root, ""); len(got) != 0 {
		t.Errorf("after delete devices = %+v", got)
	}
}

func TestListMFADevicesDefaultsToCaller(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	alice := userCaller(t, svc, root, "alice")
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "mfa",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListMFADevices","iam:GetMFADevice"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a1", "a2", "a3"} {
		serial, seed := mfaCreate(t, svc, root, n)
		mfaEnable(t, svc, root, clk, "alice", serial, seed)
	}
	out, err := svc.ListMFADevices(ctx, alice, &iamtypes.ListMFADevicesRequest{MaxItems: ptr32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MFADevices) != 2 || !*out.IsTruncated || out.Marker == nil {
		t.Fatalf("first page = %+v", out)
	}
	out2, err := svc.ListMFADevices(ctx, alice, &iamtypes.ListMFADevicesRequest{Marker: out.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if len(out2.MFADevices) != 1 || *out2.IsTruncated || out2.MFADevices[0].SerialNumber == out.MFADevices[1].SerialNumber {
		t.Fatalf("second page = %+v", out2)
	}
	if _, err := svc.GetMFADevice(ctx, alice, &iamtypes.GetMFADeviceRequest{SerialNumber: out2.MFADevices[0].SerialNumber}); err != nil {
		t.Errorf("GetMFADevice of own device: %v", err)
	}
	userCaller(t, svc, root, "bob")
	_, err = svc.ListMFADevices(ctx, alice, &iamtypes.ListMFADevicesRequest{UserName: str("bob")})
	wantCode(t, err, "AccessDenied")
	_, err = svc.ListMFADevices(ctx, root, &iamtypes.ListMFADevicesRequest{UserName: str("nobody")})
	wantCode(t, err, "NoSuchEntity")
	rootList, err := svc.ListMFADevices(ctx, root, &iamtypes.ListMFADevicesRequest{})
	if err != nil || len(rootList.MFADevices) != 0 {
		t.Errorf("root's own list = %+v, %v", rootList, err)
	}
}

func ptr32(v int32) *int32 { return &v }

func TestListVirtualMFADevicesFiltersAndPages(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		serial, seed := mfaCreate(t, svc, root, n)
		if n == "b" || n == "d" {
			mfaEnable(t, svc, root, clk, "alice", serial, seed)
		}
	}
	for _, c := range []struct {
		status iamtypes.AssignmentStatusType
		want   int
	}{{"", 5}, {"Any", 5}, {"Assigned", 2}, {"Unassigned", 3}} {
		if got := mfaListVirtual(t, svc, root, c.status); len(got) != c.want {
			t.Errorf("status %q: %d devices, want %d", c.status, len(got), c.want)
		}
	}
	var names []string
	status := iamtypes.AssignmentStatusTypeUnassigned
	in := &iamtypes.ListVirtualMFADevicesRequest{AssignmentStatus: &status, MaxItems: ptr32(2)}
	for {
		out, err := svc.ListVirtualMFADevices(ctx, root, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.VirtualMFADevices {
			names = append(names, d.SerialNumber[len(d.SerialNumber)-1:])
		}
		if !*out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	if got := len(names); got != 3 || names[0] != "a" || names[1] != "c" || names[2] != "e" {
		t.Errorf("paged unassigned = %v, want [a c e]", names)
	}
	_, err := svc.ListVirtualMFADevices(ctx, bob, &iamtypes.ListVirtualMFADevicesRequest{})
	wantCode(t, err, "AccessDenied")
}

func TestMFADeviceTags(t *testing.T) {
	svc, root, _ := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	serial, _ := mfaCreate(t, svc, root, "dev")
	none := "arn:aws:iam::" + testAccount + ":mfa/none"
	if err := svc.TagMFADevice(ctx, root, &iamtypes.TagMFADeviceRequest{SerialNumber: serial, Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UntagMFADevice(ctx, root, &iamtypes.UntagMFADeviceRequest{SerialNumber: serial, TagKeys: []string{"A"}}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.ListMFADeviceTags(ctx, root, &iamtypes.ListMFADeviceTagsRequest{SerialNumber: serial})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || out.Tags[0].Key != "b" {
		t.Errorf("tags = %+v", out.Tags)
	}
	wantCode(t, svc.TagMFADevice(ctx, root, &iamtypes.TagMFADeviceRequest{SerialNumber: none, Tags: []iamtypes.Tag{{Key: "a"}}}), "NoSuchEntity")
	wantCode(t, svc.TagMFADevice(ctx, root, &iamtypes.TagMFADeviceRequest{SerialNumber: serial, Tags: []iamtypes.Tag{{Key: "x"}, {Key: "X"}}}), "InvalidInput")
	wantCode(t, svc.UntagMFADevice(ctx, root, &iamtypes.UntagMFADeviceRequest{SerialNumber: none, TagKeys: []string{"a"}}), "NoSuchEntity")
	_, err = svc.ListMFADeviceTags(ctx, root, &iamtypes.ListMFADeviceTagsRequest{SerialNumber: none})
	wantCode(t, err, "NoSuchEntity")
	wantCode(t, svc.TagMFADevice(ctx, bob, &iamtypes.TagMFADeviceRequest{SerialNumber: serial, Tags: []iamtypes.Tag{{Key: "c"}}}), "AccessDenied")
	_, err = svc.ListMFADeviceTags(ctx, bob, &iamtypes.ListMFADeviceTagsRequest{SerialNumber: serial})
	wantCode(t, err, "AccessDenied")
	if out, _ := svc.ListMFADeviceTags(ctx, root, &iamtypes.ListMFADeviceTagsRequest{SerialNumber: serial}); len(out.Tags) != 1 {
		t.Errorf("failed tag calls changed tags: %+v", out.Tags)
	}
}

func TestVirtualMFADeviceOfDeletedUserCountsAsUnassigned(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	userCaller(t, svc, root, "alice")
	serial, seed := mfaCreate(t, svc, root, "alice")
	mfaEnable(t, svc, root, clk, "alice", serial, seed)
	// A user removed behind the device's back (DeleteUser is to refuse users with MFA devices).
	if err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.Delete(ctx, testAccount, iam.KindUser, "alice")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mfaListVirtual(t, svc, root, iamtypes.AssignmentStatusTypeUnassigned); len(got) != 1 || got[0].User != nil {
		t.Fatalf("unassigned = %+v", got)
	}
	if err := svc.DeleteVirtualMFADevice(ctx, root, &iamtypes.DeleteVirtualMFADeviceRequest{SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
}
