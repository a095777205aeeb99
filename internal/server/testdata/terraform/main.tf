# A realistic IAM configuration, applied against iamd by TestTerraform.
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
    iam = var.endpoint
    sts = var.endpoint
  }
}

data "aws_caller_identity" "current" {}

resource "aws_iam_policy" "boundary" {
  name        = "DeveloperBoundary"
  path        = "/boundaries/"
  description = "Upper bound for developers"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "AllowServices", Effect = "Allow", Action = ["s3:*", "dynamodb:*", "logs:*"], Resource = "*" },
      { Sid = "DenyIAM", Effect = "Deny", Action = "iam:*", Resource = "*" },
    ]
  })
  tags = { owner = "platform" }
}

resource "aws_iam_user" "dev" {
  for_each             = toset(["alice", "bob"])
  name                 = each.key
  path                 = "/developers/"
  permissions_boundary = aws_iam_policy.boundary.arn
  tags                 = { team = "payments", cost-center = "1234" }
}

resource "aws_iam_access_key" "alice" {
  user = aws_iam_user.dev["alice"].name
}

resource "aws_iam_group" "developers" {
  name = "developers"
  path = "/teams/"
}

resource "aws_iam_group_membership" "developers" {
  name  = "developers-membership"
  group = aws_iam_group.developers.name
  users = [for u in aws_iam_user.dev : u.name]
}

resource "aws_iam_group_policy" "read_logs" {
  name  = "read-logs"
  group = aws_iam_group.developers.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:Get*", "logs:Describe*", "logs:FilterLogEvents"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "app_data" {
  name = "AppData"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      Resource  = "arn:aws:dynamodb:us-east-1:${data.aws_caller_identity.current.account_id}:table/app-*"
      Condition = { StringEquals = { "aws:RequestedRegion" = "us-east-1" } }
    }]
  })
}

resource "aws_iam_group_policy_attachment" "developers_app_data" {
  group      = aws_iam_group.developers.name
  policy_arn = aws_iam_policy.app_data.arn
}

resource "aws_iam_role" "app" {
  name                 = "app-server"
  path                 = "/service/"
  description          = "Role of the application servers"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  tags = { app = "payments" }
}

resource "aws_iam_role_policy" "app_inline" {
  name = "queue-access"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "sqs:ReceiveMessage"], Resource = "arn:aws:sqs:us-east-1:${data.aws_caller_identity.current.account_id}:payments-*" }]
  })
}

resource "aws_iam_role_policy_attachment" "app_data" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.app_data.arn
}

resource "aws_iam_role_policy_attachment" "app_readonly" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

resource "aws_iam_instance_profile" "app" {
  name = "app-server"
  role = aws_iam_role.app.name
}

resource "aws_iam_role" "deployer" {
  name = "deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_user.dev["alice"].arn }
      Action    = "sts:AssumeRole"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_user_policy" "bob_self" {
  name = "self-service"
  user = aws_iam_user.dev["bob"].name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:GetUser", "iam:ListAccessKeys"], Resource = "arn:aws:iam::*:user/developers/$${aws:username}" }]
  })
}

# The trust policy terraform-aws-modules' iam-assumable-role module writes: one principals block per type, and a
# type with no identifiers rendered as an empty list ("Service": []), which AWS accepts.
data "aws_iam_policy_document" "assumable" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
    principals {
      type        = "Service"
      identifiers = []
    }
  }
}

resource "aws_iam_role" "assumable" {
  name               = "assumable"
  assume_role_policy = data.aws_iam_policy_document.assumable.json
}

output "alice_key_id" { value = aws_iam_access_key.alice.id }
output "role_arn" { value = aws_iam_role.app.arn }
