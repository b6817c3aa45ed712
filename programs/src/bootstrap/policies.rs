//! The policy documents of the bootstrap stack, pure functions of its data: the GitHub OIDC trust
//! of each role, the state-object access of the deploy and preview roles, what deploying the
//! platform needs, and the preview role's read-only describe access.
//!
//! # Guarantees
//! * A deploy role's trust names exactly one `sub`, `repo:OWNER/REPO:environment:ENV`, and the
//!   audience `sts.amazonaws.com` (both `StringEquals`: no wildcard); the preview role's names
//!   `repo:OWNER/REPO:pull_request` and `repo:OWNER/REPO:ref:refs/heads/main` (read-only jobs on main).
//! * The preview role has no write action on the state bucket (and no lease): it reads
//!   `<env>.db` only, and an explicit Deny refuses every other object read and every secret value.
//! * A deploy role writes only its own `<env>.db` and `<env>.db.lease`.
//!
//! # Assumptions (where IAM cannot scope, said here and in the README)
//! * Names scope what IAM lets names scope: the environment's buckets (`<bucket_prefix>-*`), its
//!   roles and policies (`plinth-<env>-*`), secrets (`plinth/<env>/*`), parameters
//!   (`/plinth/<env>/*`), log groups (`/plinth/<env>/*`) and repositories (`plinth-<env>/*`).
//! * The other services the platform uses (EC2, ELB, RDS, ElastiCache, ECS, WAF, ACM,
//!   CloudFront, CloudWatch, SNS, KMS, CloudTrail, GuardDuty, Budgets, Application Auto Scaling)
//!   are granted service-wide: many of their create calls cannot be scoped by name or tag. A
//!   Deny then refuses any action on an object whose `plinth:stack` tag names another stack, for
//!   the actions that support `aws:ResourceTag`.
//! * A role that may create roles could pass them more than it has itself; a permissions
//!   boundary would close that and is not built yet.

use super::Bootstrap;
use crate::env::Env;
use resources::s3::bucket_arn;
use serde_json::{json, Value};

/// GitHub Actions' token issuer, as IAM names it in condition keys.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";
/// The audience `aws-actions/configure-aws-credentials` asks for.
pub const AUDIENCE: &str = "sts.amazonaws.com";

const REGION: &str = crate::platform::REGION;

/// Services granted service-wide to deploy roles (see the module docs).
const SERVICE_WIDE: &[&str] = &[
    "ec2",
    "elasticloadbalancing",
    "rds",
    "elasticache",
    "ecs",
    "wafv2",
    "acm",
    "cloudfront",
    "cloudwatch",
    "sns",
    "kms",
    "cloudtrail",
    "guardduty",
    "budgets",
    "application-autoscaling",
];

/// Calls of the name-scoped services that take no resource (or only `"*"`).
const UNSCOPED_CALLS: &[&str] = &[
    "logs:Describe*",
    "ecr:GetAuthorizationToken",
    "secretsmanager:GetRandomPassword",
    "ssm:DescribeParameters",
    "iam:ListPolicies",
    // Refresh reads the stack's roles in one call (`Role::read_batch`); without it each role is
    // read on its own. It lists every role's policies in the account (documents, not secrets).
    "iam:GetAccountAuthorizationDetails",
];

/// Services the deploy role is granted by name (the rest of what a refresh reads is
/// [`SERVICE_WIDE`]).
const NAME_SCOPED: &[&str] = &["ecr", "logs", "iam", "s3", "secretsmanager", "ssm"];

fn document(statements: Vec<Value>) -> String {
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The `sub` a workflow job's token carries when it runs in GitHub environment `env`.
pub fn environment_subject(repository: &str, env: &str) -> String {
    format!("repo:{repository}:environment:{env}")
}

/// The `sub` of a workflow run for a pull request.
pub fn pull_request_subject(repository: &str) -> String {
    format!("repo:{repository}:pull_request")
}

/// The `sub` of a job on the default branch without a GitHub environment: the plan jobs of
/// promote and rollback and the scheduled drift check, which read only.
pub fn main_branch_subject(repository: &str) -> String {
    format!("repo:{repository}:ref:refs/heads/main")
}

/// Trust: `sts:AssumeRoleWithWebIdentity` from the GitHub provider, audience exact and the
/// subject exactly one of `subjects` (one is written as a string, several as IAM's any-of list).
pub fn github_trust(provider_arn: &str, subjects: &[String]) -> String {
    let subject = match subjects {
        [one] => json!(one),
        many => json!(many),
    };
    document(vec![json!({
        "Sid": "GitHubActions",
        "Effect": "Allow",
        "Principal": { "Federated": provider_arn },
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": { "StringEquals": {
            format!("{GITHUB_ISSUER}:aud"): AUDIENCE,
            format!("{GITHUB_ISSUER}:sub"): subject,
        } }
    })])
}

/// The state object of `env` in the bucket, and its lease (`<env>.db`, `<env>.db.lease`).
pub fn state_key(env: &str) -> String {
    format!("{env}.db")
}

pub fn lease_key(env: &str) -> String {
    format!("{env}.db.lease")
}

fn object_arn(bucket: &str, key: &str) -> String {
    format!("{}/{key}", bucket_arn(REGION, bucket))
}

/// Read and write the environment's state and lease (conditional writes need Get and Put; the
/// lease is released with a conditional Delete), and list them.
pub fn deploy_state(b: &Bootstrap, env: &str) -> String {
    let state = object_arn(&b.bucket, &state_key(env));
    let lease = object_arn(&b.bucket, &lease_key(env));
    document(vec![
        json!({ "Sid": "State", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], "Resource": state }),
        json!({ "Sid": "Lease", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": lease }),
        json!({ "Sid": "List", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketVersions"], "Resource": bucket_arn(REGION, &b.bucket),
                "Condition": { "StringLike": { "s3:prefix": [format!("{env}.db*")] } } }),
    ])
}

/// Read every environment's state object of this account: no write, no lease.
pub fn preview_state(b: &Bootstrap) -> String {
    let objects: Vec<String> = b.environments.iter().map(|e| object_arn(&b.bucket, &state_key(e.name))).collect();
    document(vec![
        json!({ "Sid": "ReadState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects }),
        json!({ "Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn(REGION, &b.bucket) }),
    ])
}

/// What `up` of the platform in `env` calls, scoped by name where IAM allows (module docs).
pub fn deploy_platform(b: &Bootstrap, env: &Env) -> String {
    let account = b.account;
    let prefix = env.bucket_prefix;
    let name = env.name;
    let iam = |kind: &str| format!("arn:aws:iam::{account}:{kind}/plinth-{name}-*");
    let mut unscoped: Vec<String> = SERVICE_WIDE.iter().map(|s| format!("{s}:*")).collect();
    // Calls that name no resource of the environment (AWS accepts only "*" for them).
    unscoped.extend(UNSCOPED_CALLS.iter().map(|a| a.to_string()));
    document(vec![
        json!({ "Sid": "OwnBuckets", "Effect": "Allow", "Action": "s3:*",
                "Resource": [bucket_arn(REGION, &format!("{prefix}-*")), bucket_arn(REGION, &format!("{prefix}-*/*"))] }),
        json!({ "Sid": "OwnRolesAndPolicies", "Effect": "Allow", "Action": "iam:*", "Resource": [iam("role"), iam("policy")] }),
        json!({ "Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:GetRole"],
                "Resource": format!("arn:aws:iam::{account}:role/aws-service-role/*") }),
        json!({ "Sid": "OwnSecrets", "Effect": "Allow", "Action": "secretsmanager:*",
                "Resource": format!("arn:aws:secretsmanager:{REGION}:{account}:secret:plinth/{name}/*") }),
        json!({ "Sid": "OwnParameters", "Effect": "Allow", "Action": "ssm:*",
                "Resource": format!("arn:aws:ssm:{REGION}:{account}:parameter/plinth/{name}/*") }),
        json!({ "Sid": "OwnLogGroups", "Effect": "Allow", "Action": "logs:*",
                "Resource": format!("arn:aws:logs:{REGION}:{account}:log-group:/plinth/{name}/*") }),
        json!({ "Sid": "OwnRepositories", "Effect": "Allow", "Action": "ecr:*",
                "Resource": format!("arn:aws:ecr:{REGION}:{account}:repository/plinth-{name}/*") }),
        json!({ "Sid": "Unscoped", "Effect": "Allow",
                "Action": unscoped, "Resource": "*" }),
        not_another_stack(name),
    ])
}

/// Deny any action on an object whose `plinth:stack` tag names another stack.
fn not_another_stack(stack: &str) -> Value {
    json!({ "Sid": "NotAnotherStack", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": { "StringNotEquals": { "aws:ResourceTag/plinth:stack": stack },
                           "Null": { "aws:ResourceTag/plinth:stack": "false" } } })
}

/// Describe, list and get on the services a refresh reads, but no object or secret value.
pub fn preview_describe(b: &Bootstrap) -> String {
    let reads: Vec<String> = SERVICE_WIDE
        .iter()
        .chain(NAME_SCOPED)
        .flat_map(|s| ["Describe*", "List*", "Get*"].map(|verb| format!("{s}:{verb}")))
        .collect();
    let state: Vec<String> = b.environments.iter().map(|e| object_arn(&b.bucket, &state_key(e.name))).collect();
    document(vec![
        json!({ "Sid": "Describe", "Effect": "Allow", "Action": reads, "Resource": "*" }),
        json!({ "Sid": "NoObjectReads", "Effect": "Deny", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "NotResource": state }),
        json!({ "Sid": "NoSecretValues", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*" }),
    ])
}
