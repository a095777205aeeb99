package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// KindServiceCredential is the entity kind of a service-specific credential. Name and ID are its ACCA... ID; Parent
// is the owner's lower-cased user name.
const KindServiceCredential store.Kind = "service-specific-credential"

// MaxServiceCredentialsPerUserPerService is AWS's quota of service-specific credentials per user and service.
const MaxServiceCredentialsPerUserPerService = 2

// svccredsServices are the services that take a user name and password credential.
var svccredsServices = map[string]bool{
	"codecommit.amazonaws.com": true,
	"cassandra.amazonaws.com":  true,
}

// ServiceCredential is the stored record of a service-specific credential. The password is sealed with the
// service's box, bound to the credential's ID, so that the service it is for can verify it later (OpenPassword).
type ServiceCredential struct {
	ID              string    `json:"id"`
	UserName        string    `json:"user"`
	ServiceName     string    `json:"service"`
	ServiceUserName string    `json:"serviceUser"`
	SealedPassword  []byte    `json:"password"`
	Status          string    `json:"status"`
	CreateDate      time.Time `json:"created"`
}

func svccredsNoSuch(id string) error {
	return awserr.NoSuchEntity("No such credential %s exists", id)
}

// svccredsPassword returns a new random password: 32 random bytes in standard base64 (44 characters).
func svccredsPassword() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// svccredsOwner resolves and authorizes the user whose credentials an operation works on. The root user has none:
// without a user name it must name one.
func (s *Service) svccredsOwner(ctx context.Context, r store.Reader, c *Caller, action string, userName *string, actx policy.Context) (*User, error) {
	acct := c.Account()
	name := str(userName, "")
	if name == "" {
		if c.IsRoot() || c.Name == "" {
			return nil, awserr.ValidationError("Must specify userName when calling with non-User credentials")
		}
		name = c.Name
	}
	u, err := getUser(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "user", "/", name), Context: actx}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	if actx == nil {
		actx = policy.Context{}
	}
	resourceTagContext(actx, u.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return u, nil
}

// svccredsFind loads a credential of a user (the service name is known only once it is loaded, so authorization
// with iam:ServiceSpecificCredentialServiceName happens after).
func svccredsFind(ctx context.Context, r store.Reader, account, user, id string) (*store.Entity, *ServiceCredential, error) {
	e, err := r.Get(ctx, account, KindServiceCredential, id)
	if notFound(err) || (err == nil && e.Parent != strings.ToLower(user)) {
		return nil, nil, svccredsNoSuch(id)
	}
	if err != nil {
		return nil, nil, err
	}
	sc, err := decode[ServiceCredential](e)
	if err != nil {
		return nil, nil, err
	}
	return e, sc, nil
}

func svccredsShape(sc *ServiceCredential, password string) *iamtypes.ServiceSpecificCredential {
	return &iamtypes.ServiceSpecificCredential{CreateDate: sc.CreateDate, ServiceName: sc.ServiceName, ServiceUserName: ptr(sc.ServiceUserName),
		ServicePassword: ptr(password), ServiceSpecificCredentialId: sc.ID, UserName: sc.UserName, Status: iamtypes.StatusType(sc.Status)}
}

// svccredsTarget resolves the user and the credential an operation names, authorizing the action on the user with
// the credential's service name in the context. For an unknown credential the action is authorized without it.
func (s *Service) svccredsTarget(ctx context.Context, r store.Reader, c *Caller, action string, userName *string, id string) (*store.Entity, *ServiceCredential, error) {
	acct := c.Account()
	name := str(userName, "")
	if name == "" && !c.IsRoot() {
		name = c.Name
	}
	var e *store.Entity
	var sc *ServiceCredential
	actx := policy.Context{}
	if name != "" {
		var err error
		e, sc, err = svccredsFind(ctx, r, acct, name, id)
		if err != nil {
			if _, ok := awserr.As(err); !ok {
				return nil, nil, err
			}
		} else {
			actx.Set("iam:ServiceSpecificCredentialServiceName", sc.ServiceName)
		}
	}
	if _, err := s.svccredsOwner(ctx, r, c, action, userName, actx); err != nil {
		return nil, nil, err
	}
	if sc == nil {
		return nil, nil, svccredsNoSuch(id)
	}
	return e, sc, nil
}

// CreateServiceSpecificCredential creates a user name and password for a user to sign in to one service
// (CodeCommit, Amazon Keyspaces). The password is returned only here and by ResetServiceSpecificCredential.
func (s *Service) CreateServiceSpecificCredential(ctx context.Context, c *Caller, in *iamtypes.CreateServiceSpecificCredentialRequest) (*iamtypes.CreateServiceSpecificCredentialResponse, error) {
	acct := c.Account()
	var out *ServiceCredential
	password := svccredsPassword()
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		actx.Set("iam:ServiceSpecificCredentialServiceName", in.ServiceName)
		if in.CredentialAgeDays != nil {
			actx.Set("iam:ServiceSpecificCredentialAgeDays", fmt.Sprint(*in.CredentialAgeDays))
		}
		u, err := s.svccredsOwner(ctx, tx, c, "iam:CreateServiceSpecificCredential", &in.UserName, actx)
		if err != nil {
			return err
		}
		if !svccredsServices[in.ServiceName] {
			return awserr.New("NotSupportedService", 404, "The specified service is not supported: %s", in.ServiceName)
		}
		if in.CredentialAgeDays != nil {
			return awserr.InvalidInput("CredentialAgeDays is only supported for Bedrock API keys and CloudWatch Logs API keys.")
		}
		page, err := tx.List(ctx, store.ListQuery{Account: acct, Kind: KindServiceCredential, Parent: strings.ToLower(u.UserName)})
		if err != nil {
			return err
		}
		taken := map[string]bool{}
		n := 0
		for _, e := range page.Entities {
			sc, err := decode[ServiceCredential](e)
			if err != nil {
				return err
			}
			if sc.ServiceName == in.ServiceName {
				n++
				taken[strings.ToLower(sc.ServiceUserName)] = true
			}
		}
		if n >= MaxServiceCredentialsPerUserPerService {
			return awserr.LimitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", MaxServiceCredentialsPerUserPerService)
		}
		// The first credential of a user for a service is USER-at-ACCOUNT, the next USER+1-at-ACCOUNT.
		serviceUser := u.UserName + "-at-" + acct
		for i := 1; taken[strings.ToLower(serviceUser)]; i++ {
			serviceUser = fmt.Sprintf("%s+%d-at-%s", u.UserName, i, acct)
		}
		sc := &ServiceCredential{ID: secret.NewID("ACCA", 21), UserName: u.UserName, ServiceName: in.ServiceName, ServiceUserName: serviceUser,
			Status: keysActive, CreateDate: s.Now().UTC().Truncate(time.Second)}
		sc.SealedPassword = s.Box.Seal([]byte(password), []byte(sc.ID))
		if err := tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindServiceCredential, Name: sc.ID, Path: "/", ID: sc.ID, ARN: u.ARN,
			Parent: strings.ToLower(u.UserName), Created: sc.CreateDate, Data: encode(sc)}); err != nil {
			return errorf("store service-specific credential: %w", err)
		}
		out = sc
		return nil
	}, func() *iamtypes.CreateServiceSpecificCredentialResponse {
		return &iamtypes.CreateServiceSpecificCredentialResponse{ServiceSpecificCredential: svccredsShape(out, password)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// ListServiceSpecificCredentials lists a user's service-specific credentials (by default the caller's), optionally
// for one service, without passwords.
func (s *Service) ListServiceSpecificCredentials(ctx context.Context, c *Caller, in *iamtypes.ListServiceSpecificCredentialsRequest) (*iamtypes.ListServiceSpecificCredentialsResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListServiceSpecificCredentialsResponse{ServiceSpecificCredentials: []iamtypes.ServiceSpecificCredentialMetadata{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		q := store.ListQuery{Account: acct, Kind: KindServiceCredential, After: pa.after, Limit: pa.limit}
		if in.AllUsers != nil && *in.AllUsers {
			if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListServiceSpecificCredentials", Resource: arnFor(c.Partition(), acct, "user", "/", "*")}); err != nil {
				return err
			}
		} else {
			if str(in.UserName, "") == "" && c.IsRoot() {
				return nil // the root user has no service-specific credentials
			}
			u, err := s.svccredsOwner(ctx, r, c, "iam:ListServiceSpecificCredentials", in.UserName, nil)
			if err != nil {
				return err
			}
			q.Parent = strings.ToLower(u.UserName)
		}
		page, err := r.List(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			sc, err := decode[ServiceCredential](e)
			if err != nil {
				return err
			}
			if in.ServiceName != nil && *in.ServiceName != "" && *in.ServiceName != sc.ServiceName {
				continue
			}
			out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, iamtypes.ServiceSpecificCredentialMetadata{
				UserName: sc.UserName, Status: iamtypes.StatusType(sc.Status), ServiceUserName: ptr(sc.ServiceUserName),
				CreateDate: sc.CreateDate, ServiceSpecificCredentialId: sc.ID, ServiceName: sc.ServiceName})
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// ResetServiceSpecificCredential gives a credential a new password and returns it.
func (s *Service) ResetServiceSpecificCredential(ctx context.Context, c *Caller, in *iamtypes.ResetServiceSpecificCredentialRequest) (*iamtypes.ResetServiceSpecificCredentialResponse, error) {
	password := svccredsPassword()
	var out *ServiceCredential
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		e, sc, err := s.svccredsTarget(ctx, tx, c, "iam:ResetServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId)
		if err != nil {
			return err
		}
		sc.SealedPassword = s.Box.Seal([]byte(password), []byte(sc.ID))
		e.Data = encode(sc)
		out = sc
		return tx.Update(ctx, e)
	}, func() *iamtypes.ResetServiceSpecificCredentialResponse {
		return &iamtypes.ResetServiceSpecificCredentialResponse{ServiceSpecificCredential: svccredsShape(out, password)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// UpdateServiceSpecificCredential makes a credential active or inactive.
func (s *Service) UpdateServiceSpecificCredential(ctx context.Context, c *Caller, in *iamtypes.UpdateServiceSpecificCredentialRequest) error {
	status := string(in.Status)
	if status != keysActive && status != keysInactive {
		return awserr.ValidationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		e, sc, err := s.svccredsTarget(ctx, tx, c, "iam:UpdateServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId)
		if err != nil {
			return err
		}
		if sc.Status == status {
			return nil
		}
		sc.Status = status
		e.Data = encode(sc)
		return tx.Update(ctx, e)
	})
	return internal(err)
}

// DeleteServiceSpecificCredential deletes a credential.
func (s *Service) DeleteServiceSpecificCredential(ctx context.Context, c *Caller, in *iamtypes.DeleteServiceSpecificCredentialRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		e, _, err := s.svccredsTarget(ctx, tx, c, "iam:DeleteServiceSpecificCredential", in.UserName, in.ServiceSpecificCredentialId)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindServiceCredential, e.Name)
	})
	return internal(err)
}

// VerifyServiceSpecificCredential reports whether a service user name and password are an active credential of the
// account for the service (for a future CodeCommit or Keyspaces front end). The password is compared in constant
// time.
func (s *Service) VerifyServiceSpecificCredential(ctx context.Context, account, service, serviceUser, password string) (bool, error) {
	ok := false
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindServiceCredential})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			sc, err := decode[ServiceCredential](e)
			if err != nil {
				return err
			}
			if sc.ServiceName != service || !strings.EqualFold(sc.ServiceUserName, serviceUser) || sc.Status != keysActive {
				continue
			}
			plain, err := s.Box.Open(sc.SealedPassword, []byte(sc.ID))
			if err != nil {
				return err
			}
			ok = secret.Equal(string(plain), password)
			return nil
		}
		return nil
	})
	return ok, err
}
