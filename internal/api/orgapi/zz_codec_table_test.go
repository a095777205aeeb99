// Code generated from zz_generated_codec.go for the differential tests: every input decoder and every output
// encoder of the generated codec, each with its plain shape and the frozen tagged shape it replaces
// (zz_legacy_shapes_test.go). DO NOT EDIT; TestCodecTableCoversEveryOperation fails when an operation is missing.

package orgapi

import orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"

var codecInputs = []codecInput{
	{"AcceptHandshakeRequest", func() any { return new(orgtypes.AcceptHandshakeRequest) }, func() any { return new(legacyAcceptHandshakeRequest) }, func(b []byte, v any) error {
		return decodeAcceptHandshakeRequest(b, v.(*orgtypes.AcceptHandshakeRequest))
	}},
	{"AttachPolicyRequest", func() any { return new(orgtypes.AttachPolicyRequest) }, func() any { return new(legacyAttachPolicyRequest) }, func(b []byte, v any) error { return decodeAttachPolicyRequest(b, v.(*orgtypes.AttachPolicyRequest)) }},
	{"CancelHandshakeRequest", func() any { return new(orgtypes.CancelHandshakeRequest) }, func() any { return new(legacyCancelHandshakeRequest) }, func(b []byte, v any) error {
		return decodeCancelHandshakeRequest(b, v.(*orgtypes.CancelHandshakeRequest))
	}},
	{"CloseAccountRequest", func() any { return new(orgtypes.CloseAccountRequest) }, func() any { return new(legacyCloseAccountRequest) }, func(b []byte, v any) error { return decodeCloseAccountRequest(b, v.(*orgtypes.CloseAccountRequest)) }},
	{"CreateAccountRequest", func() any { return new(orgtypes.CreateAccountRequest) }, func() any { return new(legacyCreateAccountRequest) }, func(b []byte, v any) error { return decodeCreateAccountRequest(b, v.(*orgtypes.CreateAccountRequest)) }},
	{"CreateGovCloudAccountRequest", func() any { return new(orgtypes.CreateGovCloudAccountRequest) }, func() any { return new(legacyCreateGovCloudAccountRequest) }, func(b []byte, v any) error {
		return decodeCreateGovCloudAccountRequest(b, v.(*orgtypes.CreateGovCloudAccountRequest))
	}},
	{"CreateOrganizationRequest", func() any { return new(orgtypes.CreateOrganizationRequest) }, func() any { return new(legacyCreateOrganizationRequest) }, func(b []byte, v any) error {
		return decodeCreateOrganizationRequest(b, v.(*orgtypes.CreateOrganizationRequest))
	}},
	{"CreateOrganizationalUnitRequest", func() any { return new(orgtypes.CreateOrganizationalUnitRequest) }, func() any { return new(legacyCreateOrganizationalUnitRequest) }, func(b []byte, v any) error {
		return decodeCreateOrganizationalUnitRequest(b, v.(*orgtypes.CreateOrganizationalUnitRequest))
	}},
	{"CreatePolicyRequest", func() any { return new(orgtypes.CreatePolicyRequest) }, func() any { return new(legacyCreatePolicyRequest) }, func(b []byte, v any) error { return decodeCreatePolicyRequest(b, v.(*orgtypes.CreatePolicyRequest)) }},
	{"DeclineHandshakeRequest", func() any { return new(orgtypes.DeclineHandshakeRequest) }, func() any { return new(legacyDeclineHandshakeRequest) }, func(b []byte, v any) error {
		return decodeDeclineHandshakeRequest(b, v.(*orgtypes.DeclineHandshakeRequest))
	}},
	{"DeleteOrganizationalUnitRequest", func() any { return new(orgtypes.DeleteOrganizationalUnitRequest) }, func() any { return new(legacyDeleteOrganizationalUnitRequest) }, func(b []byte, v any) error {
		return decodeDeleteOrganizationalUnitRequest(b, v.(*orgtypes.DeleteOrganizationalUnitRequest))
	}},
	{"DeletePolicyRequest", func() any { return new(orgtypes.DeletePolicyRequest) }, func() any { return new(legacyDeletePolicyRequest) }, func(b []byte, v any) error { return decodeDeletePolicyRequest(b, v.(*orgtypes.DeletePolicyRequest)) }},
	{"DeregisterDelegatedAdministratorRequest", func() any { return new(orgtypes.DeregisterDelegatedAdministratorRequest) }, func() any { return new(legacyDeregisterDelegatedAdministratorRequest) }, func(b []byte, v any) error {
		return decodeDeregisterDelegatedAdministratorRequest(b, v.(*orgtypes.DeregisterDelegatedAdministratorRequest))
	}},
	{"DescribeAccountRequest", func() any { return new(orgtypes.DescribeAccountRequest) }, func() any { return new(legacyDescribeAccountRequest) }, func(b []byte, v any) error {
		return decodeDescribeAccountRequest(b, v.(*orgtypes.DescribeAccountRequest))
	}},
	{"DescribeCreateAccountStatusRequest", func() any { return new(orgtypes.DescribeCreateAccountStatusRequest) }, func() any { return new(legacyDescribeCreateAccountStatusRequest) }, func(b []byte, v any) error {
		return decodeDescribeCreateAccountStatusRequest(b, v.(*orgtypes.DescribeCreateAccountStatusRequest))
	}},
	{"DescribeEffectivePolicyRequest", func() any { return new(orgtypes.DescribeEffectivePolicyRequest) }, func() any { return new(legacyDescribeEffectivePolicyRequest) }, func(b []byte, v any) error {
		return decodeDescribeEffectivePolicyRequest(b, v.(*orgtypes.DescribeEffectivePolicyRequest))
	}},
	{"DescribeHandshakeRequest", func() any { return new(orgtypes.DescribeHandshakeRequest) }, func() any { return new(legacyDescribeHandshakeRequest) }, func(b []byte, v any) error {
		return decodeDescribeHandshakeRequest(b, v.(*orgtypes.DescribeHandshakeRequest))
	}},
	{"DescribeOrganizationalUnitRequest", func() any { return new(orgtypes.DescribeOrganizationalUnitRequest) }, func() any { return new(legacyDescribeOrganizationalUnitRequest) }, func(b []byte, v any) error {
		return decodeDescribeOrganizationalUnitRequest(b, v.(*orgtypes.DescribeOrganizationalUnitRequest))
	}},
	{"DescribePolicyRequest", func() any { return new(orgtypes.DescribePolicyRequest) }, func() any { return new(legacyDescribePolicyRequest) }, func(b []byte, v any) error {
		return decodeDescribePolicyRequest(b, v.(*orgtypes.DescribePolicyRequest))
	}},
	{"DescribeResponsibilityTransferRequest", func() any { return new(orgtypes.DescribeResponsibilityTransferRequest) }, func() any { return new(legacyDescribeResponsibilityTransferRequest) }, func(b []byte, v any) error {
		return decodeDescribeResponsibilityTransferRequest(b, v.(*orgtypes.DescribeResponsibilityTransferRequest))
	}},
	{"DetachPolicyRequest", func() any { return new(orgtypes.DetachPolicyRequest) }, func() any { return new(legacyDetachPolicyRequest) }, func(b []byte, v any) error { return decodeDetachPolicyRequest(b, v.(*orgtypes.DetachPolicyRequest)) }},
	{"DisableAWSServiceAccessRequest", func() any { return new(orgtypes.DisableAWSServiceAccessRequest) }, func() any { return new(legacyDisableAWSServiceAccessRequest) }, func(b []byte, v any) error {
		return decodeDisableAWSServiceAccessRequest(b, v.(*orgtypes.DisableAWSServiceAccessRequest))
	}},
	{"DisablePolicyTypeRequest", func() any { return new(orgtypes.DisablePolicyTypeRequest) }, func() any { return new(legacyDisablePolicyTypeRequest) }, func(b []byte, v any) error {
		return decodeDisablePolicyTypeRequest(b, v.(*orgtypes.DisablePolicyTypeRequest))
	}},
	{"EnableAWSServiceAccessRequest", func() any { return new(orgtypes.EnableAWSServiceAccessRequest) }, func() any { return new(legacyEnableAWSServiceAccessRequest) }, func(b []byte, v any) error {
		return decodeEnableAWSServiceAccessRequest(b, v.(*orgtypes.EnableAWSServiceAccessRequest))
	}},
	{"EnableAllFeaturesRequest", func() any { return new(orgtypes.EnableAllFeaturesRequest) }, func() any { return new(legacyEnableAllFeaturesRequest) }, func(b []byte, v any) error {
		return decodeEnableAllFeaturesRequest(b, v.(*orgtypes.EnableAllFeaturesRequest))
	}},
	{"EnablePolicyTypeRequest", func() any { return new(orgtypes.EnablePolicyTypeRequest) }, func() any { return new(legacyEnablePolicyTypeRequest) }, func(b []byte, v any) error {
		return decodeEnablePolicyTypeRequest(b, v.(*orgtypes.EnablePolicyTypeRequest))
	}},
	{"InviteAccountToOrganizationRequest", func() any { return new(orgtypes.InviteAccountToOrganizationRequest) }, func() any { return new(legacyInviteAccountToOrganizationRequest) }, func(b []byte, v any) error {
		return decodeInviteAccountToOrganizationRequest(b, v.(*orgtypes.InviteAccountToOrganizationRequest))
	}},
	{"InviteOrganizationToTransferResponsibilityRequest", func() any { return new(orgtypes.InviteOrganizationToTransferResponsibilityRequest) }, func() any { return new(legacyInviteOrganizationToTransferResponsibilityRequest) }, func(b []byte, v any) error {
		return decodeInviteOrganizationToTransferResponsibilityRequest(b, v.(*orgtypes.InviteOrganizationToTransferResponsibilityRequest))
	}},
	{"ListAWSServiceAccessForOrganizationRequest", func() any { return new(orgtypes.ListAWSServiceAccessForOrganizationRequest) }, func() any { return new(legacyListAWSServiceAccessForOrganizationRequest) }, func(b []byte, v any) error {
		return decodeListAWSServiceAccessForOrganizationRequest(b, v.(*orgtypes.ListAWSServiceAccessForOrganizationRequest))
	}},
	{"ListAccountsForParentRequest", func() any { return new(orgtypes.ListAccountsForParentRequest) }, func() any { return new(legacyListAccountsForParentRequest) }, func(b []byte, v any) error {
		return decodeListAccountsForParentRequest(b, v.(*orgtypes.ListAccountsForParentRequest))
	}},
	{"ListAccountsRequest", func() any { return new(orgtypes.ListAccountsRequest) }, func() any { return new(legacyListAccountsRequest) }, func(b []byte, v any) error { return decodeListAccountsRequest(b, v.(*orgtypes.ListAccountsRequest)) }},
	{"ListAccountsWithInvalidEffectivePolicyRequest", func() any { return new(orgtypes.ListAccountsWithInvalidEffectivePolicyRequest) }, func() any { return new(legacyListAccountsWithInvalidEffectivePolicyRequest) }, func(b []byte, v any) error {
		return decodeListAccountsWithInvalidEffectivePolicyRequest(b, v.(*orgtypes.ListAccountsWithInvalidEffectivePolicyRequest))
	}},
	{"ListChildrenRequest", func() any { return new(orgtypes.ListChildrenRequest) }, func() any { return new(legacyListChildrenRequest) }, func(b []byte, v any) error { return decodeListChildrenRequest(b, v.(*orgtypes.ListChildrenRequest)) }},
	{"ListCreateAccountStatusRequest", func() any { return new(orgtypes.ListCreateAccountStatusRequest) }, func() any { return new(legacyListCreateAccountStatusRequest) }, func(b []byte, v any) error {
		return decodeListCreateAccountStatusRequest(b, v.(*orgtypes.ListCreateAccountStatusRequest))
	}},
	{"ListDelegatedAdministratorsRequest", func() any { return new(orgtypes.ListDelegatedAdministratorsRequest) }, func() any { return new(legacyListDelegatedAdministratorsRequest) }, func(b []byte, v any) error {
		return decodeListDelegatedAdministratorsRequest(b, v.(*orgtypes.ListDelegatedAdministratorsRequest))
	}},
	{"ListDelegatedServicesForAccountRequest", func() any { return new(orgtypes.ListDelegatedServicesForAccountRequest) }, func() any { return new(legacyListDelegatedServicesForAccountRequest) }, func(b []byte, v any) error {
		return decodeListDelegatedServicesForAccountRequest(b, v.(*orgtypes.ListDelegatedServicesForAccountRequest))
	}},
	{"ListEffectivePolicyValidationErrorsRequest", func() any { return new(orgtypes.ListEffectivePolicyValidationErrorsRequest) }, func() any { return new(legacyListEffectivePolicyValidationErrorsRequest) }, func(b []byte, v any) error {
		return decodeListEffectivePolicyValidationErrorsRequest(b, v.(*orgtypes.ListEffectivePolicyValidationErrorsRequest))
	}},
	{"ListHandshakesForAccountRequest", func() any { return new(orgtypes.ListHandshakesForAccountRequest) }, func() any { return new(legacyListHandshakesForAccountRequest) }, func(b []byte, v any) error {
		return decodeListHandshakesForAccountRequest(b, v.(*orgtypes.ListHandshakesForAccountRequest))
	}},
	{"ListHandshakesForOrganizationRequest", func() any { return new(orgtypes.ListHandshakesForOrganizationRequest) }, func() any { return new(legacyListHandshakesForOrganizationRequest) }, func(b []byte, v any) error {
		return decodeListHandshakesForOrganizationRequest(b, v.(*orgtypes.ListHandshakesForOrganizationRequest))
	}},
	{"ListInboundResponsibilityTransfersRequest", func() any { return new(orgtypes.ListInboundResponsibilityTransfersRequest) }, func() any { return new(legacyListInboundResponsibilityTransfersRequest) }, func(b []byte, v any) error {
		return decodeListInboundResponsibilityTransfersRequest(b, v.(*orgtypes.ListInboundResponsibilityTransfersRequest))
	}},
	{"ListOrganizationalUnitsForParentRequest", func() any { return new(orgtypes.ListOrganizationalUnitsForParentRequest) }, func() any { return new(legacyListOrganizationalUnitsForParentRequest) }, func(b []byte, v any) error {
		return decodeListOrganizationalUnitsForParentRequest(b, v.(*orgtypes.ListOrganizationalUnitsForParentRequest))
	}},
	{"ListOutboundResponsibilityTransfersRequest", func() any { return new(orgtypes.ListOutboundResponsibilityTransfersRequest) }, func() any { return new(legacyListOutboundResponsibilityTransfersRequest) }, func(b []byte, v any) error {
		return decodeListOutboundResponsibilityTransfersRequest(b, v.(*orgtypes.ListOutboundResponsibilityTransfersRequest))
	}},
	{"ListParentsRequest", func() any { return new(orgtypes.ListParentsRequest) }, func() any { return new(legacyListParentsRequest) }, func(b []byte, v any) error { return decodeListParentsRequest(b, v.(*orgtypes.ListParentsRequest)) }},
	{"ListPoliciesForTargetRequest", func() any { return new(orgtypes.ListPoliciesForTargetRequest) }, func() any { return new(legacyListPoliciesForTargetRequest) }, func(b []byte, v any) error {
		return decodeListPoliciesForTargetRequest(b, v.(*orgtypes.ListPoliciesForTargetRequest))
	}},
	{"ListPoliciesRequest", func() any { return new(orgtypes.ListPoliciesRequest) }, func() any { return new(legacyListPoliciesRequest) }, func(b []byte, v any) error { return decodeListPoliciesRequest(b, v.(*orgtypes.ListPoliciesRequest)) }},
	{"ListRootsRequest", func() any { return new(orgtypes.ListRootsRequest) }, func() any { return new(legacyListRootsRequest) }, func(b []byte, v any) error { return decodeListRootsRequest(b, v.(*orgtypes.ListRootsRequest)) }},
	{"ListTagsForResourceRequest", func() any { return new(orgtypes.ListTagsForResourceRequest) }, func() any { return new(legacyListTagsForResourceRequest) }, func(b []byte, v any) error {
		return decodeListTagsForResourceRequest(b, v.(*orgtypes.ListTagsForResourceRequest))
	}},
	{"ListTargetsForPolicyRequest", func() any { return new(orgtypes.ListTargetsForPolicyRequest) }, func() any { return new(legacyListTargetsForPolicyRequest) }, func(b []byte, v any) error {
		return decodeListTargetsForPolicyRequest(b, v.(*orgtypes.ListTargetsForPolicyRequest))
	}},
	{"MoveAccountRequest", func() any { return new(orgtypes.MoveAccountRequest) }, func() any { return new(legacyMoveAccountRequest) }, func(b []byte, v any) error { return decodeMoveAccountRequest(b, v.(*orgtypes.MoveAccountRequest)) }},
	{"PutResourcePolicyRequest", func() any { return new(orgtypes.PutResourcePolicyRequest) }, func() any { return new(legacyPutResourcePolicyRequest) }, func(b []byte, v any) error {
		return decodePutResourcePolicyRequest(b, v.(*orgtypes.PutResourcePolicyRequest))
	}},
	{"RegisterDelegatedAdministratorRequest", func() any { return new(orgtypes.RegisterDelegatedAdministratorRequest) }, func() any { return new(legacyRegisterDelegatedAdministratorRequest) }, func(b []byte, v any) error {
		return decodeRegisterDelegatedAdministratorRequest(b, v.(*orgtypes.RegisterDelegatedAdministratorRequest))
	}},
	{"RemoveAccountFromOrganizationRequest", func() any { return new(orgtypes.RemoveAccountFromOrganizationRequest) }, func() any { return new(legacyRemoveAccountFromOrganizationRequest) }, func(b []byte, v any) error {
		return decodeRemoveAccountFromOrganizationRequest(b, v.(*orgtypes.RemoveAccountFromOrganizationRequest))
	}},
	{"TagResourceRequest", func() any { return new(orgtypes.TagResourceRequest) }, func() any { return new(legacyTagResourceRequest) }, func(b []byte, v any) error { return decodeTagResourceRequest(b, v.(*orgtypes.TagResourceRequest)) }},
	{"TerminateResponsibilityTransferRequest", func() any { return new(orgtypes.TerminateResponsibilityTransferRequest) }, func() any { return new(legacyTerminateResponsibilityTransferRequest) }, func(b []byte, v any) error {
		return decodeTerminateResponsibilityTransferRequest(b, v.(*orgtypes.TerminateResponsibilityTransferRequest))
	}},
	{"UntagResourceRequest", func() any { return new(orgtypes.UntagResourceRequest) }, func() any { return new(legacyUntagResourceRequest) }, func(b []byte, v any) error { return decodeUntagResourceRequest(b, v.(*orgtypes.UntagResourceRequest)) }},
	{"UpdateOrganizationalUnitRequest", func() any { return new(orgtypes.UpdateOrganizationalUnitRequest) }, func() any { return new(legacyUpdateOrganizationalUnitRequest) }, func(b []byte, v any) error {
		return decodeUpdateOrganizationalUnitRequest(b, v.(*orgtypes.UpdateOrganizationalUnitRequest))
	}},
	{"UpdatePolicyRequest", func() any { return new(orgtypes.UpdatePolicyRequest) }, func() any { return new(legacyUpdatePolicyRequest) }, func(b []byte, v any) error { return decodeUpdatePolicyRequest(b, v.(*orgtypes.UpdatePolicyRequest)) }},
	{"UpdateResponsibilityTransferRequest", func() any { return new(orgtypes.UpdateResponsibilityTransferRequest) }, func() any { return new(legacyUpdateResponsibilityTransferRequest) }, func(b []byte, v any) error {
		return decodeUpdateResponsibilityTransferRequest(b, v.(*orgtypes.UpdateResponsibilityTransferRequest))
	}},
}

var codecOutputs = []codecOutput{
	{"AcceptHandshakeResponse", func() any { return new(orgtypes.AcceptHandshakeResponse) }, func() any { return new(legacyAcceptHandshakeResponse) }, func(b []byte, v any) []byte {
		return appendAcceptHandshakeResponse(b, v.(*orgtypes.AcceptHandshakeResponse))
	}},
	{"Account", func() any { return new(orgtypes.Account) }, func() any { return new(legacyAccount) }, func(b []byte, v any) []byte { return appendAccount(b, v.(*orgtypes.Account)) }},
	{"CancelHandshakeResponse", func() any { return new(orgtypes.CancelHandshakeResponse) }, func() any { return new(legacyCancelHandshakeResponse) }, func(b []byte, v any) []byte {
		return appendCancelHandshakeResponse(b, v.(*orgtypes.CancelHandshakeResponse))
	}},
	{"Child", func() any { return new(orgtypes.Child) }, func() any { return new(legacyChild) }, func(b []byte, v any) []byte { return appendChild(b, v.(*orgtypes.Child)) }},
	{"CreateAccountResponse", func() any { return new(orgtypes.CreateAccountResponse) }, func() any { return new(legacyCreateAccountResponse) }, func(b []byte, v any) []byte {
		return appendCreateAccountResponse(b, v.(*orgtypes.CreateAccountResponse))
	}},
	{"CreateAccountStatus", func() any { return new(orgtypes.CreateAccountStatus) }, func() any { return new(legacyCreateAccountStatus) }, func(b []byte, v any) []byte { return appendCreateAccountStatus(b, v.(*orgtypes.CreateAccountStatus)) }},
	{"CreateGovCloudAccountResponse", func() any { return new(orgtypes.CreateGovCloudAccountResponse) }, func() any { return new(legacyCreateGovCloudAccountResponse) }, func(b []byte, v any) []byte {
		return appendCreateGovCloudAccountResponse(b, v.(*orgtypes.CreateGovCloudAccountResponse))
	}},
	{"CreateOrganizationResponse", func() any { return new(orgtypes.CreateOrganizationResponse) }, func() any { return new(legacyCreateOrganizationResponse) }, func(b []byte, v any) []byte {
		return appendCreateOrganizationResponse(b, v.(*orgtypes.CreateOrganizationResponse))
	}},
	{"CreateOrganizationalUnitResponse", func() any { return new(orgtypes.CreateOrganizationalUnitResponse) }, func() any { return new(legacyCreateOrganizationalUnitResponse) }, func(b []byte, v any) []byte {
		return appendCreateOrganizationalUnitResponse(b, v.(*orgtypes.CreateOrganizationalUnitResponse))
	}},
	{"CreatePolicyResponse", func() any { return new(orgtypes.CreatePolicyResponse) }, func() any { return new(legacyCreatePolicyResponse) }, func(b []byte, v any) []byte { return appendCreatePolicyResponse(b, v.(*orgtypes.CreatePolicyResponse)) }},
	{"DeclineHandshakeResponse", func() any { return new(orgtypes.DeclineHandshakeResponse) }, func() any { return new(legacyDeclineHandshakeResponse) }, func(b []byte, v any) []byte {
		return appendDeclineHandshakeResponse(b, v.(*orgtypes.DeclineHandshakeResponse))
	}},
	{"DelegatedAdministrator", func() any { return new(orgtypes.DelegatedAdministrator) }, func() any { return new(legacyDelegatedAdministrator) }, func(b []byte, v any) []byte {
		return appendDelegatedAdministrator(b, v.(*orgtypes.DelegatedAdministrator))
	}},
	{"DelegatedService", func() any { return new(orgtypes.DelegatedService) }, func() any { return new(legacyDelegatedService) }, func(b []byte, v any) []byte { return appendDelegatedService(b, v.(*orgtypes.DelegatedService)) }},
	{"DescribeAccountResponse", func() any { return new(orgtypes.DescribeAccountResponse) }, func() any { return new(legacyDescribeAccountResponse) }, func(b []byte, v any) []byte {
		return appendDescribeAccountResponse(b, v.(*orgtypes.DescribeAccountResponse))
	}},
	{"DescribeCreateAccountStatusResponse", func() any { return new(orgtypes.DescribeCreateAccountStatusResponse) }, func() any { return new(legacyDescribeCreateAccountStatusResponse) }, func(b []byte, v any) []byte {
		return appendDescribeCreateAccountStatusResponse(b, v.(*orgtypes.DescribeCreateAccountStatusResponse))
	}},
	{"DescribeEffectivePolicyResponse", func() any { return new(orgtypes.DescribeEffectivePolicyResponse) }, func() any { return new(legacyDescribeEffectivePolicyResponse) }, func(b []byte, v any) []byte {
		return appendDescribeEffectivePolicyResponse(b, v.(*orgtypes.DescribeEffectivePolicyResponse))
	}},
	{"DescribeHandshakeResponse", func() any { return new(orgtypes.DescribeHandshakeResponse) }, func() any { return new(legacyDescribeHandshakeResponse) }, func(b []byte, v any) []byte {
		return appendDescribeHandshakeResponse(b, v.(*orgtypes.DescribeHandshakeResponse))
	}},
	{"DescribeOrganizationResponse", func() any { return new(orgtypes.DescribeOrganizationResponse) }, func() any { return new(legacyDescribeOrganizationResponse) }, func(b []byte, v any) []byte {
		return appendDescribeOrganizationResponse(b, v.(*orgtypes.DescribeOrganizationResponse))
	}},
	{"DescribeOrganizationalUnitResponse", func() any { return new(orgtypes.DescribeOrganizationalUnitResponse) }, func() any { return new(legacyDescribeOrganizationalUnitResponse) }, func(b []byte, v any) []byte {
		return appendDescribeOrganizationalUnitResponse(b, v.(*orgtypes.DescribeOrganizationalUnitResponse))
	}},
	{"DescribePolicyResponse", func() any { return new(orgtypes.DescribePolicyResponse) }, func() any { return new(legacyDescribePolicyResponse) }, func(b []byte, v any) []byte {
		return appendDescribePolicyResponse(b, v.(*orgtypes.DescribePolicyResponse))
	}},
	{"DescribeResourcePolicyResponse", func() any { return new(orgtypes.DescribeResourcePolicyResponse) }, func() any { return new(legacyDescribeResourcePolicyResponse) }, func(b []byte, v any) []byte {
		return appendDescribeResourcePolicyResponse(b, v.(*orgtypes.DescribeResourcePolicyResponse))
	}},
	{"DescribeResponsibilityTransferResponse", func() any { return new(orgtypes.DescribeResponsibilityTransferResponse) }, func() any { return new(legacyDescribeResponsibilityTransferResponse) }, func(b []byte, v any) []byte {
		return appendDescribeResponsibilityTransferResponse(b, v.(*orgtypes.DescribeResponsibilityTransferResponse))
	}},
	{"DisablePolicyTypeResponse", func() any { return new(orgtypes.DisablePolicyTypeResponse) }, func() any { return new(legacyDisablePolicyTypeResponse) }, func(b []byte, v any) []byte {
		return appendDisablePolicyTypeResponse(b, v.(*orgtypes.DisablePolicyTypeResponse))
	}},
	{"EffectivePolicy", func() any { return new(orgtypes.EffectivePolicy) }, func() any { return new(legacyEffectivePolicy) }, func(b []byte, v any) []byte { return appendEffectivePolicy(b, v.(*orgtypes.EffectivePolicy)) }},
	{"EffectivePolicyValidationError", func() any { return new(orgtypes.EffectivePolicyValidationError) }, func() any { return new(legacyEffectivePolicyValidationError) }, func(b []byte, v any) []byte {
		return appendEffectivePolicyValidationError(b, v.(*orgtypes.EffectivePolicyValidationError))
	}},
	{"EnableAllFeaturesResponse", func() any { return new(orgtypes.EnableAllFeaturesResponse) }, func() any { return new(legacyEnableAllFeaturesResponse) }, func(b []byte, v any) []byte {
		return appendEnableAllFeaturesResponse(b, v.(*orgtypes.EnableAllFeaturesResponse))
	}},
	{"EnablePolicyTypeResponse", func() any { return new(orgtypes.EnablePolicyTypeResponse) }, func() any { return new(legacyEnablePolicyTypeResponse) }, func(b []byte, v any) []byte {
		return appendEnablePolicyTypeResponse(b, v.(*orgtypes.EnablePolicyTypeResponse))
	}},
	{"EnabledServicePrincipal", func() any { return new(orgtypes.EnabledServicePrincipal) }, func() any { return new(legacyEnabledServicePrincipal) }, func(b []byte, v any) []byte {
		return appendEnabledServicePrincipal(b, v.(*orgtypes.EnabledServicePrincipal))
	}},
	{"Handshake", func() any { return new(orgtypes.Handshake) }, func() any { return new(legacyHandshake) }, func(b []byte, v any) []byte { return appendHandshake(b, v.(*orgtypes.Handshake)) }},
	{"HandshakeParty", func() any { return new(orgtypes.HandshakeParty) }, func() any { return new(legacyHandshakeParty) }, func(b []byte, v any) []byte { return appendHandshakeParty(b, v.(*orgtypes.HandshakeParty)) }},
	{"HandshakeResource", func() any { return new(orgtypes.HandshakeResource) }, func() any { return new(legacyHandshakeResource) }, func(b []byte, v any) []byte { return appendHandshakeResource(b, v.(*orgtypes.HandshakeResource)) }},
	{"InviteAccountToOrganizationResponse", func() any { return new(orgtypes.InviteAccountToOrganizationResponse) }, func() any { return new(legacyInviteAccountToOrganizationResponse) }, func(b []byte, v any) []byte {
		return appendInviteAccountToOrganizationResponse(b, v.(*orgtypes.InviteAccountToOrganizationResponse))
	}},
	{"InviteOrganizationToTransferResponsibilityResponse", func() any { return new(orgtypes.InviteOrganizationToTransferResponsibilityResponse) }, func() any { return new(legacyInviteOrganizationToTransferResponsibilityResponse) }, func(b []byte, v any) []byte {
		return appendInviteOrganizationToTransferResponsibilityResponse(b, v.(*orgtypes.InviteOrganizationToTransferResponsibilityResponse))
	}},
	{"ListAWSServiceAccessForOrganizationResponse", func() any { return new(orgtypes.ListAWSServiceAccessForOrganizationResponse) }, func() any { return new(legacyListAWSServiceAccessForOrganizationResponse) }, func(b []byte, v any) []byte {
		return appendListAWSServiceAccessForOrganizationResponse(b, v.(*orgtypes.ListAWSServiceAccessForOrganizationResponse))
	}},
	{"ListAccountsForParentResponse", func() any { return new(orgtypes.ListAccountsForParentResponse) }, func() any { return new(legacyListAccountsForParentResponse) }, func(b []byte, v any) []byte {
		return appendListAccountsForParentResponse(b, v.(*orgtypes.ListAccountsForParentResponse))
	}},
	{"ListAccountsResponse", func() any { return new(orgtypes.ListAccountsResponse) }, func() any { return new(legacyListAccountsResponse) }, func(b []byte, v any) []byte { return appendListAccountsResponse(b, v.(*orgtypes.ListAccountsResponse)) }},
	{"ListAccountsWithInvalidEffectivePolicyResponse", func() any { return new(orgtypes.ListAccountsWithInvalidEffectivePolicyResponse) }, func() any { return new(legacyListAccountsWithInvalidEffectivePolicyResponse) }, func(b []byte, v any) []byte {
		return appendListAccountsWithInvalidEffectivePolicyResponse(b, v.(*orgtypes.ListAccountsWithInvalidEffectivePolicyResponse))
	}},
	{"ListChildrenResponse", func() any { return new(orgtypes.ListChildrenResponse) }, func() any { return new(legacyListChildrenResponse) }, func(b []byte, v any) []byte { return appendListChildrenResponse(b, v.(*orgtypes.ListChildrenResponse)) }},
	{"ListCreateAccountStatusResponse", func() any { return new(orgtypes.ListCreateAccountStatusResponse) }, func() any { return new(legacyListCreateAccountStatusResponse) }, func(b []byte, v any) []byte {
		return appendListCreateAccountStatusResponse(b, v.(*orgtypes.ListCreateAccountStatusResponse))
	}},
	{"ListDelegatedAdministratorsResponse", func() any { return new(orgtypes.ListDelegatedAdministratorsResponse) }, func() any { return new(legacyListDelegatedAdministratorsResponse) }, func(b []byte, v any) []byte {
		return appendListDelegatedAdministratorsResponse(b, v.(*orgtypes.ListDelegatedAdministratorsResponse))
	}},
	{"ListDelegatedServicesForAccountResponse", func() any { return new(orgtypes.ListDelegatedServicesForAccountResponse) }, func() any { return new(legacyListDelegatedServicesForAccountResponse) }, func(b []byte, v any) []byte {
		return appendListDelegatedServicesForAccountResponse(b, v.(*orgtypes.ListDelegatedServicesForAccountResponse))
	}},
	{"ListEffectivePolicyValidationErrorsResponse", func() any { return new(orgtypes.ListEffectivePolicyValidationErrorsResponse) }, func() any { return new(legacyListEffectivePolicyValidationErrorsResponse) }, func(b []byte, v any) []byte {
		return appendListEffectivePolicyValidationErrorsResponse(b, v.(*orgtypes.ListEffectivePolicyValidationErrorsResponse))
	}},
	{"ListHandshakesForAccountResponse", func() any { return new(orgtypes.ListHandshakesForAccountResponse) }, func() any { return new(legacyListHandshakesForAccountResponse) }, func(b []byte, v any) []byte {
		return appendListHandshakesForAccountResponse(b, v.(*orgtypes.ListHandshakesForAccountResponse))
	}},
	{"ListHandshakesForOrganizationResponse", func() any { return new(orgtypes.ListHandshakesForOrganizationResponse) }, func() any { return new(legacyListHandshakesForOrganizationResponse) }, func(b []byte, v any) []byte {
		return appendListHandshakesForOrganizationResponse(b, v.(*orgtypes.ListHandshakesForOrganizationResponse))
	}},
	{"ListInboundResponsibilityTransfersResponse", func() any { return new(orgtypes.ListInboundResponsibilityTransfersResponse) }, func() any { return new(legacyListInboundResponsibilityTransfersResponse) }, func(b []byte, v any) []byte {
		return appendListInboundResponsibilityTransfersResponse(b, v.(*orgtypes.ListInboundResponsibilityTransfersResponse))
	}},
	{"ListOrganizationalUnitsForParentResponse", func() any { return new(orgtypes.ListOrganizationalUnitsForParentResponse) }, func() any { return new(legacyListOrganizationalUnitsForParentResponse) }, func(b []byte, v any) []byte {
		return appendListOrganizationalUnitsForParentResponse(b, v.(*orgtypes.ListOrganizationalUnitsForParentResponse))
	}},
	{"ListOutboundResponsibilityTransfersResponse", func() any { return new(orgtypes.ListOutboundResponsibilityTransfersResponse) }, func() any { return new(legacyListOutboundResponsibilityTransfersResponse) }, func(b []byte, v any) []byte {
		return appendListOutboundResponsibilityTransfersResponse(b, v.(*orgtypes.ListOutboundResponsibilityTransfersResponse))
	}},
	{"ListParentsResponse", func() any { return new(orgtypes.ListParentsResponse) }, func() any { return new(legacyListParentsResponse) }, func(b []byte, v any) []byte { return appendListParentsResponse(b, v.(*orgtypes.ListParentsResponse)) }},
	{"ListPoliciesForTargetResponse", func() any { return new(orgtypes.ListPoliciesForTargetResponse) }, func() any { return new(legacyListPoliciesForTargetResponse) }, func(b []byte, v any) []byte {
		return appendListPoliciesForTargetResponse(b, v.(*orgtypes.ListPoliciesForTargetResponse))
	}},
	{"ListPoliciesResponse", func() any { return new(orgtypes.ListPoliciesResponse) }, func() any { return new(legacyListPoliciesResponse) }, func(b []byte, v any) []byte { return appendListPoliciesResponse(b, v.(*orgtypes.ListPoliciesResponse)) }},
	{"ListRootsResponse", func() any { return new(orgtypes.ListRootsResponse) }, func() any { return new(legacyListRootsResponse) }, func(b []byte, v any) []byte { return appendListRootsResponse(b, v.(*orgtypes.ListRootsResponse)) }},
	{"ListTagsForResourceResponse", func() any { return new(orgtypes.ListTagsForResourceResponse) }, func() any { return new(legacyListTagsForResourceResponse) }, func(b []byte, v any) []byte {
		return appendListTagsForResourceResponse(b, v.(*orgtypes.ListTagsForResourceResponse))
	}},
	{"ListTargetsForPolicyResponse", func() any { return new(orgtypes.ListTargetsForPolicyResponse) }, func() any { return new(legacyListTargetsForPolicyResponse) }, func(b []byte, v any) []byte {
		return appendListTargetsForPolicyResponse(b, v.(*orgtypes.ListTargetsForPolicyResponse))
	}},
	{"Organization", func() any { return new(orgtypes.Organization) }, func() any { return new(legacyOrganization) }, func(b []byte, v any) []byte { return appendOrganization(b, v.(*orgtypes.Organization)) }},
	{"OrganizationalUnit", func() any { return new(orgtypes.OrganizationalUnit) }, func() any { return new(legacyOrganizationalUnit) }, func(b []byte, v any) []byte { return appendOrganizationalUnit(b, v.(*orgtypes.OrganizationalUnit)) }},
	{"Parent", func() any { return new(orgtypes.Parent) }, func() any { return new(legacyParent) }, func(b []byte, v any) []byte { return appendParent(b, v.(*orgtypes.Parent)) }},
	{"Policy", func() any { return new(orgtypes.Policy) }, func() any { return new(legacyPolicy) }, func(b []byte, v any) []byte { return appendPolicy(b, v.(*orgtypes.Policy)) }},
	{"PolicySummary", func() any { return new(orgtypes.PolicySummary) }, func() any { return new(legacyPolicySummary) }, func(b []byte, v any) []byte { return appendPolicySummary(b, v.(*orgtypes.PolicySummary)) }},
	{"PolicyTargetSummary", func() any { return new(orgtypes.PolicyTargetSummary) }, func() any { return new(legacyPolicyTargetSummary) }, func(b []byte, v any) []byte { return appendPolicyTargetSummary(b, v.(*orgtypes.PolicyTargetSummary)) }},
	{"PolicyTypeSummary", func() any { return new(orgtypes.PolicyTypeSummary) }, func() any { return new(legacyPolicyTypeSummary) }, func(b []byte, v any) []byte { return appendPolicyTypeSummary(b, v.(*orgtypes.PolicyTypeSummary)) }},
	{"PutResourcePolicyResponse", func() any { return new(orgtypes.PutResourcePolicyResponse) }, func() any { return new(legacyPutResourcePolicyResponse) }, func(b []byte, v any) []byte {
		return appendPutResourcePolicyResponse(b, v.(*orgtypes.PutResourcePolicyResponse))
	}},
	{"ResourcePolicy", func() any { return new(orgtypes.ResourcePolicy) }, func() any { return new(legacyResourcePolicy) }, func(b []byte, v any) []byte { return appendResourcePolicy(b, v.(*orgtypes.ResourcePolicy)) }},
	{"ResourcePolicySummary", func() any { return new(orgtypes.ResourcePolicySummary) }, func() any { return new(legacyResourcePolicySummary) }, func(b []byte, v any) []byte {
		return appendResourcePolicySummary(b, v.(*orgtypes.ResourcePolicySummary))
	}},
	{"ResponsibilityTransfer", func() any { return new(orgtypes.ResponsibilityTransfer) }, func() any { return new(legacyResponsibilityTransfer) }, func(b []byte, v any) []byte {
		return appendResponsibilityTransfer(b, v.(*orgtypes.ResponsibilityTransfer))
	}},
	{"Root", func() any { return new(orgtypes.Root) }, func() any { return new(legacyRoot) }, func(b []byte, v any) []byte { return appendRoot(b, v.(*orgtypes.Root)) }},
	{"Tag", func() any { return new(orgtypes.Tag) }, func() any { return new(legacyTag) }, func(b []byte, v any) []byte { return appendTag(b, v.(*orgtypes.Tag)) }},
	{"TerminateResponsibilityTransferResponse", func() any { return new(orgtypes.TerminateResponsibilityTransferResponse) }, func() any { return new(legacyTerminateResponsibilityTransferResponse) }, func(b []byte, v any) []byte {
		return appendTerminateResponsibilityTransferResponse(b, v.(*orgtypes.TerminateResponsibilityTransferResponse))
	}},
	{"TransferParticipant", func() any { return new(orgtypes.TransferParticipant) }, func() any { return new(legacyTransferParticipant) }, func(b []byte, v any) []byte { return appendTransferParticipant(b, v.(*orgtypes.TransferParticipant)) }},
	{"UpdateOrganizationalUnitResponse", func() any { return new(orgtypes.UpdateOrganizationalUnitResponse) }, func() any { return new(legacyUpdateOrganizationalUnitResponse) }, func(b []byte, v any) []byte {
		return appendUpdateOrganizationalUnitResponse(b, v.(*orgtypes.UpdateOrganizationalUnitResponse))
	}},
	{"UpdatePolicyResponse", func() any { return new(orgtypes.UpdatePolicyResponse) }, func() any { return new(legacyUpdatePolicyResponse) }, func(b []byte, v any) []byte { return appendUpdatePolicyResponse(b, v.(*orgtypes.UpdatePolicyResponse)) }},
	{"UpdateResponsibilityTransferResponse", func() any { return new(orgtypes.UpdateResponsibilityTransferResponse) }, func() any { return new(legacyUpdateResponsibilityTransferResponse) }, func(b []byte, v any) []byte {
		return appendUpdateResponsibilityTransferResponse(b, v.(*orgtypes.UpdateResponsibilityTransferResponse))
	}},
}
