// Package catalog loads AWS's service authorization data and the AWS managed
// policies and answers questions about them: which services and actions exist,
// each action's access level and resource types, the condition keys and their
// types, and the managed policies' documents.
//
// The data comes from the copy embedded in the binary ([Embedded]) or from a
// directory laid out the same way ([LoadDir]), five files:
//
//   - service-reference.json.gz: AWS's service reference documents
//     (https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html),
//     one JSON object keyed by service prefix. The embedded copy is AWS's
//     index as of 2026-08-22: 455 services, 21,788 actions.
//   - global-condition-keys.json: the global condition keys and their types,
//     as an array of {"Name", "Types", "ValueType", ...}.
//   - service-names.json (optional): service prefix to service name.
//   - aws-managed-policies.json.gz: the AWS managed policies keyed by name,
//     each with its ARN, dates and default version's document.
//   - aws-managed-policies-deprecated.json (optional): names of deprecated
//     AWS managed policies.
//
// A Catalog is immutable and safe for concurrent use. The values it returns
// (Service, Action, ConditionKey, ManagedPolicy, and the slices in them) are
// shared and must not be modified.
package catalog

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

//go:embed awsdata/*
var embedded embed.FS

// The files of a catalog directory. Each may be gzip-compressed or plain JSON
// whatever its name says; a file named *.json.gz may also be given as *.json.
const (
	FileServiceReference    = "service-reference.json.gz"
	FileGlobalConditionKeys = "global-condition-keys.json"
	FileServiceNames        = "service-names.json" // optional
	FileManagedPolicies     = "aws-managed-policies.json.gz"
	FileDeprecatedPolicies  = "aws-managed-policies-deprecated.json" // optional
)

const (
	// serviceReferenceDate is the date of the embedded service reference
	// (the mirror commit it was taken from); see DataDate.
	serviceReferenceDate = "2026-08-22"
	maxGzipSizeHint      = 1 << 30
)

// Catalog is a loaded copy of the AWS authorization data. The zero value is
// not usable; get one from [Embedded], [LoadDir], [LoadFS] or [Load].
type Catalog struct {
	services map[string]*serviceEntry // by lowercase prefix
	entries  []*serviceEntry          // sorted by prefix

	global map[string]*ConditionKey // global-condition-keys.json, by lowercase name

	allOnce sync.Once // every service decoded

	keysOnce sync.Once
	keys     keyIndex

	policies policySet

	principalsOnce sync.Once
	principals     map[string]bool // ServicePrincipal's set
}

// Embedded returns a catalog built from the copy of the data embedded in the
// binary. It only splits the service reference into services; each service is
// decoded the first time it is used, and the managed policies the first time
// one is asked for, so the call is cheap (tens of milliseconds). Each call
// returns a new Catalog; callers that need one for the life of the program
// should keep it.
func Embedded() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "awsdata")
	if err != nil {
		return nil, err
	}
	src, err := readFS(sub)
	if err != nil {
		return nil, fmt.Errorf("catalog: embedded data: %w", err)
	}
	// The embedded data is checked by this package's tests (every service and
	// policy decodes), so it is decoded lazily.
	return build(src, false)
}

// LoadDir loads a catalog from a directory laid out like awsdata/: the files
// named by the File* constants. service-names.json and
// aws-managed-policies-deprecated.json may be missing. Unlike [Embedded], it
// decodes and checks everything before it returns, so errors in the files are
// reported here.
func LoadDir(dir string) (*Catalog, error) {
	return LoadFS(os.DirFS(dir))
}

// LoadFS is [LoadDir] for any file system.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	src, err := readFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return build(src, true)
}

// Load builds a catalog from a service reference (a JSON object keyed by
// service prefix), the global condition keys (a JSON array) and the managed
// policies (a JSON object keyed by policy name). Each reader may hold gzip or
// plain JSON; gzip is recognised by its magic bytes. globalKeys and
// managedPolicies may be nil. Service names are then the documents' names and
// no policy is marked deprecated. Everything is decoded and checked before
// Load returns.
func Load(serviceReference, globalKeys io.Reader, managedPolicies io.Reader) (*Catalog, error) {
	var src sources
	var err error
	if serviceReference == nil {
		return nil, errors.New("catalog: no service reference")
	}
	if src.serviceRef, err = readAll(serviceReference); err != nil {
		return nil, fmt.Errorf("catalog: service reference: %w", err)
	}
	if globalKeys != nil {
		if src.globalKeys, err = readAll(globalKeys); err != nil {
			return nil, fmt.Errorf("catalog: global condition keys: %w", err)
		}
	}
	if managedPolicies != nil {
		if src.policies, err = io.ReadAll(managedPolicies); err != nil {
			return nil, fmt.Errorf("catalog: managed policies: %w", err)
		}
	}
	return build(src, true)
}

// sources holds the contents of the data files, uncompressed except for the
// policies; nil means absent.
type sources struct {
	serviceRef, globalKeys, serviceNames, policies, deprecated []byte
}

func readFS(fsys fs.FS) (sources, error) {
	var src sources
	files := []struct {
		name     string
		dst      *[]byte
		optional bool
	}{
		{FileServiceReference, &src.serviceRef, false},
		{FileGlobalConditionKeys, &src.globalKeys, false},
		{FileServiceNames, &src.serviceNames, true},
		{FileManagedPolicies, &src.policies, false},
		{FileDeprecatedPolicies, &src.deprecated, true},
	}
	for _, f := range files {
		b, err := readFile(fsys, f.name, f.optional)
		if err == nil && f.dst != &src.policies {
			b, err = gunzip(b) // the policies are gunzipped when first used
		}
		if err != nil {
			return src, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = b
	}
	return src, nil
}

func readFile(fsys fs.FS, name string, optional bool) ([]byte, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(name, ".gz") {
		f, err = fsys.Open(strings.TrimSuffix(name, ".gz"))
	}
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// readAll reads r to the end and gunzips the result if it is gzip.
func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return gunzip(b)
}

// gunzip returns b uncompressed if it starts with the gzip magic bytes, else b.
func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	// The gzip trailer holds the uncompressed size (mod 2^32) of the last
	// member: a good capacity hint, so the output is not copied as it grows.
	size := 0
	if len(b) >= 18 {
		if n := binary.LittleEndian.Uint32(b[len(b)-4:]); n < maxGzipSizeHint {
			size = int(n)
		}
	}
	out := make([]byte, 0, size+1)
	for {
		if len(out) == cap(out) {
			out = slices.Grow(out, cap(out))
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
	}
}

// build makes a Catalog. If eager, every service and policy is decoded now and
// any error is returned; otherwise they are decoded on first use.
func build(src sources, eager bool) (*Catalog, error) {
	c := &Catalog{services: make(map[string]*serviceEntry, 512)}
	if err := c.loadGlobalKeys(src.globalKeys); err != nil {
		return nil, fmt.Errorf("catalog: %s: %w", FileGlobalConditionKeys, err)
	}
	var names map[string]string
	if src.serviceNames != nil {
		if err := json.Unmarshal(src.serviceNames, &names); err != nil {
			return nil, fmt.Errorf("catalog: %s: %w", FileServiceNames, err)
		}
	}
	err := eachMember(src.serviceRef, func(prefix string, raw []byte) error {
		key := lower(prefix)
		if _, dup := c.services[key]; dup {
			return fmt.Errorf("service %q appears twice", prefix)
		}
		if len(raw) == 0 || raw[0] != '{' {
			return fmt.Errorf("service %q: not a JSON object", prefix)
		}
		e := &serviceEntry{prefix: key, name: names[prefix], raw: raw}
		if e.name == "" {
			e.name = names[key]
		}
		c.services[key] = e
		c.entries = append(c.entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: service reference: %w", err)
	}
	slices.SortFunc(c.entries, func(a, b *serviceEntry) int { return strings.Compare(a.prefix, b.prefix) })

	if err := c.policies.init(src.policies, src.deprecated); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if !eager {
		return c, nil
	}
	// Decode everything, checking the whole service reference's syntax too
	// (decoding skips the parts the catalog does not use).
	var syntaxErr, servicesErr, policiesErr error
	var wg sync.WaitGroup
	wg.Go(func() { syntaxErr = checkSyntax(src.serviceRef) })
	wg.Go(func() {
		if _, policiesErr = c.policies.load(); policiesErr == nil {
			policiesErr = checkSyntax(c.policies.data)
		}
	})
	servicesErr = c.decodeAll()
	wg.Wait()
	if err := cmp.Or(syntaxErr, servicesErr); err != nil {
		return nil, fmt.Errorf("catalog: service reference: %w", err)
	}
	if policiesErr != nil {
		return nil, fmt.Errorf("catalog: managed policies: %w", policiesErr)
	}
	c.keyIndex()
	for _, e := range c.entries {
		e.raw = nil // everything is decoded; let the buffer go
	}
	return c, nil
}

// checkSyntax returns an error if data is not valid JSON.
func checkSyntax(data []byte) error {
	if data == nil || json.Valid(data) {
		return nil
	}
	var v json.RawMessage
	return json.Unmarshal(data, &v)
}

// decodeAll decodes every service, spreading the work over GOMAXPROCS
// goroutines, and returns the first error in prefix order.
func (c *Catalog) decodeAll() error {
	parallel(len(c.entries), func(i int) { c.entries[i].load(c) })
	for _, e := range c.entries {
		if _, err := e.load(c); err != nil {
			return err
		}
	}
	return nil
}

// parallel calls fn(0) ... fn(n-1) from GOMAXPROCS goroutines and waits.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// DataDate returns the date of the data as YYYY-MM-DD: the later of the
// service reference's date and the newest lastUpdatedDate among the managed
// policies. The service reference files carry no date of their own, so its
// date is always taken to be 2026-08-22, the date of the copy embedded here;
// for the embedded data DataDate is 2026-08-26, the newest policy update.
// The first call decodes the managed policies.
func (c *Catalog) DataDate() string {
	d := serviceReferenceDate
	if ps := c.policies.mustLoad(); ps.newest > d {
		d = ps.newest
	}
	return d
}

// Service returns the service with the given prefix ("s3", "iam"), ignoring case.
func (c *Catalog) Service(prefix string) (*Service, bool) {
	e, ok := lookupFold(c.services, prefix)
	if !ok {
		return nil, false
	}
	return e.mustLoad(c), true
}

// Services returns every service, sorted by prefix. The first call decodes all
// services that have not been decoded yet. The slice is the caller's.
func (c *Catalog) Services() []*Service {
	c.allOnce.Do(func() {
		if err := c.decodeAll(); err != nil {
			panic(corrupt(err))
		}
	})
	out := make([]*Service, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.mustLoad(c)
	}
	return out
}

// Action returns the action service:name, ignoring the case of both. It does
// not allocate once the service has been decoded.
func (c *Catalog) Action(service, name string) (*Action, bool) {
	s, ok := c.Service(service)
	if !ok {
		return nil, false
	}
	return s.Action(name)
}

// corrupt wraps an error in lazily decoded data. Lazy decoding is used only for
// the embedded copy, which this package's tests decode in full, so this
// happens only if the binary itself is damaged.
func corrupt(err error) string {
	return "catalog: embedded data is corrupt: " + err.Error()
}
