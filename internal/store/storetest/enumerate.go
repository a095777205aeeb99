package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// enumerateTests are the behaviours that let a reader walk everything the store holds (iamd export).
var enumerateTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"AccountsKindsLinkKindsAndSettingKeysInByteOrder", enumerateAccount},
	{"MetaKeysInByteOrder", enumerateMeta},
	{"ReadEventAttrsGivesEachEventItsAttributesSorted", readEventAttrs},
}

func enumerateAccount(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		// Kinds and keys whose byte order differs from a locale's ("_" and "-" before letters, capitals first).
		for _, e := range []*store.Entity{ent("1", "user", "a", ""), ent("1", "user", "b", ""), ent("1", "access-key", "k", ""),
			ent("1", "Zeta", "z", ""), ent("1", "access_key", "k", ""), ent("2", "role", "r", "")} {
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		for _, l := range []store.Link{{Account: "1", Kind: "member", From: "user/a", To: "group/g"}, {Account: "1", Kind: "member", From: "user/b", To: "group/g"},
			{Account: "1", Kind: "attached-policy", From: "user/a", To: "p"}, {Account: "2", Kind: "other", From: "x", To: "y"}} {
			l.Created = t0
			if err := tx.Link(ctx, l); err != nil {
				return err
			}
		}
		for _, k := range []string{"password-policy", "alias", "Alias", "alias-2"} {
			if err := tx.PutSetting(ctx, "1", k, []byte("v")); err != nil {
				return err
			}
		}
		if err := tx.Link(ctx, store.Link{Account: "4", Kind: "dangling", From: "user/gone", To: "group/gone", Created: t0}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, "3", "only", []byte("v"))
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		if got, err := r.Accounts(ctx); err != nil || fmt.Sprint(got) != "[1 2 3 4]" {
			return fmt.Errorf("Accounts = %v, %v; want [1 2 3 4] (an account with only a link is an account)", got, err)
		}
		for _, c := range []struct {
			what string
			got  func() (any, error)
			want string
		}{
			{"Kinds(1)", func() (any, error) { return r.Kinds(ctx, "1") }, "[Zeta access-key access_key user]"},
			{"Kinds(2)", func() (any, error) { return r.Kinds(ctx, "2") }, "[role]"},
			{"Kinds(3)", func() (any, error) { return r.Kinds(ctx, "3") }, "[]"},
			{"LinkKinds(1)", func() (any, error) { return r.LinkKinds(ctx, "1") }, "[attached-policy member]"},
			{"LinkKinds(3)", func() (any, error) { return r.LinkKinds(ctx, "3") }, "[]"},
			{"SettingKeys(1)", func() (any, error) { return r.SettingKeys(ctx, "1") }, "[Alias alias alias-2 password-policy]"},
			{"SettingKeys(2)", func() (any, error) { return r.SettingKeys(ctx, "2") }, "[]"},
		} {
			got, err := c.got()
			if err != nil || fmt.Sprint(got) != c.want {
				return fmt.Errorf("%s = %v, %v; want %s", c.what, got, err, c.want)
			}
		}
		return nil
	})
}

func enumerateMeta(t *testing.T, s store.Store) {
	view(t, s, func(ctx context.Context, r store.Reader) error {
		if got, err := r.MetaKeys(ctx); err != nil || len(got) != 0 {
			return fmt.Errorf("MetaKeys of an empty store = %v, %v", got, err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, k := range []string{"master-key-check", "Z", "digest-key", "master_key"} {
			if err := tx.PutMeta(ctx, k, []byte("v")); err != nil {
				return err
			}
		}
		return tx.PutSetting(ctx, "1", "not-meta", []byte("v"))
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		if got, err := r.MetaKeys(ctx); err != nil || fmt.Sprint(got) != "[Z digest-key master-key-check master_key]" {
			return fmt.Errorf("MetaKeys = %v, %v", got, err)
		}
		return nil
	})
}

// readEventAttrs: the attributes read back are those appended (the same one given twice is one), sorted by name
// then value, with Latest; an event replaced has those of its new version; events of a page from Events or
// EventsSince may be given in any order.
func readEventAttrs(t *testing.T, s store.Store) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := ev("1", "a", at, "Username=bob", "EventName=CreateUser", "ResourceName=r2", "ResourceName=r1", "Username=bob")
	a.Attrs[0].Latest, a.Attrs[4].Latest = true, true
	b := ev("2", "b", at.Add(time.Second))
	c := ev("1", "c", at.Add(2*time.Second), "EventName=GetUser")
	appendEvents(t, s, a, b, c)
	c2 := ev("1", "c", at.Add(3*time.Second), "EventName=DeleteUser", "AccessKeyId=AKIA1")
	appendEvents(t, s, c2)
	view(t, s, func(ctx context.Context, r store.Reader) error {
		evs, err := r.EventsSince(ctx, 0, 0)
		if err != nil {
			return err
		}
		// newest first, as Events gives them, plus one that is not stored
		evs = append([]*store.Event{evs[2], evs[0], evs[1]}, &store.Event{Seq: 1 << 40, Attrs: []store.EventAttr{{Name: "stale"}}})
		if err := r.ReadEventAttrs(ctx, evs); err != nil {
			return err
		}
		got := map[string]string{}
		for _, e := range evs {
			got[e.ID] = fmt.Sprint(e.Attrs)
		}
		want := map[string]string{
			"c": "[{AccessKeyId AKIA1 false} {EventName DeleteUser false}]",
			"a": "[{EventName CreateUser false} {ResourceName r1 false} {ResourceName r2 false} {Username bob true}]",
			"b": "[]",
			"":  "[]",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("attributes read back:\n got %v\nwant %v", got, want)
		}
		return r.ReadEventAttrs(ctx, nil)
	})
}
