package dump_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/dump"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden dump in testdata")

// newStore returns a new SQLite store. Its directory is not t.TempDir(), which is named after the test: a fuzz
// seed's name has a "#", which would end the path in the SQLite file URI.
func newStore(t testing.TB) store.Store {
	t.Helper()
	dir, err := os.MkdirTemp("", "iamd-dump-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

// fill writes a bit of everything the store holds: two accounts with entities of several kinds (names in mixed
// case and beyond ASCII, an owned entity, empty data), links (one in an account that holds nothing else),
// settings, store-wide values, and a trail with attributes (Latest among them) whose seqs have gaps (an event
// replaced, old events pruned).
func fill(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, e := range []*store.Entity{
			{Account: "111111111111", Kind: "user", Name: "Alice", Path: "/", ID: "AIDAALICE", ARN: "arn:aws:iam::111111111111:user/Alice", Created: t0, Data: []byte(`{"n":"Alice"}`)},
			{Account: "111111111111", Kind: "user", Name: "bob", Path: "/ops/", ID: "AIDABOB", ARN: "arn:aws:iam::111111111111:user/ops/bob", Created: t0.Add(time.Second), Data: []byte("{\n  \"spaced\": true\n}")},
			{Account: "111111111111", Kind: "user", Name: "Zoë", Path: "/", ID: "AIDAZOE", Created: t0, Data: []byte{}},
			{Account: "111111111111", Kind: "accesskey", Name: "AKIAALICE", Parent: "Alice", ID: "AKIAALICE", Created: t0, Data: []byte{0, 1, 2, 0xff}},
			{Account: "222222222222", Kind: "role", Name: "admin", Path: "/", ID: "AROAADMIN", ARN: "arn:aws:iam::222222222222:role/admin", Created: t0, Data: []byte(`{}`)},
		} {
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		for _, l := range []store.Link{
			{Account: "111111111111", Kind: "member", From: "user/bob", To: "group/dev", Created: t0},
			{Account: "111111111111", Kind: "member", From: "user/Alice", To: "group/dev", Created: t0},
			{Account: "111111111111", Kind: "attached", From: "user/Alice", To: "arn:aws:iam::aws:policy/ReadOnlyAccess", Created: t0},
			{Account: "333333333333", Kind: "member", From: "user/gone", To: "group/gone", Created: t0},
		} {
			if err := tx.Link(ctx, l); err != nil {
				return err
			}
		}
		for _, kv := range [][3]string{{"111111111111", "password-policy", `{"MinimumPasswordLength":12}`}, {"111111111111", "alias", "example"}, {"444444444444", "empty", ""}} {
			if err := tx.PutSetting(ctx, kv[0], kv[1], []byte(kv[2])); err != nil {
				return err
			}
		}
		if err := tx.PutMeta(ctx, "master-key-check", []byte("sealed check")); err != nil {
			return err
		}
		return tx.PutMeta(ctx, "digest-key", []byte("sealed key"))
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(account, id string, at time.Time, attrs ...store.EventAttr) *store.Event {
		return &store.Event{Account: account, ID: id, Time: at, Attrs: attrs, Data: []byte(`{"eventID":"` + id + `"}`)}
	}
	attr := func(name, value string) store.EventAttr { return store.EventAttr{Name: name, Value: value} }
	evs := []*store.Event{
		ev("111111111111", "old", t0.Add(-48*time.Hour), attr("EventName", "GetUser")),
		ev("111111111111", "e1", t0, attr("EventName", "CreateUser"), attr("Username", "Alice"), attr("ResourceName", "bob"),
			store.EventAttr{Name: "AccessKeyId", Value: "AKIAALICE", Latest: true}),
		ev("222222222222", "e2", t0.Add(time.Millisecond)),
		ev("111111111111", "e3", t0.Add(time.Second), attr("EventName", "DeleteUser"), store.EventAttr{Name: "AccessKeyId", Value: "AKIAALICE", Latest: true}),
	}
	if err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, []*store.Event{ev("111111111111", "e1", t0.Add(2*time.Second), attr("EventName", "CreateUser"), attr("ErrorCode", "EntityAlreadyExists"))}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneEvents(ctx, t0.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
}

func export(t *testing.T, s store.Store) ([]byte, dump.Counts) {
	t.Helper()
	var buf bytes.Buffer
	n, err := dump.Export(context.Background(), s, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), n
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func gz(text string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text))
	zw.Close()
	return buf.Bytes()
}

// TestExportImportExportGivesTheSameBytes: a store exported, imported into an empty store and exported again
// gives the same dump, byte for byte; and the dump is the golden file (go test -update rewrites it).
func TestExportImportExportGivesTheSameBytes(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	first, n := export(t, src)
	want := dump.Counts{Meta: 2, Settings: 3, Entities: 5, Links: 4, Events: 3}
	if n != want {
		t.Errorf("export counts %+v, want %+v", n, want)
	}
	dst := newStore(t)
	got, err := dump.Import(context.Background(), dst, bytes.NewReader(first), dump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("import counts %+v, want %+v", got, want)
	}
	second, _ := export(t, dst)
	if !bytes.Equal(first, second) {
		t.Errorf("the second export differs from the first:\nfirst:\n%s\nsecond:\n%s", gunzip(t, first), gunzip(t, second))
	}
	text := gunzip(t, first)
	golden := filepath.Join("testdata", "small.jsonl")
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if g, err := os.ReadFile(golden); err != nil || string(g) != text {
		t.Errorf("the dump differs from %s (go test -update rewrites it): %v\ngot:\n%s", golden, err, text)
	}
}

// TestImportedStoreAnswersAsTheOriginal: what the domain reads back of the imported store (entities by name and
// by ID, links, settings, store-wide values, events by attribute with their Latest) is what it read of the original.
func TestImportedStoreAnswersAsTheOriginal(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	b, _ := export(t, src)
	dst := newStore(t)
	if _, err := dump.Import(context.Background(), dst, bytes.NewReader(b), dump.Options{}); err != nil {
		t.Fatal(err)
	}
	read := func(s store.Store) string {
		var out strings.Builder
		err := s.View(context.Background(), func(ctx context.Context, r store.Reader) error {
			for _, q := range []struct {
				account string
				kind    store.Kind
				name    string
			}{{"111111111111", "user", "alice"}, {"111111111111", "user", "ZOË"}, {"111111111111", "accesskey", "AKIAALICE"}} {
				e, err := r.Get(ctx, q.account, q.kind, q.name)
				if err != nil {
					return err
				}
				fmt.Fprintf(&out, "%+v\n", *e)
			}
			e, err := r.GetByID(ctx, "AROAADMIN")
			if err != nil {
				return err
			}
			fmt.Fprintf(&out, "%+v\n", *e)
			ls, err := r.Links(ctx, store.LinkQuery{Account: "111111111111", Kind: "member", To: "group/dev"})
			fmt.Fprintf(&out, "%+v %v\n", ls, err)
			ls, err = r.Links(ctx, store.LinkQuery{Account: "333333333333", Kind: "member"})
			fmt.Fprintf(&out, "%+v %v\n", ls, err)
			v, err := r.Setting(ctx, "444444444444", "empty")
			fmt.Fprintf(&out, "%q %v\n", v, err)
			v, err = r.Meta(ctx, "master-key-check")
			fmt.Fprintf(&out, "%q %v\n", v, err)
			evs, err := r.Events(ctx, store.EventQuery{Account: "111111111111", Attr: store.EventAttr{Name: "EventName", Value: "CreateUser"}})
			if err != nil {
				return err
			}
			if err := r.ReadEventAttrs(ctx, evs); err != nil {
				return err
			}
			for _, e := range evs {
				fmt.Fprintf(&out, "%s %s %v %s\n", e.ID, e.Time.Format(time.RFC3339Nano), e.Attrs, e.Data)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if a, b := read(src), read(dst); a != b {
		t.Errorf("the imported store reads differently:\noriginal:\n%s\nimported:\n%s", a, b)
	} else {
		t.Logf("read back alike:\n%s", a)
	}
}

// empty reports what a store holds, "" for nothing.
func holds(t *testing.T, s store.Store) string {
	t.Helper()
	var what []string
	err := s.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		accounts, err := r.Accounts(ctx)
		if len(accounts) > 0 {
			what = append(what, fmt.Sprint("accounts ", accounts))
		}
		meta, err2 := r.MetaKeys(ctx)
		if len(meta) > 0 {
			what = append(what, fmt.Sprint("meta ", meta))
		}
		evs, err3 := r.EventsSince(ctx, 0, 0)
		if len(evs) > 0 {
			what = append(what, fmt.Sprint(len(evs), " events"))
		}
		return errors.Join(err, err2, err3)
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(what, ", ")
}

// TestImportRefusesANonEmptyStoreAndChangesNothing: an account, an event or a store-wide value not named in
// Replace make the store not empty; the import is refused with ErrNotEmpty and the store keeps what it had.
// A value named in Replace is replaced by the dump's.
func TestImportRefusesANonEmptyStoreAndChangesNothing(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	b, _ := export(t, src)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		put  func(s store.Store) error
	}{
		{"an entity", func(s store.Store) error {
			return s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				return tx.Insert(ctx, &store.Entity{Account: "9", Kind: "user", Name: "x", Created: t0, Data: []byte("{}")})
			})
		}},
		{"a setting", func(s store.Store) error {
			return s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "9", "k", []byte("v")) })
		}},
		{"an event", func(s store.Store) error {
			return s.AppendEvents(ctx, []*store.Event{{Account: "9", ID: "x", Time: t0, Data: []byte("{}")}})
		}},
		{"a store-wide value", func(s store.Store) error {
			return s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, "other", []byte("v")) })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := newStore(t)
			if err := c.put(dst); err != nil {
				t.Fatal(err)
			}
			before := holds(t, dst)
			_, err := dump.Import(ctx, dst, bytes.NewReader(b), dump.Options{Replace: []string{"master-key-check"}})
			if !errors.Is(err, dump.ErrNotEmpty) {
				t.Fatalf("import into a store with %s: %v, want ErrNotEmpty", c.name, err)
			}
			if after := holds(t, dst); after != before {
				t.Errorf("the refused import changed the store: %s, then %s", before, after)
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Run("a replaceable value", func(t *testing.T) {
		dst := newStore(t)
		if err := dst.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.PutMeta(ctx, "master-key-check", []byte("mine"))
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := dump.Import(ctx, dst, bytes.NewReader(b), dump.Options{Replace: []string{"master-key-check"}}); err != nil {
			t.Fatal(err)
		}
		if again, _ := export(t, dst); !bytes.Equal(again, b) {
			t.Errorf("the replaced value is not the dump's:\n%s", gunzip(t, again))
		}
	})
}

// TestImportOfABadDumpWritesNothing: a dump that is not one, of another version, damaged, truncated, with a record
// the store refuses, or refused by CheckMeta leaves the store empty, with an error that says why.
func TestImportOfABadDumpWritesNothing(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	good, _ := export(t, src)
	text := gunzip(t, good)
	lines := strings.SplitAfter(text, "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	withoutEnd := strings.Join(lines[:len(lines)-1], "")
	var entity string
	for _, l := range lines {
		if strings.Contains(l, `"type":"entity"`) {
			entity = l
			break
		}
	}
	errKey := errors.New("the key does not open the dump's key check")
	for _, c := range []struct {
		name string
		dump []byte
		o    dump.Options
		want string
	}{
		{"not gzip", []byte(text), dump.Options{}, "not a whole iamd dump"},
		{"not a dump", gz(`{"hello":"world"}` + "\n"), dump.Options{}, "not an iamd-dump header"},
		{"another version", gz(`{"format":"iamd-dump","version":2}` + "\n"), dump.Options{}, "version 2; this iamd reads version 1"},
		{"cut in the middle", good[:len(good)/2], dump.Options{}, "unexpected EOF"},
		{"without its end record", gz(withoutEnd), dump.Options{}, "ends without its end record"},
		{"a record after the end", gz(text + entity), dump.Options{}, "follows the end record"},
		{"counts that do not match", gz(strings.Replace(text, `"entity":5`, `"entity":6`, 1)), dump.Options{}, "its end record counts"},
		{"an unknown record type", gz(strings.Replace(text, `"type":"link"`, `"type":"lnk"`, 1)), dump.Options{}, `unknown record type "lnk"`},
		{"an unknown field", gz(strings.Replace(text, `"type":"link",`, `"type":"link","extra":1,`, 1)), dump.Options{}, `unknown field "extra"`},
		{"an entity twice", gz(strings.Replace(text, entity, entity+entity, 1)), dump.Options{}, "already exists"},
		{"a value after the accounts", gz(strings.Replace(text, entity, entity+lines[1], 1)), dump.Options{}, "store-wide value after"},
		{"refused by CheckMeta", good, dump.Options{CheckMeta: func(m map[string][]byte) error {
			if string(m["master-key-check"]) != "sealed check" || len(m) != 2 {
				return fmt.Errorf("CheckMeta got %q", m)
			}
			return errKey
		}}, errKey.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := newStore(t)
			_, err := dump.Import(context.Background(), dst, bytes.NewReader(c.dump), c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import: %v, want an error with %q", err, c.want)
			}
			if got := holds(t, dst); got != "" {
				t.Errorf("the failed import left %s", got)
			}
			t.Logf("refused: %v", err)
		})
	}
}
