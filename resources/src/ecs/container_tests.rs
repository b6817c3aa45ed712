use super::*;
use aws_sdk_ecs::types as sdk;

fn app() -> Container {
    Container {
        name: "app".into(),
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0".into(),
        port_mappings: vec![
            PortMapping {
                container_port: 8080,
                name: Some("http".into()),
                app_protocol: Some(AppProtocol::Http),
                ..Default::default()
            },
            PortMapping { container_port: 9090, protocol: Protocol::Udp, ..Default::default() },
        ],
        environment: [("B", "2"), ("A", "1")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        secrets: vec![
            ContainerSecret {
                name: "DB_PASSWORD".into(),
                value_from: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
            },
            ContainerSecret {
                name: "API_KEY".into(),
                value_from: "arn:aws:ssm:eu-west-1:123456789012:parameter/api-key".into(),
            },
        ],
        health_check: Some(HealthCheck { command: vec!["CMD".into(), "/health".into()], ..Default::default() }),
        log: Some(AwsLogs { group: "/plinth/web".into(), region: "eu-west-1".into(), stream_prefix: "web".into() }),
        ..Default::default()
    }
}

/// What AWS answers for `app()`: hostPort and protocol filled in, cpu 0, the environment and
/// secrets in another order, empty lists for what was not given.
fn as_aws_reports_it() -> sdk::ContainerDefinition {
    let port = |p: i32, proto: sdk::TransportProtocol| {
        sdk::PortMapping::builder().container_port(p).host_port(p).protocol(proto)
    };
    let kv = |k: &str, v: &str| sdk::KeyValuePair::builder().name(k).value(v).build();
    let secret = |n: &str, v: &str| sdk::Secret::builder().name(n).value_from(v).build().expect("secret");
    let check = sdk::HealthCheck::builder().command("CMD").command("/health").interval(30).timeout(5).retries(3);
    let log = sdk::LogConfiguration::builder()
        .log_driver(sdk::LogDriver::Awslogs)
        .options("awslogs-stream-prefix", "web")
        .options("awslogs-group", "/plinth/web")
        .options("awslogs-region", "eu-west-1");
    sdk::ContainerDefinition::builder()
        .name("app")
        .image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0")
        .cpu(0)
        .essential(true)
        .port_mappings(port(9090, sdk::TransportProtocol::Udp).build())
        .port_mappings(
            port(8080, sdk::TransportProtocol::Tcp).name("http").app_protocol(sdk::ApplicationProtocol::Http).build(),
        )
        .environment(kv("A", "1"))
        .environment(kv("B", "2"))
        .secrets(secret("API_KEY", "arn:aws:ssm:eu-west-1:123456789012:parameter/api-key"))
        .secrets(secret("DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"))
        .set_command(Some(vec![]))
        .health_check(check.build().expect("check"))
        .log_configuration(log.build().expect("log"))
        .build()
}

#[test]
fn aws_defaults_and_order_read_back_as_the_program() {
    let program = vec![app()];
    assert_eq!(observed(&program, &[as_aws_reports_it()]), program);
}

#[test]
fn what_is_sent_reads_back_unchanged() {
    let sidecar = Container {
        name: "proxy".into(),
        image: "envoyproxy/envoy:v1.31".into(),
        essential: false,
        cpu: Some(64),
        ..Default::default()
    };
    let program = vec![app(), sidecar];
    let sent: Vec<_> = program.iter().map(|c| c.to_sdk().expect("builds")).collect();
    let reversed: Vec<_> = sent.iter().rev().cloned().collect();
    assert_eq!(observed(&program, &reversed), program, "containers keep the program's order");
    let env = sent[0].environment();
    assert_eq!(env.iter().map(|kv| kv.name().unwrap_or_default()).collect::<Vec<_>>(), ["A", "B"], "sorted");
}

#[test]
fn a_real_difference_still_shows() {
    let program = vec![app()];
    let mut live = app();
    live.port_mappings.pop();
    live.secrets[0].value_from = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf".into();
    let seen = observed(&program, &[live.to_sdk().expect("builds")]);
    assert_eq!(seen[0].port_mappings.len(), 1);
    assert_ne!(seen[0].secrets, program[0].secrets);
    let cpu = Container { cpu: Some(256), ..app() };
    assert_eq!(observed(&program, &[cpu.to_sdk().expect("builds")])[0].cpu, Some(256));
}

#[test]
fn order_alone_is_no_change() {
    assert_eq!(in_program_order(&[1, 2, 2, 3], vec![3, 2, 1, 2]), vec![1, 2, 2, 3]);
    assert_eq!(in_program_order(&[1, 2, 2], vec![2, 1, 1]), vec![2, 1, 1], "a different multiset is live's");
    assert_eq!(in_program_order(&[1, 2], vec![2]), vec![2]);
}
