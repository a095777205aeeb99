package analyzer

import (
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
)

// Detected is one finding as an analysis finds it now, before an analyzer's state (its ID, status, archive rules
// and times) is attached to it: what external-access and unused-access analysis produce and the findings of an
// analyzer keep current. Two analyses that detect the same Key for the same Resource detect the same finding: its
// ID and status carry over, and a stored finding no longer detected is RESOLVED.
type Detected struct {
	// Resource is the ARN of the resource the finding is about (a role, a user, a resource whose policy a
	// service registered); ResourceType is Access Analyzer's type of it, and ResourceOwnerAccount its account.
	Resource             string
	ResourceType         aatypes.ResourceType
	ResourceOwnerAccount string
	// FindingType is the finding's type (ExternalAccess, UnusedIAMRole, UnusedIAMUserAccessKey,
	// UnusedIAMUserPassword, UnusedPermission).
	FindingType aatypes.FindingType
	// Key tells apart the findings of one resource and type, stable from one analysis to the next: for external
	// access the principal and the access it gets, for an unused access key its ID, for an unused permission the
	// service.
	Key string
	// Details are the finding's details as GetFindingV2 answers them (one element, of the member FindingType
	// says); an external-access finding also fills the fields of GetFinding (version 1) from its
	// ExternalAccessDetails.
	Details []aatypes.FindingDetails
}
