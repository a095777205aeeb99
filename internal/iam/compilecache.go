package iam

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// compileCache sits beside the policy engine: it keeps compiled policies by the hash of their document and their
// type (a document compiles to the same policy forever), and each caller's evaluator, valid for one policy
// generation of the store (store.Store.PolicyGeneration), which usage stamps such as an access key's last use do
// not move. It has its own lock: the service's other caches never wait on a compilation's bookkeeping.
type compileCache struct {
	mu       sync.Mutex
	compiled map[string]*policy.Policy
	evals    map[string]cachedEval
}

type cachedEval struct {
	gen       uint64
	ev        *authz.Evaluator
	set       authz.PolicySet // what ev was built from
	tags      map[string]string
	principal policy.Context // the keys derived from the principal, copied into each request's context
}

// compile parses a policy document once per distinct text and type. Documents are checked as IAM checks them when
// they are written (checkPolicyDocument); compiling again is lenient about checks iamd added since.
func (c *compileCache) compile(doc string, typ policy.Type) (*policy.Policy, error) {
	sum := sha256.Sum256([]byte(doc))
	key := typ.String() + ":" + hex.EncodeToString(sum[:16])
	c.mu.Lock()
	p, ok := c.compiled[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.ParseStored([]byte(doc), typ) // checked when written; see ParseStored
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.compiled == nil || len(c.compiled) > 4*maxCachedEvaluators {
		c.compiled = map[string]*policy.Policy{}
	}
	c.compiled[key] = p
	c.mu.Unlock()
	return p, nil
}

// evaluator returns the evaluator kept under key if it was built at policy generation gen.
func (c *compileCache) evaluator(key string, gen uint64) (cachedEval, bool) {
	c.mu.Lock()
	ce, ok := c.evals[key]
	c.mu.Unlock()
	return ce, ok && ce.gen == gen
}

// putEvaluator keeps an evaluator under key (its generation inside it).
func (c *compileCache) putEvaluator(key string, ce cachedEval) {
	c.mu.Lock()
	if c.evals == nil || len(c.evals) >= maxCachedEvaluators {
		c.evals = map[string]cachedEval{}
	}
	c.evals[key] = ce
	c.mu.Unlock()
}

// cachedEvaluators reports how many evaluators of policy generation gen the cache holds.
func (c *compileCache) cachedEvaluators(gen uint64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ce := range c.evals {
		if ce.gen == gen {
			n++
		}
	}
	return n
}
