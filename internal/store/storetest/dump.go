package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/dump"
)

// dumpRoundTrip: a store exported (internal/store/dump, "iamd export"), imported into a new store of the same
// backend and exported again gives the same bytes, so every field the contract holds survives the backend's writing
// and reading: names in mixed case, owned entities, empty and binary data, links, settings, store-wide values, and
// a trail whose Seqs have gaps (an event replaced) with its attributes and their Latest.
func dumpRoundTrip(t *testing.T, newStore func(t *testing.T) store.Store) {
	DumpAcross(t, newStore, newStore)
}

// DumpAcross fills a store made by the first of stores with the round trip's records, exports it, and imports the
// dump into a store made by each of the others in turn, exporting each: every dump must be the first one, byte for
// byte. With stores of different backends (SQLite, PostgreSQL, SQLite) it shows that a move between backends loses
// nothing the contract holds.
func DumpAcross(t *testing.T, stores ...func(t *testing.T) store.Store) {
	ctx := context.Background()
	if len(stores) < 2 {
		t.Fatal("DumpAcross needs a source and at least one destination")
	}
	open := func(newStore func(t *testing.T) store.Store) store.Store {
		s := newStore(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	src := open(stores[0])
	mustUpdate(t, src, func(ctx context.Context, tx store.Tx) error {
		owned := ent("1", "accesskey", "AKIA1", "AKIA1")
		owned.Parent, owned.Data = "Alice", []byte{0, 1, 0xfe, 0xff}
		empty := ent("1", "user", "bob", "")
		empty.Data, empty.Path = []byte{}, "/ops/"
		for _, e := range []*store.Entity{ent("1", "user", "Alice", "AIDA1"), empty, owned, ent("2", "role", "admin", "AROA2")} {
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		for _, l := range []store.Link{{Account: "1", Kind: "member", From: "user/bob", To: "group/dev"}, {Account: "1", Kind: "member", From: "user/Alice", To: "group/dev"},
			{Account: "3", Kind: "member", From: "user/gone", To: "group/gone"}} {
			l.Created = t0
			if err := tx.Link(ctx, l); err != nil {
				return err
			}
		}
		if err := tx.PutSetting(ctx, "1", "alias", []byte("example")); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "4", "empty", []byte{}); err != nil {
			return err
		}
		return tx.PutMeta(ctx, "check", []byte("sealed"))
	})
	at := time.Date(2026, 3, 1, 2, 3, 4, 123456789, time.UTC) // events are stored to the nanosecond
	a := ev("1", "a", at, "EventName=CreateUser", "Username=Alice")
	a.Attrs[1].Latest = true
	appendEvents(t, src, a, ev("2", "b", at.Add(time.Millisecond)), ev("1", "c", at.Add(time.Second), "EventName=GetUser"))
	appendEvents(t, src, ev("2", "b", at.Add(2*time.Second), "ErrorCode=AccessDenied"))

	var first bytes.Buffer
	n, err := dump.Export(ctx, src, &first)
	if err != nil {
		t.Fatal(err)
	}
	if want := (dump.Counts{Meta: 1, Settings: 2, Entities: 4, Links: 3, Events: 3}); n != want {
		t.Errorf("export counts %+v, want %+v", n, want)
	}
	prev := first.Bytes()
	for i, newStore := range stores[1:] {
		dst := open(newStore)
		if _, err := dump.Import(ctx, dst, bytes.NewReader(prev), dump.Options{}); err != nil {
			t.Fatalf("import into store %d: %v", i+1, err)
		}
		var next bytes.Buffer
		if _, err := dump.Export(ctx, dst, &next); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), next.Bytes()) {
			t.Errorf("export → import → export into store %d gives another dump (%d bytes, then %d)", i+1, first.Len(), next.Len())
		}
		prev = next.Bytes()
	}
}
