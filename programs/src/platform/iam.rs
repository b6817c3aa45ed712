//! IAM: per service an execution role (ECS pulls its image, writes its log group, injects its
//! secrets) and a task role (what the running code may do: its bucket prefixes, its own
//! secrets and parameters, and for the traced services X-Ray's trace writes). No wildcard
//! actions; every resource is scoped to the service's own names, except the calls AWS accepts
//! only on `"*"` (the registry login, X-Ray's trace writes); trust is limited to ECS tasks of
//! this account.

use super::storage::Buckets;
use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::iam::Role;
use resources::rds::DbInstance;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The region every environment runs in.
pub const REGION: &str = "us-east-1";

/// What one service may read and where it writes: the names its policies are scoped to.
pub struct Grants {
    /// `api`, `orchestrator`, `web`.
    pub service: &'static str,
    /// Secrets Manager secret names (`plinth/<env>/<name>`), read by injection and at run time.
    pub secrets: Vec<String>,
    /// Parameter Store paths the service reads, each `/plinth/<env>/<path>` (a trailing `*`
    /// for a subtree); SecureStrings among them need KMS through SSM.
    pub parameters: Vec<String>,
    /// Whether the service reads the database's master credentials (an RDS-managed secret).
    pub database_secret: bool,
    /// Read/write object prefixes: (bucket, prefix, actions).
    pub buckets: Vec<(String, &'static str, &'static [&'static str])>,
}

/// The two roles of one service.
pub struct ServiceRoles {
    pub execution: Handle<Role>,
    pub task: Handle<Role>,
}

/// ECS tasks of this account only (`aws:SourceAccount`, and an ECS ARN of this account).
fn ecs_trust(env: &Env) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": env.account },
                "ArnLike": { "aws:SourceArn": format!("arn:aws:ecs:{REGION}:{}:*", env.account) }
            }
        }]
    })
    .to_string()
}

fn document(statements: Vec<Value>) -> String {
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// A secret's ARN pattern: Secrets Manager appends `-` and six random characters to the name.
pub fn secret_arn(env: &Env, name: &str) -> String {
    format!("arn:aws:secretsmanager:{REGION}:{}:secret:{name}-??????", env.account)
}

pub fn parameter_arn(env: &Env, path: &str) -> String {
    format!("arn:aws:ssm:{REGION}:{}:parameter/plinth/{}/{path}", env.account, env.name)
}

/// The log group a service writes to, as its ARN (streams below it).
pub fn log_group_arn(env: &Env, group: &str) -> String {
    format!("arn:aws:logs:{REGION}:{}:log-group:{group}:*", env.account)
}

pub fn repository_arn(env: &Env, repository: &str) -> String {
    format!("arn:aws:ecr:{REGION}:{}:repository/{repository}", env.account)
}

/// KMS decryption only on behalf of `service` (`secretsmanager` or `ssm`), never directly.
fn decrypt_via(service: &str) -> Value {
    json!({
        "Sid": format!("DecryptVia{}", if service == "ssm" { "Ssm" } else { "SecretsManager" }),
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": { "StringEquals": { "kms:ViaService": format!("{service}.{REGION}.amazonaws.com") } }
    })
}

/// Reading the service's own secrets and parameters, with KMS through those services only.
fn secret_reads(env: &Env, grants: &Grants) -> Vec<Value> {
    let mut statements = Vec::new();
    if !grants.secrets.is_empty() {
        let arns: Vec<String> = grants.secrets.iter().map(|s| secret_arn(env, s)).collect();
        statements.push(json!({ "Sid": "OwnSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arns }));
        statements.push(decrypt_via("secretsmanager"));
    }
    if !grants.parameters.is_empty() {
        let arns: Vec<String> = grants.parameters.iter().map(|p| parameter_arn(env, p)).collect();
        statements.push(json!({ "Sid": "OwnParameters", "Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": arns }));
        statements.push(decrypt_via("ssm"));
    }
    statements
}

/// The database's RDS-managed master secret, known only once the database exists.
fn database_secret_policy(database: &Handle<DbInstance>) -> Input<String> {
    database.output(|o| {
        let arn = o.master_user_secret_arn.clone().unwrap_or_default();
        document(vec![
            json!({ "Sid": "DatabaseSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn }),
            decrypt_via("secretsmanager"),
        ])
    })
}

fn prefix_access(bucket: &str, prefix: &str, actions: &[&str]) -> Vec<Value> {
    vec![
        json!({ "Sid": "Objects", "Effect": "Allow", "Action": actions, "Resource": format!("arn:aws:s3:::{bucket}/{prefix}/*") }),
        json!({ "Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}"),
          "Condition": { "StringLike": { "s3:prefix": [format!("{prefix}/*")] } } }),
    ]
}

/// Pull the service's image, write its log streams, read what it injects.
fn execution_policies(env: &Env, grants: &Grants, repository: &str, log_group: &str) -> BTreeMap<String, Input<String>> {
    let pull = document(vec![
        // GetAuthorizationToken has no resource: AWS only accepts "*" for it.
        json!({ "Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*" }),
        json!({ "Sid": "PullOwnImage", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], "Resource": repository_arn(env, repository) }),
        json!({ "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_group_arn(env, log_group) }),
    ]);
    let mut policies = BTreeMap::from([("pull-and-log".to_string(), Input::from(pull))]);
    let reads = secret_reads(env, grants);
    if !reads.is_empty() {
        policies.insert("inject-secrets".to_string(), document(reads).into());
    }
    policies
}

fn task_policies(env: &Env, grants: &Grants) -> BTreeMap<String, Input<String>> {
    let mut policies = BTreeMap::new();
    for (bucket, prefix, actions) in &grants.buckets {
        policies.insert(format!("bucket-{prefix}"), document(prefix_access(bucket, prefix, actions)).into());
    }
    let reads = secret_reads(env, grants);
    if !reads.is_empty() {
        policies.insert("own-secrets".to_string(), document(reads).into());
    }
    if super::tracing::traced(grants.service) {
        policies.insert("send-traces".to_string(), super::tracing::xray_policy().to_string().into());
    }
    policies
}

fn role(stack: &mut Stack, env: &Env, name: &str, description: String, inline: BTreeMap<String, Input<String>>) -> Handle<Role> {
    stack.add(
        format!("{name}-role"),
        Role {
            name: env.prefixed(name),
            path: "/".into(),
            description: Some(description),
            assume_role_policy: ecs_trust(env).into(),
            inline_policies: inline,
            ..Default::default()
        },
    )
}

/// The roles of one service: `repository` and `log_group` are the names its image and logs use.
pub fn declare_service_roles(
    stack: &mut Stack,
    env: &Env,
    grants: &Grants,
    repository: &str,
    log_group: &str,
    database: &Handle<DbInstance>,
) -> ServiceRoles {
    let service = grants.service;
    let mut execution_inline = execution_policies(env, grants, repository, log_group);
    let mut task_inline = task_policies(env, grants);
    if grants.database_secret {
        execution_inline.insert("database-secret".into(), database_secret_policy(database));
        task_inline.insert("database-secret".into(), database_secret_policy(database));
    }
    let execution = role(
        stack,
        env,
        &format!("{service}-execution"),
        format!("ECS execution of {service}: pull its image, write its logs, inject its secrets"),
        execution_inline,
    );
    let task = role(stack, env, &format!("{service}-task"), format!("{service} task role"), task_inline);
    ServiceRoles { execution, task }
}

/// What each service of the platform may touch.
pub fn grants(env: &Env, buckets: &Buckets) -> Vec<Grants> {
    let secret = |name: &str| format!("plinth/{}/{name}", env.name);
    let mut orchestrator: Vec<String> = super::LLM_PROVIDERS.iter().map(|p| secret(&format!("llm-{p}-api-key"))).collect();
    orchestrator.push(secret("redis-auth-token"));
    vec![
        Grants {
            service: "api",
            secrets: vec![secret("jwt-signing-key"), secret("redis-auth-token")],
            parameters: vec!["config/*".into(), "flags/*".into()],
            database_secret: true,
            buckets: vec![
                (buckets.reports_name.clone(), "api", &["s3:GetObject", "s3:PutObject"]),
                (buckets.assets_name.clone(), "web", &["s3:GetObject"]),
            ],
        },
        Grants {
            service: "orchestrator",
            secrets: orchestrator,
            parameters: vec!["config/*".into()],
            database_secret: true,
            buckets: vec![(buckets.reports_name.clone(), "jobs", &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])],
        },
        Grants {
            service: "web",
            secrets: vec![],
            parameters: vec!["secure/session-secret".into(), "config/*".into(), "flags/*".into()],
            database_secret: false,
            buckets: vec![(buckets.assets_name.clone(), "web", &["s3:GetObject"])],
        },
    ]
}
