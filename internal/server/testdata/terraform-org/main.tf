# An organization with an OU, a service control policy and a tag policy, applied against iamd by
# TestTerraformOrganizations.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam           = var.endpoint
    sts           = var.endpoint
    organizations = var.endpoint
  }
}

resource "aws_organizations_organization" "org" {
  feature_set                   = "ALL"
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]
  aws_service_access_principals = ["iam.amazonaws.com"]
}

resource "aws_organizations_organizational_unit" "prod" {
  name      = "Production"
  parent_id = aws_organizations_organization.org.roots[0].id
  tags      = { env = "prod" }
}

resource "aws_organizations_policy" "no_leaving" {
  depends_on  = [aws_organizations_organization.org] # as on AWS: no policy before the organization
  name        = "no-leaving"
  description = "Member accounts stay in the organization"
  type        = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "NoLeaving", Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }]
  })
  tags = { owner = "platform" }
}

resource "aws_organizations_policy_attachment" "no_leaving" {
  policy_id = aws_organizations_policy.no_leaving.id
  target_id = aws_organizations_organizational_unit.prod.id
}

resource "aws_organizations_policy" "cost_center" {
  depends_on = [aws_organizations_organization.org]
  name       = "cost-center"
  type       = "TAG_POLICY"
  content = jsonencode({
    tags = { costcenter = { tag_key = { "@@assign" = "CostCenter" } } }
  })
}

resource "aws_organizations_policy_attachment" "cost_center" {
  policy_id = aws_organizations_policy.cost_center.id
  target_id = aws_organizations_organization.org.roots[0].id
}
