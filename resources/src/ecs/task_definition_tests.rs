use super::*;
use crate::ecs::{AwsLogs, ContainerSecret, HealthCheck};

const ROLE: &str = "arn:aws:iam::123456789012:role/web-execution";

fn task() -> TaskDefinition {
    TaskDefinition {
        family: "web".into(),
        cpu: 512,
        memory: 1024,
        execution_role_arn: ROLE.into(),
        containers: vec![Container {
            name: "app".into(),
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0".into(),
            secrets: vec![ContainerSecret {
                name: "DB_PASSWORD".into(),
                value_from: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
            }],
            health_check: Some(HealthCheck { command: vec!["CMD-SHELL".into(), "true".into()], ..Default::default() }),
            log: Some(AwsLogs { group: "/plinth/web".into(), region: "eu-west-1".into(), stream_prefix: "web".into() }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn a_typical_task_is_valid() {
    assert_eq!(task().validate(), Vec::<String>::new());
}

#[test]
fn a_bad_size_names_cpu_and_memory() {
    let problems = TaskDefinition { cpu: 256, memory: 4096, ..task() }.validate();
    assert_eq!(problems, ["memory 4096 MiB does not go with cpu 256: Fargate allows 512, 1024 or 2048 MiB"]);
}

#[test]
fn a_secret_value_is_refused_naming_the_field() {
    let mut t = task();
    t.containers[0].secrets[0].value_from = "correct horse battery staple".into();
    let problems = t.validate();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("containers[0].secrets[0].value_from must be the ARN of a Secrets Manager secret"));
    assert!(!problems[0].contains("horse"), "the problem never repeats a secret value: {}", problems[0]);
}

#[test]
fn references_are_not_judged_before_they_resolve() {
    let mut t = task();
    let unresolved = || Input::Ref(engine::input::Reference { resource: "other".into(), key: 0 });
    t.containers[0].image = unresolved();
    t.containers[0].secrets[0].value_from = unresolved();
    t.execution_role_arn = unresolved();
    assert_eq!(t.validate(), Vec::<String>::new());
}

#[test]
fn other_problems_name_their_fields() {
    let mut t =
        TaskDefinition { family: "web app".into(), keep_revisions: 0, task_role_arn: Some("role".into()), ..task() };
    t.containers[0].image = "nginx".into();
    t.containers[0].depends_on = vec![crate::ecs::Dependency { container_name: "db".into(), ..Default::default() }];
    t.containers.push(Container { name: "app".into(), image: "nginx:1".into(), cpu: Some(1024), ..Default::default() });
    let problems = t.validate();
    let has = |start: &str| problems.iter().any(|p| p.starts_with(start));
    assert!(has("family `web app`"), "{problems:?}");
    assert!(has("keep_revisions must be at least 1"), "{problems:?}");
    assert!(has("task_role_arn `role` is not an IAM role ARN"), "{problems:?}");
    assert!(has("containers[0].image `nginx` needs a tag"), "{problems:?}");
    assert!(has("containers[0].depends_on[0].container_name `db` is not a container"), "{problems:?}");
    assert!(has("containers[1].name `app` is used by another container"), "{problems:?}");
    assert!(has("containers: their cpu (1024 units) is more than the task's cpu 512"), "{problems:?}");
    assert!(TaskDefinition { containers: vec![], ..task() }
        .validate()
        .iter()
        .any(|p| p.contains("at least one container")));
}

#[test]
fn only_definition_changes_register_a_revision() {
    let mut tagged = task();
    tagged.tags.insert("Team".into(), "web".into());
    assert!(!tagged.definition_differs(&task()));
    assert!(!TaskDefinition { keep_revisions: 2, ..task() }.definition_differs(&task()));
    let mut image = task();
    image.containers[0].image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.1".into();
    assert!(image.definition_differs(&task()));
}

#[test]
fn serialized_form_uses_aws_spellings_and_defaults() {
    let json = serde_json::to_value(task()).expect("json");
    assert_eq!(
        json["runtime_platform"],
        serde_json::json!({ "cpu_architecture": "X86_64", "operating_system_family": "LINUX" })
    );
    assert_eq!(json["keep_revisions"], 5);
    let read: TaskDefinition = serde_json::from_value(serde_json::json!({
        "family": "web", "containers": [{ "name": "app", "image": "x:1", "port_mappings": [{ "container_port": 80 }] }]
    }))
    .expect("decodes");
    assert!(read.containers[0].essential, "essential by default");
    assert_eq!(read.containers[0].port_mappings[0].protocol, crate::ecs::Protocol::Tcp);
    assert_eq!((read.cpu, read.memory, read.keep_revisions), (256, 512, 5));
}
