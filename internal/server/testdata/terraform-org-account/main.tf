# A member account made by Terraform in an organization that exists already (TestTerraformOrganizationAccountClosed
# creates it first), destroyed with close_on_deletion: the provider calls CloseAccount and waits until the account
# is SUSPENDED. On AWS too a closed account stays in its organization, which then cannot be deleted, so the
# organization is not Terraform's here.
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

resource "aws_organizations_account" "dev" {
  name              = "dev"
  email             = "dev@example.com"
  close_on_deletion = true
  tags              = { env = "dev" }
}
