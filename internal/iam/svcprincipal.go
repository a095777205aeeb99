package iam

import (
	"bytes"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
)

// Service principals in trust policies.
//
// IAM refuses a role trust policy that names a service principal AWS does not have, with
// `Invalid principal in policy: "SERVICE":"nope.amazonaws.com"` (the text CloudFormation and Terraform show for
// CreateRole). AWS publishes no list of its service principals, so iamd judges a name of the form
// NAME.amazonaws.com from the shipped AWS data (the catalog), most likely first:
//
//  1. a service that has a service-linked role here (slrKnown);
//  2. a dot-separated label of NAME, or the part of a label before its first '-', is a service prefix of the
//     service authorization reference (lambda, rds in monitoring.rds, eks in eks-fargate-pods, logs in
//     logs.us-east-1);
//  3. an AWS managed policy names it (in iam:PassedToService, iam:AWSServiceName, a service-linked role's ARN, ...);
//  4. one of servicePrincipalsDocumented, principals the AWS documentation gives that no prefix or managed policy
//     shows.
//
// Anything else ending in .amazonaws.com is refused, and so is NAME.amazonaws.com.cn: AWS refused
// eks.amazonaws.com.cn in aws, and in China too most services take only NAME.amazonaws.com (AWS China refused
// monitoring.rds.amazonaws.com.cn, terraform-aws-modules/terraform-aws-rds-aurora issue 437; ECS's principal is
// ecs-tasks.amazonaws.com there, terraform-aws-modules/terraform-aws-ecs issue 124). The China-suffixed names AWS
// does take in aws-cn accounts are servicePrincipalsChina. A service
// principal of another form (alexa-appkit.amazon.com) is taken as written.

// servicePrincipalsDocumented are service principals that match no service prefix and that no AWS managed policy
// names: Lambda@Edge's (its documentation), and those that only the service authorization reference's operations
// name (as iam:PassedToService values; the catalog does not decode operations).
var servicePrincipalsDocumented = []string{
	"edgelambda.amazonaws.com", // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html
	"vpc-flow-logs.amazonaws.com",
	"assets.marketplace.amazonaws.com",
	"bullet.amazonaws.com",
	"directquery.opensearchservice.amazonaws.com",
	"reveal-samples.macie.amazonaws.com",
	"vmie.amazonaws.com",
}

// servicePrincipalsChina are the service principals with China's DNS suffix that an aws-cn account's trust policy
// may name besides NAME.amazonaws.com: EC2's, which the China documentation of roles for EC2 instances gives.
var servicePrincipalsChina = []string{"ec2.amazonaws.com.cn"}

// knownServicePrincipal reports whether a trust policy may name the service principal.
func knownServicePrincipal(cat *catalog.Catalog, principal string) bool {
	const suffix = ".amazonaws.com"
	p := strings.ToLower(principal)
	if strings.HasSuffix(p, suffix+".cn") {
		return false
	}
	name, ok := strings.CutSuffix(p, suffix)
	if !ok {
		return true
	}
	if name == "" {
		return false
	}
	for _, svc := range slrKnown {
		if svc.Principal == p {
			return true
		}
	}
	for _, d := range servicePrincipalsDocumented {
		if d == p {
			return true
		}
	}
	if cat == nil {
		return true // no data to judge by
	}
	for _, label := range strings.Split(name, ".") {
		head, _, _ := strings.Cut(label, "-")
		for _, prefix := range []string{label, head} {
			if prefix == "" {
				continue
			}
			if _, ok := cat.Service(prefix); ok {
				return true
			}
		}
	}
	quoted, inPath := []byte(`"`+p+`"`), []byte("/"+p+"/")
	for _, mp := range cat.ManagedPolicies() {
		if bytes.Contains(mp.Document, quoted) || bytes.Contains(mp.Document, inPath) {
			return true
		}
	}
	return false
}
