package simulate

import "github.com/iamd-dev/iamd/authz"

// The shapes below mirror the IAM API's shapes of the same names (botocore's iam 2010-05-08 model), member for
// member and in the model's order, with the JSON names the AWS CLI prints. Optional members use omitzero: a nil
// slice or map, or a nil pointer, is a member AWS did not send, and an empty non-nil one is a member AWS sent empty
// (the CLI prints it as [] or {}).

// CustomInput is SimulateCustomPolicyRequest: the parameters of SimulateCustomPolicy, and the JSON that
// `aws iam simulate-custom-policy --generate-cli-skeleton` prints.
//
// The query protocol cannot tell an empty string from an absent one, so an empty ResourcePolicy, ResourceOwner,
// CallerArn, ResourceHandlingOption or Marker, and a MaxItems of 0, count as absent.
type CustomInput struct {
	// PolicyInputList holds the identity-based policies to simulate, as JSON text. Required.
	PolicyInputList []string `json:"PolicyInputList,omitzero"`
	// PermissionsBoundaryPolicyInputList holds at most one permissions boundary.
	PermissionsBoundaryPolicyInputList []string `json:"PermissionsBoundaryPolicyInputList,omitzero"`
	// ActionNames are the actions to simulate ("s3:GetObject"), without wildcards. Required.
	ActionNames []string `json:"ActionNames,omitzero"`
	// ResourceArns are the resources to simulate each action on; absent means ["*"].
	ResourceArns []string `json:"ResourceArns,omitzero"`
	// ResourcePolicy is a resource-based policy, treated as attached to every resource simulated.
	ResourcePolicy string `json:"ResourcePolicy,omitzero"`
	// ResourceOwner is the account root ARN (arn:aws:iam::ACCOUNT:root) of the owner of any resource whose ARN
	// names no account; absent means the caller's account.
	ResourceOwner string `json:"ResourceOwner,omitzero"`
	// CallerArn is the IAM user simulated as the caller. Required when ResourcePolicy is given.
	CallerArn string `json:"CallerArn,omitzero"`
	// ContextEntries are the request context keys and their values.
	ContextEntries []ContextEntry `json:"ContextEntries,omitzero"`
	// ResourceHandlingOption names an EC2 scenario; it is accepted and does not change the simulation.
	ResourceHandlingOption string `json:"ResourceHandlingOption,omitzero"`
	// MaxItems is the page size, 1 to 1000, in evaluation results; 0 means 100.
	MaxItems int `json:"MaxItems,omitzero"`
	// Marker continues a truncated response: the Marker it returned.
	Marker string `json:"Marker,omitzero"`

	// Principal, for SimulatePrincipalPolicy, holds the policies of the simulated principal as iamd stores them;
	// PolicyInputList then adds to them and may be empty.
	Principal *PrincipalPolicies `json:"-"`
}

// PrincipalPolicies are a user's, group's or role's own policies, simulated with their names as SourcePolicyId.
type PrincipalPolicies struct {
	Caller   authz.Principal // the simulated caller (a user or a role session); the zero value for a group
	Policies []NamedPolicy   // identity-based policies (the user's and its groups', or the role's)
	Boundary *NamedPolicy    // the permissions boundary, unless PermissionsBoundaryPolicyInputList replaces it
	// SCPs are the service control policies of the principal's account, one level each from the root down, when
	// the account is in an organization with SCPs enabled; Management is true for its management account, which
	// SCPs do not limit. The results then carry OrganizationsDecisionDetail.
	SCPs       []authz.Level
	Management bool
}

// NamedPolicy is a stored policy document and the id it is reported under.
type NamedPolicy struct {
	ID       string // SourcePolicyId, e.g. the policy's name
	Document string
}

// ContextEntry is ContextEntry: one request context key and its values.
type ContextEntry struct {
	ContextKeyName   string   `json:"ContextKeyName,omitzero"`
	ContextKeyValues []string `json:"ContextKeyValues,omitzero"`
	ContextKeyType   KeyType  `json:"ContextKeyType,omitzero"`
}

// KeyType is ContextKeyTypeEnum: the type of a context entry's values.
type KeyType string

// The context key types of the IAM API.
const (
	KeyString      KeyType = "string"
	KeyStringList  KeyType = "stringList"
	KeyNumeric     KeyType = "numeric"
	KeyNumericList KeyType = "numericList"
	KeyBoolean     KeyType = "boolean"
	KeyBooleanList KeyType = "booleanList"
	KeyIP          KeyType = "ip"
	KeyIPList      KeyType = "ipList"
	KeyBinary      KeyType = "binary"
	KeyBinaryList  KeyType = "binaryList"
	KeyDate        KeyType = "date"
	KeyDateList    KeyType = "dateList"
)

// Output is SimulatePolicyResponse, the result of SimulateCustomPolicy (and later SimulatePrincipalPolicy).
type Output struct {
	EvaluationResults []EvaluationResult `json:"EvaluationResults"`
	IsTruncated       bool               `json:"IsTruncated"`
	Marker            string             `json:"Marker,omitzero"`
}

// Decision is PolicyEvaluationDecisionType.
type Decision string

// The decisions of a simulation.
const (
	Allowed      Decision = "allowed"
	ExplicitDeny Decision = "explicitDeny"
	ImplicitDeny Decision = "implicitDeny"
)

// EvaluationResult is EvaluationResult: the outcome of one action. When ResourceArns lists resources, it is the
// aggregate over them (the most restrictive decision) and ResourceSpecificResults holds one result per resource.
type EvaluationResult struct {
	EvalActionName                    string                             `json:"EvalActionName"`
	EvalResourceName                  string                             `json:"EvalResourceName,omitzero"`
	EvalDecision                      Decision                           `json:"EvalDecision"`
	MatchedStatements                 []Statement                        `json:"MatchedStatements,omitzero"`
	MissingContextValues              []string                           `json:"MissingContextValues,omitzero"`
	OrganizationsDecisionDetail       *OrganizationsDecisionDetail       `json:"OrganizationsDecisionDetail,omitzero"`
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `json:"PermissionsBoundaryDecisionDetail,omitzero"`
	EvalDecisionDetails               map[string]Decision                `json:"EvalDecisionDetails,omitzero"`
	ResourceSpecificResults           []ResourceSpecificResult           `json:"ResourceSpecificResults,omitzero"`

	// Explanations is not part of the AWS shape: the engine's explanation of each resource's decision, in the
	// order of the resources simulated, for people (see authz.Decision.Explain).
	Explanations []Explanation `json:"-"`
}

// Explanation is the engine's account of one action on one resource.
type Explanation struct {
	Resource string
	Decision Decision
	Text     string // authz.Decision.Explain: the result, the deciding statements or the layer that lacked an Allow
}

// Statement is Statement: a statement that decided a result, by the policy it is in and where it is.
type Statement struct {
	SourcePolicyId   string    `json:"SourcePolicyId,omitzero"`
	SourcePolicyType string    `json:"SourcePolicyType,omitzero"`
	StartPosition    *Position `json:"StartPosition,omitzero"`
	EndPosition      *Position `json:"EndPosition,omitzero"`
}

// Position is Position: a line and column (both 1-based) of a policy document.
type Position struct {
	Line   int `json:"Line"`
	Column int `json:"Column"`
}

// ResourceSpecificResult is ResourceSpecificResult: the outcome of one action on one resource.
type ResourceSpecificResult struct {
	EvalResourceName                  string                             `json:"EvalResourceName"`
	EvalResourceDecision              Decision                           `json:"EvalResourceDecision"`
	MatchedStatements                 []Statement                        `json:"MatchedStatements,omitzero"`
	MissingContextValues              []string                           `json:"MissingContextValues,omitzero"`
	EvalDecisionDetails               map[string]Decision                `json:"EvalDecisionDetails,omitzero"`
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `json:"PermissionsBoundaryDecisionDetail,omitzero"`
}

// PermissionsBoundaryDecisionDetail is PermissionsBoundaryDecisionDetail.
type PermissionsBoundaryDecisionDetail struct {
	AllowedByPermissionsBoundary bool `json:"AllowedByPermissionsBoundary"`
}

// OrganizationsDecisionDetail is OrganizationsDecisionDetail. SimulateCustomPolicy takes no SCPs, so Custom never
// sets it; it is here for SimulatePrincipalPolicy.
type OrganizationsDecisionDetail struct {
	AllowedByOrganizations bool `json:"AllowedByOrganizations"`
}

// The policy identifiers (Statement.SourcePolicyId) and types (Statement.SourcePolicyType) of SimulateCustomPolicy.
// The types are the strings AWS returns, which are not the values botocore's PolicySourceType enum lists.
const (
	SourcePolicyInputList = "PolicyInputList"                    // + ".N", N counting from 1
	SourceBoundaryList    = "PermissionsBoundaryPolicyInputList" // + ".1"
	SourceResourcePolicy  = "ResourcePolicy"
	TypeIAMPolicy         = "IAM Policy"
	TypeBoundaryPolicy    = "Permissions Boundary Policy"
	TypeResourcePolicy    = "Resource Policy"
)
