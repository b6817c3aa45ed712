//! Issue 11's reviewer, against the emulator: changes made outside Plinth to a security group's
//! rules and to a role's inline policy are read through the real kinds and registry (their
//! declared shapes), and the refresh report shows only what changed — the one added rule, the
//! one changed statement — not whole lists or documents.

use e2e::conformance::fixtures::ec2::tcp;
use e2e::{engine_tags, meta, Emulator};
use engine::refresh::{refresh, Observation, Refreshed};
use engine::render::changes::plain;
use engine::{Context, Input, Resource};
use resources::ec2::{SecurityGroup, Vpc};
use resources::iam::Role;
use resources::AwsContext;
use serde_json::json;
use state::ResourceRow;
use std::sync::Arc;

/// The state row `up` would have written for `r`, created as `name`.
fn row<R: Resource>(name: &str, r: &R, out: &R::Outputs) -> ResourceRow {
    ResourceRow {
        name: name.into(),
        kind: R::KIND.into(),
        cloud_id: R::cloud_id(out),
        inputs: serde_json::to_value(r).expect("inputs"),
        outputs: serde_json::to_value(out).expect("outputs"),
        dependencies: vec![],
        options: json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// Refreshes `row` through the registry of every kind; the report's lines for it.
async fn drift_lines(row: ResourceRow, cx: AwsContext) -> (Refreshed, Vec<String>) {
    let cx: Context = Arc::new(cx);
    let mut read = refresh(&[row], &resources::kit::registry(), &cx, 1).await.expect("refresh");
    let refreshed = read.remove(0);
    let lines = match &refreshed.observation {
        Observation::Changed(diffs) => diffs.iter().flat_map(|d| plain(d, 0)).collect(),
        other => panic!("expected drift, got {other:?}"),
    };
    (refreshed, lines)
}

#[tokio::test]
async fn an_ssh_rule_added_out_of_band_shows_as_one_added_rule() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let vpc = Vpc { cidr_block: "10.70.0.0/16".into(), tags: engine_tags("vpc", &[]), ..Default::default() };
    let net = vpc.create(&meta("vpc"), &cx).await.expect("vpc");
    let group = SecurityGroup {
        name: "lb".into(),
        vpc_id: net.vpc_id.clone().into(),
        ingress: vec![tcp(80, "0.0.0.0/0"), tcp(443, "0.0.0.0/0"), tcp(8080, "10.70.0.0/16")],
        tags: engine_tags("lb-sg", &[]),
        ..Default::default()
    };
    let out = group.create(&meta("lb-sg"), &cx).await.expect("group");
    let ssh = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(&out.group_id).ip_permissions(ssh).send().await.expect("authorize");

    let (_, lines) = drift_lines(row("lb-sg", &group, &out), cx).await;
    assert_eq!(lines[0], "ingress: 1 added", "{lines:#?}");
    assert!(lines[1].starts_with("+ ") && lines[1].contains("\"from_port\":22"), "{lines:#?}");
    assert_eq!(lines[2].trim(), "… 3 unchanged elements", "{lines:#?}");
    assert_eq!(lines.len(), 3, "nothing else: {lines:#?}");
}

#[tokio::test]
async fn a_statement_changed_out_of_band_shows_alone_in_the_policy() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let iam = emu.iam().await;
    let doc = |actions: serde_json::Value| {
        serde_json::to_string_pretty(&json!({ "Version": "2012-10-17", "Statement": [
            { "Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*" },
            { "Sid": "Read", "Effect": "Allow", "Action": actions, "Resource": "arn:aws:s3:::assets/*" },
        ] }))
        .expect("json")
    };
    let trust = json!({ "Version": "2012-10-17", "Statement": [
        { "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" },
    ] });
    let role = Role {
        name: "plinth-e2e-structural".into(),
        assume_role_policy: trust.to_string().into(),
        inline_policies: [("assets".to_string(), Input::Value(doc(json!(["s3:GetObject"]))))].into(),
        tags: engine_tags("api-role", &[]),
        ..Default::default()
    };
    let out = role.create(&meta("api-role"), &cx).await.expect("role");
    let widened = doc(json!(["s3:GetObject", "s3:PutObject"]));
    let put = iam.put_role_policy().role_name(&role.name).policy_name("assets").policy_document(widened);
    put.send().await.expect("put role policy");

    let (_, lines) = drift_lines(row("api-role", &role, &out), cx).await;
    let text = lines.join("\n");
    assert_eq!(lines[0], "inline_policies.assets: document changed", "{text}");
    assert!(text.contains("Sid=Read") && !text.contains("Sid=Logs"), "only the changed statement: {text}");
    assert!(lines.iter().any(|l| l.starts_with('+') && l.contains("\"s3:PutObject\"")), "{text}");
    assert!(text.contains("… 1 unchanged element"), "the unchanged statement is counted: {text}");
}
