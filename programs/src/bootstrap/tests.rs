use super::policies::{self, AUDIENCE, GITHUB_ISSUER};
use super::*;
use serde_json::Value;

fn parsed(doc: &str) -> Value {
    serde_json::from_str(doc).expect("policy documents are JSON")
}

fn statements(doc: &str) -> Vec<Value> {
    parsed(doc)["Statement"].as_array().expect("a statement list").clone()
}

/// The declared roles by name, with their inputs.
fn roles(b: &Bootstrap) -> BTreeMap<String, Value> {
    let mut stack = Stack::new(b.stack.clone());
    bootstrap(&mut stack, b);
    let nodes = stack.nodes();
    for node in &nodes {
        assert!(node.problems.is_empty(), "{}: {:?}", node.name, node.problems);
    }
    nodes
        .into_iter()
        .filter(|n| n.kind.kind() == "aws:iam:Role")
        .map(|n| (n.inputs["name"].as_str().unwrap_or_default().to_string(), n.inputs))
        .collect()
}

fn trust_of(role: &Value) -> Value {
    parsed(role["assume_role_policy"].as_str().expect("a known trust document"))
}

#[test]
fn each_deploy_role_trusts_exactly_its_environment_and_the_audience() {
    let b = Bootstrap::emulator();
    let roles = roles(&b);
    let names: Vec<&String> = roles.keys().collect();
    assert_eq!(names, ["plinth-deploy-dev", "plinth-deploy-prod", "plinth-deploy-staging", "plinth-preview"]);
    for env in ["dev", "staging", "prod"] {
        let trust = trust_of(&roles[&format!("plinth-deploy-{env}")]);
        let statements = trust["Statement"].as_array().expect("statements");
        assert_eq!(statements.len(), 1, "one way in: {trust}");
        let st = &statements[0];
        assert_eq!(st["Effect"], "Allow");
        assert_eq!(st["Action"], "sts:AssumeRoleWithWebIdentity");
        assert_eq!(
            st["Principal"],
            serde_json::json!({ "Federated": format!("arn:aws:iam::123456789012:oidc-provider/{GITHUB_ISSUER}") })
        );
        let expected = serde_json::json!({ "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": format!("repo:plinth-platform/plinth:environment:{env}"),
        } });
        assert_eq!(st["Condition"], expected, "exact conditions, no StringLike, for {env}");
    }
}

#[test]
fn the_preview_role_trusts_pull_requests_and_main_only_and_cannot_write_state() {
    let b = Bootstrap::emulator();
    let roles = roles(&b);
    let preview = &roles["plinth-preview"];
    let trust = trust_of(preview);
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"],
        serde_json::json!({ format!("{GITHUB_ISSUER}:aud"): AUDIENCE, format!("{GITHUB_ISSUER}:sub"): ["repo:plinth-platform/plinth:pull_request", "repo:plinth-platform/plinth:ref:refs/heads/main"] })
    );
    let policies = preview["inline_policies"].as_object().expect("inline policies");
    for (name, doc) in policies {
        for st in statements(doc.as_str().expect("known")) {
            let actions = st["Action"].to_string();
            if st["Effect"] == "Allow" {
                for write in ["s3:PutObject", "s3:DeleteObject", "s3:*", "\"*\"", "iam:Create", "Put", "Delete"] {
                    assert!(!actions.contains(write), "{name} allows {write}: {st}");
                }
            }
        }
    }
    let state = statements(policies["state-read"].as_str().expect("known"));
    let objects = &state[0]["Resource"];
    let expected: Vec<String> =
        ["dev", "staging", "prod"].iter().map(|e| format!("arn:aws:s3:::plinth-state-123456789012/{e}.db")).collect();
    assert_eq!(objects, &serde_json::json!(expected), "reads the state objects, not their leases");
    let deny = statements(policies["describe"].as_str().expect("known"));
    assert!(deny.iter().any(|s| s["Effect"] == "Deny" && s["Action"] == "secretsmanager:GetSecretValue"));
}

#[test]
fn a_deploy_role_writes_only_its_own_state_and_lease() {
    let b = Bootstrap::emulator();
    let doc = statements(&policies::deploy_state(&b, "staging"));
    assert_eq!(doc[0]["Resource"], "arn:aws:s3:::plinth-state-123456789012/staging.db");
    assert_eq!(doc[1]["Resource"], "arn:aws:s3:::plinth-state-123456789012/staging.db.lease");
    assert_eq!(doc[1]["Action"], serde_json::json!(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]));
    assert_eq!(doc[2]["Condition"]["StringLike"]["s3:prefix"], serde_json::json!(["staging.db*"]));
    let platform = statements(&policies::deploy_platform(&b, &env::staging()));
    let buckets = platform.iter().find(|s| s["Sid"] == "OwnBuckets").expect("bucket statement");
    assert_eq!(buckets["Resource"][0], "arn:aws:s3:::plinth-platform-staging-*");
    let guard = platform.iter().find(|s| s["Sid"] == "NotAnotherStack").expect("the cross-stack deny");
    assert_eq!(guard["Condition"]["StringNotEquals"]["aws:ResourceTag/plinth:stack"], "staging");
    assert!(!policies::deploy_platform(&b, &env::staging()).contains("plinth-state-"), "no other state access");
}

#[test]
fn role_documents_fit_iams_inline_size_limit() {
    let b = Bootstrap::emulator();
    for (name, role) in roles(&b) {
        let total: usize =
            role["inline_policies"].as_object().expect("inline").values().map(|d| d.as_str().map_or(0, str::len)).sum();
        assert!(total <= 10_240, "{name}: {total} characters of inline policy, IAM allows 10,240");
    }
}

#[test]
fn the_bucket_is_versioned_encrypted_private_tls_only_and_keeps_history() {
    let b = Bootstrap::emulator();
    let bucket = state_bucket_resource(&b);
    assert_eq!(bucket.bucket, "plinth-state-123456789012");
    assert!(bucket.versioning && bucket.block_public_access);
    assert_eq!(bucket.encryption.as_ref().map(|e| e.algorithm), Some(SseAlgorithm::Aes256));
    assert_eq!(bucket.object_ownership, Some(ObjectOwnership::BucketOwnerEnforced));
    assert_eq!(bucket.lifecycle_rules[0].expire_noncurrent_after_days, Some(30));
    let policy = bucket.policy.as_ref().and_then(|p| p.known()).expect("a known policy");
    let tls = &statements(policy)[0];
    assert_eq!(tls["Condition"]["Bool"]["aws:SecureTransport"], "false");
    assert_eq!(tls["Effect"], "Deny");
}

#[test]
fn bad_data_is_refused_naming_it() {
    let good = Bootstrap::emulator();
    assert_eq!(good.validate(), Ok(()));
    for slug in ["no-slash", "-owner/repo", "owner/", "owner/re po", "own_er/repo", "owner/.."] {
        let b = Bootstrap { repository: slug, ..good.clone() };
        assert_eq!(b.validate(), Err(BootstrapError::Repository(slug.into())), "{slug}");
    }
    let b = Bootstrap { bucket: "Plinth_State".into(), ..good.clone() };
    let err = b.validate().expect_err("bad bucket");
    assert!(err.to_string().starts_with("bucket `Plinth_State`"), "{err}");
    let b = Bootstrap { noncurrent_days: 0, ..good };
    assert_eq!(b.validate(), Err(BootstrapError::NoncurrentDays(0)));
}

#[test]
fn an_aws_bootstrap_takes_the_environments_of_its_account() {
    let dev = Bootstrap::aws(env::dev().account).expect("dev's account");
    assert_eq!(dev.environments.iter().map(|e| e.name).collect::<Vec<_>>(), ["dev"]);
    assert_eq!(dev.stack, format!("bootstrap-{}", env::dev().account));
    assert_eq!(dev.bucket, format!("plinth-state-{}", env::dev().account));
    assert!(!dev.disposable);
    let err = Bootstrap::aws("999999999999").expect_err("no environment there");
    assert!(err.to_string().contains("999999999999") && err.to_string().contains("(prod)"), "{err}");
}

#[test]
fn on_aws_the_bucket_is_protected_and_kept_and_roles_follow_the_provider() {
    let b = Bootstrap::aws(env::prod().account).expect("prod's account");
    let mut stack = Stack::new(b.stack.clone());
    bootstrap(&mut stack, &b);
    let nodes = stack.nodes();
    let bucket = nodes.iter().find(|n| n.name == "state-bucket").expect("the bucket");
    assert!(bucket.options.protect, "the states of every environment are protected on AWS");
    assert_eq!(bucket.inputs["force_destroy"], false);
    let roles: Vec<_> = nodes.iter().filter(|n| n.kind.kind() == "aws:iam:Role").collect();
    assert_eq!(roles.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["deploy-prod-role", "preview-role"]);
    for role in roles {
        assert_eq!(role.options.depends_on, ["github-oidc"], "{} is created after the provider it trusts", role.name);
    }
    let emulator = Bootstrap::emulator();
    let mut stack = Stack::new(emulator.stack.clone());
    bootstrap(&mut stack, &emulator);
    assert!(!stack.nodes()[0].options.protect, "the emulator's bucket is disposable");
}

#[test]
fn the_bootstrap_passes_every_mandatory_policy_rule_on_aws_and_the_emulator() {
    let registry = resources::registry();
    let accounts = [env::dev().account, env::staging().account, env::prod().account];
    let all = accounts.iter().map(|a| Bootstrap::aws(a).expect("a known account")).chain([Bootstrap::emulator()]);
    for b in all {
        let mut stack = Stack::new(b.stack.clone());
        bootstrap(&mut stack, &b);
        let rules = engine::policy::Rules::of(&registry, &stack);
        let found = engine::policy::check_program(&stack, &registry, &rules).expect("the bootstrap validates");
        assert_eq!(engine::policy::refusals(&found), Vec::<String>::new(), "{}", b.stack);
    }
}
