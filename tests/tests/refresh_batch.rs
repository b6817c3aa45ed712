//! Batched refresh against the emulator: several objects of each batched kind read through
//! `engine::refresh` (one `read_batch` per kind and chunk) give exactly what each object's own
//! `read` gives (no drift), and an object deleted out of band is reported vanished while the
//! others of its batch stay unchanged (EC2 fails a whole describe by id list when one id is
//! gone: the batch must fall back, not fail its members).

use e2e::conformance::fixtures::cloudwatch;
use e2e::conformance::fixtures::ec2::tcp;
use e2e::conformance::{Fixture, Identity, TagSource};
use e2e::Emulator;
use engine::refresh::{refresh, Observation, Refreshed};
use engine::{Registry, Resource};
use resources::cloudwatch::{CompositeAlarm, MetricAlarm};
use resources::ec2::{
    Direction, Eip, InternetGateway, Protocol, Route, RouteTable, Rule, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
};
use resources::sensitive::SecretSource;
use resources::ssm::{Parameter, ParameterType, SecureParameter};
use serde_json::json;
use state::ResourceRow;
use std::sync::Arc;

/// Objects created for one test, as the state rows the engine would hold for them.
struct Created {
    registry: Registry,
    cx: engine::Context,
    rows: Vec<ResourceRow>,
}

impl Created {
    async fn new(emu: &Emulator) -> Created {
        Created { registry: resources::registry(), cx: Arc::new(emu.context().await), rows: Vec::new() }
    }

    /// Creates `inputs` as resource `name` (declared as a program would) through the kind's own
    /// create; its outputs.
    async fn add<R: Resource>(&mut self, name: &str, inputs: R) -> R::Outputs {
        let declared = Fixture::new(name, Identity::Tags, TagSource::Ec2, inputs).inputs;
        let kind = self.registry.get(R::KIND).expect("registered kind");
        let outputs = kind.create(declared.clone(), e2e::meta(name), self.cx.clone()).await;
        let outputs = outputs.unwrap_or_else(|e| panic!("create {} {name}: {e}", R::KIND));
        self.rows.push(ResourceRow {
            name: name.into(),
            kind: R::KIND.into(),
            cloud_id: kind.cloud_id(&outputs).expect("cloud id"),
            inputs: declared,
            outputs: outputs.clone(),
            dependencies: vec![],
            options: json!({}),
            references: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        serde_json::from_value(outputs).expect("outputs decode")
    }

    /// Refreshes every row through the engine (batched), and checks each live result against
    /// the object's own `read`: the same inputs and outputs, no drift. Returns the results.
    async fn refresh_matches_single_reads(&self) -> Vec<Refreshed> {
        let read = refresh(&self.rows, &self.registry, &self.cx, 10).await.expect("refresh");
        let names: Vec<&str> = read.iter().map(|r| r.row.name.as_str()).collect();
        let expected: Vec<&str> = self.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, expected, "one result per row, in the rows' order");
        for (row, refreshed) in self.rows.iter().zip(&read) {
            let kind = self.registry.get(&row.kind).expect("kind");
            let single = kind.read(row.inputs.clone(), row.outputs.clone(), self.cx.clone()).await;
            match single.unwrap_or_else(|e| panic!("read {}: {e}", row.name)) {
                Some((inputs, outputs)) => {
                    assert_eq!(refreshed.row.inputs, inputs, "{}: batched and single reads agree", row.name);
                    assert_eq!(refreshed.row.outputs, outputs, "{}: batched and single reads agree", row.name);
                }
                None => assert_eq!(refreshed.observation, Observation::Vanished, "{}", row.name),
            }
        }
        read
    }
}

/// The observation of each row, by name.
fn observations(read: &[Refreshed]) -> Vec<(String, Observation)> {
    read.iter().map(|r| (r.row.name.clone(), r.observation.clone())).collect()
}

fn vpc(cidr: &str) -> Vpc {
    Vpc { cidr_block: cidr.into(), enable_dns_hostnames: true, ..Default::default() }
}

fn group(name: &str, vpc_id: &str, port: i32) -> SecurityGroup {
    let all_out = Rule { protocol: Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
    SecurityGroup {
        name: name.into(),
        description: format!("{name} group"),
        vpc_id: vpc_id.into(),
        ingress: vec![tcp(port, "10.0.0.0/8"), tcp(22, "10.1.0.0/16")],
        egress: vec![all_out],
        ..Default::default()
    }
}

fn rule(group_id: &str, port: i32) -> SecurityGroupRule {
    SecurityGroupRule {
        group_id: group_id.into(),
        direction: Direction::Ingress,
        rule: tcp(port, "10.9.0.0/16"),
        ..Default::default()
    }
}

#[tokio::test]
async fn ec2_kinds_refresh_in_batches_as_their_single_reads_and_report_one_deleted_object_vanished() {
    let emu = Emulator::start();
    let ec2 = emu.ec2().await;
    let mut c = Created::new(&emu).await;
    let main = c.add("vpc-a", vpc("10.60.0.0/16")).await.vpc_id;
    let vpc_b = c.add("vpc-b", vpc("10.61.0.0/16")).await.vpc_id;
    let vpc_gone = c.add("vpc-gone", vpc("10.62.0.0/16")).await.vpc_id;
    let mut subnets = Vec::new();
    for (i, name) in ["subnet-a", "subnet-b", "subnet-gone"].into_iter().enumerate() {
        let subnet = Subnet {
            vpc_id: main.clone().into(),
            cidr_block: format!("10.60.{i}.0/24"),
            availability_zone: "us-east-1a".into(),
            map_public_ip_on_launch: i == 0,
            ..Default::default()
        };
        subnets.push(c.add(name, subnet).await.subnet_id);
    }
    let mut groups = Vec::new();
    for (port, name) in [(80, "group-a"), (443, "group-b"), (8080, "group-gone")] {
        groups.push(c.add(name, group(name, &main, port)).await.group_id);
    }
    let rule_a = c.add("rule-a", rule(&groups[0], 5432)).await;
    let rule_gone = c.add("rule-gone", rule(&groups[1], 6379)).await;
    let igw_a = c.add("igw-a", InternetGateway { vpc_id: main.clone().into(), ..Default::default() }).await;
    let igw_gone = c.add("igw-gone", InternetGateway { vpc_id: vpc_b.clone().into(), ..Default::default() }).await;
    let table = |routes: Vec<Route>, subnet: &str| RouteTable {
        vpc_id: main.clone().into(),
        routes,
        subnet_ids: vec![subnet.into()],
        ..Default::default()
    };
    let to_igw = Route {
        destination_cidr_block: "0.0.0.0/0".into(),
        gateway_id: Some(igw_a.internet_gateway_id.clone().into()),
        ..Default::default()
    };
    c.add("rt-a", table(vec![to_igw], &subnets[0])).await;
    let rt_gone = c.add("rt-gone", table(vec![], &subnets[1])).await;
    c.add("eip-a", Eip::default()).await;
    c.add("eip-b", Eip::default()).await;
    let eip_gone = c.add("eip-gone", Eip::default()).await;

    let before = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&before) {
        assert_eq!(observation, Observation::Unchanged, "{name} drifted right after create");
    }

    // Out of band: one object of each kind goes.
    ec2.delete_vpc().vpc_id(&vpc_gone).send().await.expect("delete vpc");
    ec2.delete_subnet().subnet_id(&subnets[2]).send().await.expect("delete subnet");
    ec2.delete_security_group().group_id(&groups[2]).send().await.expect("delete group");
    let revoke = ec2.revoke_security_group_ingress().group_id(&groups[1]);
    revoke.security_group_rule_ids(&rule_gone.rule_id).send().await.expect("revoke rule");
    let igw = &igw_gone.internet_gateway_id;
    ec2.detach_internet_gateway().internet_gateway_id(igw).vpc_id(&vpc_b).send().await.expect("detach igw");
    ec2.delete_internet_gateway().internet_gateway_id(igw).send().await.expect("delete igw");
    for association in rt_gone.associations.values() {
        ec2.disassociate_route_table().association_id(association).send().await.expect("disassociate");
    }
    ec2.delete_route_table().route_table_id(&rt_gone.route_table_id).send().await.expect("delete route table");
    ec2.release_address().allocation_id(&eip_gone.allocation_id).send().await.expect("release address");

    let after = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&after) {
        let want = if name.ends_with("-gone") { Observation::Vanished } else { Observation::Unchanged };
        assert_eq!(observation, want, "{name}");
    }
    assert_eq!(rule_a.group_id, groups[0]);
}

#[tokio::test]
async fn alarms_refresh_in_one_describe_as_their_single_reads_and_report_one_deleted_alarm_vanished() {
    let emu = Emulator::start();
    let topic = cloudwatch::topic(&emu, "refresh-batch-alerts").await;
    let mut c = Created::new(&emu).await;
    for (i, name) in ["alarm-a", "alarm-b", "alarm-gone"].into_iter().enumerate() {
        let alarm = MetricAlarm { threshold: Some(10.0 + i as f64), ..cloudwatch::five_xx_alarm(name, &topic) };
        c.add(name, alarm).await;
    }
    let composite = CompositeAlarm {
        name: "both".into(),
        rule: "ALARM(\"alarm-a\") AND ALARM(\"alarm-b\")".into(),
        alarm_actions: vec![topic.clone().into()],
        ..Default::default()
    };
    c.add("both", composite.clone()).await;
    c.add("composite-gone", CompositeAlarm { name: "composite-gone".into(), ..composite }).await;

    let before = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&before) {
        assert_eq!(observation, Observation::Unchanged, "{name} drifted right after create");
    }
    let cw = aws_sdk_cloudwatch::Client::new(&emu.sdk_config().await);
    cw.delete_alarms().alarm_names("alarm-gone").alarm_names("composite-gone").send().await.expect("delete alarms");

    let after = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&after) {
        let want = if name.ends_with("-gone") { Observation::Vanished } else { Observation::Unchanged };
        assert_eq!(observation, want, "{name}");
    }
}

#[tokio::test]
async fn parameters_refresh_in_batches_as_their_single_reads_and_report_one_deleted_parameter_vanished() {
    let emu = Emulator::start();
    let mut c = Created::new(&emu).await;
    // 12 plain parameters: two GetParameters batches (10 + 2); two of them go out of band.
    let names: Vec<String> = (0..12).map(|i| format!("param-{i:02}")).collect();
    for (i, name) in names.iter().enumerate() {
        let parameter_type = if i % 2 == 0 { ParameterType::String } else { ParameterType::StringList };
        let value = if i % 2 == 0 { format!("value {i}") } else { format!("a{i},b{i}") };
        let parameter = Parameter {
            name: format!("/plinth/refresh/{name}"),
            description: format!("parameter {i}"),
            parameter_type,
            value: value.into(),
            ..Default::default()
        };
        c.add(name, parameter).await;
    }
    for name in ["secure-a", "secure-gone"] {
        let secure = SecureParameter {
            name: format!("/plinth/refresh/{name}"),
            description: "a secret".into(),
            value: SecretSource::generated(32),
            ..Default::default()
        };
        c.add(name, secure).await;
    }

    let before = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&before) {
        assert_eq!(observation, Observation::Unchanged, "{name} drifted right after create");
    }
    let ssm = aws_sdk_ssm::Client::new(&emu.sdk_config().await);
    for gone in ["/plinth/refresh/param-03", "/plinth/refresh/param-11", "/plinth/refresh/secure-gone"] {
        ssm.delete_parameter().name(gone).send().await.expect("delete parameter");
    }

    let after = c.refresh_matches_single_reads().await;
    for (name, observation) in observations(&after) {
        let gone = ["param-03", "param-11", "secure-gone"].contains(&name.as_str());
        let want = if gone { Observation::Vanished } else { Observation::Unchanged };
        assert_eq!(observation, want, "{name}");
    }
}
