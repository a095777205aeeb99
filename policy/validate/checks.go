package validate

import "strings"

// check is one check of AWS's policy validation check reference: its finding type. Its issue code is the key of
// checks, and its section of the reference is named after the code.
type check struct {
	typ string
}

// referenceURL is AWS's policy validation check reference; each check has a section whose anchor is
// access-analyzer-reference-policy-checks-<type>-<code in lower case, '_' as '-'>.
const referenceURL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

// link returns the check's learnMoreLink.
func (c check) link(code string) string {
	typ := map[string]string{TypeError: "error", TypeSecurityWarning: "security-warning", TypeWarning: "general-warning",
		TypeSuggestion: "suggestion"}[c.typ]
	return referenceURL + "#access-analyzer-reference-policy-checks-" + typ + "-" + strings.ReplaceAll(strings.ToLower(code), "_", "-")
}

// The issue codes of the checks made.
const (
	codeArnAccountNotAllowed            = "ARN_ACCOUNT_NOT_ALLOWED"
	codeArnRegionNotAllowed             = "ARN_REGION_NOT_ALLOWED"
	codeDataTypeMismatch                = "DATA_TYPE_MISMATCH"
	codeDuplicateKeysWithDifferentCase  = "DUPLICATE_KEYS_WITH_DIFFERENT_CASE"
	codeInvalidAction                   = "INVALID_ACTION"
	codeInvalidArnAccount               = "INVALID_ARN_ACCOUNT"
	codeInvalidArnPrefix                = "INVALID_ARN_PREFIX"
	codeInvalidArnResource              = "INVALID_ARN_RESOURCE"
	codeInvalidArnServiceCase           = "INVALID_ARN_SERVICE_CASE"
	codeInvalidConditionKeyFormat       = "INVALID_CONDITION_KEY_FORMAT"
	codeInvalidConditionMultipleBoolean = "INVALID_CONDITION_MULTIPLE_BOOLEAN"
	codeInvalidConditionOperator        = "INVALID_CONDITION_OPERATOR"
	codeInvalidEffect                   = "INVALID_EFFECT"
	codeInvalidGlobalConditionKey       = "INVALID_GLOBAL_CONDITION_KEY"
	codeInvalidPartition                = "INVALID_PARTITION"
	codeInvalidPolicyElement            = "INVALID_POLICY_ELEMENT"
	codeInvalidPrincipalFormat          = "INVALID_PRINCIPAL_FORMAT"
	codeInvalidPrincipalKey             = "INVALID_PRINCIPAL_KEY"
	codeInvalidServiceConditionKey      = "INVALID_SERVICE_CONDITION_KEY"
	codeInvalidServiceInAction          = "INVALID_SERVICE_IN_ACTION"
	codeInvalidVariableForOperator      = "INVALID_VARIABLE_FOR_OPERATOR"
	codeInvalidVersion                  = "INVALID_VERSION"
	codeJSONSyntaxError                 = "JSON_SYNTAX_ERROR"
	codeMissingAction                   = "MISSING_ACTION"
	codeMissingArnField                 = "MISSING_ARN_FIELD"
	codeMissingArnRegion                = "MISSING_ARN_REGION"
	codeMissingEffect                   = "MISSING_EFFECT"
	codeMissingPrincipal                = "MISSING_PRINCIPAL"
	codeMissingQualifier                = "MISSING_QUALIFIER"
	codeMissingResource                 = "MISSING_RESOURCE"
	codeMissingStatement                = "MISSING_STATEMENT"
	codeMissingTagKeyInCondition        = "MISSING_TAG_KEY_IN_CONDITION"
	codeNullWithIfExists                = "NULL_WITH_IF_EXISTS"
	codeSCPPrincipal                    = "SCP_SYNTAX_ERROR_PRINCIPAL"
	codeUniqueSidsRequired              = "UNIQUE_SIDS_REQUIRED"
	codeUnsupportedActionInPolicy       = "UNSUPPORTED_ACTION_IN_POLICY"
	codeUnsupportedElementCombination   = "UNSUPPORTED_ELEMENT_COMBINATION"
	codeUnsupportedGlobalConditionKey   = "UNSUPPORTED_GLOBAL_CONDITION_KEY"
	codeUnsupportedPrincipal            = "UNSUPPORTED_PRINCIPAL"
	codeUnsupportedResourceArnInPolicy  = "UNSUPPORTED_RESOURCE_ARN_IN_POLICY"
	codeUnsupportedSid                  = "UNSUPPORTED_SID"
	codeUnsupportedWildcardInPrincipal  = "UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
	codeMissingBraceInVariable          = "MISSING_BRACE_IN_VARIABLE"
	codeMissingQuoteInVariable          = "MISSING_QUOTE_IN_VARIABLE"
	codeUnsupportedSpaceInVariable      = "UNSUPPORTED_SPACE_IN_VARIABLE"
	codeEmptyVariable                   = "EMPTY_VARIABLE"
	codeVariableUnsupportedInElement    = "VARIABLE_UNSUPPORTED_IN_ELEMENT"
	codeVariableUnsupportedInVersion    = "VARIABLE_UNSUPPORTED_IN_VERSION"
	codePrivateIPAddress                = "PRIVATE_IP_ADDRESS"
	codePrivateNotIPAddress             = "PRIVATE_NOT_IP_ADDRESS"
	codePolicySizeExceedsSCPQuota       = "POLICY_SIZE_EXCEEDS_SCP_QUOTA"
	codeInvalidConditionDataType        = "INVALID_CONDITION_DATA_TYPE"
	codeInvalidService                  = "INVALID_SERVICE"
	codeInvalidServicePrincipalFormat   = "INVALID_SERVICE_PRINCIPAL_FORMAT"
	codeUnsupportedSymbolInVariable     = "UNSUPPORTED_SYMBOL_IN_VARIABLE"

	codeCreateSLRWithNotResource             = "CREATE_SLR_WITH_NOT_RESOURCE"
	codeCreateSLRWithStarInActionAndNotRes   = "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
	codeCreateSLRWithNotActionAndNotResource = "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE"
	codeCreateSLRWithStarInResource          = "CREATE_SLR_WITH_STAR_IN_RESOURCE"
	codeCreateSLRWithStarInActionAndResource = "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"
	codeCreateSLRWithStarInResourceAndNotAct = "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
	codeInvalidDateValue                     = "INVALID_DATE_VALUE"
	codeInvalidRoleReference                 = "INVALID_ROLE_REFERENCE"
	codeInvalidUserReference                 = "INVALID_USER_REFERENCE"
	codeMissingVersion                       = "MISSING_VERSION"
	codeUniqueSidsRecommended                = "UNIQUE_SIDS_RECOMMENDED"
	codeWildcardWithoutLikeOperator          = "WILDCARD_WITHOUT_LIKE_OPERATOR"
	codePolicySizeExceedsIdentityPolicyQuota = "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"
	codeTypeMismatch                         = "TYPE_MISMATCH"
	codeTypeMismatchBoolean                  = "TYPE_MISMATCH_BOOLEAN"
	codeTypeMismatchDate                     = "TYPE_MISMATCH_DATE"
	codeTypeMismatchIPRange                  = "TYPE_MISMATCH_IP_RANGE"
	codeTypeMismatchNumber                   = "TYPE_MISMATCH_NUMBER"
	codeTypeMismatchString                   = "TYPE_MISMATCH_STRING"
	codeAllowWithNotPrincipal                = "ALLOW_WITH_NOT_PRINCIPAL"
	codeDenyNotActionWithUnsupportedTagKey   = "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
	codeDenyWithUnsupportedTagKey            = "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
	codeForAllValuesWithSingleValuedKey      = "FORALLVALUES_WITH_SINGLE_VALUED_KEY"
	codeMissingPairedConditionKeys           = "MISSING_PAIRED_CONDITION_KEYS"
	codePassRoleWithNotResource              = "PASS_ROLE_WITH_NOT_RESOURCE"
	codePassRoleWithStarInActionAndNotRes    = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
	codePassRoleWithNotActionAndNotResource  = "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE"
	codePassRoleWithStarInResource           = "PASS_ROLE_WITH_STAR_IN_RESOURCE"
	codePassRoleWithStarInActionAndResource  = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"
	codePassRoleWithStarInResourceAndNotAct  = "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
	codeAllowNotActionWithUnsupportedTagKey  = "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
	codeAllowWithUnsupportedTagKey           = "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
	codeEmptyArrayAction                     = "EMPTY_ARRAY_ACTION"
	codeEmptyArrayCondition                  = "EMPTY_ARRAY_CONDITION"
	codeEmptyArrayConditionForAllValues      = "EMPTY_ARRAY_CONDITION_FORALLVALUES"
	codeEmptyArrayConditionForAnyValue       = "EMPTY_ARRAY_CONDITION_FORANYVALUE"
	codeEmptyArrayConditionIfExists          = "EMPTY_ARRAY_CONDITION_IFEXISTS"
	codeEmptyArrayPrincipal                  = "EMPTY_ARRAY_PRINCIPAL"
	codeEmptyArrayResource                   = "EMPTY_ARRAY_RESOURCE"
	codeEmptyObjectCondition                 = "EMPTY_OBJECT_CONDITION"
	codeEmptyObjectPrincipal                 = "EMPTY_OBJECT_PRINCIPAL"
	codeEmptySidValue                        = "EMPTY_SID_VALUE"
	codeImproveIPRange                       = "IMPROVE_IP_RANGE"
	codeNullWithQualifier                    = "NULL_WITH_QUALIFIER"
	codePrivateIPAddressSubset               = "PRIVATE_IP_ADDRESS_SUBSET"
	codePrivateNotIPAddressSubset            = "PRIVATE_NOT_IP_ADDRESS_SUBSET"
	codeRedundantAction                      = "REDUNDANT_ACTION"
	codeRedundantConditionValueNum           = "REDUNDANT_CONDITION_VALUE_NUM"
	codeRedundantResource                    = "REDUNDANT_RESOURCE"
	codeRedundantStatement                   = "REDUNDANT_STATEMENT"
	codeWildcardInServiceName                = "WILDCARD_IN_SERVICE_NAME"

	// Checks added to the reference in 2023-2025 (role trust policies, RCPs, condition values).
	codeInvalidVPCFormat                      = "INVALID_VPC_FORMAT"
	codeInvalidVPCEFormat                     = "INVALID_VPCE_FORMAT"
	codeFederatedPrincipalNotSupported        = "FEDERATED_PRINCIPAL_NOT_SUPPORTED"
	codeUnsupportedActionForConditionKey      = "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"
	codeRoleTrustSyntaxErrorNotPrincipal      = "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL"
	codeRoleTrustUnsupportedWildcardPrincipal = "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
	codeRoleTrustSyntaxErrorResource          = "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE"
	codeInvalidFederatedPrincipalSyntax       = "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY"
	codeMismatchedActionForPrincipal          = "MISMATCHED_ACTION_FOR_PRINCIPAL"
	codeMissingActionForRolesAnywhere         = "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY"
	codePolicySizeExceedsRCPQuota             = "POLICY_SIZE_EXCEEDS_RCP_QUOTA"
	codeRCPSyntaxErrorPrincipal               = "RCP_SYNTAX_ERROR_PRINCIPAL"
	codeRCPSyntaxErrorAllow                   = "RCP_SYNTAX_ERROR_ALLOW"
	codeRCPSyntaxErrorNotAction               = "RCP_SYNTAX_ERROR_NOTACTION"
	codeRCPSyntaxErrorAction                  = "RCP_SYNTAX_ERROR_ACTION"
	codeSpecificGithubRepoAndBranch           = "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED"
	codePolicySizeExceedsRoleTrustQuota       = "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA"
	codeRestrictAccessToServicePrincipal      = "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL"
	codeMissingConditionKeyForOIDCPrincipal   = "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL"
	codeMissingGithubRepoConditionKey         = "MISSING_GITHUB_REPO_CONDITION_KEY"
	codeStringLikeOperatorWithARNKeys         = "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"
	codeDynamoDBAttributesWithoutSelect       = "DYNAMODB_ATTRIBUTES_WITHOUT_SELECT"
	codeS3PrefixInNegativeContext             = "S3_PREFIX_IN_NEGATIVE_CONTEXT"
	codeIrrelevantConditionKeyInPolicy        = "IRRELEVANT_CONDITION_KEY_IN_POLICY"
	codeRedundantPrincipalInRoleTrustPolicy   = "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY"
	codeVariableUsageTooPermissive            = "VARIABLE_USAGE_TOO_PERMISSIVE"
	codeRCPMissingRelatedPrincipalKey         = "RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY"
	codeRCPMissingRelatedServicePrincipalKey  = "RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY"
	codeWildcardUsageTooPermissive            = "WILDCARD_USAGE_TOO_PERMISSIVE"
)

// checks maps each issue code made to its check.
var checks = func() map[string]check {
	m := map[string]check{}
	for typ, codes := range map[string][]string{
		TypeError: {codeArnAccountNotAllowed, codeArnRegionNotAllowed, codeDataTypeMismatch, codeDuplicateKeysWithDifferentCase,
			codeInvalidAction, codeInvalidArnAccount, codeInvalidArnPrefix, codeInvalidArnResource, codeInvalidArnServiceCase,
			codeInvalidConditionKeyFormat, codeInvalidConditionMultipleBoolean, codeInvalidConditionOperator, codeInvalidEffect,
			codeInvalidGlobalConditionKey, codeInvalidPartition, codeInvalidPolicyElement, codeInvalidPrincipalFormat,
			codeInvalidPrincipalKey, codeInvalidServiceConditionKey, codeInvalidServiceInAction, codeInvalidVariableForOperator,
			codeInvalidVersion, codeJSONSyntaxError, codeMissingAction, codeMissingArnField, codeMissingArnRegion, codeMissingEffect,
			codeMissingPrincipal, codeMissingQualifier, codeMissingResource, codeMissingStatement, codeMissingTagKeyInCondition,
			codeNullWithIfExists,
			codeSCPPrincipal, codeUniqueSidsRequired, codeUnsupportedActionInPolicy,
			codeUnsupportedElementCombination, codeUnsupportedGlobalConditionKey, codeUnsupportedPrincipal,
			codeUnsupportedResourceArnInPolicy, codeUnsupportedSid, codeUnsupportedWildcardInPrincipal, codeMissingBraceInVariable,
			codeMissingQuoteInVariable, codeUnsupportedSpaceInVariable, codeEmptyVariable, codeVariableUnsupportedInElement,
			codeVariableUnsupportedInVersion, codePrivateIPAddress, codePrivateNotIPAddress, codePolicySizeExceedsSCPQuota,
			codeInvalidConditionDataType, codeInvalidService, codeInvalidServicePrincipalFormat, codeUnsupportedSymbolInVariable,
			codeTypeMismatchIPRange, codeInvalidVPCFormat, codeInvalidVPCEFormat, codeFederatedPrincipalNotSupported,
			codeUnsupportedActionForConditionKey, codeRoleTrustSyntaxErrorNotPrincipal, codeRoleTrustUnsupportedWildcardPrincipal,
			codeRoleTrustSyntaxErrorResource, codeInvalidFederatedPrincipalSyntax, codeMismatchedActionForPrincipal,
			codeMissingActionForRolesAnywhere, codePolicySizeExceedsRCPQuota, codeRCPSyntaxErrorPrincipal, codeRCPSyntaxErrorAllow,
			codeRCPSyntaxErrorNotAction, codeRCPSyntaxErrorAction, codeVariableUsageTooPermissive, codeWildcardUsageTooPermissive},
		TypeWarning: {codeCreateSLRWithNotResource, codeCreateSLRWithStarInActionAndNotRes, codeCreateSLRWithNotActionAndNotResource,
			codeCreateSLRWithStarInResource, codeCreateSLRWithStarInActionAndResource, codeCreateSLRWithStarInResourceAndNotAct,
			codeInvalidDateValue, codeInvalidRoleReference, codeInvalidUserReference, codeMissingVersion, codeUniqueSidsRecommended,
			codeWildcardWithoutLikeOperator, codePolicySizeExceedsIdentityPolicyQuota, codeTypeMismatch, codeTypeMismatchBoolean,
			codeTypeMismatchDate, codeTypeMismatchNumber, codeTypeMismatchString, codeSpecificGithubRepoAndBranch, codeRCPMissingRelatedPrincipalKey, codeRCPMissingRelatedServicePrincipalKey,
			codePolicySizeExceedsRoleTrustQuota},
		TypeSecurityWarning: {codeAllowWithNotPrincipal, codeDenyNotActionWithUnsupportedTagKey, codeDenyWithUnsupportedTagKey,
			codeForAllValuesWithSingleValuedKey, codeMissingPairedConditionKeys, codePassRoleWithNotResource,
			codePassRoleWithStarInActionAndNotRes, codePassRoleWithNotActionAndNotResource, codePassRoleWithStarInResource,
			codePassRoleWithStarInActionAndResource, codePassRoleWithStarInResourceAndNotAct, codeRestrictAccessToServicePrincipal,
			codeMissingConditionKeyForOIDCPrincipal, codeMissingGithubRepoConditionKey, codeStringLikeOperatorWithARNKeys,
			codeDynamoDBAttributesWithoutSelect, codeS3PrefixInNegativeContext},
		TypeSuggestion: {codeAllowNotActionWithUnsupportedTagKey, codeAllowWithUnsupportedTagKey, codeEmptyArrayAction,
			codeEmptyArrayCondition, codeEmptyArrayConditionForAllValues, codeEmptyArrayConditionForAnyValue,
			codeEmptyArrayConditionIfExists, codeEmptyArrayPrincipal, codeEmptyArrayResource, codeEmptyObjectCondition,
			codeEmptyObjectPrincipal, codeEmptySidValue, codeImproveIPRange, codeNullWithQualifier, codePrivateIPAddressSubset,
			codePrivateNotIPAddressSubset, codeRedundantAction, codeRedundantConditionValueNum, codeRedundantResource,
			codeRedundantStatement, codeWildcardInServiceName, codeIrrelevantConditionKeyInPolicy,
			codeRedundantPrincipalInRoleTrustPolicy},
	} {
		for _, c := range codes {
			m[c] = check{typ: typ}
		}
	}
	return m
}()

// Codes returns the issue codes of every check Validate makes, sorted.
func Codes() []string {
	out := make([]string, 0, len(checks))
	for c := range checks {
		out = append(out, c)
	}
	sortStrings(out)
	return out
}

// FindingType returns the finding type of the check with the issue code, or "" if Validate does not make it.
func FindingType(code string) string { return checks[code].typ }
