//! Each built-in rule on a violating and a passing resource, built from the typed kinds.

use super::*;
use crate::ec2::{Direction, Protocol, Rule, SecurityGroup, SecurityGroupRule};
use crate::elasticache::ReplicationGroup;
use crate::elbv2::LoadBalancer;
use crate::iam::{Policy, Role};
use crate::rds::DbInstance;
use crate::s3::{with_tls_only, Bucket, Encryption, SseAlgorithm};
use crate::sns::Topic;
use engine::policy::{check_program, Rules};
use engine::{Finding, Stack};
use serde_json::json;

/// The findings of `rule` on the program `declare` in stack `env`.
fn findings(env: &str, rule: impl PolicyRule + 'static, declare: impl FnOnce(&mut Stack)) -> Vec<Finding> {
    let mut stack = Stack::new(env);
    for (k, v) in [("CostCenter", "eng"), ("Project", "p"), ("Environment", env)] {
        stack.default_tag(k, v);
    }
    declare(&mut stack);
    let rules = Rules::new([Arc::new(rule) as Arc<dyn PolicyRule>]);
    check_program(&stack, &crate::registry(), &rules).expect("a valid program")
}

/// `resource: message` per finding.
fn said(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| format!("{}: {}", f.resource, f.message)).collect()
}

fn bucket(name: &str) -> Bucket {
    Bucket {
        bucket: format!("plinth-test-{name}"),
        encryption: Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None }),
        block_public_access: true,
        policy: Some(with_tls_only(None, &format!("arn:aws:s3:::plinth-test-{name}")).to_string().into()),
        ..Default::default()
    }
}

fn database(id: &str) -> DbInstance {
    DbInstance {
        identifier: id.into(),
        db_subnet_group_name: "subnets".to_string().into(),
        skip_final_snapshot: true,
        ..Default::default()
    }
}

fn cache(id: &str) -> ReplicationGroup {
    ReplicationGroup {
        id: id.into(),
        description: "cache".into(),
        cache_subnet_group_name: "subnets".to_string().into(),
        transit_encryption: true,
        ..Default::default()
    }
}

#[test]
fn encryption_at_rest_names_the_field_per_kind() {
    let found = findings("dev", EncryptionAtRest, |s| {
        s.add("plain-bucket", Bucket { encryption: None, ..bucket("plain") });
        s.add("sealed-bucket", bucket("sealed"));
        s.add("plain-db", DbInstance { storage_encrypted: false, ..database("plain") });
        s.add("sealed-db", database("sealed"));
        s.add("plain-cache", ReplicationGroup { at_rest_encryption: false, ..cache("plain") });
        s.add("sealed-cache", cache("sealed"));
        s.add("plain-topic", Topic { name: "plain".into(), ..Default::default() });
        s.add(
            "sealed-topic",
            Topic {
                name: "sealed".into(),
                kms_master_key_id: Some("alias/x".to_string().into()),
                ..Default::default()
            },
        );
    });
    assert_eq!(
        said(&found),
        [
            "plain-bucket: encryption is not declared: declare the bucket's default encryption (SSE-S3 or SSE-KMS) so the plan states it",
            "plain-cache: at_rest_encryption is false: the cache's data at rest is not encrypted",
            "plain-db: storage_encrypted is false: the database's storage is not encrypted",
            "plain-topic: kms_master_key_id is not set: SNS keeps messages unencrypted",
        ]
    );
    assert!(found.iter().all(|f| f.rule == "encryption-at-rest" && f.severity == Severity::Mandatory));
}

#[test]
fn encryption_in_transit_checks_the_cache() {
    let found = findings("dev", EncryptionInTransit, |s| {
        s.add("plain", ReplicationGroup { transit_encryption: false, ..cache("plain") });
        s.add("sealed", cache("sealed"));
    });
    assert_eq!(said(&found), ["plain: transit_encryption is false: clients reach the cache without TLS"]);
}

#[test]
fn s3_public_access_must_be_blocked() {
    let found = findings("dev", S3PublicAccessBlocked, |s| {
        s.add("open", Bucket { block_public_access: false, ..bucket("open") });
        s.add("closed", bucket("closed"));
    });
    assert_eq!(said(&found), ["open: block_public_access is false: the bucket can be made public"]);
}

#[test]
fn s3_tls_only_needs_the_deny_and_is_silent_on_a_policy_known_after_apply() {
    let found = findings("dev", S3TlsOnly, |s| {
        s.add("none", Bucket { policy: None, ..bucket("none") });
        let allow_only = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*" }] });
        s.add("allow-only", Bucket { policy: Some(allow_only.to_string().into()), ..bucket("allow-only") });
        s.add("tls", bucket("tls"));
        let other = s.add("other", bucket("other"));
        s.add("computed", Bucket { policy: Some(other.output(|o| o.arn.clone())), ..bucket("computed") });
    });
    assert_eq!(
        said(&found),
        [
            "allow-only: policy has no Deny statement with the condition `Bool: aws:SecureTransport = false`: requests without TLS are not refused",
            "none: policy is not set: no statement denies requests without TLS",
        ]
    );
}

fn world(port: i32) -> Rule {
    Rule {
        protocol: Protocol::Tcp,
        from_port: port,
        to_port: port,
        cidr_blocks: vec!["0.0.0.0/0".into()],
        ..Default::default()
    }
}

fn group(name: &str, ingress: Vec<Rule>) -> SecurityGroup {
    SecurityGroup {
        name: name.into(),
        description: name.into(),
        vpc_id: "vpc-1".to_string().into(),
        ingress,
        ..Default::default()
    }
}

#[test]
fn public_ingress_only_to_a_load_balancers_group_on_80_and_443() {
    let found = findings("dev", NoPublicIngress, |s| {
        let alb = s.add("alb", group("alb", vec![world(80), world(443), world(22)]));
        s.add(
            "lb",
            LoadBalancer {
                name: "lb".into(),
                subnets: vec!["subnet-1".to_string().into(), "subnet-2".to_string().into()],
                security_groups: vec![alb.output(|o| o.group_id.clone())],
                ..Default::default()
            },
        );
        s.add("app", group("app", vec![world(443), Rule { cidr_blocks: vec!["10.0.0.0/16".into()], ..world(8080) }]));
        let all = Rule { protocol: Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
        let db = s.add("db", group("db", vec![]));
        s.add(
            "db-open",
            SecurityGroupRule {
                group_id: db.output(|o| o.group_id.clone()),
                direction: Direction::Ingress,
                rule: all,
                ..Default::default()
            },
        );
        s.add(
            "db-out",
            SecurityGroupRule {
                group_id: db.output(|o| o.group_id.clone()),
                direction: Direction::Egress,
                rule: world(443),
                ..Default::default()
            },
        );
    });
    assert_eq!(
        said(&found),
        [
            "alb: ingress[2] allows tcp 22 from 0.0.0.0/0: only tcp 80 and 443 may be open to the world",
            "app: ingress[0] allows tcp 443 from 0.0.0.0/0: only a load balancer's group may be open to the world (tcp 80 and 443)",
            "db-open: rule allows all traffic from 0.0.0.0/0: only a load balancer's group may be open to the world (tcp 80 and 443)",
        ]
    );
}

#[test]
fn cost_tags_are_required_on_taggable_kinds() {
    let rule = || RequiredTags::new("cost-tags", Severity::Mandatory, COST_TAGS);
    assert_eq!(
        findings("dev", rule(), |s| {
            s.add("b", bucket("b"));
        }),
        vec![]
    );
    let mut stack = Stack::new("dev");
    stack.default_tag("Project", "p");
    stack.add("b", bucket("b"));
    let found =
        check_program(&stack, &crate::registry(), &Rules::new([Arc::new(rule()) as Arc<dyn PolicyRule>])).unwrap();
    assert_eq!(said(&found), ["b: tags lack CostCenter, Environment (required on every taggable resource)"]);
}

#[test]
fn production_needs_deletion_protection_and_multi_az() {
    let declare = |s: &mut Stack| {
        s.add("db", DbInstance { deletion_protection: false, multi_az: false, ..database("db") });
        s.add("safe-db", DbInstance { deletion_protection: true, multi_az: true, ..database("safe") });
        s.add("cache", cache("cache"));
        s.add(
            "safe-cache",
            ReplicationGroup { multi_az: true, automatic_failover: true, num_cache_clusters: 2, ..cache("safe") },
        );
        let lb = |name: &str, deletion_protection| LoadBalancer {
            name: name.into(),
            subnets: vec!["subnet-1".to_string().into(), "subnet-2".to_string().into()],
            deletion_protection,
            ..Default::default()
        };
        s.add("lb", lb("lb", false));
        s.add("safe-lb", lb("safe-lb", true));
    };
    assert_eq!(
        said(&findings("prod", ProdDeletionProtection, declare)),
        [
            "db: deletion_protection is false: a production object can be deleted by one call",
            "lb: deletion_protection is false: a production object can be deleted by one call",
        ]
    );
    assert_eq!(
        said(&findings("prod", ProdMultiAz, declare)),
        [
            "cache: multi_az is false: production data lives in one availability zone",
            "db: multi_az is false: production data lives in one availability zone",
        ]
    );
    assert_eq!(findings("staging", ProdDeletionProtection, declare), vec![], "not production");
    assert_eq!(findings("staging", ProdMultiAz, declare), vec![], "not production");
}

fn role(name: &str, statements: serde_json::Value) -> Role {
    let doc = json!({ "Version": "2012-10-17", "Statement": statements }).to_string();
    Role {
        name: name.into(),
        assume_role_policy: json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" }] }).to_string().into(),
        inline_policies: [("main".to_string(), doc.into())].into(),
        ..Default::default()
    }
}

#[test]
fn iam_star_actions_name_the_statement() {
    let declare = |s: &mut Stack| {
        s.add("admin", role("admin", json!([{ "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" }, { "Sid": "All", "Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*" }])));
        s.add("denier", role("denier", json!([{ "Effect": "Deny", "Action": "*", "Resource": "*" }])));
        s.add("but", role("but", json!([{ "Effect": "Allow", "NotAction": "iam:*", "Resource": "*" }])));
        s.add("wide", Policy { name: "wide".into(), document: json!({ "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": "s3:*", "Resource": "*" } }).to_string().into(), ..Default::default() });
    };
    assert_eq!(
        said(&findings("dev", IamNoStarAction, declare)),
        [
            "admin: inline_policies.main: statement 1 (Sid `All`) allows Action `*` (every action of every service)",
            "but: inline_policies.main: statement 0 allows NotAction (every action but those listed)",
        ]
    );
    assert_eq!(
        said(&findings("dev", IamServiceWideAction, declare)),
        ["wide: document: statement 0 allows every action of a service: s3:*"]
    );
}
