package iam

import (
	"context"

	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// OpensStoredSecret reports whether box opens a secret already sealed in the store: the first root access key, or
// failing that the first IAM user access key, of the first account that has one. found is false when the store
// holds neither; err is secret.ErrDecrypt when the secret does not open. It lets a store written before the master
// key check existed be checked once, before the check is written.
func OpensStoredSecret(ctx context.Context, r store.Reader, box *secret.Box) (found bool, err error) {
	accounts, err := r.Accounts(ctx)
	if err != nil {
		return false, err
	}
	for _, kind := range []store.Kind{KindRootKey, KindAccessKey} {
		for _, account := range accounts {
			page, err := r.List(ctx, store.ListQuery{Account: account, Kind: kind, Limit: 1})
			if err != nil {
				return false, err
			}
			if len(page.Entities) == 0 {
				continue
			}
			e := page.Entities[0]
			var sealed []byte
			if kind == KindRootKey {
				k, err := decode[RootKey](e)
				if err != nil {
					return false, err
				}
				sealed = k.SealedSecret
			} else {
				k, err := decode[AccessKey](e)
				if err != nil {
					return false, err
				}
				sealed = k.SealedSecret
			}
			if _, err := box.Open(sealed, []byte(e.ID)); err != nil {
				return true, err
			}
			return true, nil
		}
	}
	return false, nil
}
