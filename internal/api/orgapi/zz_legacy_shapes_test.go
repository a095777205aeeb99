// Code generated from internal/apitypes/org/zz_generated_shapes.go as genshapes wrote it before the shapes lost
// their json tags (issue #12): the type declarations only, each renamed with a "legacy" prefix, apitypes.Timestamp
// replaced by legacyTimestamp. DO NOT EDIT. It is frozen: the differential tests compare encoding/json over these
// tagged shapes with the generated codec over the plain ones, so it must not follow the model. One change since
// (issue #13): optional lists are tagged omitzero, not omitempty, since the codec now writes a non-nil empty list
// as [] (AWS sends empty lists) and leaves out only a nil one.

package orgapi

type legacyAccountJoinedMethod string
type legacyAccountState string
type legacyAccountStatus string
type legacyActionType string
type legacyChildType string
type legacyCreateAccountFailureReason string
type legacyCreateAccountState string
type legacyEffectivePolicyType string
type legacyHandshakePartyType string
type legacyHandshakeResourceType string
type legacyHandshakeState string
type legacyIAMUserAccessToBilling string
type legacyOrganizationFeatureSet string
type legacyParentType string
type legacyPolicyType string
type legacyPolicyTypeStatus string
type legacyResponsibilityTransferStatus string
type legacyResponsibilityTransferType string
type legacyTargetType string
type legacyAcceptHandshakeRequest struct {
	HandshakeId string `json:"HandshakeId"`
}
type legacyAcceptHandshakeResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyAccount struct {
	Id              *string                    `json:"Id,omitempty"`
	Arn             *string                    `json:"Arn,omitempty"`
	Email           *string                    `json:"Email,omitempty"`
	Name            *string                    `json:"Name,omitempty"`
	Status          *legacyAccountStatus       `json:"Status,omitempty"`
	State           *legacyAccountState        `json:"State,omitempty"`
	Paths           []string                   `json:"Paths,omitzero"`
	JoinedMethod    *legacyAccountJoinedMethod `json:"JoinedMethod,omitempty"`
	JoinedTimestamp *legacyTimestamp           `json:"JoinedTimestamp,omitempty"`
}
type legacyAttachPolicyRequest struct {
	PolicyId string `json:"PolicyId"`
	TargetId string `json:"TargetId"`
}
type legacyCancelHandshakeRequest struct {
	HandshakeId string `json:"HandshakeId"`
}
type legacyCancelHandshakeResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyChild struct {
	Id   *string          `json:"Id,omitempty"`
	Type *legacyChildType `json:"Type,omitempty"`
}
type legacyCloseAccountRequest struct {
	AccountId string `json:"AccountId"`
}
type legacyCreateAccountRequest struct {
	Email                  string                        `json:"Email"`
	AccountName            string                        `json:"AccountName"`
	RoleName               *string                       `json:"RoleName,omitempty"`
	IamUserAccessToBilling *legacyIAMUserAccessToBilling `json:"IamUserAccessToBilling,omitempty"`
	Tags                   []legacyTag                   `json:"Tags,omitzero"`
}
type legacyCreateAccountResponse struct {
	CreateAccountStatus *legacyCreateAccountStatus `json:"CreateAccountStatus,omitempty"`
}
type legacyCreateAccountStatus struct {
	Id                 *string                           `json:"Id,omitempty"`
	AccountName        *string                           `json:"AccountName,omitempty"`
	State              *legacyCreateAccountState         `json:"State,omitempty"`
	RequestedTimestamp *legacyTimestamp                  `json:"RequestedTimestamp,omitempty"`
	CompletedTimestamp *legacyTimestamp                  `json:"CompletedTimestamp,omitempty"`
	AccountId          *string                           `json:"AccountId,omitempty"`
	GovCloudAccountId  *string                           `json:"GovCloudAccountId,omitempty"`
	FailureReason      *legacyCreateAccountFailureReason `json:"FailureReason,omitempty"`
}
type legacyCreateGovCloudAccountRequest struct {
	Email                  string                        `json:"Email"`
	AccountName            string                        `json:"AccountName"`
	RoleName               *string                       `json:"RoleName,omitempty"`
	IamUserAccessToBilling *legacyIAMUserAccessToBilling `json:"IamUserAccessToBilling,omitempty"`
	Tags                   []legacyTag                   `json:"Tags,omitzero"`
}
type legacyCreateGovCloudAccountResponse struct {
	CreateAccountStatus *legacyCreateAccountStatus `json:"CreateAccountStatus,omitempty"`
}
type legacyCreateOrganizationRequest struct {
	FeatureSet *legacyOrganizationFeatureSet `json:"FeatureSet,omitempty"`
}
type legacyCreateOrganizationResponse struct {
	Organization *legacyOrganization `json:"Organization,omitempty"`
}
type legacyCreateOrganizationalUnitRequest struct {
	ParentId string      `json:"ParentId"`
	Name     string      `json:"Name"`
	Tags     []legacyTag `json:"Tags,omitzero"`
}
type legacyCreateOrganizationalUnitResponse struct {
	OrganizationalUnit *legacyOrganizationalUnit `json:"OrganizationalUnit,omitempty"`
}
type legacyCreatePolicyRequest struct {
	Content     string           `json:"Content"`
	Description string           `json:"Description"`
	Name        string           `json:"Name"`
	Type        legacyPolicyType `json:"Type"`
	Tags        []legacyTag      `json:"Tags,omitzero"`
}
type legacyCreatePolicyResponse struct {
	Policy *legacyPolicy `json:"Policy,omitempty"`
}
type legacyDeclineHandshakeRequest struct {
	HandshakeId string `json:"HandshakeId"`
}
type legacyDeclineHandshakeResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyDelegatedAdministrator struct {
	Id                    *string                    `json:"Id,omitempty"`
	Arn                   *string                    `json:"Arn,omitempty"`
	Email                 *string                    `json:"Email,omitempty"`
	Name                  *string                    `json:"Name,omitempty"`
	Status                *legacyAccountStatus       `json:"Status,omitempty"`
	State                 *legacyAccountState        `json:"State,omitempty"`
	JoinedMethod          *legacyAccountJoinedMethod `json:"JoinedMethod,omitempty"`
	JoinedTimestamp       *legacyTimestamp           `json:"JoinedTimestamp,omitempty"`
	DelegationEnabledDate *legacyTimestamp           `json:"DelegationEnabledDate,omitempty"`
}
type legacyDelegatedService struct {
	ServicePrincipal      *string          `json:"ServicePrincipal,omitempty"`
	DelegationEnabledDate *legacyTimestamp `json:"DelegationEnabledDate,omitempty"`
}
type legacyDeleteOrganizationalUnitRequest struct {
	OrganizationalUnitId string `json:"OrganizationalUnitId"`
}
type legacyDeletePolicyRequest struct {
	PolicyId string `json:"PolicyId"`
}
type legacyDeregisterDelegatedAdministratorRequest struct {
	AccountId        string `json:"AccountId"`
	ServicePrincipal string `json:"ServicePrincipal"`
}
type legacyDescribeAccountRequest struct {
	AccountId string `json:"AccountId"`
}
type legacyDescribeAccountResponse struct {
	Account *legacyAccount `json:"Account,omitempty"`
}
type legacyDescribeCreateAccountStatusRequest struct {
	CreateAccountRequestId string `json:"CreateAccountRequestId"`
}
type legacyDescribeCreateAccountStatusResponse struct {
	CreateAccountStatus *legacyCreateAccountStatus `json:"CreateAccountStatus,omitempty"`
}
type legacyDescribeEffectivePolicyRequest struct {
	PolicyType legacyEffectivePolicyType `json:"PolicyType"`
	TargetId   *string                   `json:"TargetId,omitempty"`
}
type legacyDescribeEffectivePolicyResponse struct {
	EffectivePolicy *legacyEffectivePolicy `json:"EffectivePolicy,omitempty"`
}
type legacyDescribeHandshakeRequest struct {
	HandshakeId string `json:"HandshakeId"`
}
type legacyDescribeHandshakeResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyDescribeOrganizationResponse struct {
	Organization *legacyOrganization `json:"Organization,omitempty"`
}
type legacyDescribeOrganizationalUnitRequest struct {
	OrganizationalUnitId string `json:"OrganizationalUnitId"`
}
type legacyDescribeOrganizationalUnitResponse struct {
	OrganizationalUnit *legacyOrganizationalUnit `json:"OrganizationalUnit,omitempty"`
}
type legacyDescribePolicyRequest struct {
	PolicyId string `json:"PolicyId"`
}
type legacyDescribePolicyResponse struct {
	Policy *legacyPolicy `json:"Policy,omitempty"`
}
type legacyDescribeResourcePolicyResponse struct {
	ResourcePolicy *legacyResourcePolicy `json:"ResourcePolicy,omitempty"`
}
type legacyDescribeResponsibilityTransferRequest struct {
	Id string `json:"Id"`
}
type legacyDescribeResponsibilityTransferResponse struct {
	ResponsibilityTransfer *legacyResponsibilityTransfer `json:"ResponsibilityTransfer,omitempty"`
}
type legacyDetachPolicyRequest struct {
	PolicyId string `json:"PolicyId"`
	TargetId string `json:"TargetId"`
}
type legacyDisableAWSServiceAccessRequest struct {
	ServicePrincipal string `json:"ServicePrincipal"`
}
type legacyDisablePolicyTypeRequest struct {
	RootId     string           `json:"RootId"`
	PolicyType legacyPolicyType `json:"PolicyType"`
}
type legacyDisablePolicyTypeResponse struct {
	Root *legacyRoot `json:"Root,omitempty"`
}
type legacyEffectivePolicy struct {
	PolicyContent        *string                    `json:"PolicyContent,omitempty"`
	LastUpdatedTimestamp *legacyTimestamp           `json:"LastUpdatedTimestamp,omitempty"`
	TargetId             *string                    `json:"TargetId,omitempty"`
	PolicyType           *legacyEffectivePolicyType `json:"PolicyType,omitempty"`
}
type legacyEffectivePolicyValidationError struct {
	ErrorCode            *string  `json:"ErrorCode,omitempty"`
	ErrorMessage         *string  `json:"ErrorMessage,omitempty"`
	PathToError          *string  `json:"PathToError,omitempty"`
	ContributingPolicies []string `json:"ContributingPolicies,omitzero"`
}
type legacyEnableAWSServiceAccessRequest struct {
	ServicePrincipal string `json:"ServicePrincipal"`
}
type legacyEnableAllFeaturesRequest struct{}
type legacyEnableAllFeaturesResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyEnablePolicyTypeRequest struct {
	RootId     string           `json:"RootId"`
	PolicyType legacyPolicyType `json:"PolicyType"`
}
type legacyEnablePolicyTypeResponse struct {
	Root *legacyRoot `json:"Root,omitempty"`
}
type legacyEnabledServicePrincipal struct {
	ServicePrincipal *string          `json:"ServicePrincipal,omitempty"`
	DateEnabled      *legacyTimestamp `json:"DateEnabled,omitempty"`
}
type legacyHandshake struct {
	Id                  *string                   `json:"Id,omitempty"`
	Arn                 *string                   `json:"Arn,omitempty"`
	Parties             []legacyHandshakeParty    `json:"Parties,omitzero"`
	State               *legacyHandshakeState     `json:"State,omitempty"`
	RequestedTimestamp  *legacyTimestamp          `json:"RequestedTimestamp,omitempty"`
	ExpirationTimestamp *legacyTimestamp          `json:"ExpirationTimestamp,omitempty"`
	Action              *legacyActionType         `json:"Action,omitempty"`
	Resources           []legacyHandshakeResource `json:"Resources,omitzero"`
}
type legacyHandshakeFilter struct {
	ActionType        *legacyActionType `json:"ActionType,omitempty"`
	ParentHandshakeId *string           `json:"ParentHandshakeId,omitempty"`
}
type legacyHandshakeParty struct {
	Id   string                   `json:"Id"`
	Type legacyHandshakePartyType `json:"Type"`
}
type legacyHandshakeResource struct {
	Value     *string                      `json:"Value,omitempty"`
	Type      *legacyHandshakeResourceType `json:"Type,omitempty"`
	Resources []legacyHandshakeResource    `json:"Resources,omitzero"`
}
type legacyInviteAccountToOrganizationRequest struct {
	Target *legacyHandshakeParty `json:"Target"`
	Notes  *string               `json:"Notes,omitempty"`
	Tags   []legacyTag           `json:"Tags,omitzero"`
}
type legacyInviteAccountToOrganizationResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyInviteOrganizationToTransferResponsibilityRequest struct {
	Type           legacyResponsibilityTransferType `json:"Type"`
	Target         *legacyHandshakeParty            `json:"Target"`
	Notes          *string                          `json:"Notes,omitempty"`
	StartTimestamp legacyTimestamp                  `json:"StartTimestamp"`
	SourceName     string                           `json:"SourceName"`
	Tags           []legacyTag                      `json:"Tags,omitzero"`
}
type legacyInviteOrganizationToTransferResponsibilityResponse struct {
	Handshake *legacyHandshake `json:"Handshake,omitempty"`
}
type legacyListAWSServiceAccessForOrganizationRequest struct {
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListAWSServiceAccessForOrganizationResponse struct {
	EnabledServicePrincipals []legacyEnabledServicePrincipal `json:"EnabledServicePrincipals,omitzero"`
	NextToken                *string                         `json:"NextToken,omitempty"`
}
type legacyListAccountsForParentRequest struct {
	ParentId   string  `json:"ParentId"`
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListAccountsForParentResponse struct {
	Accounts  []legacyAccount `json:"Accounts,omitzero"`
	NextToken *string         `json:"NextToken,omitempty"`
}
type legacyListAccountsRequest struct {
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListAccountsResponse struct {
	Accounts  []legacyAccount `json:"Accounts,omitzero"`
	NextToken *string         `json:"NextToken,omitempty"`
}
type legacyListAccountsWithInvalidEffectivePolicyRequest struct {
	PolicyType legacyEffectivePolicyType `json:"PolicyType"`
	NextToken  *string                   `json:"NextToken,omitempty"`
	MaxResults *int32                    `json:"MaxResults,omitempty"`
}
type legacyListAccountsWithInvalidEffectivePolicyResponse struct {
	Accounts   []legacyAccount            `json:"Accounts,omitzero"`
	PolicyType *legacyEffectivePolicyType `json:"PolicyType,omitempty"`
	NextToken  *string                    `json:"NextToken,omitempty"`
}
type legacyListChildrenRequest struct {
	ParentId   string          `json:"ParentId"`
	ChildType  legacyChildType `json:"ChildType"`
	NextToken  *string         `json:"NextToken,omitempty"`
	MaxResults *int32          `json:"MaxResults,omitempty"`
}
type legacyListChildrenResponse struct {
	Children  []legacyChild `json:"Children,omitzero"`
	NextToken *string       `json:"NextToken,omitempty"`
}
type legacyListCreateAccountStatusRequest struct {
	States     []legacyCreateAccountState `json:"States,omitzero"`
	NextToken  *string                    `json:"NextToken,omitempty"`
	MaxResults *int32                     `json:"MaxResults,omitempty"`
}
type legacyListCreateAccountStatusResponse struct {
	CreateAccountStatuses []legacyCreateAccountStatus `json:"CreateAccountStatuses,omitzero"`
	NextToken             *string                     `json:"NextToken,omitempty"`
}
type legacyListDelegatedAdministratorsRequest struct {
	ServicePrincipal *string `json:"ServicePrincipal,omitempty"`
	NextToken        *string `json:"NextToken,omitempty"`
	MaxResults       *int32  `json:"MaxResults,omitempty"`
}
type legacyListDelegatedAdministratorsResponse struct {
	DelegatedAdministrators []legacyDelegatedAdministrator `json:"DelegatedAdministrators,omitzero"`
	NextToken               *string                        `json:"NextToken,omitempty"`
}
type legacyListDelegatedServicesForAccountRequest struct {
	AccountId  string  `json:"AccountId"`
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListDelegatedServicesForAccountResponse struct {
	DelegatedServices []legacyDelegatedService `json:"DelegatedServices,omitzero"`
	NextToken         *string                  `json:"NextToken,omitempty"`
}
type legacyListEffectivePolicyValidationErrorsRequest struct {
	AccountId  string                    `json:"AccountId"`
	PolicyType legacyEffectivePolicyType `json:"PolicyType"`
	NextToken  *string                   `json:"NextToken,omitempty"`
	MaxResults *int32                    `json:"MaxResults,omitempty"`
}
type legacyListEffectivePolicyValidationErrorsResponse struct {
	AccountId                       *string                                `json:"AccountId,omitempty"`
	PolicyType                      *legacyEffectivePolicyType             `json:"PolicyType,omitempty"`
	Path                            *string                                `json:"Path,omitempty"`
	EvaluationTimestamp             *legacyTimestamp                       `json:"EvaluationTimestamp,omitempty"`
	NextToken                       *string                                `json:"NextToken,omitempty"`
	EffectivePolicyValidationErrors []legacyEffectivePolicyValidationError `json:"EffectivePolicyValidationErrors,omitzero"`
}
type legacyListHandshakesForAccountRequest struct {
	Filter     *legacyHandshakeFilter `json:"Filter,omitempty"`
	NextToken  *string                `json:"NextToken,omitempty"`
	MaxResults *int32                 `json:"MaxResults,omitempty"`
}
type legacyListHandshakesForAccountResponse struct {
	Handshakes []legacyHandshake `json:"Handshakes,omitzero"`
	NextToken  *string           `json:"NextToken,omitempty"`
}
type legacyListHandshakesForOrganizationRequest struct {
	Filter     *legacyHandshakeFilter `json:"Filter,omitempty"`
	NextToken  *string                `json:"NextToken,omitempty"`
	MaxResults *int32                 `json:"MaxResults,omitempty"`
}
type legacyListHandshakesForOrganizationResponse struct {
	Handshakes []legacyHandshake `json:"Handshakes,omitzero"`
	NextToken  *string           `json:"NextToken,omitempty"`
}
type legacyListInboundResponsibilityTransfersRequest struct {
	Type       legacyResponsibilityTransferType `json:"Type"`
	Id         *string                          `json:"Id,omitempty"`
	NextToken  *string                          `json:"NextToken,omitempty"`
	MaxResults *int32                           `json:"MaxResults,omitempty"`
}
type legacyListInboundResponsibilityTransfersResponse struct {
	ResponsibilityTransfers []legacyResponsibilityTransfer `json:"ResponsibilityTransfers,omitzero"`
	NextToken               *string                        `json:"NextToken,omitempty"`
}
type legacyListOrganizationalUnitsForParentRequest struct {
	ParentId   string  `json:"ParentId"`
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListOrganizationalUnitsForParentResponse struct {
	OrganizationalUnits []legacyOrganizationalUnit `json:"OrganizationalUnits,omitzero"`
	NextToken           *string                    `json:"NextToken,omitempty"`
}
type legacyListOutboundResponsibilityTransfersRequest struct {
	Type       legacyResponsibilityTransferType `json:"Type"`
	NextToken  *string                          `json:"NextToken,omitempty"`
	MaxResults *int32                           `json:"MaxResults,omitempty"`
}
type legacyListOutboundResponsibilityTransfersResponse struct {
	ResponsibilityTransfers []legacyResponsibilityTransfer `json:"ResponsibilityTransfers,omitzero"`
	NextToken               *string                        `json:"NextToken,omitempty"`
}
type legacyListParentsRequest struct {
	ChildId    string  `json:"ChildId"`
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListParentsResponse struct {
	Parents   []legacyParent `json:"Parents,omitzero"`
	NextToken *string        `json:"NextToken,omitempty"`
}
type legacyListPoliciesForTargetRequest struct {
	TargetId   string           `json:"TargetId"`
	Filter     legacyPolicyType `json:"Filter"`
	NextToken  *string          `json:"NextToken,omitempty"`
	MaxResults *int32           `json:"MaxResults,omitempty"`
}
type legacyListPoliciesForTargetResponse struct {
	Policies  []legacyPolicySummary `json:"Policies,omitzero"`
	NextToken *string               `json:"NextToken,omitempty"`
}
type legacyListPoliciesRequest struct {
	Filter     legacyPolicyType `json:"Filter"`
	NextToken  *string          `json:"NextToken,omitempty"`
	MaxResults *int32           `json:"MaxResults,omitempty"`
}
type legacyListPoliciesResponse struct {
	Policies  []legacyPolicySummary `json:"Policies,omitzero"`
	NextToken *string               `json:"NextToken,omitempty"`
}
type legacyListRootsRequest struct {
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListRootsResponse struct {
	Roots     []legacyRoot `json:"Roots,omitzero"`
	NextToken *string      `json:"NextToken,omitempty"`
}
type legacyListTagsForResourceRequest struct {
	ResourceId string  `json:"ResourceId"`
	NextToken  *string `json:"NextToken,omitempty"`
}
type legacyListTagsForResourceResponse struct {
	Tags      []legacyTag `json:"Tags,omitzero"`
	NextToken *string     `json:"NextToken,omitempty"`
}
type legacyListTargetsForPolicyRequest struct {
	PolicyId   string  `json:"PolicyId"`
	NextToken  *string `json:"NextToken,omitempty"`
	MaxResults *int32  `json:"MaxResults,omitempty"`
}
type legacyListTargetsForPolicyResponse struct {
	Targets   []legacyPolicyTargetSummary `json:"Targets,omitzero"`
	NextToken *string                     `json:"NextToken,omitempty"`
}
type legacyMoveAccountRequest struct {
	AccountId           string `json:"AccountId"`
	SourceParentId      string `json:"SourceParentId"`
	DestinationParentId string `json:"DestinationParentId"`
}
type legacyOrganization struct {
	Id                   *string                       `json:"Id,omitempty"`
	Arn                  *string                       `json:"Arn,omitempty"`
	FeatureSet           *legacyOrganizationFeatureSet `json:"FeatureSet,omitempty"`
	MasterAccountArn     *string                       `json:"MasterAccountArn,omitempty"`
	MasterAccountId      *string                       `json:"MasterAccountId,omitempty"`
	MasterAccountEmail   *string                       `json:"MasterAccountEmail,omitempty"`
	AvailablePolicyTypes []legacyPolicyTypeSummary     `json:"AvailablePolicyTypes,omitzero"`
}
type legacyOrganizationalUnit struct {
	Id   *string `json:"Id,omitempty"`
	Arn  *string `json:"Arn,omitempty"`
	Name *string `json:"Name,omitempty"`
	Path *string `json:"Path,omitempty"`
}
type legacyParent struct {
	Id   *string           `json:"Id,omitempty"`
	Type *legacyParentType `json:"Type,omitempty"`
}
type legacyPolicy struct {
	PolicySummary *legacyPolicySummary `json:"PolicySummary,omitempty"`
	Content       *string              `json:"Content,omitempty"`
}
type legacyPolicySummary struct {
	Id          *string           `json:"Id,omitempty"`
	Arn         *string           `json:"Arn,omitempty"`
	Name        *string           `json:"Name,omitempty"`
	Description *string           `json:"Description,omitempty"`
	Type        *legacyPolicyType `json:"Type,omitempty"`
	AwsManaged  *bool             `json:"AwsManaged,omitempty"`
}
type legacyPolicyTargetSummary struct {
	TargetId *string           `json:"TargetId,omitempty"`
	Arn      *string           `json:"Arn,omitempty"`
	Name     *string           `json:"Name,omitempty"`
	Type     *legacyTargetType `json:"Type,omitempty"`
}
type legacyPolicyTypeSummary struct {
	Type   *legacyPolicyType       `json:"Type,omitempty"`
	Status *legacyPolicyTypeStatus `json:"Status,omitempty"`
}
type legacyPutResourcePolicyRequest struct {
	Content string      `json:"Content"`
	Tags    []legacyTag `json:"Tags,omitzero"`
}
type legacyPutResourcePolicyResponse struct {
	ResourcePolicy *legacyResourcePolicy `json:"ResourcePolicy,omitempty"`
}
type legacyRegisterDelegatedAdministratorRequest struct {
	AccountId        string `json:"AccountId"`
	ServicePrincipal string `json:"ServicePrincipal"`
}
type legacyRemoveAccountFromOrganizationRequest struct {
	AccountId string `json:"AccountId"`
}
type legacyResourcePolicy struct {
	ResourcePolicySummary *legacyResourcePolicySummary `json:"ResourcePolicySummary,omitempty"`
	Content               *string                      `json:"Content,omitempty"`
}
type legacyResourcePolicySummary struct {
	Id  *string `json:"Id,omitempty"`
	Arn *string `json:"Arn,omitempty"`
}
type legacyResponsibilityTransfer struct {
	Arn               *string                             `json:"Arn,omitempty"`
	Name              *string                             `json:"Name,omitempty"`
	Id                *string                             `json:"Id,omitempty"`
	Type              *legacyResponsibilityTransferType   `json:"Type,omitempty"`
	Status            *legacyResponsibilityTransferStatus `json:"Status,omitempty"`
	Source            *legacyTransferParticipant          `json:"Source,omitempty"`
	Target            *legacyTransferParticipant          `json:"Target,omitempty"`
	StartTimestamp    *legacyTimestamp                    `json:"StartTimestamp,omitempty"`
	EndTimestamp      *legacyTimestamp                    `json:"EndTimestamp,omitempty"`
	ActiveHandshakeId *string                             `json:"ActiveHandshakeId,omitempty"`
}
type legacyRoot struct {
	Id          *string                   `json:"Id,omitempty"`
	Arn         *string                   `json:"Arn,omitempty"`
	Name        *string                   `json:"Name,omitempty"`
	PolicyTypes []legacyPolicyTypeSummary `json:"PolicyTypes,omitzero"`
}
type legacyTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}
type legacyTagResourceRequest struct {
	ResourceId string      `json:"ResourceId"`
	Tags       []legacyTag `json:"Tags"`
}
type legacyTerminateResponsibilityTransferRequest struct {
	Id           string           `json:"Id"`
	EndTimestamp *legacyTimestamp `json:"EndTimestamp,omitempty"`
}
type legacyTerminateResponsibilityTransferResponse struct {
	ResponsibilityTransfer *legacyResponsibilityTransfer `json:"ResponsibilityTransfer,omitempty"`
}
type legacyTransferParticipant struct {
	ManagementAccountId    *string `json:"ManagementAccountId,omitempty"`
	ManagementAccountEmail *string `json:"ManagementAccountEmail,omitempty"`
}
type legacyUntagResourceRequest struct {
	ResourceId string   `json:"ResourceId"`
	TagKeys    []string `json:"TagKeys"`
}
type legacyUpdateOrganizationalUnitRequest struct {
	OrganizationalUnitId string  `json:"OrganizationalUnitId"`
	Name                 *string `json:"Name,omitempty"`
}
type legacyUpdateOrganizationalUnitResponse struct {
	OrganizationalUnit *legacyOrganizationalUnit `json:"OrganizationalUnit,omitempty"`
}
type legacyUpdatePolicyRequest struct {
	PolicyId    string  `json:"PolicyId"`
	Name        *string `json:"Name,omitempty"`
	Description *string `json:"Description,omitempty"`
	Content     *string `json:"Content,omitempty"`
}
type legacyUpdatePolicyResponse struct {
	Policy *legacyPolicy `json:"Policy,omitempty"`
}
type legacyUpdateResponsibilityTransferRequest struct {
	Id   string `json:"Id"`
	Name string `json:"Name"`
}
type legacyUpdateResponsibilityTransferResponse struct {
	ResponsibilityTransfer *legacyResponsibilityTransfer `json:"ResponsibilityTransfer,omitempty"`
}
