package iam

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// KindMFADevice is the store kind of a virtual MFA device. Its ID and ARN are the device's serial number
// (arn:aws:iam::ACCOUNT:mfa/PATH+NAME, arn:aws:iam::ACCOUNT:mfa/NAME under the path /), so a device is found by serial
// number with GetByID. The entity's name is what follows "mfa/" in it (mfaKey): AWS scopes a virtual MFA device's
// name by its path, so two devices may share a name under different paths.
const KindMFADevice store.Kind = "mfa-device"

// LinkMFADevice joins a user's unique ID to the serial number of each MFA device enabled for the user. DeleteUser
// must refuse a user with such a link ("Cannot delete entity, must delete MFA device first.").
const LinkMFADevice = "mfa-device"

// MaxMFADevicesPerUser is the number of MFA devices AWS lets one user have enabled at once.
const MaxMFADevicesPerUser = 8

// mfaSeedBytes is the size of a virtual device's secret: AWS seeds are 64 base32 characters, i.e. 40 bytes.
const mfaSeedBytes = 40

// Verification windows, in 30-second steps either side of the server's clock (plus the device's drift).
const (
	mfaEnableWindow = 2  // EnableMFADevice: the later of the two codes may be a step old or a step ahead
	mfaResyncWindow = 20 // ResyncMFADevice: up to ten minutes of clock drift
)

// mfaDevice is the stored record of a virtual MFA device. The seed is sealed with the service's box, bound to the
// serial number; it is returned in clear only once, by CreateVirtualMFADevice.
type mfaDevice struct {
	Name         string     `json:"name"`
	Path         string     `json:"path"`
	SerialNumber string     `json:"serial"`
	CreateDate   time.Time  `json:"created"`
	SealedSeed   []byte     `json:"seed"`
	Tags         []Tag      `json:"tags,omitempty"`
	UserID       string     `json:"userId,omitempty"`   // the user the device is enabled for; "" when unassigned
	EnableDate   *time.Time `json:"enabled,omitempty"`  // when it was enabled
	LastStep     int64      `json:"lastStep,omitempty"` // the latest TOTP step accepted; codes at or before it are refused
	Drift        int64      `json:"drift,omitempty"`    // the device clock's offset in steps, learnt by ResyncMFADevice
}

// ErrMFACodeInvalid is returned by VerifyUserMFA and VerifyMFADevice when the code does not verify: wrong, outside
// the window, already used, malformed, or (VerifyMFADevice) for a device that is not the user's. Callers map it to
// their own AWS error (sign-in failure, STS AccessDenied "MultiFactorAuthentication failed, ...").
var ErrMFACodeInvalid = errors.New("iam: MFA authentication code is not valid")

func mfaInvalidCode() error {
	return awserr.New("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
}

func mfaNoSuchDevice(serial string) error {
	return awserr.NoSuchEntity("VirtualMFADevice with serial number %s does not exist.", serial)
}

func mfaInvalidForUser() error { return awserr.NoSuchEntity("MFA Device invalid for user.") }

// mfaGet loads a virtual MFA device of the account by serial number.
func mfaGet(ctx context.Context, r store.Reader, account, serial string) (*store.Entity, *mfaDevice, error) {
	e, err := r.GetByID(ctx, serial)
	if notFound(err) {
		return nil, nil, mfaNoSuchDevice(serial)
	}
	if err != nil {
		return nil, nil, err
	}
	if e.Account != account || e.Kind != KindMFADevice {
		return nil, nil, mfaNoSuchDevice(serial)
	}
	d, err := decode[mfaDevice](e)
	if err != nil {
		return nil, nil, err
	}
	return e, d, nil
}

// mfaKey is a virtual MFA device's name in the store: its path without the leading slash, then its name, as in its
// serial number after "mfa/". The name is unique within its path: the API reference documents VirtualMFADeviceName
// as "The name of the virtual MFA device, which must be unique. Use with path to uniquely identify a virtual MFA
// device.", and AWS's EntityAlreadyExists text is "MFADevice entity at the same path and name already exists." Within
// a path names are compared without regard to case, as the store compares every IAM name.
func mfaKey(path, name string) string {
	return strings.TrimPrefix(path, "/") + name
}

func mfaPut(ctx context.Context, tx store.Tx, e *store.Entity, d *mfaDevice) error {
	e.Data = encode(d)
	return tx.Update(ctx, e)
}

// mfaSeed opens a device's sealed seed.
func (s *Service) mfaSeed(d *mfaDevice) ([]byte, error) {
	seed, err := s.Box.Open(d.SealedSeed, []byte(d.SerialNumber))
	if err != nil {
		return nil, errorf("open seed of MFA device %s: %w", d.SerialNumber, err)
	}
	return seed, nil
}

// mfaAuthorizeDevice authorizes an action on a device (resource type "mfa"), with its tags as resource tags.
func (s *Service) mfaAuthorizeDevice(ctx context.Context, r store.Reader, c *Caller, action string, d *mfaDevice, actx policy.Context) error {
	if actx == nil {
		actx = policy.Context{}
	}
	resourceTagContext(actx, d.Tags)
	return s.Authorize(ctx, r, c, Authorization{Action: action, Resource: d.SerialNumber, Context: actx})
}

// mfaFindForTag loads a device for a tag operation; when it does not exist the caller must still be allowed the
// action on the serial number it named before learning so.
func (s *Service) mfaFindForTag(ctx context.Context, r store.Reader, c *Caller, action, serial string) (*store.Entity, *mfaDevice, error) {
	e, d, err := mfaGet(ctx, r, c.Account(), serial)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: serial}); aerr != nil {
				return nil, nil, aerr
			}
		}
		return nil, nil, err
	}
	return e, d, nil
}

// mfaUser resolves the user an operation names, by default the calling user, and authorizes the action on the
// user's ARN (resource type "user"). It returns nil for the root user calling without a user name: the root user's
// own devices, of which iamd keeps none.
func (s *Service) mfaUser(ctx context.Context, r store.Reader, c *Caller, action, name string) (*User, error) {
	acct := c.Account()
	if name == "" {
		switch {
		case c.IsRoot():
			return nil, s.Authorize(ctx, r, c, Authorization{Action: action, Resource: authzRoot(c.Partition(), acct)})
		case c.Principal.Type == authz.PrincipalUser && c.Name != "":
			name = c.Name
		default:
			return nil, awserr.ValidationError("Must specify userName when calling with non-User credentials")
		}
	}
	u, err := getUser(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			// Authorize against the ARN the user would have, so a denied caller learns nothing.
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "user", "/", name)}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	actx := policy.Context{}
	resourceTagContext(actx, u.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return u, nil
}

// mfaAccountName is how the QR code names the account: its alias, or else its ID.
func mfaAccountName(ctx context.Context, r store.Reader, account string) (string, error) {
	page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindAccountAlias, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(page.Entities) > 0 {
		return page.Entities[0].Name, nil
	}
	return account, nil
}

// mfaOTPAuthURI is the key URI a virtual MFA app reads from the QR code, in the form the IAM API reference gives:
// otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String.
func mfaOTPAuthURI(deviceName, accountName, base32Seed string) string {
	return "otpauth://totp/" + url.PathEscape(deviceName+"@"+accountName) + "?secret=" + base32Seed
}

// mfaQRCodePNG renders text as a QR code PNG about 250 pixels wide, the size of AWS's.
func mfaQRCodePNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, err
	}
	code.Scale = max(4, (250+code.Size+7)/(code.Size+8)) // the image has a 4-module quiet zone on each side
	return code.PNG(), nil
}

var mfaBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// CreateVirtualMFADevice creates an unassigned virtual MFA device with a new random seed. The seed, as base32 text,
// and a QR code of its key URI are returned only here; the seed is stored sealed.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, c *Caller, in *iamtypes.CreateVirtualMFADeviceRequest) (*iamtypes.CreateVirtualMFADeviceResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	seed := make([]byte, mfaSeedBytes)
	if _, err := rand.Read(seed); err != nil {
		return nil, internal(err)
	}
	b32 := mfaBase32.EncodeToString(seed)
	serial := arnFor(c.Partition(), acct, "mfa", path, in.VirtualMFADeviceName)
	d := &mfaDevice{Name: in.VirtualMFADeviceName, Path: path, SerialNumber: serial, CreateDate: s.Now().UTC().Truncate(time.Second),
		SealedSeed: s.Box.Seal(seed, []byte(serial)), Tags: tags}
	var accountName string
	var dev *iamtypes.VirtualMFADevice
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateVirtualMFADevice", Resource: serial, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagMFADevice", Resource: serial, Context: actx}); err != nil {
				return err
			}
		}
		var err error
		if accountName, err = mfaAccountName(ctx, tx, acct); err != nil {
			return err
		}
		e := &store.Entity{Account: acct, Kind: KindMFADevice, Name: mfaKey(path, d.Name), Path: path, ID: serial, ARN: serial, Created: d.CreateDate, Data: encode(d)}
		if err := tx.Insert(ctx, e); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreateVirtualMFADeviceResponse {
		// The QR code is drawn once the change committed, outside the write lock; until then it is empty but
		// present, which is all the change's event records of it (hidden, as the seed).
		dev = &iamtypes.VirtualMFADevice{SerialNumber: serial, Base32StringSeed: []byte(b32), QRCodePNG: []byte{}, Tags: tagShapes(tags)}
		return &iamtypes.CreateVirtualMFADeviceResponse{VirtualMFADevice: dev}
	})
	if err != nil {
		return nil, internal(err)
	}
	if dev.QRCodePNG, err = mfaQRCodePNG(mfaOTPAuthURI(d.Name, accountName, b32)); err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// EnableMFADevice assigns a virtual MFA device to a user once the user proves to hold it with two consecutive codes.
func (s *Service) EnableMFADevice(ctx context.Context, c *Caller, in *iamtypes.EnableMFADeviceRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.mfaUser(ctx, tx, c, "iam:EnableMFADevice", in.UserName)
		if err != nil {
			return err
		}
		e, d, err := mfaGet(ctx, tx, acct, in.SerialNumber)
		if err != nil {
			return err
		}
		if owner, err := mfaAssignedUser(ctx, tx, d); err != nil {
			return err
		} else if owner != nil {
			return awserr.EntityAlreadyExists("MFA Device is already in use.")
		}
		if d.UserID != "" { // assigned to a user deleted since
			if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice, To: d.SerialNumber}); err != nil {
				return err
			}
		}
		n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice, From: u.UserID})
		if err != nil {
			return err
		}
		if n >= MaxMFADevicesPerUser {
			return awserr.LimitExceeded("Cannot exceed quota for MFADevicesPerUser: %d", MaxMFADevicesPerUser)
		}
		seed, err := s.mfaSeed(d)
		if err != nil {
			return err
		}
		// the codes come from the user's authenticator, on the real time; the enable date is on iamd's clock
		step, ok := totpMatchPair(seed, in.AuthenticationCode1, in.AuthenticationCode2, totpStep(s.RealTime()), mfaEnableWindow, d.LastStep)
		if !ok {
			return mfaInvalidCode()
		}
		enabled := s.Now().UTC().Truncate(time.Second)
		d.UserID, d.EnableDate, d.LastStep, d.Drift = u.UserID, &enabled, step, 0
		if err := mfaPut(ctx, tx, e, d); err != nil {
			return err
		}
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkMFADevice, From: u.UserID, To: d.SerialNumber, Created: enabled})
	})
	return internal(err)
}

// mfaAssignedUser returns the user a device is enabled for, or nil when it is unassigned. A device whose user was
// deleted without deactivating it first (which DeleteUser should refuse) counts as unassigned.
func mfaAssignedUser(ctx context.Context, r store.Reader, d *mfaDevice) (*User, error) {
	if d.UserID == "" {
		return nil, nil
	}
	e, err := r.GetByID(ctx, d.UserID)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.Kind != KindUser {
		return nil, nil
	}
	return decode[User](e)
}

// mfaUserDevice loads a device enabled for the user, or NoSuchEntity.
func mfaUserDevice(ctx context.Context, r store.Reader, account string, u *User, serial string) (*store.Entity, *mfaDevice, error) {
	if u == nil {
		return nil, nil, mfaInvalidForUser()
	}
	e, d, err := mfaGet(ctx, r, account, serial)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, nil, mfaInvalidForUser()
		}
		return nil, nil, err
	}
	if d.UserID != u.UserID {
		return nil, nil, mfaInvalidForUser()
	}
	return e, d, nil
}

// DeactivateMFADevice unassigns an MFA device from a user (by default the caller); the device remains and can be
// enabled again or deleted.
func (s *Service) DeactivateMFADevice(ctx context.Context, c *Caller, in *iamtypes.DeactivateMFADeviceRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.mfaUser(ctx, tx, c, "iam:DeactivateMFADevice", str(in.UserName, ""))
		if err != nil {
			return err
		}
		e, d, err := mfaUserDevice(ctx, tx, acct, u, in.SerialNumber)
		if err != nil {
			return err
		}
		d.UserID, d.EnableDate, d.Drift = "", nil, 0 // LastStep stays: the codes already used stay used
		if err := mfaPut(ctx, tx, e, d); err != nil {
			return err
		}
		return tx.Unlink(ctx, store.Link{Account: acct, Kind: LinkMFADevice, From: u.UserID, To: d.SerialNumber})
	})
	return internal(err)
}

// ResyncMFADevice resynchronizes a user's device whose clock has drifted: two consecutive codes are looked for over
// a wider window, and the offset found is kept for later verifications.
func (s *Service) ResyncMFADevice(ctx context.Context, c *Caller, in *iamtypes.ResyncMFADeviceRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.mfaUser(ctx, tx, c, "iam:ResyncMFADevice", in.UserName)
		if err != nil {
			return err
		}
		e, d, err := mfaUserDevice(ctx, tx, acct, u, in.SerialNumber)
		if err != nil {
			return err
		}
		seed, err := s.mfaSeed(d)
		if err != nil {
			return err
		}
		now := totpStep(s.RealTime()) // authenticator apps run on the real time
		step, ok := totpMatchPair(seed, in.AuthenticationCode1, in.AuthenticationCode2, now, mfaResyncWindow, d.LastStep)
		if !ok {
			return mfaInvalidCode()
		}
		d.LastStep, d.Drift = step, step-now
		return mfaPut(ctx, tx, e, d)
	})
	return internal(err)
}

// DeleteVirtualMFADevice deletes an unassigned virtual MFA device.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, c *Caller, in *iamtypes.DeleteVirtualMFADeviceRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		e, d, err := s.mfaFindForTag(ctx, tx, c, "iam:DeleteVirtualMFADevice", in.SerialNumber)
		if err != nil {
			return err
		}
		if err := s.mfaAuthorizeDevice(ctx, tx, c, "iam:DeleteVirtualMFADevice", d, nil); err != nil {
			return err
		}
		u, err := mfaAssignedUser(ctx, tx, d)
		if err != nil {
			return err
		}
		if u != nil {
			return awserr.DeleteConflict("MFA VirtualDevice in use. Must deactivate first.")
		}
		if d.UserID != "" { // assigned to a user deleted since: the link is all that is left of it
			if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice, To: d.SerialNumber}); err != nil {
				return err
			}
		}
		return tx.Delete(ctx, acct, KindMFADevice, e.Name)
	})
	return internal(err)
}

// ListMFADevices lists the MFA devices enabled for a user, by default the caller; the root user's own list is empty.
func (s *Service) ListMFADevices(ctx context.Context, c *Caller, in *iamtypes.ListMFADevicesRequest) (*iamtypes.ListMFADevicesResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListMFADevicesResponse{MFADevices: []iamtypes.MFADevice{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		u, err := s.mfaUser(ctx, r, c, "iam:ListMFADevices", str(in.UserName, ""))
		if err != nil || u == nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice, From: u.UserID})
		if err != nil {
			return err
		}
		for _, l := range links {
			if pa.after != "" && l.To <= pa.after {
				continue
			}
			if len(out.MFADevices) == pa.limit {
				out.IsTruncated, out.Marker = nextMarker(out.MFADevices[len(out.MFADevices)-1].SerialNumber)
				return nil
			}
			_, d, err := mfaGet(ctx, r, acct, l.To)
			if err != nil {
				return errorf("MFA device %s of user %s: %w", l.To, u.UserName, err)
			}
			out.MFADevices = append(out.MFADevices, iamtypes.MFADevice{UserName: u.UserName, SerialNumber: d.SerialNumber, EnableDate: mfaEnableDate(d)})
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

func mfaEnableDate(d *mfaDevice) time.Time {
	if d.EnableDate == nil {
		return time.Time{}
	}
	return *d.EnableDate
}

// ListVirtualMFADevices lists the account's virtual MFA devices, assigned, unassigned or both (the default), a page
// at a time, with the user of each assigned one.
func (s *Service) ListVirtualMFADevices(ctx context.Context, c *Caller, in *iamtypes.ListVirtualMFADevicesRequest) (*iamtypes.ListVirtualMFADevicesResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	status := iamtypes.AssignmentStatusTypeAny
	if in.AssignmentStatus != nil {
		status = *in.AssignmentStatus
	}
	out := &iamtypes.ListVirtualMFADevicesResponse{VirtualMFADevices: []iamtypes.VirtualMFADevice{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListVirtualMFADevices", Resource: "*"}); err != nil {
			return err
		}
		// The store cannot filter on assignment, so read on from the marker and filter here; an account holds
		// few devices.
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindMFADevice, After: pa.after})
		if err != nil {
			return err
		}
		last := ""
		for _, e := range page.Entities {
			d, err := decode[mfaDevice](e)
			if err != nil {
				return err
			}
			u, err := mfaAssignedUser(ctx, r, d)
			if err != nil {
				return err
			}
			assigned := u != nil
			if status == iamtypes.AssignmentStatusTypeAssigned && !assigned || status == iamtypes.AssignmentStatusTypeUnassigned && assigned {
				continue
			}
			if len(out.VirtualMFADevices) == pa.limit {
				out.IsTruncated, out.Marker = nextMarker(last)
				return nil
			}
			v := iamtypes.VirtualMFADevice{SerialNumber: d.SerialNumber, Tags: tagShapes(d.Tags)}
			if assigned {
				us := userShape(u, false)
				v.User, v.EnableDate = &us, d.EnableDate
			}
			out.VirtualMFADevices = append(out.VirtualMFADevices, v)
			last = strings.ToLower(e.Name)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// GetMFADevice returns an MFA device enabled for a user, by default the caller.
func (s *Service) GetMFADevice(ctx context.Context, c *Caller, in *iamtypes.GetMFADeviceRequest) (*iamtypes.GetMFADeviceResponse, error) {
	acct := c.Account()
	var out *iamtypes.GetMFADeviceResponse
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		u, err := s.mfaUser(ctx, r, c, "iam:GetMFADevice", str(in.UserName, ""))
		if err != nil {
			return err
		}
		_, d, err := mfaUserDevice(ctx, r, acct, u, in.SerialNumber)
		if err != nil {
			return err
		}
		out = &iamtypes.GetMFADeviceResponse{UserName: ptr(u.UserName), SerialNumber: d.SerialNumber, EnableDate: d.EnableDate}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// mfaTagged is a virtual MFA device with the store entity it is saved back into.
type mfaTagged struct {
	e *store.Entity
	d *mfaDevice
}

// mfaDeviceTagging describes virtual MFA devices for tagEntity; a missing device is authorized against the serial
// number asked for, without the request's keys.
func mfaDeviceTagging() taggable[mfaTagged] {
	return taggable[mfaTagged]{tagAction: "iam:TagMFADevice", untagAction: "iam:UntagMFADevice", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, serial string, actx policy.Context) (*mfaTagged, error) {
			e, d, err := s.mfaFindForTag(ctx, r, c, action, serial)
			if err != nil {
				return nil, err
			}
			if err := s.mfaAuthorizeDevice(ctx, r, c, action, d, actx); err != nil {
				return nil, err
			}
			return &mfaTagged{e: e, d: d}, nil
		},
		tags: func(m *mfaTagged) *[]Tag { return &m.d.Tags },
		save: func(ctx context.Context, tx store.Tx, _ string, m *mfaTagged) error { return mfaPut(ctx, tx, m.e, m.d) },
	}
}

// TagMFADevice adds or replaces tags on a virtual MFA device.
func (s *Service) TagMFADevice(ctx context.Context, c *Caller, in *iamtypes.TagMFADeviceRequest) error {
	return tagEntity(ctx, s, c, mfaDeviceTagging(), in.SerialNumber, in.Tags)
}

// UntagMFADevice removes tags from a virtual MFA device.
func (s *Service) UntagMFADevice(ctx context.Context, c *Caller, in *iamtypes.UntagMFADeviceRequest) error {
	return untagEntity(ctx, s, c, mfaDeviceTagging(), in.SerialNumber, in.TagKeys)
}

// ListMFADeviceTags lists a virtual MFA device's tags, a page at a time.
func (s *Service) ListMFADeviceTags(ctx context.Context, c *Caller, in *iamtypes.ListMFADeviceTagsRequest) (*iamtypes.ListMFADeviceTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		_, d, err := s.mfaFindForTag(ctx, r, c, "iam:ListMFADeviceTags", in.SerialNumber)
		if err != nil {
			return nil, err
		}
		if err := s.mfaAuthorizeDevice(ctx, r, c, "iam:ListMFADeviceTags", d, nil); err != nil {
			return nil, err
		}
		return d.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListMFADeviceTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// VerifyUserMFA checks an authentication code against the MFA devices enabled for a user, for sign-in. It runs in
// the caller's write transaction because a code that verifies is used up: its step is recorded on the device, and
// that code and any earlier one are refused from then on, so the record stands only if the caller's transaction
// commits (a sign-in that fails afterwards for another reason rolls it back).
//
// It returns hasDevice false and a nil error when the user has no MFA device enabled (the code is not looked at);
// hasDevice true and a nil error when the code verifies on one of the devices (now ±1 step, after the device's drift);
// hasDevice true and ErrMFACodeInvalid when it does not (wrong, expired, replayed or not six digits). A user that
// does not exist gives the NoSuchEntity *awserr.Error; anything else is an internal error.
func (s *Service) VerifyUserMFA(ctx context.Context, tx store.Tx, account, userName, code string) (hasDevice bool, err error) {
	u, err := getUser(ctx, tx, account, userName)
	if err != nil {
		return false, err
	}
	links, err := tx.Links(ctx, store.LinkQuery{Account: account, Kind: LinkMFADevice, From: u.UserID})
	if err != nil || len(links) == 0 {
		return false, err
	}
	serials := make([]string, len(links))
	for i, l := range links {
		serials[i] = l.To
	}
	return true, s.mfaVerify(ctx, tx, account, u, serials, code)
}

// VerifyMFADevice checks an authentication code from one device, named by serial number, that must be enabled for
// the user: the check GetSessionToken and AssumeRole make with SerialNumber and TokenCode. Like VerifyUserMFA it
// records the step in the caller's transaction. It returns nil, ErrMFACodeInvalid (also when the device does not
// exist or is not the user's), NoSuchEntity for a user that does not exist, or an internal error.
func (s *Service) VerifyMFADevice(ctx context.Context, tx store.Tx, account, userName, serialNumber, code string) error {
	u, err := getUser(ctx, tx, account, userName)
	if err != nil {
		return err
	}
	return s.mfaVerify(ctx, tx, account, u, []string{serialNumber}, code)
}

func (s *Service) mfaVerify(ctx context.Context, tx store.Tx, account string, u *User, serials []string, code string) error {
	if _, ok := totpParseCode(code); !ok {
		return ErrMFACodeInvalid
	}
	now := totpStep(s.RealTime()) // authenticator apps run on the real time
	for _, serial := range serials {
		e, d, err := mfaUserDevice(ctx, tx, account, u, serial)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				continue
			}
			return err
		}
		seed, err := s.mfaSeed(d)
		if err != nil {
			return err
		}
		if step, ok := totpMatch(seed, code, now+d.Drift, 1, d.LastStep); ok {
			d.LastStep = step
			return mfaPut(ctx, tx, e, d)
		}
	}
	return ErrMFACodeInvalid
}
