package validate

import (
	"fmt"
	"strings"
)

// partitions are AWS's partitions (botocore's data/partitions.json).
var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

func knownPartition(p string) bool {
	for _, q := range partitions {
		if p == q {
			return true
		}
	}
	return false
}

func wild(s string) bool { return strings.ContainsAny(s, "*?") }

// resource checks one Resource or NotResource value.
func (v *validator) resource(r *strVal) {
	loc := v.at(r.path, r.node)
	s := r.s
	if s == "*" {
		return
	}
	if strings.Contains(s, "${") {
		if !v.variables(r) {
			return
		}
		s = replaceVariables(s)
	}
	if !strings.HasPrefix(s, "arn:") {
		v.add(codeInvalidArnPrefix, "Add the required prefix (arn) to the resource ARN.", loc)
		return
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) < 6 {
		v.add(codeMissingArnField, "Resource ARNs must include at least 6 fields in the following structure: arn:partition:service:region:account:resource", loc)
		return
	}
	partition, service, region, account, res := f[1], f[2], f[3], f[4], f[5]
	if !wild(partition) && !knownPartition(partition) {
		v.add(codeInvalidPartition, fmt.Sprintf("The resource ARN for the service %s does not support the partition %s. Use the supported values: %s", service, partition, strings.Join(partitions, ", ")), loc)
		return
	}
	if wild(service) {
		v.add(codeWildcardInServiceName, "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.", loc)
		return
	}
	if service != strings.ToLower(service) {
		v.add(codeInvalidArnServiceCase, fmt.Sprintf("Update the service name %s in the resource ARN to use all lowercase letters.", service), loc)
		return
	}
	formats := v.arnFormats(service)
	if len(formats) == 0 {
		return
	}
	regions, accounts := 0, 0 // formats that have a region, an account
	for _, fm := range formats {
		if fm.region != "" {
			regions++
		}
		if fm.account != "" {
			accounts++
		}
	}
	switch {
	case regions == 0 && region != "" && !wild(region):
		v.add(codeArnRegionNotAllowed, fmt.Sprintf("The service %s does not support specifying a Region in the resource ARN.", service), loc)
	case regions == len(formats) && region == "":
		v.add(codeMissingArnRegion, fmt.Sprintf("Add a Region to the %s resource ARN.", service), loc)
	}
	switch {
	case accounts == 0 && account != "" && !wild(account):
		v.add(codeArnAccountNotAllowed, fmt.Sprintf("The service %s does not support specifying an account ID in the resource ARN.", service), loc)
	case accounts > 0 && account != "" && !wild(account) && account != "aws" && !accountIDRE.MatchString(account):
		v.add(codeInvalidArnAccount, fmt.Sprintf("The resource ARN account ID %s is not valid. Provide a 12-digit account ID.", account), loc)
	}
	if wild(res) {
		return
	}
	for _, fm := range formats {
		if glob(fm.resource, res) {
			return
		}
	}
	for _, fm := range v.foreignARNFormats(service) {
		if glob(fm.resource, res) {
			return
		}
	}
	v.add(codeInvalidArnResource, "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.", loc)
}

// arnFormat is one ARN format of a resource type: its region and account fields ("" when the format has none)
// and its resource part as a pattern (each ${Placeholder} standing for one or more characters).
type arnFormat struct {
	region, account, resource string
}

// arnFormats returns the ARN formats whose service field is service, from the catalog's service of that prefix.
func (v *validator) arnFormats(service string) []arnFormat {
	if v.cat == nil {
		return nil
	}
	if fs, ok := v.formats[service]; ok {
		return fs
	}
	var out []arnFormat
	if svc, ok := v.cat.Service(service); ok {
		for _, rt := range svc.ResourceTypes {
			for _, f := range rt.ARNFormats {
				p := strings.SplitN(f, ":", 6)
				if len(p) < 6 || p[2] != service {
					continue
				}
				out = append(out, arnFormat{region: p[3], account: p[4], resource: placeholders(p[5])})
			}
		}
	}
	if v.formats == nil {
		v.formats = map[string][]arnFormat{}
	}
	v.formats[service] = out
	return out
}

// foreignARNFormats returns the ARN formats whose service field is service that other services of the catalog
// define: an ARN's service is not always the prefix of the service that documents it (sts documents the root user,
// arn:${Partition}:iam::${Account}:root). It reads every service, so it is only asked when service's own formats
// do not match.
func (v *validator) foreignARNFormats(service string) []arnFormat {
	if v.cat == nil {
		return nil
	}
	if fs, ok := v.foreign[service]; ok {
		return fs
	}
	var out []arnFormat
	for _, svc := range v.cat.Services() {
		if svc.Prefix == service {
			continue
		}
		for _, rt := range svc.ResourceTypes {
			for _, f := range rt.ARNFormats {
				if p := strings.SplitN(f, ":", 6); len(p) == 6 && p[2] == service {
					out = append(out, arnFormat{region: p[3], account: p[4], resource: placeholders(p[5])})
				}
			}
		}
	}
	if v.foreign == nil {
		v.foreign = map[string][]arnFormat{}
	}
	v.foreign[service] = out
	return out
}

// placeholders turns each ${Name} of an ARN format into "?*" (at least one character).
func placeholders(s string) string { return replaceBraced(s, "?*") }

// replaceVariables turns each ${...} of a value into '*', which stands for whatever the variable becomes.
func replaceVariables(s string) string { return replaceBraced(s, "*") }

// replaceBraced replaces each ${...} of s with with; an unclosed ${ stays as it is.
func replaceBraced(s, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(with)
		s = s[i+j+1:]
	}
}
