package store

import "sync/atomic"

// Generations is a handle's view of the shared generations, for a backend to embed: it implements Generation,
// PolicyGeneration and ForeignPolicyGeneration, and keeps the rules of how they move in one place. The values only
// grow. A backend calls Synced with the shared generations Sync read, and Committed with those its commit left.
type Generations struct {
	gen  atomic.Uint64 // every commit of Update or UpdateStamps
	pgen atomic.Uint64 // commits of Update
	// fpgen is pgen as it was when the handle last learned of another handle's Update (ForeignPolicyGeneration);
	// ownp is the pgen of the handle's latest commit that found no such Update before it.
	fpgen, ownp atomic.Uint64
}

// Generation implements Store.
func (g *Generations) Generation() uint64 { return g.gen.Load() }

// PolicyGeneration implements Store.
func (g *Generations) PolicyGeneration() uint64 { return g.pgen.Load() }

// ForeignPolicyGeneration implements Store.
func (g *Generations) ForeignPolicyGeneration() uint64 { return g.fpgen.Load() }

// Synced moves the handle's generations up to gen and pgen, as Sync read them from the shared ones: gen first, so
// that a cache of derived data, which reads the policy generation before the records it derives from, misses the
// read cache while the policy generation still has its old value. A pgen past the handle's latest own commit holds
// another handle's Update: ForeignPolicyGeneration moves to it first, so that it has moved before any commit of the
// handle can see PolicyGeneration at pgen.
func (g *Generations) Synced(gen, pgen uint64) {
	if pgen > g.ownp.Load() {
		raise(&g.fpgen, pgen)
	}
	raise(&g.gen, gen)
	raise(&g.pgen, pgen)
}

// Committed moves the handle's generations up to gen and pgen, those its commit left (an Update when policy, else
// an UpdateStamps). known is PolicyGeneration as the handle knew it when the commit bumped the shared generations,
// holding their lock: a pgen past the bump's own step holds another handle's Update, which ForeignPolicyGeneration
// follows first (as in Synced); otherwise pgen is the handle's own.
func (g *Generations) Committed(gen, pgen, known uint64, policy bool) {
	bumped := known
	if policy {
		bumped++
	}
	foreign := pgen > bumped
	if foreign {
		raise(&g.fpgen, pgen)
	}
	raise(&g.gen, gen)
	raise(&g.pgen, pgen)
	if !foreign && policy {
		raise(&g.ownp, pgen)
	}
}

// raise sets v to n when n is greater.
func raise(v *atomic.Uint64, n uint64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}
