package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Service-linked roles.
//
// A service-linked role is created for a service principal (autoscaling.amazonaws.com) with the name AWS gives it
// (AWSServiceRoleForAutoScaling), at the path /aws-service-role/PRINCIPAL/, trusting the principal to call
// sts:AssumeRole, with the AWS managed policy AWS attaches to it. Those policies are the ones under the path
// /aws-service-role/ in the catalog; a principal whose policy is not there has no service-linked role here.
//
// Which principal gets which name and policy comes from two sources, the first winning:
//
//  1. slrKnown: the common services, as their service-linked role pages in the AWS documentation name them (linked
//     from "AWS services that work with IAM", column "Service-linked role").
//  2. The catalog itself. AWS managed policies that grant iam:CreateServiceLinkedRole name the role they let a
//     caller create, as arn:aws:iam::*:role/aws-service-role/PRINCIPAL/ROLE-NAME; every such pair where the principal
//     names one role and the role one principal gives the role's name. Its policy is found from the name by the
//     rule AWS's names follow: for AWSServiceRoleForX (X less a leading "AWS" or "Amazon" is B), the first of
//     XServiceRolePolicy, BServiceRolePolicy, AWSBServiceRolePolicy, AmazonBServiceRolePolicy, the same four with
//     ServiceLinkedRolePolicy and with Policy, then AWSServiceRoleForXPolicy and AWSServiceRoleForX, that is an
//     AWS managed policy under /aws-service-role/.
//
// Every edit of a service-linked role other than its description and tags is refused with UnmodifiableEntity
// (rolesCheckModifiable). DeleteServiceLinkedRole deletes the role at once and records a deletion task that
// reports SUCCEEDED.

// slrService is a service that has a service-linked role.
type slrService struct {
	Principal string // autoscaling.amazonaws.com
	RoleName  string // AWSServiceRoleForAutoScaling
	Policy    string // AutoScalingServiceRolePolicy, an AWS managed policy under /aws-service-role/
	Suffix    bool   // whether CreateServiceLinkedRole accepts a CustomSuffix (the name is RoleName_suffix)
}

// slrKnown lists the common services' service-linked roles as AWS documents them.
var slrKnown = []slrService{
	{"autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy", true},
	{"elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing", "AWSElasticLoadBalancingServiceRolePolicy", false},
	{"rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy", false},
	{"ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy", false},
	{"eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy", false},
	{"eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup", false},
	{"eks-fargate.amazonaws.com", "AWSServiceRoleForAmazonEKSForFargate", "AmazonEKSForFargateServiceRolePolicy", false},
	{"eks-connector.amazonaws.com", "AWSServiceRoleForAmazonEKSConnector", "AmazonEKSConnectorServiceRolePolicy", false},
	{"elasticache.amazonaws.com", "AWSServiceRoleForElastiCache", "ElastiCacheServiceRolePolicy", false},
	{"memorydb.amazonaws.com", "AWSServiceRoleForMemoryDB", "MemoryDBServiceRolePolicy", false},
	{"spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy", false},
	{"spotfleet.amazonaws.com", "AWSServiceRoleForEC2SpotFleet", "AWSEC2SpotFleetServiceRolePolicy", false},
	{"ec2fleet.amazonaws.com", "AWSServiceRoleForEC2Fleet", "AWSEC2FleetServiceRolePolicy", false},
	{"organizations.amazonaws.com", "AWSServiceRoleForOrganizations", "AWSOrganizationsServiceTrustPolicy", false},
	{"support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy", false},
	{"trustedadvisor.amazonaws.com", "AWSServiceRoleForTrustedAdvisor", "AWSTrustedAdvisorServiceRolePolicy", false},
	{"config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy", false},
	{"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy", false},
	{"malware-protection.guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDutyMalwareProtection", "AmazonGuardDutyMalwareProtectionServiceRolePolicy", false},
	{"inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2", "AmazonInspector2ServiceRolePolicy", false},
	{"macie.amazonaws.com", "AWSServiceRoleForAmazonMacie", "AmazonMacieServiceRolePolicy", false},
	{"securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub", "AWSSecurityHubServiceRolePolicy", false},
	{"detective.amazonaws.com", "AWSServiceRoleForDetective", "AmazonDetectiveServiceLinkedRolePolicy", false},
	{"access-analyzer.amazonaws.com", "AWSServiceRoleForAccessAnalyzer", "AccessAnalyzerServiceRolePolicy", false},
	{"ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM", "AmazonSSMServiceRolePolicy", false},
	{"cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail", "CloudTrailServiceRolePolicy", false},
	{"sso.amazonaws.com", "AWSServiceRoleForSSO", "AWSSSOServiceRolePolicy", false},
	{"fms.amazonaws.com", "AWSServiceRoleForFMS", "FMSServiceRolePolicy", false},
	{"shield.amazonaws.com", "AWSServiceRoleForAWSShield", "AWSShieldServiceRolePolicy", false},
	{"wafv2.amazonaws.com", "AWSServiceRoleForWAFV2Logging", "WAFV2LoggingServiceRolePolicy", false},
	{"auditmanager.amazonaws.com", "AWSServiceRoleForAuditManager", "AWSAuditManagerServiceRolePolicy", false},
	{"securitylake.amazonaws.com", "AWSServiceRoleForSecurityLake", "SecurityLakeServiceLinkedRole", false},
	{"kafka.amazonaws.com", "AWSServiceRoleForKafka", "KafkaServiceRolePolicy", false},
	{"kafkaconnect.amazonaws.com", "AWSServiceRoleForKafkaConnect", "KafkaConnectServiceRolePolicy", false},
	{"es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService", "AmazonElasticsearchServiceRolePolicy", false},
	{"opensearchservice.amazonaws.com", "AWSServiceRoleForAmazonOpenSearchService", "AmazonOpenSearchServiceRolePolicy", false},
	{"osis.amazonaws.com", "AWSServiceRoleForAmazonOpenSearchIngestionService", "AmazonOpenSearchIngestionServiceRolePolicy", false},
	{"redshift.amazonaws.com", "AWSServiceRoleForRedshift", "AmazonRedshiftServiceLinkedRolePolicy", false},
	{"dax.amazonaws.com", "AWSServiceRoleForDAX", "DAXServiceRolePolicy", false},
	{"replication.dynamodb.amazonaws.com", "AWSServiceRoleForDynamoDBReplication", "DynamoDBReplicationServiceRolePolicy", false},
	{"mq.amazonaws.com", "AWSServiceRoleForAmazonMQ", "AmazonMQServiceRolePolicy", false},
	{"elasticfilesystem.amazonaws.com", "AWSServiceRoleForAmazonElasticFileSystem", "AmazonElasticFileSystemServiceRolePolicy", false},
	{"fsx.amazonaws.com", "AWSServiceRoleForAmazonFSx", "AmazonFSxServiceRolePolicy", false},
	{"storagegateway.amazonaws.com", "AWSServiceRoleForStorageGateway", "AWSStorageGatewayServiceRolePolicy", false},
	{"backup.amazonaws.com", "AWSServiceRoleForBackup", "AWSBackupServiceLinkedRolePolicyForBackup", false},
	{"datasync.amazonaws.com", "AWSServiceRoleForDataSync", "AWSDataSyncServiceRolePolicy", false},
	{"elasticmapreduce.amazonaws.com", "AWSServiceRoleForEMRCleanup", "AmazonEMRCleanupPolicy", false},
	{"emr-containers.amazonaws.com", "AWSServiceRoleForAmazonEMRContainers", "AmazonEMRContainersServiceRolePolicy", false},
	{"lakeformation.amazonaws.com", "AWSServiceRoleForLakeFormationDataAccess", "LakeFormationDataAccessServiceRolePolicy", false},
	{"airflow.amazonaws.com", "AWSServiceRoleForAmazonMWAA", "AmazonMWAAServiceRolePolicy", false},
	{"sagemaker.amazonaws.com", "AWSServiceRoleForAmazonSageMakerNotebooks", "AmazonSageMakerNotebooksServiceRolePolicy", false},
	{"lexv2.amazonaws.com", "AWSServiceRoleForLexV2Bots", "AmazonLexV2BotPolicy", true},
	{"elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk", "AWSElasticBeanstalkServiceRolePolicy", false},
	{"maintenance.elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalkMaintenance", "AWSElasticBeanstalkMaintenance", false},
	{"managedupdates.elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalkManagedUpdates", "AWSElasticBeanstalkManagedUpdatesServiceRolePolicy", false},
	{"replicator.lambda.amazonaws.com", "AWSServiceRoleForLambdaReplicator", "AWSLambdaReplicator", false},
	{"ops.apigateway.amazonaws.com", "AWSServiceRoleForAPIGateway", "APIGatewayServiceRolePolicy", false},
	{"appsync.amazonaws.com", "AWSServiceRoleForAppSync", "AWSAppSyncServiceRolePolicy", false},
	{"apprunner.amazonaws.com", "AWSServiceRoleForAppRunner", "AppRunnerServiceRolePolicy", false},
	{"batch.amazonaws.com", "AWSServiceRoleForBatch", "BatchServiceRolePolicy", false},
	{"imagebuilder.amazonaws.com", "AWSServiceRoleForImageBuilder", "AWSServiceRoleForImageBuilder", false},
	{"replication.ecr.amazonaws.com", "AWSServiceRoleForECRReplication", "ECRReplicationServiceRolePolicy", false},
	{"acm.amazonaws.com", "AWSServiceRoleForCertificateManager", "CertificateManagerServiceRolePolicy", false},
	{"events.amazonaws.com", "AWSServiceRoleForCloudWatchEvents", "CloudWatchEventsServiceRolePolicy", false},
	{"delivery.logs.amazonaws.com", "AWSServiceRoleForLogDelivery", "AWSServiceRoleForLogDeliveryPolicy", false},
	{"logger.cloudfront.amazonaws.com", "AWSServiceRoleForCloudFrontLogger", "AWSCloudFrontLogger", false},
	{"ram.amazonaws.com", "AWSServiceRoleForResourceAccessManager", "AWSResourceAccessManagerServiceRolePolicy", false},
	{"servicequotas.amazonaws.com", "AWSServiceRoleForServiceQuotas", "ServiceQuotasServiceRolePolicy", false},
	{"compute-optimizer.amazonaws.com", "AWSServiceRoleForComputeOptimizer", "ComputeOptimizerServiceRolePolicy", false},
	{"resource-explorer-2.amazonaws.com", "AWSServiceRoleForResourceExplorer", "AWSResourceExplorerServiceRolePolicy", false},
	{"license-manager.amazonaws.com", "AWSServiceRoleForAWSLicenseManagerRole", "AWSLicenseManagerServiceRolePolicy", false},
	{"devops-guru.amazonaws.com", "AWSServiceRoleForDevOpsGuru", "AmazonDevOpsGuruServiceRolePolicy", false},
	{"grafana.amazonaws.com", "AWSServiceRoleForAmazonGrafana", "AmazonGrafanaServiceLinkedRolePolicy", false},
	{"ses.amazonaws.com", "AWSServiceRoleForAmazonSES", "AmazonSESServiceRolePolicy", false},
	{"codestar-notifications.amazonaws.com", "AWSServiceRoleForCodeStarNotifications", "AWSCodeStarNotificationsServiceRolePolicy", false},
	{"cloud9.amazonaws.com", "AWSServiceRoleForAWSCloud9", "AWSCloud9ServiceRolePolicy", false},
	{"cloudhsm.amazonaws.com", "AWSServiceRoleForCloudHSM", "CloudHSMServiceRolePolicy", false},
	{"management.chatbot.amazonaws.com", "AWSServiceRoleForAWSChatbot", "AWSChatbotServiceLinkedRolePolicy", false},
	{"stacksets.cloudformation.amazonaws.com", "AWSServiceRoleForCloudFormationStackSetsOrgAdmin", "CloudFormationStackSetsOrgAdminServiceRolePolicy", false},
	{"member.org.stacksets.cloudformation.amazonaws.com", "AWSServiceRoleForCloudFormationStackSetsOrgMember", "CloudFormationStackSetsOrgMemberServiceRolePolicy", false},
	{"transitgateway.amazonaws.com", "AWSServiceRoleForVPCTransitGateway", "AWSVPCTransitGatewayServiceRolePolicy", false},
	{"networkmanager.amazonaws.com", "AWSServiceRoleForNetworkManager", "AWSNetworkManagerServiceRolePolicy", false},
	{"network-firewall.amazonaws.com", "AWSServiceRoleForNetworkFirewall", "AWSNetworkFirewallServiceRolePolicy", false},
	{"globalaccelerator.amazonaws.com", "AWSServiceRoleForGlobalAccelerator", "AWSGlobalAcceleratorSLRPolicy", false},
	{"directconnect.amazonaws.com", "AWSServiceRoleForDirectConnect", "AWSDirectConnectServiceRolePolicy", false},
	{"route53resolver.amazonaws.com", "AWSServiceRoleForRoute53Resolver", "Route53ResolverServiceRolePolicy", false},
	{"vpc-lattice.amazonaws.com", "AWSServiceRoleForVpcLattice", "AWSVpcLatticeServiceRolePolicy", false},
	{"ipam.amazonaws.com", "AWSServiceRoleForIPAM", "AWSIPAMServiceRolePolicy", false},
	// Application Auto Scaling: one role per scalable service, named AWSServiceRoleForApplicationAutoScaling_TARGET.
	{"appstream.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_AppStreamFleet", "AWSApplicationAutoscalingAppStreamFleetPolicy", false},
	{"cassandra.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_CassandraTable", "AWSApplicationAutoscalingCassandraTablePolicy", false},
	{"comprehend.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ComprehendEndpoint", "AWSApplicationAutoscalingComprehendEndpointPolicy", false},
	{"custom-resource.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_CustomResource", "AWSApplicationAutoScalingCustomResourcePolicy", false},
	{"dynamodb.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", "AWSApplicationAutoscalingDynamoDBTablePolicy", false},
	{"ec2.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest", "AWSApplicationAutoscalingEC2SpotFleetRequestPolicy", false},
	{"ecs.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ECSService", "AWSApplicationAutoscalingECSServicePolicy", false},
	{"elasticache.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG", "AWSApplicationAutoscalingElastiCacheRGPolicy", false},
	{"elasticmapreduce.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_EMRInstanceGroup", "AWSApplicationAutoscalingEMRInstanceGroupPolicy", false},
	{"kafka.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_KafkaCluster", "AWSApplicationAutoscalingKafkaClusterPolicy", false},
	{"lambda.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency", "AWSApplicationAutoscalingLambdaConcurrencyPolicy", false},
	{"neptune.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_NeptuneCluster", "AWSApplicationAutoscalingNeptuneClusterPolicy", false},
	{"rds.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_RDSCluster", "AWSApplicationAutoscalingRDSClusterPolicy", false},
	{"sagemaker.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint", "AWSApplicationAutoscalingSageMakerEndpointPolicy", false},
	{"workspaces.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_WorkSpacesPool", "AWSApplicationAutoscalingWorkSpacesPoolPolicy", false},
}

const (
	slrPathPrefix     = "/aws-service-role/"
	slrRolePrefix     = "AWSServiceRoleFor"
	slrTaskSettingKey = "slr-deletion-task/"
)

// slrPolicy returns the AWS managed policy of that name if it is one AWS attaches to service-linked roles.
func slrPolicy(cat *catalog.Catalog, name string) (*catalog.ManagedPolicy, bool) {
	mp, ok := cat.ManagedPolicy(name)
	if !ok || mp.Path != slrPathPrefix || !strings.EqualFold(mp.Name, name) {
		return nil, false
	}
	return mp, true
}

// slrResolve finds the service-linked role of a service principal and its policy.
func slrResolve(cat *catalog.Catalog, principal string) (slrService, *catalog.ManagedPolicy, bool) {
	for _, svc := range slrKnown {
		if svc.Principal == principal {
			mp, ok := slrPolicy(cat, svc.Policy)
			return svc, mp, ok
		}
	}
	svc, ok := slrDerive(cat)[principal]
	if !ok {
		return slrService{}, nil, false
	}
	mp, ok := slrPolicy(cat, svc.Policy)
	return svc, mp, ok
}

// slrDerive reads the catalog's service-linked roles as the package comment describes.
func slrDerive(cat *catalog.Catalog) map[string]slrService {
	rolesOf := map[string]map[string]bool{}      // principal -> role names
	principalsOf := map[string]map[string]bool{} // role name -> principals
	marker := []byte("role/aws-service-role/")
	for _, mp := range cat.ManagedPolicies() {
		if !bytes.Contains(mp.Document, marker) {
			continue
		}
		var doc struct {
			Statement json.RawMessage
		}
		if json.Unmarshal(mp.Document, &doc) != nil {
			continue
		}
		for _, st := range slrStatements(doc.Statement) {
			if !slrGrantsCreate(slrStrings(st.Action)) {
				continue
			}
			for _, res := range slrStrings(st.Resource) {
				principal, role, ok := slrSplitRoleARN(res)
				if !ok {
					continue
				}
				if rolesOf[principal] == nil {
					rolesOf[principal] = map[string]bool{}
				}
				rolesOf[principal][role] = true
				if principalsOf[role] == nil {
					principalsOf[role] = map[string]bool{}
				}
				principalsOf[role][principal] = true
			}
		}
	}
	out := map[string]slrService{}
	for principal, roles := range rolesOf {
		if len(roles) != 1 {
			continue
		}
		var role string
		for r := range roles {
			role = r
		}
		if len(principalsOf[role]) != 1 {
			continue
		}
		for _, name := range slrPolicyNames(role) {
			if mp, ok := slrPolicy(cat, name); ok {
				out[principal] = slrService{Principal: principal, RoleName: role, Policy: mp.Name}
				break
			}
		}
	}
	return out
}

// slrPolicyNames lists the policy names AWS's naming rule allows for a service-linked role, in order of preference.
func slrPolicyNames(role string) []string {
	x := strings.TrimPrefix(role, slrRolePrefix)
	b := x
	for _, p := range []string{"Amazon", "AWS"} {
		if strings.HasPrefix(b, p) {
			b = strings.TrimPrefix(b, p)
			break
		}
	}
	var out []string
	for _, suffix := range []string{"ServiceRolePolicy", "ServiceLinkedRolePolicy", "Policy"} {
		out = append(out, x+suffix, b+suffix, "AWS"+b+suffix, "Amazon"+b+suffix)
	}
	return append(out, role+"Policy", role)
}

type slrStatement struct {
	Action   json.RawMessage
	Resource json.RawMessage
}

// slrStatements reads a Statement that is one object or a list of them.
func slrStatements(raw json.RawMessage) []slrStatement {
	var list []slrStatement
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one slrStatement
	if json.Unmarshal(raw, &one) == nil {
		return []slrStatement{one}
	}
	return nil
}

// slrStrings reads a member that is one string or a list of them.
func slrStrings(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}

func slrGrantsCreate(actions []string) bool {
	for _, a := range actions {
		if strings.EqualFold(a, "iam:CreateServiceLinkedRole") {
			return true
		}
	}
	return false
}

// slrSplitRoleARN reads arn:aws:iam::ACCOUNT:role/aws-service-role/PRINCIPAL/NAME with a literal principal and name.
func slrSplitRoleARN(s string) (principal, role string, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(a.Resource, "role"+slrPathPrefix)
	if !ok {
		return "", "", false
	}
	principal, role, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(role, "/") || strings.ContainsAny(principal+role, "*?$") ||
		!strings.HasSuffix(principal, ".amazonaws.com") || !strings.HasPrefix(role, slrRolePrefix) || role == slrRolePrefix {
		return "", "", false
	}
	return principal, role, true
}

// slrTrustPolicy is the trust policy AWS writes for a service-linked role, its members in AWS's order.
func slrTrustPolicy(principal string) string {
	quoted, _ := json.Marshal(principal)
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":` + string(quoted) + `},"Action":"sts:AssumeRole"}]}`
}

// CreateServiceLinkedRole creates the service-linked role of a service.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, c *Caller, in *iamtypes.CreateServiceLinkedRoleRequest) (*iamtypes.CreateServiceLinkedRoleResponse, error) {
	acct := c.Account()
	principal := in.AWSServiceName
	path := slrPathPrefix + principal + "/"
	svc, mp, known := slrResolve(s.Catalog, principal)
	name := svc.RoleName
	if suffix := str(in.CustomSuffix, ""); suffix != "" && known {
		name += "_" + suffix
	}
	now := s.Now().UTC().Truncate(time.Second)
	ro := &Role{RoleName: name, RoleID: secret.NewID("AROA", 21), ARN: arnFor(c.Partition(), acct, "role", path, name), Path: path, CreateDate: now,
		AssumeRolePolicyDocument: slrTrustPolicy(principal), Description: str(in.Description, ""),
		MaxSessionDuration: rolesDefaultSessionDuration, ServiceLinked: true}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		actx.Set("iam:AWSServiceName", principal)
		resource := ro.ARN
		if !known {
			resource = arnFor(c.Partition(), acct, "role", path, "")
		}
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateServiceLinkedRole", Resource: resource, Context: actx}); err != nil {
			return err
		}
		if !known {
			return awserr.InvalidInput("Invalid service principal: %s. The service does not have a service-linked role.", principal)
		}
		if in.CustomSuffix != nil && *in.CustomSuffix != "" && !svc.Suffix {
			return awserr.InvalidInput("Custom suffix is not allowed for %s", principal)
		}
		if len(name) > 64 {
			return awserr.InvalidInput("The role name %s is longer than 64 characters; use a shorter suffix.", name)
		}
		if err := s.rolesInsert(ctx, tx, acct, ro); err != nil {
			if ae, ok := awserr.As(err); ok && ae.Code == "EntityAlreadyExists" {
				return awserr.InvalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)
			}
			return err
		}
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkAttached, From: ro.RoleID, To: mp.ARN, Created: now})
	}, func() *iamtypes.CreateServiceLinkedRoleResponse {
		out := rolesShape(ro, roleViewCreate)
		return &iamtypes.CreateServiceLinkedRoleResponse{Role: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// slrTask is the stored record of a service-linked role's deletion.
type slrTask struct {
	RoleARN string    `json:"role"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

// DeleteServiceLinkedRole deletes a service-linked role with its policies and returns the deletion task, which has
// already succeeded.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, c *Caller, in *iamtypes.DeleteServiceLinkedRoleRequest) (*iamtypes.DeleteServiceLinkedRoleResponse, error) {
	acct := c.Account()
	var taskID string
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:DeleteServiceLinkedRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		if !ro.ServiceLinked {
			return awserr.NoSuchEntity("The service-linked role with name %s cannot be found.", ro.RoleName)
		}
		principal := strings.TrimSuffix(strings.TrimPrefix(ro.Path, slrPathPrefix), "/")
		taskID = "task" + slrPathPrefix + principal + "/" + ro.RoleName + "/" + slrNewUUID()
		if err := rolesRemove(ctx, tx, acct, ro); err != nil {
			return err
		}
		return tx.PutSetting(ctx, acct, slrTaskSettingKey+taskID, encode(slrTask{RoleARN: ro.ARN, Status: string(iamtypes.DeletionTaskStatusTypeSUCCEEDED), Created: s.Now().UTC().Truncate(time.Second)}))
	}, func() *iamtypes.DeleteServiceLinkedRoleResponse {
		return &iamtypes.DeleteServiceLinkedRoleResponse{DeletionTaskId: taskID}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetServiceLinkedRoleDeletionStatus reports a deletion task's status.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, c *Caller, in *iamtypes.GetServiceLinkedRoleDeletionStatusRequest) (*iamtypes.GetServiceLinkedRoleDeletionStatusResponse, error) {
	acct := c.Account()
	// task/aws-service-role/PRINCIPAL/ROLE/UUID
	parts := strings.Split(in.DeletionTaskId, "/")
	if len(parts) != 5 || parts[0] != "task" || parts[1] != strings.Trim(slrPathPrefix, "/") || parts[2] == "" || parts[3] == "" || parts[4] == "" {
		return nil, awserr.InvalidInput("Invalid deletion task id: %s", in.DeletionTaskId)
	}
	roleARN := arnFor(c.Partition(), acct, "role", slrPathPrefix+parts[2]+"/", parts[3])
	out := &iamtypes.GetServiceLinkedRoleDeletionStatusResponse{}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetServiceLinkedRoleDeletionStatus", Resource: roleARN}); err != nil {
			return err
		}
		v, err := r.Setting(ctx, acct, slrTaskSettingKey+in.DeletionTaskId)
		if notFound(err) {
			return awserr.NoSuchEntity("Deletion task %s cannot be found.", in.DeletionTaskId)
		}
		if err != nil {
			return err
		}
		var t slrTask
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		out.Status = iamtypes.DeletionTaskStatusType(t.Status)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// slrNewUUID returns a random UUID (version 4), as deletion task IDs end with.
func slrNewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
