package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"strings"

	"github.com/iamd-dev/iamd/policy"
)

const analyzeGitUsage = `Usage: iamd analyze --git RANGE [--include GLOB,...] [--policy-type auto|identity|resource] [--actions A,B] [--resources ARN,...] [--repo DIR] [common flags]

Checks every policy file that the commits of RANGE change (A..B, or A...B from their merge base; an empty side is
HEAD), in the git repository of the working directory (or --repo): the new version of each is validated; a
modified (or renamed) file must grant nothing that its old version does not (check-no-new-access); with --actions
or --resources, no changed file may grant them (check-access-not-granted). Policy files are the JSON files whose
new version is an object with a Statement, or, with --include, the files that match one of the globs (path.Match
patterns on the path from the repository root; "**" matches any number of directories).

`

func runAnalyzeGit(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze", analyzeGitUsage, s.stderr)
	rng := fs.String("git", "", "the commit `RANGE`: A..B or A...B")
	include := fs.String("include", "", "comma-separated `GLOBS` of the policy files, e.g. 'policies/**/*.json'")
	repo := fs.String("repo", ".", "the `DIR` in the git repository to check")
	pt := fs.String("policy-type", "auto", "the type of the policy files: identity, resource, or auto (a file with a Principal is a resource policy, a trust policy when it only grants sts: actions)")
	actions := fs.String("actions", "", "comma-separated `ACTIONS` no changed policy may grant")
	resources := fs.String("resources", "", "comma-separated resource `ARNS` no changed policy may grant access to")
	af := addAnalyzeFlags(fs, s.getenv)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if *rng == "" {
		return usageError(fs, "--git RANGE is required without a subcommand")
	}
	policyType := ""
	if *pt != "auto" {
		t, err := awsPolicyType(*pt, "IDENTITY_POLICY", "RESOURCE_POLICY")
		if err != nil {
			return usageError(fs, "--policy-type: %v", err)
		}
		policyType = t
	}
	globs := splitList(*include)
	for _, g := range globs {
		if _, err := path.Match(strings.ReplaceAll(g, "**", "*"), ""); err != nil {
			return usageError(fs, "--include %q: %v", g, err)
		}
	}
	g := gitRepo{dir: *repo}
	oldRev, newRev, err := g.resolveRange(ctx, *rng)
	if err != nil {
		var ue usageErr
		if errors.As(err, &ue) {
			return usageError(fs, "--git: %v", err)
		}
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	a, code, ok := newAnalyzer(fs, s, af)
	if !ok {
		return code
	}
	changes, err := g.changes(ctx, oldRev, newRev)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	acts, ress := splitList(*actions), splitList(*resources)
	var results []checkResult
	for _, c := range changes {
		if len(globs) > 0 && !matchAny(globs, c.path) || len(globs) == 0 && !strings.HasSuffix(strings.ToLower(c.path), ".json") {
			continue
		}
		doc, err := g.show(ctx, newRev, c.path)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd: %v\n", err)
			return exitUsage
		}
		if len(globs) == 0 && !looksLikePolicy(doc) {
			continue
		}
		fileType, resourceType := policyType, ""
		if fileType == "" {
			fileType, resourceType = guessPolicyType(doc)
		}
		typ, _ := engineType(fileType, resourceType)
		r, err := a.validate(ctx, c.path, doc, fileType, resourceType)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd: %s: %v\n", c.path, err)
			return exitUsage
		}
		results = append(results, r)
		updated, err := policy.Parse(doc, typ)
		if err != nil {
			continue // validate reported why
		}
		if c.oldPath != "" {
			if old, err := g.show(ctx, oldRev, c.oldPath); err != nil {
				fmt.Fprintf(s.stderr, "iamd: %v\n", err)
				return exitUsage
			} else if existing, err := policy.Parse(old, typ); err == nil {
				r, err := a.checkNoNewAccess(ctx, c.path, shortRev(oldRev)+":"+c.oldPath, existing, updated)
				if err != nil {
					fmt.Fprintf(s.stderr, "iamd: %v\n", err)
					return exitUsage
				}
				results = append(results, r)
			}
		}
		if len(acts) > 0 || len(ress) > 0 {
			r, err := a.checkAccessNotGranted(ctx, c.path, updated, acts, ress)
			if err != nil {
				fmt.Fprintf(s.stderr, "iamd: %v\n", err)
				return exitUsage
			}
			results = append(results, r)
		}
	}
	return a.finish(results, false)
}

// usageErr is an error in what the user gave, as opposed to one of git or of the repository.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

// gitRepo runs the git binary in a directory of a repository.
type gitRepo struct{ dir string }

// git runs git with args and returns its standard output; an error holds what git wrote to standard error.
func (g gitRepo) git(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", g.dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.Bytes(), nil
}

// resolveRange turns A..B or A...B into the commits to compare: A (or the merge base of A and B) and B.
func (g gitRepo) resolveRange(ctx context.Context, rng string) (oldRev, newRev string, err error) {
	left, right, three := strings.Cut(rng, "...")
	if !three {
		var two bool
		if left, right, two = strings.Cut(rng, ".."); !two {
			return "", "", usageErr{fmt.Sprintf("%q is not a range: want A..B or A...B", rng)}
		}
	}
	if left == "" {
		left = "HEAD"
	}
	if right == "" {
		right = "HEAD"
	}
	if _, err := exec.LookPath("git"); err != nil {
		return "", "", fmt.Errorf("--git needs the git binary: %w", err)
	}
	resolve := func(rev string) (string, error) {
		if strings.HasPrefix(rev, "-") {
			return "", usageErr{fmt.Sprintf("%q is not a revision", rev)}
		}
		out, err := g.git(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
		if err != nil {
			return "", fmt.Errorf("%q is not a commit of the repository in %s: %w", rev, g.dir, err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	if oldRev, err = resolve(left); err != nil {
		return "", "", err
	}
	if newRev, err = resolve(right); err != nil {
		return "", "", err
	}
	if three {
		out, err := g.git(ctx, "merge-base", oldRev, newRev)
		if err != nil {
			return "", "", err
		}
		oldRev = strings.TrimSpace(string(out))
	}
	return oldRev, newRev, nil
}

// change is a file that a range adds or modifies; oldPath is its path in the old commit ("" for a new file).
type change struct{ path, oldPath string }

// changes lists the files added, modified or renamed from oldRev to newRev (deleted files grant nothing).
func (g gitRepo) changes(ctx context.Context, oldRev, newRev string) ([]change, error) {
	out, err := g.git(ctx, "diff", "--name-status", "-z", "--find-renames", "--no-ext-diff", "--no-textconv", oldRev, newRev, "--")
	if err != nil {
		return nil, err
	}
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	var cs []change
	for i := 0; i < len(fields) && fields[i] != ""; {
		status := fields[i]
		switch status[0] {
		case 'R', 'C':
			if i+2 >= len(fields) {
				return nil, fmt.Errorf("git diff: unexpected output %q", out)
			}
			c := change{path: fields[i+2]}
			if status[0] == 'R' {
				c.oldPath = fields[i+1]
			}
			cs = append(cs, c)
			i += 3
			continue
		case 'M', 'T':
			cs = append(cs, change{path: fields[i+1], oldPath: fields[i+1]})
		case 'A':
			cs = append(cs, change{path: fields[i+1]})
		}
		i += 2
	}
	return cs, nil
}

// show returns a file's content at a commit.
func (g gitRepo) show(ctx context.Context, rev, file string) ([]byte, error) {
	return g.git(ctx, "cat-file", "blob", rev+":"+file)
}

// shortRev abbreviates a commit ID for messages.
func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// looksLikePolicy reports whether doc is a JSON object with a Statement member: the files --git checks when no
// --include is given. A policy with errors still counts, so that validate reports them.
func looksLikePolicy(doc []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil {
		return false
	}
	_, ok := m["Statement"]
	return ok
}

// guessPolicyType tells the policy type of a document (and its resource type for a role trust policy): a resource
// policy when a statement has a Principal or NotPrincipal, a role trust policy when moreover every action is one
// of STS's (sts:AssumeRole*, sts:TagSession, ...); otherwise an identity policy.
func guessPolicyType(doc []byte) (policyType, resourceType string) {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &d) != nil {
		return "IDENTITY_POLICY", ""
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return "IDENTITY_POLICY", ""
		}
		stmts = append(stmts, one)
	}
	principal, sts := false, true
	for _, st := range stmts {
		_, p := st["Principal"]
		_, np := st["NotPrincipal"]
		principal = principal || p || np
		var actions []string
		if json.Unmarshal(st["Action"], &actions) != nil {
			var one string
			if json.Unmarshal(st["Action"], &one) != nil {
				sts = false
				continue
			}
			actions = []string{one}
		}
		for _, a := range actions {
			sts = sts && strings.HasPrefix(strings.ToLower(a), "sts:")
		}
	}
	switch {
	case !principal:
		return "IDENTITY_POLICY", ""
	case sts:
		return "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument"
	}
	return "RESOURCE_POLICY", ""
}

// matchAny reports whether name matches one of the globs.
func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if matchGlob(strings.Split(g, "/"), strings.Split(name, "/")) {
			return true
		}
	}
	return false
}

// matchGlob matches path segments against pattern segments: each with path.Match, and "**" for any number of
// segments (none included).
func matchGlob(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchGlob(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
