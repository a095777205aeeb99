package iam

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// KindSSHPublicKey is the entity kind of a user's SSH public key (for CodeCommit). Name and ID are the key's
// APKA... ID; Parent is the owner's lower-cased user name.
const KindSSHPublicKey store.Kind = "ssh-public-key"

// MaxSSHPublicKeysPerUser is AWS's quota of SSH public keys per user.
const MaxSSHPublicKeysPerUser = 5

// sshkeysMinBits is the smallest RSA modulus AWS accepts.
const sshkeysMinBits = 2048

// SSHKey is the stored record of an SSH public key.
type SSHKey struct {
	ID          string    `json:"id"`
	UserName    string    `json:"user"`
	Body        string    `json:"body"` // as uploaded
	SSH         string    `json:"ssh"`  // ssh-rsa encoding
	PEM         string    `json:"pem"`  // PEM (PKIX) encoding
	Fingerprint string    `json:"fp"`
	Status      string    `json:"status"`
	UploadDate  time.Time `json:"uploaded"`
}

func sshkeysInvalid() error {
	return awserr.New("InvalidPublicKey", 400, "The request was rejected because the public key is malformed or otherwise invalid.")
}

func sshkeysUnrecognized() error {
	return awserr.New("UnrecognizedPublicKeyEncoding", 400, "The request was rejected because the public key encoding format is unsupported or unrecognized.")
}

func sshkeysNoSuchKey(id string) error {
	return awserr.NoSuchEntity("The Public Key with id %s cannot be found.", id)
}

// sshkeysParse validates an SSH public key body, in OpenSSH ("ssh-rsa AAAA... comment") or PEM format (PKIX
// "PUBLIC KEY" or PKCS #1 "RSA PUBLIC KEY"), and returns the key. Only RSA keys of at least 2048 bits are accepted.
func sshkeysParse(body string) (ssh.PublicKey, error) {
	text := strings.TrimSpace(body)
	var rsaKey *rsa.PublicKey
	switch {
	case strings.HasPrefix(text, "-----BEGIN"):
		block, rest := pem.Decode([]byte(text))
		if block == nil || len(strings.TrimSpace(string(rest))) > 0 {
			return nil, sshkeysInvalid()
		}
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, sshkeysInvalid()
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, sshkeysUnrecognized()
			}
			rsaKey = rk
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, sshkeysInvalid()
			}
			rsaKey = k
		default:
			return nil, sshkeysUnrecognized()
		}
	case strings.HasPrefix(text, ssh.KeyAlgoRSA+" "):
		pub, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(text))
		if err != nil || len(strings.TrimSpace(string(rest))) > 0 {
			return nil, sshkeysInvalid()
		}
		ck, ok := pub.(ssh.CryptoPublicKey)
		if !ok {
			return nil, sshkeysInvalid()
		}
		rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return nil, sshkeysInvalid()
		}
		rsaKey = rk
	default:
		return nil, sshkeysUnrecognized()
	}
	if rsaKey.N.BitLen() < sshkeysMinBits {
		return nil, sshkeysInvalid()
	}
	pub, err := ssh.NewPublicKey(rsaKey)
	if err != nil {
		return nil, sshkeysInvalid()
	}
	return pub, nil
}

// sshkeysEncodings returns the key in its two encodings and its fingerprint (the MD5 of the key blob in colon hex,
// as AWS shows it).
func sshkeysEncodings(pub ssh.PublicKey) (sshText, pemText, fingerprint string, err error) {
	sshText = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	der, err := x509.MarshalPKIXPublicKey(pub.(ssh.CryptoPublicKey).CryptoPublicKey())
	if err != nil {
		return "", "", "", err
	}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return sshText, pemText, ssh.FingerprintLegacyMD5(pub), nil
}

// sshkeysFind loads a key of a user, or NoSuchEntity.
func sshkeysFind(ctx context.Context, r store.Reader, account string, u *User, id string) (*store.Entity, *SSHKey, error) {
	e, err := r.Get(ctx, account, KindSSHPublicKey, id)
	if notFound(err) || (err == nil && e.Parent != strings.ToLower(u.UserName)) {
		return nil, nil, sshkeysNoSuchKey(id)
	}
	if err != nil {
		return nil, nil, err
	}
	k, err := decode[SSHKey](e)
	if err != nil {
		return nil, nil, err
	}
	return e, k, nil
}

func sshkeysShape(k *SSHKey, body string) *iamtypes.SSHPublicKey {
	return &iamtypes.SSHPublicKey{UserName: k.UserName, SSHPublicKeyId: k.ID, Fingerprint: k.Fingerprint, SSHPublicKeyBody: body,
		Status: iamtypes.StatusType(k.Status), UploadDate: ptr(k.UploadDate)}
}

// UploadSSHPublicKey adds an SSH public key to a user, for CodeCommit.
func (s *Service) UploadSSHPublicKey(ctx context.Context, c *Caller, in *iamtypes.UploadSSHPublicKeyRequest) (*iamtypes.UploadSSHPublicKeyResponse, error) {
	acct := c.Account()
	var out *SSHKey
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:UploadSSHPublicKey", &in.UserName)
		if err != nil {
			return err
		}
		u := owner.user
		pub, err := sshkeysParse(in.SSHPublicKeyBody)
		if err != nil {
			return err
		}
		sshText, pemText, fp, err := sshkeysEncodings(pub)
		if err != nil {
			return sshkeysInvalid()
		}
		page, err := tx.List(ctx, store.ListQuery{Account: acct, Kind: KindSSHPublicKey, Parent: strings.ToLower(u.UserName)})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			k, err := decode[SSHKey](e)
			if err != nil {
				return err
			}
			if k.Fingerprint == fp {
				return awserr.New("DuplicateSSHPublicKey", 400, "The request was rejected because the SSH public key is already associated with the specified IAM user.")
			}
		}
		if len(page.Entities) >= MaxSSHPublicKeysPerUser {
			return awserr.LimitExceeded("Cannot exceed quota for SSHPublicKeysPerUser: %d", MaxSSHPublicKeysPerUser)
		}
		k := &SSHKey{ID: secret.NewID("APKA", 20), UserName: u.UserName, Body: in.SSHPublicKeyBody, SSH: sshText, PEM: pemText,
			Fingerprint: fp, Status: keysActive, UploadDate: s.Now().UTC().Truncate(time.Second)}
		if err := tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindSSHPublicKey, Name: k.ID, Path: "/", ID: k.ID, ARN: u.ARN,
			Parent: strings.ToLower(u.UserName), Created: k.UploadDate, Data: encode(k)}); err != nil {
			return errorf("store SSH public key: %w", err)
		}
		out = k
		return nil
	}, func() *iamtypes.UploadSSHPublicKeyResponse {
		return &iamtypes.UploadSSHPublicKeyResponse{SSHPublicKey: sshkeysShape(out, out.Body)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetSSHPublicKey returns a user's SSH public key in the requested encoding.
func (s *Service) GetSSHPublicKey(ctx context.Context, c *Caller, in *iamtypes.GetSSHPublicKeyRequest) (*iamtypes.GetSSHPublicKeyResponse, error) {
	acct := c.Account()
	if in.Encoding != iamtypes.EncodingTypeSSH && in.Encoding != iamtypes.EncodingTypePEM {
		return nil, sshkeysUnrecognized()
	}
	var out *iamtypes.SSHPublicKey
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		owner, err := s.keysAuthorize(ctx, r, c, "iam:GetSSHPublicKey", &in.UserName)
		if err != nil {
			return err
		}
		_, k, err := sshkeysFind(ctx, r, acct, owner.user, in.SSHPublicKeyId)
		if err != nil {
			return err
		}
		body := k.SSH
		if in.Encoding == iamtypes.EncodingTypePEM {
			body = k.PEM
		}
		out = sshkeysShape(k, body)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetSSHPublicKeyResponse{SSHPublicKey: out}, nil
}

// UpdateSSHPublicKey makes a user's SSH public key active or inactive.
func (s *Service) UpdateSSHPublicKey(ctx context.Context, c *Caller, in *iamtypes.UpdateSSHPublicKeyRequest) error {
	acct := c.Account()
	status := string(in.Status)
	if status != keysActive && status != keysInactive {
		return awserr.ValidationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:UpdateSSHPublicKey", &in.UserName)
		if err != nil {
			return err
		}
		e, k, err := sshkeysFind(ctx, tx, acct, owner.user, in.SSHPublicKeyId)
		if err != nil {
			return err
		}
		if k.Status == status {
			return nil
		}
		k.Status = status
		e.Data = encode(k)
		return tx.Update(ctx, e)
	})
	return internal(err)
}

// DeleteSSHPublicKey deletes a user's SSH public key.
func (s *Service) DeleteSSHPublicKey(ctx context.Context, c *Caller, in *iamtypes.DeleteSSHPublicKeyRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		owner, err := s.keysAuthorize(ctx, tx, c, "iam:DeleteSSHPublicKey", &in.UserName)
		if err != nil {
			return err
		}
		e, _, err := sshkeysFind(ctx, tx, acct, owner.user, in.SSHPublicKeyId)
		if err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindSSHPublicKey, e.Name)
	})
	return internal(err)
}

// ListSSHPublicKeys lists a user's SSH public keys, by default the calling user's. For the root user without a
// user name the list is empty: the root user has no SSH keys.
func (s *Service) ListSSHPublicKeys(ctx context.Context, c *Caller, in *iamtypes.ListSSHPublicKeysRequest) (*iamtypes.ListSSHPublicKeysResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListSSHPublicKeysResponse{SSHPublicKeys: []iamtypes.SSHPublicKeyMetadata{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		owner, err := s.keysAuthorize(ctx, r, c, "iam:ListSSHPublicKeys", in.UserName)
		if err != nil {
			return err
		}
		if owner.root {
			return nil
		}
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindSSHPublicKey, Parent: strings.ToLower(owner.user.UserName), After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			k, err := decode[SSHKey](e)
			if err != nil {
				return err
			}
			out.SSHPublicKeys = append(out.SSHPublicKeys, iamtypes.SSHPublicKeyMetadata{UserName: k.UserName, SSHPublicKeyId: k.ID,
				Status: iamtypes.StatusType(k.Status), UploadDate: k.UploadDate})
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}
