package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/internal/store"
)

// column runs a query that returns one text column and returns its rows.
func (t *txn) column(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Kinds, LinkKinds and SettingKeys read a range of their table's primary key (account first); SQLite compares
// text with BINARY, byte order, as the contract asks.

func (t *txn) Kinds(ctx context.Context, account string) ([]store.Kind, error) {
	ks, err := t.column(ctx, "SELECT DISTINCT kind FROM entities WHERE account = ? ORDER BY kind", account)
	out := make([]store.Kind, len(ks))
	for i, k := range ks {
		out[i] = store.Kind(k)
	}
	return out, err
}

func (t *txn) LinkKinds(ctx context.Context, account string) ([]string, error) {
	return t.column(ctx, "SELECT DISTINCT kind FROM links WHERE account = ? ORDER BY kind", account)
}

func (t *txn) SettingKeys(ctx context.Context, account string) ([]string, error) {
	return t.column(ctx, "SELECT key FROM settings WHERE account = ? ORDER BY key", account)
}

func (t *txn) MetaKeys(ctx context.Context) ([]string, error) {
	return t.column(ctx, "SELECT key FROM meta ORDER BY key")
}

// ReadEventAttrs reads the attributes of events from their rows, by seq, in chunks of the sizes appendEvents
// uses (a few statement texts).
func (t *txn) ReadEventAttrs(ctx context.Context, events []*store.Event) error {
	bySeq := make(map[int64][]*store.Event, len(events))
	seqs := make([]any, 0, len(events))
	for _, e := range events {
		e.Attrs = nil
		if _, ok := bySeq[e.Seq]; !ok {
			seqs = append(seqs, e.Seq)
		}
		bySeq[e.Seq] = append(bySeq[e.Seq], e)
	}
	err := chunks(len(seqs), func(from, to int) error {
		rows, err := t.query(ctx, "SELECT seq, attrs FROM events WHERE seq IN ("+marks(to-from)+")", seqs[from:to]...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var kept sql.RawBytes
			if err := rows.Scan(&seq, &kept); err != nil {
				return err
			}
			raw, err := t.codec.decode(kept)
			if err != nil {
				return fmt.Errorf("event %d: %w", seq, err)
			}
			attrs, err := decodeAttrs(raw)
			if err != nil {
				return fmt.Errorf("event %d: %w", seq, err)
			}
			attrs = slices.DeleteFunc(attrs, func(a store.EventAttr) bool { return a.Name == "" })
			slices.SortStableFunc(attrs, func(a, b store.EventAttr) int {
				return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
			})
			// Each name and value once, Latest if any copy was.
			out := attrs[:0]
			for _, a := range attrs {
				if n := len(out); n > 0 && out[n-1].Name == a.Name && out[n-1].Value == a.Value {
					out[n-1].Latest = out[n-1].Latest || a.Latest
					continue
				}
				out = append(out, a)
			}
			for _, e := range bySeq[seq] {
				e.Attrs = slices.Clone(out)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("read event attributes: %w", err)
	}
	return nil
}

func (v *view) Kinds(ctx context.Context, account string) ([]store.Kind, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Kinds(ctx, account)
}

func (v *view) LinkKinds(ctx context.Context, account string) ([]string, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.LinkKinds(ctx, account)
}

func (v *view) SettingKeys(ctx context.Context, account string) ([]string, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.SettingKeys(ctx, account)
}

func (v *view) MetaKeys(ctx context.Context) ([]string, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.MetaKeys(ctx)
}

func (v *view) ReadEventAttrs(ctx context.Context, events []*store.Event) error {
	t, err := v.tx(ctx)
	if err != nil {
		return err
	}
	return t.ReadEventAttrs(ctx, events)
}
