package catalog

import (
	"strings"
)

// ServicePrincipal reports whether AWS's data names a service principal of the aws partition, ignoring case: the
// principal PREFIX.amazonaws.com of a service prefix the service reference has ("guardduty.amazonaws.com"), or a
// principal an AWS managed policy names, in a condition (iam:AWSServiceName, iam:PassedToService,
// organizations:ServicePrincipal) or in a service-linked role's path ("malware-protection.guardduty.amazonaws.com",
// "config-multiaccountsetup.amazonaws.com"). The first call reads every managed policy.
func (c *Catalog) ServicePrincipal(name string) bool {
	c.principalsOnce.Do(c.loadPrincipals)
	return c.principals[lower(name)]
}

const principalSuffix = ".amazonaws.com"

func (c *Catalog) loadPrincipals() {
	set := make(map[string]bool, len(c.entries)+512)
	for _, e := range c.entries {
		set[e.prefix+principalSuffix] = true
	}
	for _, mp := range c.ManagedPolicies() {
		doc := string(mp.Document)
		for i := strings.Index(doc, principalSuffix); i >= 0; {
			if p := principalEndingAt(doc, i+len(principalSuffix)); p != "" {
				set[lower(p)] = true
			}
			next := strings.Index(doc[i+1:], principalSuffix)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	c.principals = set
}

// principalEndingAt returns the DNS-like name that ends at end in doc (letters, digits, '-' and '.'), when it is
// a whole token (not part of a longer one) with a label before the suffix.
func principalEndingAt(doc string, end int) string {
	if end < len(doc) && isPrincipalByte(doc[end]) {
		return ""
	}
	start := end - len(principalSuffix)
	for start > 0 && isPrincipalByte(doc[start-1]) {
		start--
	}
	name := doc[start:end]
	if len(name) <= len(principalSuffix) || name[0] == '.' || name[0] == '-' {
		return ""
	}
	return name
}

func isPrincipalByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.'
}
