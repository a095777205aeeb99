// Package iam is the IAM service's domain: users, groups, roles, managed and inline policies, access keys,
// instance profiles and the account's settings, with AWS's names, limits and errors; and the authorization of every
// call by the policy engine against the caller's effective policies. It knows nothing of HTTP or of how records
// are stored: operations take typed inputs and a store transaction, and return typed outputs or *awserr.Error.
package iam
