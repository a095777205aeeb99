package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// credReportSetting is the per-account setting that holds the last generated credential report.
const credReportSetting = "credential-report"

// credReportMaxAge is how long a report is served without being regenerated: AWS generates a credential report at
// most once every four hours and hands back the latest one until then.
const credReportMaxAge = 4 * time.Hour

// credReportHeader is the report's header line, the 22 columns of the IAM User Guide's "Getting credential reports".
var credReportHeader = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// Values of the report's cells as AWS writes them.
const (
	credNA            = "N/A"
	credNotSupported  = "not_supported"
	credNoInformation = "no_information" // a password last used before AWS tracked it (October 2014): never the case here
	credRootUser      = "<root_account>"
)

// CredentialReport is the stored credential report of an account.
type CredentialReport struct {
	Generated time.Time `json:"generated"`
	CSV       []byte    `json:"csv"`
}

// credTime formats a report time as AWS does: ISO 8601 in UTC with a +00:00 offset, to the second.
func credTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func credBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// credLoadReport reads the account's stored report; nil when there is none.
func credLoadReport(ctx context.Context, r store.Reader, account string) (*CredentialReport, error) {
	v, err := r.Setting(ctx, account, credReportSetting)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rep CredentialReport
	if err := json.Unmarshal(v, &rep); err != nil {
		return nil, errorf("decode credential report: %w", err)
	}
	return &rep, nil
}

// GenerateCredentialReport generates the account's credential report, unless one younger than four hours exists.
// The report is built at once; the first call answers STARTED as AWS does when it starts a generation, and calls
// while the report is fresh answer COMPLETE.
func (s *Service) GenerateCredentialReport(ctx context.Context, c *Caller) (*iamtypes.GenerateCredentialReportResponse, error) {
	acct := c.Account()
	out := &iamtypes.GenerateCredentialReportResponse{}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:GenerateCredentialReport", Resource: "*"}); err != nil {
			return err
		}
		now := s.Now().UTC().Truncate(time.Second)
		old, err := credLoadReport(ctx, tx, acct)
		if err != nil {
			return err
		}
		if old != nil && now.Sub(old.Generated) < credReportMaxAge {
			out.State = ptr(iamtypes.ReportStateTypeCOMPLETE)
			return nil
		}
		body, err := s.credBuildReport(ctx, tx, acct)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, acct, credReportSetting, encode(CredentialReport{Generated: now, CSV: body})); err != nil {
			return err
		}
		out.State = ptr(iamtypes.ReportStateTypeSTARTED)
		out.Description = ptr("No report exists. Starting a new report generation task")
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// GetCredentialReport returns the account's latest credential report as CSV.
func (s *Service) GetCredentialReport(ctx context.Context, c *Caller) (*iamtypes.GetCredentialReportResponse, error) {
	acct := c.Account()
	var rep *CredentialReport
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetCredentialReport", Resource: "*"}); err != nil {
			return err
		}
		var err error
		rep, err = credLoadReport(ctx, r, acct)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	if rep == nil {
		return nil, awserr.New("ReportNotPresent", 410, "Credential report not present")
	}
	if s.Now().Sub(rep.Generated) >= credReportMaxAge {
		return nil, awserr.New("ReportExpired", 410, "The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.")
	}
	return &iamtypes.GetCredentialReportResponse{Content: rep.CSV, ReportFormat: ptr(iamtypes.ReportFormatTypeTextCsv), GeneratedTime: ptr(rep.Generated)}, nil
}

// credKeyCols are the five columns of one access key.
type credKeyCols struct {
	active, rotated, usedDate, usedRegion, usedService string
}

var credNoKey = credKeyCols{"false", credNA, credNA, credNA, credNA}

// credCertCols are the two columns of one signing certificate.
type credCertCols struct{ active, rotated string }

var credNoCert = credCertCols{"false", credNA}

// credBuildReport writes the report: the header, the root user's row, then one row per user in name order.
func (s *Service) credBuildReport(ctx context.Context, r store.Reader, account string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(credReportHeader); err != nil {
		return nil, err
	}
	created, err := s.accountCreated(ctx, r, account)
	if err != nil {
		return nil, err
	}
	rootKeys, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindRootKey})
	if err != nil {
		return nil, err
	}
	var rkeys []credKeyCols
	rootKeyEntities := append([]*store.Entity(nil), rootKeys.Entities...)
	sort.SliceStable(rootKeyEntities, func(i, j int) bool { return rootKeyEntities[i].Created.Before(rootKeyEntities[j].Created) })
	for _, e := range rootKeyEntities {
		k, err := decode[RootKey](e)
		if err != nil {
			return nil, err
		}
		cols := credKeyCols{credBool(!k.Inactive), credTime(k.CreateDate), credNA, credNA, credNA}
		when, service, region, err := s.keyLastUse(ctx, r, account, k.AccessKeyID, k.LastUsedDate, k.LastService, k.LastRegion)
		if err != nil {
			return nil, err
		}
		if when != nil {
			cols = credKeyCols{credBool(!k.Inactive), credTime(k.CreateDate), credTime(*when), region, service}
		}
		rkeys = append(rkeys, cols)
	}
	rcerts, err := s.credCertColumns(ctx, r, account, sigcertRootParent)
	if err != nil {
		return nil, err
	}
	root, err := s.rootARN(ctx, r, account)
	if err != nil {
		return nil, err
	}
	row := []string{credRootUser, root, credTime(created), credNotSupported, credRootPasswordLastUsed(),
		credNotSupported, credNotSupported, credBool(credRootMFAActive())}
	if err := w.Write(credAppendCols(row, rkeys, rcerts)); err != nil {
		return nil, err
	}

	pol, err := pwpolicyLoad(ctx, r, account)
	if err != nil {
		return nil, err
	}
	page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindUser})
	if err != nil {
		return nil, err
	}
	for _, ue := range page.Entities {
		u, err := decode[User](ue)
		if err != nil {
			return nil, err
		}
		pw, err := s.credPasswordColumns(ctx, r, account, u, pol)
		if err != nil {
			return nil, err
		}
		mfa, err := s.credUserMFAActive(ctx, r, account, u)
		if err != nil {
			return nil, err
		}
		keys, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindAccessKey, Parent: strings.ToLower(u.UserName)})
		if err != nil {
			return nil, err
		}
		kes := append([]*store.Entity(nil), keys.Entities...)
		sort.SliceStable(kes, func(i, j int) bool { return kes[i].Created.Before(kes[j].Created) })
		var kcols []credKeyCols
		for _, e := range kes {
			k, err := decode[AccessKey](e)
			if err != nil {
				return nil, err
			}
			kc := credKeyCols{credBool(k.Status == keysActive), credTime(k.CreateDate), credNA, credNA, credNA}
			when, service, region, err := s.keyLastUse(ctx, r, account, k.AccessKeyID, k.LastUsedDate, k.LastService, k.LastRegion)
			if err != nil {
				return nil, err
			}
			if when != nil {
				kc.usedDate = credTime(*when)
				kc.usedRegion, kc.usedService = region, service
			}
			kcols = append(kcols, kc)
		}
		certs, err := s.credCertColumns(ctx, r, account, strings.ToLower(u.UserName))
		if err != nil {
			return nil, err
		}
		row := append([]string{u.UserName, u.ARN, credTime(u.CreateDate)}, pw[:]...)
		row = append(row, credBool(mfa))
		if err := w.Write(credAppendCols(row, kcols, certs)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// credAppendCols appends the two access keys' and two certificates' columns, oldest first.
func credAppendCols(row []string, keys []credKeyCols, certs []credCertCols) []string {
	for i := range 2 {
		k := credNoKey
		if i < len(keys) {
			k = keys[i]
		}
		row = append(row, k.active, k.rotated, k.usedDate, k.usedRegion, k.usedService)
	}
	for i := range 2 {
		c := credNoCert
		if i < len(certs) {
			c = certs[i]
		}
		row = append(row, c.active, c.rotated)
	}
	return row
}

// credCertColumns reads the signing certificates of an owner (a user's lower-cased name, or the root's marker),
// oldest first.
func (s *Service) credCertColumns(ctx context.Context, r store.Reader, account, parent string) ([]credCertCols, error) {
	page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindSigningCertificate, Parent: parent})
	if err != nil {
		return nil, err
	}
	es := append([]*store.Entity(nil), page.Entities...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Created.Before(es[j].Created) })
	var out []credCertCols
	for _, e := range es {
		sc, err := decode[SigningCert](e)
		if err != nil {
			return nil, err
		}
		out = append(out, credCertCols{credBool(sc.Status == keysActive), credTime(sc.UploadDate)})
	}
	return out, nil
}

// credPasswordColumns returns password_enabled, password_last_used, password_last_changed and
// password_next_rotation of a user, from its login profile (passwords.go) and the account's password policy.
func (s *Service) credPasswordColumns(ctx context.Context, r store.Reader, account string, u *User, pol *PasswordPolicy) ([4]string, error) {
	prof, err := passwordsProfile(ctx, r, account, u.UserName)
	if err != nil || prof == nil {
		return [4]string{"false", credNA, credNA, credNA}, err
	}
	out := [4]string{"true", credNA, credTime(prof.PasswordChanged), credNA}
	if u.PasswordLastUsed != nil {
		out[1] = credTime(*u.PasswordLastUsed)
	}
	if pol != nil && pol.MaxPasswordAge > 0 {
		out[3] = credTime(prof.PasswordChanged.Add(time.Duration(pol.MaxPasswordAge) * 24 * time.Hour))
	}
	return out, nil
}

// credRootPasswordLastUsed is the root row's password_last_used: iamd has no root console sign-in, so never.
func credRootPasswordLastUsed() string { return credNA }

// credUserMFAActive reports whether a user has an MFA device enabled (mfa.go links enabled devices to the user).
func (s *Service) credUserMFAActive(ctx context.Context, r store.Reader, account string, u *User) (bool, error) {
	n, err := r.CountLinks(ctx, store.LinkQuery{Account: account, Kind: LinkMFADevice, From: u.UserID})
	return n > 0, err
}

// credRootMFAActive reports whether the root user has an MFA device enabled: mfa.go enables devices for IAM users
// only, so never.
func credRootMFAActive() bool { return false }
