//! Policy pass vs plan (`scripts/bench --policy`, or `cargo bench --workspace --bench policy`):
//! 1,000 and 10,000 planned AWS resources of the kinds the built-in rules look at most (buckets
//! with policies, security groups behind load balancers, databases, caches, roles with inline
//! policies, log groups), compliant, with the platform's default tags, in a `prod` stack; the policy pass runs every built-in
//! rule and the platform's own over the plan made in the same run. A benchmark, not a test:
//! nothing asserts a time.

use engine::graph::validate;
use engine::plan::plan;
use engine::policy::{evaluate, Rules};
use engine::Stack;
use programs::platform::ImmutableImageTags;
use resources::ec2::{Protocol, Rule, SecurityGroup};
use resources::elasticache::ReplicationGroup;
use resources::elbv2::LoadBalancer;
use resources::iam::Role;
use resources::logs::LogGroup;
use resources::rds::DbInstance;
use resources::s3::{with_tls_only, Bucket, Encryption, SseAlgorithm};
use serde_json::json;
use std::time::{Duration, Instant};

fn world(port: i32) -> Rule {
    Rule {
        protocol: Protocol::Tcp,
        from_port: port,
        to_port: port,
        cidr_blocks: vec!["0.0.0.0/0".into()],
        ..Default::default()
    }
}

/// One group of ten resources, number `n`.
fn group(stack: &mut Stack, n: usize) {
    let arn = format!("arn:aws:s3:::bench-{n}");
    let encryption = Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None });
    for b in 0..2 {
        let policy = Some(with_tls_only(None, &arn).to_string().into());
        let bucket = Bucket {
            bucket: format!("bench-{n}-{b}"),
            encryption: encryption.clone(),
            block_public_access: true,
            policy,
            ..Default::default()
        };
        stack.add(format!("bucket-{n}-{b}"), bucket);
    }
    let vpc = "vpc-1".to_string();
    let sg = SecurityGroup {
        name: format!("lb-{n}"),
        description: "lb".into(),
        vpc_id: vpc.into(),
        ingress: vec![world(80), world(443)],
        ..Default::default()
    };
    let sg = stack.add(format!("sg-{n}"), sg);
    let subnets = vec!["subnet-1".to_string().into(), "subnet-2".to_string().into()];
    let lb = LoadBalancer {
        name: format!("lb-{n}"),
        subnets,
        security_groups: vec![sg.output(|o| o.group_id.clone())],
        ..Default::default()
    };
    stack.add(format!("lb-{n}"), LoadBalancer { deletion_protection: true, ..lb });
    let db = DbInstance {
        identifier: format!("db-{n}"),
        db_subnet_group_name: "subnets".to_string().into(),
        skip_final_snapshot: true,
        ..Default::default()
    };
    stack.add(format!("db-{n}"), DbInstance { deletion_protection: true, multi_az: true, ..db });
    let cache = ReplicationGroup {
        id: format!("cache-{n}"),
        description: "c".into(),
        cache_subnet_group_name: "subnets".to_string().into(),
        transit_encryption: true,
        ..Default::default()
    };
    stack.add(
        format!("cache-{n}"),
        ReplicationGroup { multi_az: true, automatic_failover: true, num_cache_clusters: 2, ..cache },
    );
    let doc = json!({ "Version": "2012-10-17", "Statement": [{ "Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [arn, format!("{arn}/*")] }] });
    let trust = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" }] });
    let role = Role {
        name: format!("role-{n}"),
        assume_role_policy: trust.to_string().into(),
        inline_policies: [("read".to_string(), doc.to_string().into())].into(),
        ..Default::default()
    };
    stack.add(format!("role-{n}"), role);
    for l in 0..2 {
        stack.add(
            format!("logs-{n}-{l}"),
            LogGroup { name: format!("/bench/{n}/{l}"), retention_days: 30, ..Default::default() },
        );
    }
}

fn program(resources: usize) -> Stack {
    let mut stack = Stack::new("prod");
    for (k, v) in [("CostCenter", "bench"), ("Project", "bench"), ("Environment", "prod")] {
        stack.default_tag(k, v);
    }
    stack.policy_rule(ImmutableImageTags);
    (0..resources / 10).for_each(|n| group(&mut stack, n));
    stack
}

/// (validate + plan, policy pass, findings), the best of `rounds`.
fn measure(resources: usize, rounds: usize) -> (Duration, Duration, usize) {
    let stack = program(resources);
    let registry = resources::registry();
    let rules = Rules::of(&registry, &stack);
    let mut best = (Duration::MAX, Duration::MAX, 0);
    for _ in 0..rounds {
        let started = Instant::now();
        let graph = validate(&stack).expect("valid");
        let planned = plan(&stack, &graph, &[], &registry);
        let planning = started.elapsed();
        let started = Instant::now();
        let findings = evaluate(&planned, &registry, &rules);
        let checking = started.elapsed();
        best = (best.0.min(planning), best.1.min(checking), findings.len());
    }
    best
}

fn main() {
    let profile = if cfg!(debug_assertions) { "dev profile (unoptimized)" } else { "release" };
    println!(
        "policy pass vs plan, {profile}; best of 3; {} rules",
        Rules::of(&resources::registry(), &program(0)).iter().count()
    );
    let mut previous: Option<Duration> = None;
    for resources in [1_000, 10_000] {
        let (planning, checking, findings) = measure(resources, 3);
        let growth = previous
            .map(|p| format!(", policy growth ×{:.1}", checking.as_secs_f64() / p.as_secs_f64()))
            .unwrap_or_default();
        println!(
            "{resources:>6} resources: plan {:>8.1} ms, policy {:>7.1} ms ({:.1}% of the plan), {findings} findings{growth}",
            planning.as_secs_f64() * 1e3,
            checking.as_secs_f64() * 1e3,
            100.0 * checking.as_secs_f64() / planning.as_secs_f64()
        );
        previous = Some(checking);
    }
}
