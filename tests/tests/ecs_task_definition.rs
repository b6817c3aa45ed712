//! What is special about `aws:ecs:TaskDefinition`: revisions are immutable, so a changed
//! definition registers exactly one new revision and an unchanged one none; the read is
//! canonical (what AWS reports, defaults filled in and lists in its own order, reads back as the
//! program); only this resource's own revisions are ever deregistered; and the container
//! definitions reach ECS as declared. The generic contract is the conformance suite's.
//!
//! Emulator gap (moto 5.2.5): moto does not fill in AWS's defaults (`hostPort`, `protocol`), so
//! the canonical read is checked on a revision registered in the shape AWS reports.

use aws_sdk_ecs::types::{self as sdk, TaskDefinitionStatus};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::ecs::{
    AwsLogs, Condition, Container, ContainerSecret, CpuArchitecture, Dependency, HealthCheck, PortMapping, Protocol,
    RuntimePlatform, TaskDefinition, TaskDefinitionOutputs,
};
use resources::AwsContext;

const FAMILY: &str = "plinth-e2e-web";
const ACCOUNT: &str = "123456789012";
const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:plinth/db-AbCdEf";
const PARAMETER: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/plinth/api-key";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn app(tag: &str) -> Container {
    Container {
        name: "app".into(),
        image: format!("{IMAGE}:{tag}").into(),
        memory_reservation: Some(256),
        port_mappings: vec![
            PortMapping { container_port: 8080, name: Some("http".into()), ..Default::default() },
            PortMapping { container_port: 8125, protocol: Protocol::Udp, ..Default::default() },
        ],
        environment: [("PORT", "8080"), ("APP_ENV", "e2e")].map(|(k, v)| (k.to_string(), v.to_string())).into(),
        // Not in name order: the program's order is kept.
        secrets: vec![
            ContainerSecret { name: "DB_PASSWORD".into(), value_from: SECRET.into() },
            ContainerSecret { name: "API_KEY".into(), value_from: PARAMETER.into() },
        ],
        health_check: Some(HealthCheck {
            command: vec!["CMD-SHELL".into(), "curl -fs localhost:8080/health".into()],
            start_period: 10,
            ..Default::default()
        }),
        log: Some(AwsLogs { group: "/plinth/e2e/web".into(), region: "us-east-1".into(), stream_prefix: "web".into() }),
        ..Default::default()
    }
}

fn task(tag: &str) -> TaskDefinition {
    TaskDefinition {
        family: FAMILY.into(),
        cpu: 512,
        memory: 1024,
        execution_role_arn: role("web-execution").into(),
        containers: vec![app(tag)],
        tags: engine_tags("web", &[]),
        ..Default::default()
    }
}

async fn ecs(emu: &Emulator) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&emu.sdk_config().await)
}

/// Every revision of the family (ACTIVE and INACTIVE), by number, as an independent client sees it.
async fn revisions(ecs: &aws_sdk_ecs::Client, status: TaskDefinitionStatus) -> Vec<i32> {
    let call = ecs.list_task_definitions().family_prefix(FAMILY).status(status);
    let out = call.send().await.expect("ListTaskDefinitions");
    let mut numbers: Vec<i32> = out
        .task_definition_arns()
        .iter()
        .map(|arn| arn.rsplit(':').next().and_then(|n| n.parse().ok()).expect("ARN ends in a revision"))
        .collect();
    numbers.sort_unstable();
    numbers
}

async fn active(ecs: &aws_sdk_ecs::Client) -> Vec<i32> {
    revisions(ecs, TaskDefinitionStatus::Active).await
}

async fn all(ecs: &aws_sdk_ecs::Client) -> Vec<i32> {
    let mut both = active(ecs).await;
    both.extend(revisions(ecs, TaskDefinitionStatus::Inactive).await);
    both.sort_unstable();
    both
}

/// Registers a revision of the family out of band, with these tags.
async fn register_foreign(ecs: &aws_sdk_ecs::Client, tags: &[(&str, &str)]) -> i32 {
    let container = sdk::ContainerDefinition::builder().name("app").image(format!("{IMAGE}:foreign")).build();
    let mut call = ecs
        .register_task_definition()
        .family(FAMILY)
        .container_definitions(container)
        .network_mode(sdk::NetworkMode::Awsvpc)
        .requires_compatibilities(sdk::Compatibility::Fargate)
        .cpu("256")
        .memory("512");
    for (k, v) in tags {
        call = call.tags(sdk::Tag::builder().key(*k).value(*v).build());
    }
    call.send().await.expect("register a foreign revision").task_definition().expect("answer").revision()
}

async fn update(
    next: &TaskDefinition,
    prev: &TaskDefinition,
    out: &TaskDefinitionOutputs,
    cx: &AwsContext,
) -> TaskDefinitionOutputs {
    next.update(prev, out, cx).await.expect("update")
}

#[tokio::test]
async fn an_image_change_registers_one_revision_and_only_this_stacks_old_ones_go() {
    let emu = Emulator::start();
    let (cx, ecs) = (emu.context().await, ecs(&emu).await);
    let keep2 = |t: TaskDefinition| TaskDefinition { keep_revisions: 2, ..t };
    let v1 = keep2(task("1.0"));
    let out1 = v1.create(&meta("web"), &cx).await.expect("create");
    assert_eq!((out1.family.as_str(), out1.revision), (FAMILY, 1));
    let untagged = register_foreign(&ecs, &[]).await;
    let other_stack = register_foreign(&ecs, &[("plinth:stack", "e2e-other"), ("plinth:name", "web")]).await;
    assert_eq!((untagged, other_stack), (2, 3));

    // Unchanged, or changed in tags only: nothing is registered.
    let same = update(&v1, &v1, &out1, &cx).await;
    let tagged = TaskDefinition { tags: engine_tags("web", &[("Team", "web")]), ..v1.clone() };
    let retagged = update(&tagged, &v1, &out1, &cx).await;
    assert_eq!((&same, &retagged), (&out1, &out1));
    assert_eq!(all(&ecs).await, [1, 2, 3]);

    let v2 = TaskDefinition { containers: vec![app("1.1")], ..tagged.clone() };
    let out2 = update(&v2, &tagged, &out1, &cx).await;
    assert_eq!(out2.revision, 4, "one new revision");
    assert_eq!(all(&ecs).await, [1, 2, 3, 4], "exactly one revision registered");
    assert_eq!(active(&ecs).await, [1, 2, 3, 4], "two of ours: both kept");
    let seen = v2.read(&out2, &cx).await.expect("read").expect("current revision");
    assert_eq!(seen.inputs, v2, "the new revision reads back as the program");
    assert_eq!(seen.outputs, out2);

    let v3 = TaskDefinition { containers: vec![app("1.2")], ..v2.clone() };
    let out3 = update(&v3, &v2, &out2, &cx).await;
    assert_eq!(out3.revision, 5);
    assert_eq!(active(&ecs).await, [2, 3, 4, 5], "our oldest went; the untagged and other stack's stay");

    let v4 = TaskDefinition { containers: vec![app("1.3")], ..v3.clone() };
    let out4 = update(&v4, &v3, &out3, &cx).await;
    assert_eq!(active(&ecs).await, [2, 3, 5, 6]);
    assert_eq!(out4.revision, 6);

    v4.delete(&out4, &cx).await.expect("delete");
    assert_eq!(active(&ecs).await, [2, 3], "delete deregisters our revisions only");
    v4.delete(&out4, &cx).await.expect("delete again is Ok");
    let found = v4.find(&meta("web"), &cx).await.expect_err("the newest ACTIVE revision is another stack's");
    assert_eq!(found.class, ErrorClass::NotOwned, "{}", found.message);
}

/// `app("1.0")` as AWS reports it: hostPort and protocol filled in, cpu 0, the environment and
/// the secrets in another order.
fn as_aws_reports_it() -> sdk::ContainerDefinition {
    let port = |p: i32, proto| sdk::PortMapping::builder().container_port(p).host_port(p).protocol(proto);
    let kv = |k: &str, v: &str| sdk::KeyValuePair::builder().name(k).value(v).build();
    let secret = |n: &str, v: &str| sdk::Secret::builder().name(n).value_from(v).build().expect("secret");
    let check = sdk::HealthCheck::builder()
        .command("CMD-SHELL")
        .command("curl -fs localhost:8080/health")
        .interval(30)
        .timeout(5)
        .retries(3)
        .start_period(10);
    let log = sdk::LogConfiguration::builder()
        .log_driver(sdk::LogDriver::Awslogs)
        .options("awslogs-stream-prefix", "web")
        .options("awslogs-region", "us-east-1")
        .options("awslogs-group", "/plinth/e2e/web");
    sdk::ContainerDefinition::builder()
        .name("app")
        .image(format!("{IMAGE}:1.0"))
        .cpu(0)
        .memory_reservation(256)
        .essential(true)
        .port_mappings(port(8125, sdk::TransportProtocol::Udp).build())
        .port_mappings(port(8080, sdk::TransportProtocol::Tcp).name("http").build())
        .environment(kv("PORT", "8080"))
        .environment(kv("APP_ENV", "e2e"))
        .secrets(secret("API_KEY", PARAMETER))
        .secrets(secret("DB_PASSWORD", SECRET))
        .health_check(check.build().expect("health check"))
        .log_configuration(log.build().expect("log configuration"))
        .build()
}

#[tokio::test]
async fn an_unchanged_program_reads_back_equal_from_the_shape_aws_reports() {
    let emu = Emulator::start();
    let (cx, ecs) = (emu.context().await, ecs(&emu).await);
    let program = task("1.0");
    let mut call = ecs
        .register_task_definition()
        .family(FAMILY)
        .container_definitions(as_aws_reports_it())
        .network_mode(sdk::NetworkMode::Awsvpc)
        .requires_compatibilities(sdk::Compatibility::Fargate)
        .cpu("512")
        .memory("1024")
        .execution_role_arn(role("web-execution"));
    for (k, v) in &program.tags {
        call = call.tags(sdk::Tag::builder().key(k).value(v).build());
    }
    call.send().await.expect("register as AWS reports it");

    let out = program.find(&meta("web"), &cx).await.expect("find").expect("adopts our revision");
    let seen = program.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, program, "no field differs");
    let after = update(&program, &seen.inputs, &out, &cx).await;
    assert_eq!(after, out, "no change, no new revision");
    assert_eq!(all(&ecs).await, [1]);
}

#[tokio::test]
async fn container_definitions_reach_ecs_as_declared() {
    let emu = Emulator::start();
    let (cx, ecs) = (emu.context().await, ecs(&emu).await);
    let sidecar = Container {
        name: "migrate".into(),
        image: format!("{IMAGE}:1.0").into(),
        essential: false,
        command: vec!["./migrate".into(), "up".into()],
        memory_reservation: Some(128),
        ..Default::default()
    };
    let mut web = app("1.0");
    web.depends_on = vec![Dependency { container_name: "migrate".into(), condition: Condition::Success }];
    let program = TaskDefinition {
        task_role_arn: Some(role("web-task").into()),
        runtime_platform: RuntimePlatform { cpu_architecture: CpuArchitecture::Arm64, ..Default::default() },
        containers: vec![web, sidecar],
        ..task("1.0")
    };
    assert_eq!(program.validate(), Vec::<String>::new());
    let out = program.create(&meta("web"), &cx).await.expect("create");

    let call = ecs.describe_task_definition().task_definition(&out.arn);
    let live = call.send().await.expect("DescribeTaskDefinition");
    let td = live.task_definition().expect("task definition");
    assert_eq!(td.network_mode(), Some(&sdk::NetworkMode::Awsvpc));
    assert_eq!(td.requires_compatibilities(), [sdk::Compatibility::Fargate]);
    assert_eq!((td.cpu(), td.memory()), (Some("512"), Some("1024")));
    assert_eq!(td.execution_role_arn(), Some(role("web-execution").as_str()));
    assert_eq!(td.task_role_arn(), Some(role("web-task").as_str()));
    let platform = td.runtime_platform().expect("runtime platform");
    assert_eq!(platform.cpu_architecture(), Some(&sdk::CpuArchitecture::Arm64));
    assert_eq!(platform.operating_system_family(), Some(&sdk::OsFamily::Linux));

    let defs = td.container_definitions();
    let app = defs.iter().find(|c| c.name() == Some("app")).expect("the app container");
    let log = app.log_configuration().expect("log configuration");
    assert_eq!(log.log_driver(), &sdk::LogDriver::Awslogs);
    let options = log.options().expect("awslogs options");
    assert_eq!(options.get("awslogs-group").map(String::as_str), Some("/plinth/e2e/web"));
    assert_eq!(options.get("awslogs-region").map(String::as_str), Some("us-east-1"));
    assert_eq!(options.get("awslogs-stream-prefix").map(String::as_str), Some("web"));
    let check = app.health_check().expect("health check");
    assert_eq!(check.command(), ["CMD-SHELL", "curl -fs localhost:8080/health"]);
    assert_eq!(
        (check.interval(), check.timeout(), check.retries(), check.start_period()),
        (Some(30), Some(5), Some(3), Some(10))
    );
    let ports: Vec<_> =
        app.port_mappings().iter().map(|p| (p.container_port(), p.protocol().cloned(), p.name())).collect();
    assert_eq!(
        ports,
        [
            (Some(8080), Some(sdk::TransportProtocol::Tcp), Some("http")),
            (Some(8125), Some(sdk::TransportProtocol::Udp), None)
        ]
    );
    let secrets: Vec<_> = app.secrets().iter().map(|s| (s.name(), s.value_from())).collect();
    assert_eq!(secrets, [("DB_PASSWORD", SECRET), ("API_KEY", PARAMETER)]);
    let mut env: Vec<_> = app.environment().iter().map(|kv| (kv.name(), kv.value())).collect();
    env.sort();
    assert_eq!(env, [(Some("APP_ENV"), Some("e2e")), (Some("PORT"), Some("8080"))]);
    let depends: Vec<_> = app.depends_on().iter().map(|d| (d.container_name(), d.condition().clone())).collect();
    assert_eq!(depends, [("migrate", sdk::ContainerCondition::Success)]);
    let migrate = defs.iter().find(|c| c.name() == Some("migrate")).expect("the sidecar");
    assert_eq!(
        (migrate.essential(), migrate.command()),
        (Some(false), &["./migrate".to_string(), "up".to_string()][..])
    );

    let seen = program.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, program, "what ECS holds reads back as the program");
}
