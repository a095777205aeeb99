package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// KeyRotation is what RotateKeys changes in the stored data keys, in this order (NewMasterKey, Finish, DataKey), in
// one transaction.
type KeyRotation struct {
	// NewMasterKey, when not nil, wraps the data keys as well as the master keys that wrap them already: nodes
	// given either key start (and running nodes, which hold the data keys already, go on serving).
	NewMasterKey []byte
	// DataKey adds a new data key that seals new secrets; the old ones keep opening theirs. Running nodes open
	// the new key's secrets at once (they reload the data keys when a secret names one they do not know), and
	// seal with it from their next start or their first secret of the new key.
	DataKey bool
	// Finish removes every master key's wrapping but that of NewMasterKey, or, without it, of the master key of
	// the configuration: nodes given another key no longer start.
	Finish bool
}

// KeyRotationResult describes the stored data keys after RotateKeys.
type KeyRotationResult struct {
	MasterKeyIDs   []string // the IDs of the master keys that wrap the data keys now
	Current, New   string   // the IDs of the master key of the configuration and of NewMasterKey ("" without)
	Removed        []string // the IDs of the master keys Finish removed
	DataKeys       int      // how many data keys the store has
	ActiveDataKey  uint32   // the ID of the data key that seals new secrets
	AddedDataKey   bool
	MigratedLegacy bool // the store is from before data keys: its old key is data key 1, a legacy key
}

// ErrNothingToRotate is returned by RotateKeys when the rotation asks for no change.
var ErrNothingToRotate = errors.New("nothing to rotate: give a new master key, --data-key or --finish")

// RotateKeys changes the data keys stored in the database of cfg's data directory, opened with cfg's master key
// as serve opens it (a store from before data keys is migrated first), in one transaction: a server may serve the
// directory meanwhile. The directory must have a database (ErrNoData otherwise).
func RotateKeys(ctx context.Context, cfg config.Config, rot KeyRotation, logger *slog.Logger) (KeyRotationResult, error) {
	var res KeyRotationResult
	if rot.NewMasterKey == nil && !rot.DataKey && !rot.Finish {
		return res, ErrNothingToRotate
	}
	st, _, err := OpenData(ctx, cfg, logger)
	if err != nil {
		return res, err
	}
	defer st.Close()
	key, err := readMasterKey(cfg)
	if err != nil {
		return res, err
	}
	current, err := secret.NewMasterKey(key)
	if err != nil {
		return res, fmt.Errorf("master key %s: %w", cfg.MasterKeySource(), err)
	}
	res.Current = current.ID()
	mks := []*secret.MasterKey{current}
	keep := current
	if rot.NewMasterKey != nil {
		next, err := secret.NewMasterKey(rot.NewMasterKey)
		if err != nil {
			return res, fmt.Errorf("new master key: %w", err)
		}
		res.New = next.ID()
		if next.ID() != current.ID() {
			mks = append(mks, next)
		}
		keep = next
	}
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		b, err := tx.Meta(ctx, dataKeysMeta)
		if err != nil {
			return fmt.Errorf("read the data keys: %w", err)
		}
		ring, err := secret.ParseKeyring(b)
		if err != nil {
			return err
		}
		if len(mks) > 1 {
			if err := ring.AddMasterKey(current, mks[1]); err != nil {
				return err
			}
		}
		if rot.Finish {
			removed, err := ring.KeepOnlyMasterKey(keep)
			if err != nil {
				return err
			}
			res.Removed, mks = removed, []*secret.MasterKey{keep}
		}
		if rot.DataKey {
			// Every master key that wraps the data keys must wrap the new one: AddDataKey refuses a rotation of
			// the master key that is pending and not given.
			if _, err := ring.AddDataKey(mks, time.Now()); err != nil {
				return err
			}
			res.AddedDataKey = true
		}
		res.MasterKeyIDs, res.DataKeys, res.ActiveDataKey = ring.MasterKeyIDs(), len(ring.Keys), ring.Active
		res.MigratedLegacy = ring.Keys[0].Legacy
		return tx.PutMeta(ctx, dataKeysMeta, ring.Marshal())
	})
	if err != nil {
		return KeyRotationResult{}, fmt.Errorf("rotate the keys of %s: %w", cfg.DatabasePath(), err)
	}
	return res, nil
}
