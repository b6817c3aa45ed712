//! The data tier, secrets and guard rails of the whole local program, run as a user runs it
//! (the binary as a subprocess, JSON logs): up → independent SDK checks → destroy, then a scan
//! of the state file, the logs and every preview for the secret values the run created.

use e2e::Emulator;
use resources::AwsContext;
use std::path::Path;
use std::process::Command;

const ACCOUNT: &str = "123456789012";

struct Run {
    code: i32,
    output: String,
}

fn local(emu: &Emulator, state: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(args)
        .args(["--log-format", "json", "--state"])
        .arg(state)
        .env("AWS_ENDPOINT_URL", emu.endpoint())
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .output()
        .expect("run the local binary");
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Run { code: out.status.code().unwrap_or(-1), output }
}

#[test]
fn data_tier_secrets_and_guard_rails_with_no_secret_at_rest() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let mut transcript = String::new();
    let mut step = |args: &[&str], expect: i32| {
        let run = local(&emu, &state, args);
        assert_eq!(run.code, expect, "{args:?}:\n{}", run.output);
        transcript.push_str(&run.output);
    };
    step(&["preview"], 0);
    step(&["up", "--yes"], 0);
    step(&["preview", "--detailed-exitcode"], 0);
    step(&["preview", "--format", "json"], 0);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let cx = rt.block_on(emu.independent());
    rt.block_on(check_database(&cx));
    rt.block_on(check_cache(&cx));
    rt.block_on(check_waf(&cx));
    rt.block_on(check_budget(&cx));
    let secrets = rt.block_on(secret_values(&cx));

    step(&["destroy", "--yes"], 0);
    rt.block_on(check_gone(&cx));
    scan_for(&secrets, dir.path(), &transcript);
}

async fn check_database(cx: &AwsContext) {
    let out = cx.rds().describe_db_instances().db_instance_identifier("plinth-local-db").send().await.unwrap();
    let db = &out.db_instances()[0];
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.storage_encrypted(), Some(true), "encrypted at rest");
    assert_eq!(db.publicly_accessible(), Some(false), "not public");
    assert_eq!(db.allocated_storage(), Some(20));
    let in_group: Vec<String> = db
        .db_subnet_group()
        .map(|g| g.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string).collect())
        .unwrap_or_default();
    let private = cx
        .ec2()
        .describe_subnets()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:plinth:stack").values("local").build())
        .send()
        .await
        .unwrap();
    let mut private: Vec<String> = private
        .subnets()
        .iter()
        .filter(|s| s.tags().iter().any(|t| t.key() == Some("plinth:name") && t.value().is_some_and(|v| v.starts_with("private-"))))
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    let mut in_group = in_group;
    in_group.sort();
    private.sort();
    assert_eq!(in_group, private, "the database sits in the private subnets");
    let secret_arn = db.master_user_secret().and_then(|s| s.secret_arn()).expect("managed master secret");
    cx.secrets().describe_secret().secret_id(secret_arn).send().await.expect("the master secret exists");
    let groups: Vec<_> = db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).collect();
    assert_eq!(groups.len(), 1, "only the database security group");
    check_database_hardening(cx, db).await;
}

/// FSBP RDS.*: pinned version of the group's major, TLS forced, logs exported, IAM auth,
/// enhanced monitoring through its own role, tags copied to snapshots.
async fn check_database_hardening(cx: &AwsContext, db: &resources::rds::sdk::types::DbInstance) {
    assert_eq!(db.engine_version(), Some("16.4"), "the pinned engine version");
    let group = db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()).expect("parameter group");
    assert_eq!(group, "plinth-local-postgres16");
    let family = cx.rds().describe_db_parameter_groups().db_parameter_group_name(group).send().await.unwrap();
    assert_eq!(family.db_parameter_groups()[0].db_parameter_group_family(), Some("postgres16"));
    let params = cx.rds().describe_db_parameters().db_parameter_group_name(group).source("user").send().await.unwrap();
    let force_ssl = params.parameters().iter().find(|p| p.parameter_name() == Some("rds.force_ssl"));
    assert_eq!(force_ssl.and_then(|p| p.parameter_value()), Some("1"), "TLS forced");
    let mut logs: Vec<&str> = db.enabled_cloudwatch_logs_exports().iter().map(String::as_str).collect();
    logs.sort_unstable();
    assert_eq!(logs, ["postgresql", "upgrade"], "logs exported to CloudWatch Logs");
    assert_eq!(db.iam_database_authentication_enabled(), Some(true), "IAM authentication");
    assert_eq!(db.copy_tags_to_snapshot(), Some(true), "tags copied to snapshots");
    assert_eq!(db.monitoring_interval(), Some(60), "enhanced monitoring (local: every 60 s)");
    let role_arn = db.monitoring_role_arn().expect("monitoring role");
    let role = cx.iam().get_role().role_name("plinth-local-rds-monitoring").send().await.unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.arn(), role_arn);
    let trust = resources::policy::decode_document(role.assume_role_policy_document().unwrap()).unwrap();
    assert_eq!(trust["Statement"][0]["Principal"]["Service"], "monitoring.rds.amazonaws.com", "{trust}");
    assert_eq!(trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"], ACCOUNT, "{trust}");
    let attached = cx.iam().list_attached_role_policies().role_name("plinth-local-rds-monitoring").send().await.unwrap();
    let arns: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_arn()).collect();
    assert_eq!(arns, ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]);
}

async fn check_cache(cx: &AwsContext) {
    let out =
        cx.elasticache().describe_replication_groups().replication_group_id("plinth-local-jobs").send().await.unwrap();
    let group = &out.replication_groups()[0];
    assert_eq!(group.at_rest_encryption_enabled(), Some(true), "Redis encrypted at rest");
    assert_eq!(group.transit_encryption_enabled(), Some(true), "Redis encrypted in transit");
    assert_eq!(group.auth_token_enabled(), Some(true), "Redis AUTH on");
    // The orchestrator gets the token by ARN and its execution role may read it.
    let secret = cx.secrets().describe_secret().secret_id("plinth/local/redis-auth-token").send().await.unwrap();
    let arn = secret.arn().unwrap();
    let task = cx.ecs().list_task_definitions().family_prefix("plinth-local-orchestrator").send().await.unwrap();
    let latest = task.task_definition_arns().last().expect("orchestrator task definition");
    let task = cx.ecs().describe_task_definition().task_definition(latest).send().await.unwrap();
    let injected: Vec<(&str, &str)> = task
        .task_definition()
        .unwrap()
        .container_definitions()
        .iter()
        .flat_map(|c| c.secrets())
        .map(|s| (s.name(), s.value_from()))
        .collect();
    assert!(injected.contains(&("REDIS_AUTH_TOKEN", arn)), "{injected:?}");
    let policy = cx
        .iam()
        .get_role_policy()
        .role_name("plinth-local-orchestrator-execution")
        .policy_name("inject-secrets")
        .send()
        .await
        .unwrap();
    let document = resources::policy::decode_document(policy.policy_document()).unwrap().to_string();
    assert!(document.contains("plinth/local/redis-auth-token"), "{document}");
}

async fn check_waf(cx: &AwsContext) {
    let list = cx.wafv2().list_web_acls().scope(aws_sdk_wafv2::types::Scope::Regional).send().await.unwrap();
    let summary = list.web_acls().iter().find(|a| a.name() == Some("plinth-local-web")).expect("web ACL");
    let acl = cx
        .wafv2()
        .get_web_acl()
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .name("plinth-local-web")
        .id(summary.id().unwrap())
        .send()
        .await
        .unwrap();
    let acl = acl.web_acl().unwrap();
    let mut names: Vec<&str> = acl.rules().iter().map(|r| r.name()).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "per-ip-rate-limit"]
    );
    let rate = acl.rules().iter().find(|r| r.name() == "per-ip-rate-limit").unwrap();
    let limit = rate.statement().and_then(|s| s.rate_based_statement()).map(|r| r.limit());
    assert_eq!(limit, Some(2000));
}

async fn check_budget(cx: &AwsContext) {
    let budget =
        cx.budgets().describe_budget().account_id(ACCOUNT).budget_name("plinth-local-monthly").send().await.unwrap();
    let amount = budget.budget().and_then(|b| b.budget_limit()).map(|l| l.amount().to_string());
    assert!(amount.as_deref().is_some_and(|a| a.parse::<f64>().ok() == Some(25.0)), "{amount:?}");
    let notes = cx
        .budgets()
        .describe_notifications_for_budget()
        .account_id(ACCOUNT)
        .budget_name("plinth-local-monthly")
        .send()
        .await
        .unwrap();
    let mut seen: Vec<(String, f64)> =
        notes.notifications().iter().map(|n| (n.notification_type().as_str().to_string(), n.threshold())).collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(seen, vec![("ACTUAL".to_string(), 80.0), ("FORECASTED".to_string(), 100.0)]);
}

/// The secret values this run created, read straight from the cloud.
async fn secret_values(cx: &AwsContext) -> Vec<(String, String)> {
    let value = |id: String| async move {
        let out = cx.secrets().get_secret_value().secret_id(&id).send().await.unwrap();
        out.secret_string().unwrap().to_string()
    };
    let jwt = value("plinth/local/jwt-signing-key".into()).await;
    assert_eq!(jwt.len(), 64, "a generated 64-character signing key");
    let redis = value("plinth/local/redis-auth-token".into()).await;
    assert_eq!(redis.len(), 64, "a generated 64-character Redis AUTH token");
    for provider in programs::platform::LLM_PROVIDERS {
        let placeholder = value(format!("plinth/local/llm-{provider}-api-key")).await;
        assert!(placeholder.contains("PLACEHOLDER"), "{provider} key waits for an operator: {placeholder}");
    }
    let db = cx.rds().describe_db_instances().db_instance_identifier("plinth-local-db").send().await.unwrap();
    let master_arn = db.db_instances()[0].master_user_secret().and_then(|s| s.secret_arn()).unwrap().to_string();
    let master: serde_json::Value = serde_json::from_str(&value(master_arn).await).unwrap();
    let password = master["password"].as_str().expect("master password").to_string();
    let session = cx
        .ssm()
        .get_parameter()
        .name("/plinth/local/secure/session-secret")
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    let session = session.parameter().and_then(|p| p.value()).unwrap().to_string();
    let flag = cx.ssm().get_parameter().name("/plinth/local/flags/reports-v2").send().await.unwrap();
    assert_eq!(flag.parameter().and_then(|p| p.value()), Some("true"));
    let bucket = cx.ssm().get_parameter().name("/plinth/local/config/reports-bucket").send().await.unwrap();
    assert_eq!(bucket.parameter().and_then(|p| p.value()), Some("plinth-local-reports"));
    vec![
        ("JWT signing key".into(), jwt),
        ("Redis AUTH token".into(), redis),
        ("RDS master password".into(), password),
        ("SecureString session secret".into(), session),
    ]
}

async fn check_gone(cx: &AwsContext) {
    assert!(
        cx.rds().describe_db_instances().db_instance_identifier("plinth-local-db").send().await.is_err(),
        "database deleted"
    );
    let secrets = cx.secrets().list_secrets().send().await.unwrap();
    let ours: Vec<_> =
        secrets.secret_list().iter().filter_map(|s| s.name()).filter(|n| n.starts_with("plinth/local/")).collect();
    assert!(ours.is_empty(), "secrets force-deleted in local: {ours:?}");
    let params = cx.ssm().get_parameters_by_path().path("/plinth/local").recursive(true).send().await.unwrap();
    assert!(params.parameters().is_empty(), "parameters deleted");
    let acls = cx.wafv2().list_web_acls().scope(aws_sdk_wafv2::types::Scope::Regional).send().await.unwrap();
    assert!(acls.web_acls().iter().all(|a| a.name() != Some("plinth-local-web")), "web ACL deleted");
    assert!(
        cx.budgets().describe_budget().account_id(ACCOUNT).budget_name("plinth-local-monthly").send().await.is_err(),
        "budget deleted"
    );
    // moto keeps a deleted replication group in `deleting` forever (real AWS removes it).
    let group = cx.elasticache().describe_replication_groups().replication_group_id("plinth-local-jobs").send().await;
    if let Ok(out) = group {
        assert_eq!(out.replication_groups()[0].status(), Some("deleting"), "the cache group is being deleted");
    }
}

/// No secret value anywhere in the state directory (database, WAL, journal) or in anything the
/// CLI printed (previews, JSON logs).
fn scan_for(secrets: &[(String, String)], state_dir: &Path, transcript: &str) {
    for entry in std::fs::read_dir(state_dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for (what, value) in secrets {
            let found = bytes.windows(value.len()).any(|w| w == value.as_bytes());
            assert!(!found, "{what} found in {}", path.display());
        }
    }
    for (what, value) in secrets {
        assert!(!transcript.contains(value.as_str()), "{what} found in the CLI output");
    }
    assert!(transcript.contains("\"run_id\""), "the logs were captured");
}
