// Package store defines iamd's storage contract: entities (users, groups, roles, policies, keys, ...) kept per
// account with case-insensitively unique names and globally unique IDs, links between them (group membership,
// policy attachment, ...), per-account settings, all read and written in transactions. Implementations live in
// subpackages (sqlite, postgres) and all pass the same conformance suite in storetest. The store speaks only
// these records; domain packages give Data its meaning.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Implementations wrap them; callers test with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists") // a name or ID is taken
	// ErrUnavailable is a failure of the database's availability, not of the call: it could not be reached, or it
	// went away (restarted, shut down, the connection broke) while a transaction ran. A write that fails so was not
	// committed, or (when the connection broke at its commit) may have been; the API answers ServiceUnavailable,
	// which clients retry. A store on a file that is always there (SQLite) does not return it.
	ErrUnavailable = errors.New("store: database unavailable")
)

// Kind names a type of entity, e.g. "user". Names are unique per account and kind, ignoring case.
type Kind string

// Entity is one stored object.
type Entity struct {
	Account string
	Kind    Kind
	Name    string    // unique per account and kind, case-insensitively; kept as written
	Path    string    // IAM path, "/" by default; List filters on its prefix
	ID      string    // unique across the store when not empty (AIDA..., AKIA..., ...)
	ARN     string    // as the domain writes it; ListQuery.ARN selects on it exactly (case-sensitively), by an index
	Parent  string    // owner's name for owned entities (an access key's user); List filters on it
	Created time.Time // set by the caller
	Data    []byte    // the domain record, opaque to the store
}

// Link is a relation between two entities of an account, e.g. kind "member" from "user/alice" to "group/dev".
type Link struct {
	Account string
	Kind    string
	From    string
	To      string
	Created time.Time
}

// ListQuery selects entities of one kind in one account, ordered by name ignoring case.
type ListQuery struct {
	Account    string
	Kind       Kind
	PathPrefix string // "" or "/" for all
	Parent     string // "" for any; otherwise only entities owned by Parent
	// ARN is "" for any; otherwise only entities whose ARN is exactly this (compared case-sensitively, as ARNs are).
	// Implementations answer it from an index on (account, kind, ARN), never by scanning the kind.
	ARN   string
	After string // page marker: only names that sort after this one (as returned in Page.Next)
	Limit int    // at most this many; 0 means no limit
}

// Page is one page of a List.
type Page struct {
	Entities []*Entity
	Next     string // marker for the next page; "" when this page is the last
}

// LinkQuery selects links of one kind; From and To filter when not empty.
type LinkQuery struct {
	Account string
	Kind    string
	From    string
	To      string
}

// Event is one record of the audit trail: an event of one account (a CloudTrail record, which the audit package
// encodes), with the lookup attributes it is found by.
type Event struct {
	// Seq is the event's place in the trail, assigned by the store when the event is appended (and set on the
	// Event given to AppendEvent or AppendEvents): it increases in commit order across all accounts, so a reader
	// that has seen every event up to Seq n and asks for those after n misses none. On append, a Seq that is not
	// zero names the stored event (with the same ID) this one replaces, as a caller that kept the Seq of its first
	// version knows it; zero: the event replaces the stored one with the same ID, if any.
	Seq int64
	// Fresh, on append with a zero Seq, promises that no stored event has this ID (a new random ID): the store
	// does not look for one to replace.
	Fresh   bool
	Account string
	ID      string    // the eventID, unique across the store
	Time    time.Time // the eventTime; stored to the nanosecond
	// Attrs are the lookup attributes the event is found by (EventName, Username, ResourceName, ...); a name may
	// appear more than once (an event about two resources), and an attribute with an empty Name is ignored.
	// Implementations index them with the time. A store may keep the slice an appended event carries (to index it
	// later without reading it back): the caller must not change it after the append.
	Attrs []EventAttr
	Data  []byte // the record, opaque to the store; a store keeps no reference to an appended event's
}

// EventAttr is one lookup attribute of an event. Values compare exactly (case-sensitively).
type EventAttr struct {
	Name, Value string
	// Latest asks the store to keep the newest event that carries this attribute through PruneEvents, with all
	// its attributes, so that "when was this last seen" (last-accessed data) outlives the trail's retention.
	// Ignored on read.
	Latest bool
}

// EventQuery selects the events of one account, newest first (by Time, then Seq).
type EventQuery struct {
	Account string
	// Attr, when its Name is not empty, keeps only the events that carry exactly this attribute. Implementations
	// answer it from an index on (account, name, value, time), never by scanning the account's events.
	Attr EventAttr
	// ID, when not empty, keeps only the event with this ID (found by an index on the ID, not by an attribute).
	ID string
	// From and To bound Time, both inclusive; a zero time leaves that side open.
	From, To time.Time
	// After, when not zero, is the last event of the previous page: only events that sort after it (older, or as
	// old with a smaller Seq) are returned.
	After EventCursor
	Limit int // at most this many; 0 means no limit
}

// EventCursor is the place of an event in the newest-first order of EventQuery.
type EventCursor struct {
	Time time.Time
	Seq  int64
}

// Cursor is the place of e in the order of EventQuery, the After of the page that follows e.
func (e *Event) Cursor() EventCursor { return EventCursor{Time: e.Time, Seq: e.Seq} }

// Reader is the read side of a transaction.
type Reader interface {
	// Get returns the entity with the name (case-insensitively), or ErrNotFound.
	Get(ctx context.Context, account string, kind Kind, name string) (*Entity, error)
	// GetByID returns the entity with the unique ID, or ErrNotFound.
	GetByID(ctx context.Context, id string) (*Entity, error)
	// List returns one page of entities in name order.
	List(ctx context.Context, q ListQuery) (Page, error)
	// Count returns how many entities List would return without paging.
	Count(ctx context.Context, q ListQuery) (int, error)
	// Links returns the links that match, ordered by From then To.
	Links(ctx context.Context, q LinkQuery) ([]Link, error)
	// CountLinks returns how many links match.
	CountLinks(ctx context.Context, q LinkQuery) (int, error)
	// Setting returns a per-account setting, or ErrNotFound.
	Setting(ctx context.Context, account, key string) ([]byte, error)
	// Accounts lists the accounts that have any entity, link or setting, in order.
	Accounts(ctx context.Context) ([]string, error)
	// Meta returns a store-wide value (one that belongs to no account, such as the check that the master key opens
	// this store's secrets), or ErrNotFound. Meta values do not make an account for Accounts.
	Meta(ctx context.Context, key string) ([]byte, error)
	// Events returns the events that match, newest first. Events read back carry Seq, Account, ID, Time and Data,
	// not Attrs (ReadEventAttrs reads those).
	Events(ctx context.Context, q EventQuery) ([]*Event, error)
	// EventsSince returns, across all accounts, the events whose Seq is greater than seq, in Seq order, at most
	// limit of them (0: no limit): what a reader that follows the trail (tail, export) reads next.
	EventsSince(ctx context.Context, seq int64, limit int) ([]*Event, error)

	// The enumeration below lets a reader walk everything the store holds (iamd export): Accounts, then each
	// account's kinds, link kinds and setting keys, the store-wide meta keys, and the trail with its attributes.
	// Lists are in byte order of their strings (a backend sorts with a binary collation, never a locale's).

	// Kinds returns the kinds of the entities an account holds, each once, in order.
	Kinds(ctx context.Context, account string) ([]Kind, error)
	// LinkKinds returns the kinds of the links an account holds, each once, in order.
	LinkKinds(ctx context.Context, account string) ([]string, error)
	// SettingKeys returns the keys of an account's settings, in order.
	SettingKeys(ctx context.Context, account string) ([]string, error)
	// MetaKeys returns the keys of the store-wide values, in order.
	MetaKeys(ctx context.Context) ([]string, error)
	// ReadEventAttrs sets the Attrs of each event (read from this store, found by its Seq) to the attributes it was
	// appended with, ordered by name then value, each once, with Latest as appended; an event no longer stored gets
	// none. It reads the attributes of a page of events in a few queries, not one per event.
	ReadEventAttrs(ctx context.Context, events []*Event) error
}

// Tx is a read-write transaction.
type Tx interface {
	Reader
	// Insert adds an entity; ErrConflict when the name (case-insensitively) or the ID is taken.
	Insert(ctx context.Context, e *Entity) error
	// Update replaces the entity with the same account, kind and name (case-insensitively); ErrNotFound if absent.
	// The name may change case; Name, Path, ID, ARN, Parent and Data are all replaced.
	Update(ctx context.Context, e *Entity) error
	// Delete removes an entity; ErrNotFound if absent. Links are not touched.
	Delete(ctx context.Context, account string, kind Kind, name string) error
	// Link adds a link; ErrConflict if it exists.
	Link(ctx context.Context, l Link) error
	// Unlink removes a link; ErrNotFound if absent.
	Unlink(ctx context.Context, l Link) error
	// UnlinkAll removes every link that matches and returns how many.
	UnlinkAll(ctx context.Context, q LinkQuery) (int, error)
	// PutSetting sets a per-account setting.
	PutSetting(ctx context.Context, account, key string, value []byte) error
	// DeleteSetting removes a per-account setting; ErrNotFound if absent.
	DeleteSetting(ctx context.Context, account, key string) error
	// PutMeta sets a store-wide value.
	PutMeta(ctx context.Context, key string, value []byte) error
	// AppendEvent appends an event to the trail, in this transaction: it is committed with the change it
	// describes, or not at all. An event whose ID is stored already replaces that one (its Time, Attrs and Data)
	// and takes a new Seq, so that a reader following the trail reads the new version too.
	AppendEvent(ctx context.Context, e *Event) error
}

// Store runs transactions. A function passed to View or Update must do all its work through the handle it is given
// and must not keep it; Update commits when the function returns nil and rolls back otherwise, so nothing is
// half-applied.
//
// Many handles on one database. Several Stores may be open on the same database at once: iamd nodes (processes,
// possibly on other machines) behind one load balancer, or an operator command beside a running server. They
// behave as one store:
//   - Updates (and UpdateStamps) of all handles run one at a time: every check a function makes on what it read (a
//     name is free, a quota is not reached, an MFA code's step is unused) still holds when it commits, and it reads
//     every commit that finished before its transaction began. A backend serializes them before the function's
//     first read (SQLite: BEGIN IMMEDIATE; PostgreSQL: a lock taken first in the transaction, such as on the shared
//     generations' row, with every statement after it reading the latest commits, as READ COMMITTED does). The
//     function runs once per call, never again after a conflict: domain code sets results from inside it
//     (EnsureAccount keeps the key it generated) and is not written to be run twice.
//   - Names stay unique case-insensitively and IDs unique across handles (ErrConflict on any handle).
//   - A commit through one handle is visible to every transaction that begins after it on any handle.
//   - Generation and PolicyGeneration are per handle: a commit through this handle moves them at once, a commit
//     through another one only when Sync sees it. Caches compare them, so a caller that needs what other handles
//     committed (each API request, before its caller is authenticated) calls Sync first: a write acknowledged by
//     any node is then seen by the next request on every node (read-your-writes across nodes), and a deleted
//     access key or a detached policy stops working everywhere at once.
type Store interface {
	View(ctx context.Context, fn func(ctx context.Context, r Reader) error) error
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// UpdateStamps is Update for a write that only stamps usage (an access key's last use) or counts failures (a
	// user's failed sign-ins): data that no authorization decision and no credential lookup reads. It moves
	// Generation but not PolicyGeneration, so compiled evaluators survive it. A caller must not write anything else
	// through it.
	UpdateStamps(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// AppendEvents appends events (or replaces those whose ID is stored, as Tx.AppendEvent does) in a transaction of
	// its own, all or none. Events are read by no cache and no decision: it moves neither Generation nor
	// PolicyGeneration.
	AppendEvents(ctx context.Context, events []*Event) error
	// PruneEvents removes the events whose Time is before t, with their attributes, and returns how many; like
	// AppendEvents it moves no generation. It keeps, for each value of an attribute appended as Latest, the newest
	// event that carries it, however old.
	PruneEvents(ctx context.Context, before time.Time) (int, error)
	// Generation increases after every committed Update or UpdateStamps through this handle, and by Sync after
	// those of other handles; caches of stored records compare it. It never decreases.
	Generation() uint64
	// PolicyGeneration increases after every committed Update (not UpdateStamps) through this handle, and by Sync
	// after those of other handles; caches of what decisions derive from the store (compiled evaluators,
	// credentials, organization views) compare it, reading it before the records they derive from. A commit (or a
	// Sync) moves Generation no later than PolicyGeneration.
	PolicyGeneration() uint64
	// ForeignPolicyGeneration is the PolicyGeneration at which this handle last learned of an Update committed
	// through another handle: by Sync, or by a commit of its own that found the shared generations moved by one it
	// had not seen. This handle's own commits leave it where it is, so a consumer that follows only what other
	// handles change (the test clock's advances made through other nodes) compares it and reads nothing after its
	// own node's writes. It moves before PolicyGeneration reaches the value it moves to, so a Sync or a commit that
	// returns has moved it for every Update of another handle it brought in; it never decreases. It may move when no
	// other handle committed (concurrent commits through this handle), never the reverse.
	ForeignPolicyGeneration() uint64
	// Sync brings this handle up to date with the commits of every other handle on the same database: when any
	// Update or UpdateStamps committed since this handle last looked (and not through it), it moves Generation
	// and, for an Update, PolicyGeneration, before it returns. Every commit that finished before Sync was called is
	// then seen by this handle's caches. Each Update and UpdateStamps records its commit in shared generations
	// (in its own transaction: a rolled-back one moves nothing), and Sync reads them with one indexed read; a Sync
	// that finds nothing new moves nothing and allocates little, since it runs once per API request. Its error
	// (the database is unreachable) means nothing is known of other handles: the caller must not answer from
	// caches, and the API answers ServiceUnavailable.
	Sync(ctx context.Context) error
	Close() error
}

// Schema versions. Each backend numbers its migrations (embedded in the binary) and records in the database the
// newest one applied. A node opens a database with Open, which applies the migrations it lacks; opened without
// migrating (iamd serve --no-migrate), a database that lacks some is refused with a *SchemaBehindError; and a
// database whose schema is newer than the node knows (a newer iamd migrated it) is always refused with a
// *SchemaTooNewError: the node would misread or damage what the newer one writes. docs/migrations.md says which
// migrations are safe while older nodes still serve.

// SchemaVersion is what opening a database found of its schema: the version it held (0 for a new database) and
// the version it holds now (the newest this iamd knows, once migrated).
type SchemaVersion struct {
	Found, Current int
}

// Applied is how many migrations the open applied.
func (v SchemaVersion) Applied() int { return v.Current - v.Found }

// SchemaTooNewError refuses a database whose schema is newer than this iamd knows.
type SchemaTooNewError struct {
	Database int // the database's schema version
	Known    int // the newest version this iamd knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("the database's schema is version %d, newer than the version %d this iamd knows: a newer iamd has migrated it; run that version (or a later one) against this database", e.Database, e.Known)
}

// SchemaBehindError refuses, when opening without migrating, a database whose schema lacks migrations this iamd
// knows.
type SchemaBehindError struct {
	Database int // the database's schema version
	Known    int // the newest version this iamd knows
}

func (e *SchemaBehindError) Error() string {
	return fmt.Sprintf("the database's schema is version %d, older than the version %d this iamd needs, and migrations are off (--no-migrate): run \"iamd migrate\" with this iamd first", e.Database, e.Known)
}
