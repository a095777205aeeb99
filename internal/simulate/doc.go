// Package simulate is the IAM policy simulator: SimulateCustomPolicy (and, later, SimulatePrincipalPolicy) with
// the IAM API's input and output shapes, transport-free. It parses the given policies with package policy, decides
// each action and resource with package authz, and reports the decision the way AWS does: the matched statements
// with AWS's statement positions, the context keys the policies need but the request lacks, and the permissions
// boundary's and the accounts' parts in the decision. The command line (iamd policy simulate) and the IAM API
// server both call Custom.
package simulate
