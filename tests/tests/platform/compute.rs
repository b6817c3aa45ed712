//! Independent checks (plain SDK clients, never the kinds' own code) of the compute and edge
//! tier the local `up` deployed: cluster, services, task definitions, load balancer, listeners
//! and rules, the WAF on the load balancer, auto scaling, repositories, roles and the CDN.

use aws_sdk_ecs::types::Service;
use e2e::Emulator;
use serde_json::Value;

const CLUSTER: &str = "plinth-local-cluster";
const SERVICES: [&str; 3] = ["api", "orchestrator", "web"];

async fn services(emu: &Emulator) -> Vec<Service> {
    let ecs = aws_sdk_ecs::Client::new(&emu.sdk_config().await);
    let names: Vec<String> = SERVICES.iter().map(|s| format!("plinth-local-{s}")).collect();
    let out = ecs.describe_services().cluster(CLUSTER).set_services(Some(names)).send().await.unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.services().to_vec()
}

/// The ids of the subnets tagged `plinth:name` = `name`-*.
async fn subnet_ids(emu: &Emulator, prefix: &str) -> Vec<String> {
    let ec2 = emu.ec2().await;
    let out = ec2.describe_subnets().send().await.unwrap();
    let mut ids: Vec<String> = out
        .subnets()
        .iter()
        .filter(|s| s.tags().iter().any(|t| t.key() == Some("plinth:name") && t.value().is_some_and(|v| v.starts_with(prefix))))
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

async fn group_id(emu: &Emulator, name: &str) -> String {
    let ec2 = emu.ec2().await;
    let filter = aws_sdk_ec2::types::Filter::builder().name("group-name").values(name).build();
    let out = ec2.describe_security_groups().filters(filter).send().await.unwrap();
    out.security_groups()[0].group_id().unwrap().to_string()
}

pub async fn check_cluster_and_services(emu: &Emulator) {
    let ecs = aws_sdk_ecs::Client::new(&emu.sdk_config().await);
    let clusters = ecs.describe_clusters().clusters(CLUSTER).send().await.unwrap();
    let cluster = &clusters.clusters()[0];
    assert_eq!(cluster.status(), Some("ACTIVE"));
    let insights: Vec<_> = cluster.settings().iter().filter_map(|s| s.value()).collect();
    assert_eq!(insights, ["enabled"], "Container Insights on");

    let private = subnet_ids(emu, "private-").await;
    let services_group = group_id(emu, "plinth-local-services").await;
    for service in services(emu).await {
        let name = service.service_name().unwrap().to_string();
        let vpc = service.network_configuration().and_then(|n| n.awsvpc_configuration()).unwrap();
        let mut subnets = vpc.subnets().to_vec();
        subnets.sort();
        assert_eq!(subnets, private, "{name} in the private subnets");
        assert_eq!(vpc.security_groups(), std::slice::from_ref(&services_group), "{name} in the services group");
        assert_eq!(vpc.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"), "{name} without public IPs");
        let routed = !name.ends_with("orchestrator");
        assert_eq!(service.load_balancers().len(), usize::from(routed), "{name}: load balancer attachment");
        let task = ecs.describe_task_definition().task_definition(service.task_definition().unwrap()).send().await.unwrap();
        let task = task.task_definition().unwrap();
        assert_eq!(task.network_mode().map(|m| m.as_str()), Some("awsvpc"));
        let role = |arn: Option<&str>| arn.unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
        let short = name.trim_start_matches("plinth-local-");
        assert_eq!(role(task.task_role_arn()), format!("plinth-local-{short}-task"), "{name}: its own task role");
        assert_eq!(role(task.execution_role_arn()), format!("plinth-local-{short}-execution"));
        let container = &task.container_definitions()[0];
        assert!(container.image().unwrap().contains(&format!("plinth-local/{short}:local")), "{:?}", container.image());
        let log = container.log_configuration().unwrap();
        assert_eq!(log.options().unwrap().get("awslogs-group").map(String::as_str), Some(format!("/plinth/local/{short}").as_str()));
        assert!(container.secrets().iter().all(|s| s.value_from().starts_with("arn:aws:")), "secrets by ARN only");
        assert!(container.health_check().is_some(), "{name}: container health check");
    }
}

pub async fn check_load_balancer(emu: &Emulator) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&emu.sdk_config().await);
    let lbs = elb.describe_load_balancers().names("plinth-local-alb").send().await.unwrap();
    let lb = &lbs.load_balancers()[0];
    assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
    let mut zones_subnets: Vec<String> =
        lb.availability_zones().iter().filter_map(|z| z.subnet_id().map(str::to_string)).collect();
    zones_subnets.sort();
    assert_eq!(zones_subnets, subnet_ids(emu, "public-").await, "in the public subnets");
    assert_eq!(lb.security_groups(), [group_id(emu, "plinth-local-alb").await]);
    let lb_arn = lb.load_balancer_arn().unwrap();

    let groups = elb.describe_target_groups().load_balancer_arn(lb_arn).send().await.unwrap();
    assert_eq!(groups.target_groups().len(), 2, "api and web groups");
    for group in groups.target_groups() {
        assert_eq!(group.health_check_path(), Some("/health"));
        assert_eq!(group.target_type().map(|t| t.as_str()), Some("ip"));
        assert_eq!((group.healthy_threshold_count(), group.unhealthy_threshold_count()), (Some(2), Some(3)));
        assert_eq!(group.matcher().and_then(|m| m.http_code()), Some("200"));
    }
    let listeners = elb.describe_listeners().load_balancer_arn(lb_arn).send().await.unwrap();
    let by_port = |port: i32| listeners.listeners().iter().find(|l| l.port() == Some(port)).unwrap().clone();
    let https = by_port(443);
    assert_eq!(https.protocol().map(|p| p.as_str()), Some("HTTPS"));
    assert_eq!(https.ssl_policy(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
    assert_eq!(https.certificates().len(), 1, "the ACM certificate");
    let redirect = by_port(80);
    let action = &redirect.default_actions()[0];
    let config = action.redirect_config().unwrap();
    assert_eq!((config.port(), config.status_code().map(|s| s.as_str())), (Some("443"), Some("HTTP_301")));

    let rules = elb.describe_rules().listener_arn(https.listener_arn().unwrap()).send().await.unwrap();
    let patterns: Vec<String> = rules
        .rules()
        .iter()
        .flat_map(|r| r.conditions().iter().filter_map(|c| c.path_pattern_config()).flat_map(|p| p.values().to_vec()))
        .collect();
    assert!(patterns.contains(&"/api/*".to_string()) && patterns.contains(&"/*".to_string()), "{patterns:?}");

    let waf = aws_sdk_wafv2::Client::new(&emu.sdk_config().await);
    let acl = waf.get_web_acl_for_resource().resource_arn(lb_arn).send().await.unwrap();
    assert_eq!(acl.web_acl().map(|a| a.name()), Some("plinth-local-web"), "the WAF is on the load balancer");
}

pub async fn check_scaling(emu: &Emulator) {
    let scaling = aws_sdk_applicationautoscaling::Client::new(&emu.sdk_config().await);
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let targets = scaling.describe_scalable_targets().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    let mut ids: Vec<(&str, i32, i32)> =
        targets.scalable_targets().iter().map(|t| (t.resource_id(), t.min_capacity(), t.max_capacity())).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            ("service/plinth-local-cluster/plinth-local-api", 1, 2),
            ("service/plinth-local-cluster/plinth-local-orchestrator", 1, 3),
            ("service/plinth-local-cluster/plinth-local-web", 1, 2),
        ]
    );
    let policies = scaling.describe_scaling_policies().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    let mut names: Vec<&str> = policies.scaling_policies().iter().map(|p| p.policy_name()).collect();
    names.sort();
    assert_eq!(
        names,
        ["plinth-local-api-cpu", "plinth-local-api-memory", "plinth-local-orchestrator-cpu", "plinth-local-web-cpu", "plinth-local-web-memory"]
    );
}

pub async fn check_repositories(emu: &Emulator) {
    let ecr = aws_sdk_ecr::Client::new(&emu.sdk_config().await);
    for service in SERVICES {
        let name = format!("plinth-local/{service}");
        let repo = ecr.describe_repositories().repository_names(&name).send().await.unwrap();
        let repo = &repo.repositories()[0];
        assert_eq!(repo.image_tag_mutability().map(|m| m.as_str()), Some("IMMUTABLE"), "{name}");
        assert_eq!(repo.image_scanning_configuration().map(|c| c.scan_on_push()), Some(true), "{name}");
        let policy = ecr.get_lifecycle_policy().repository_name(&name).send().await.unwrap();
        let policy: Value = serde_json::from_str(policy.lifecycle_policy_text().unwrap()).unwrap();
        let selections: Vec<(String, String, i64)> = policy["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let sel = &r["selection"];
                (sel["tagStatus"].as_str().unwrap_or("").into(), sel["countType"].as_str().unwrap_or("").into(), sel["countNumber"].as_i64().unwrap_or(0))
            })
            .collect();
        assert!(selections.contains(&("untagged".into(), "sinceImagePushed".into(), 3)), "{name}: {selections:?}");
        assert!(selections.iter().any(|(_, count, n)| count == "imageCountMoreThan" && *n == 10), "{name}: {selections:?}");
    }
}

/// Each task role reads exactly its own secrets: no `*` resource on a secret read, no other
/// service's secret names.
pub async fn check_roles_scoped(emu: &Emulator) {
    let iam = emu.iam().await;
    let own = [("api", "jwt-signing-key"), ("orchestrator", "llm-openai-api-key"), ("web", "secure/session-secret")];
    for (service, mine) in own {
        let role = format!("plinth-local-{service}-task");
        let names = iam.list_role_policies().role_name(&role).send().await.unwrap();
        let mut text = String::new();
        for policy in names.policy_names() {
            let doc = iam.get_role_policy().role_name(&role).policy_name(policy).send().await.unwrap();
            let doc = resources::policy::decode_document(doc.policy_document()).unwrap();
            for statement in doc["Statement"].as_array().unwrap() {
                let reads_secrets = statement["Action"].to_string().contains("secretsmanager:GetSecretValue")
                    || statement["Action"].to_string().contains("ssm:GetParameter");
                assert!(!(reads_secrets && statement["Resource"] == "*"), "{role}: a secret read on *");
                if statement["Action"] == "kms:Decrypt" {
                    assert!(statement["Condition"]["StringEquals"]["kms:ViaService"].is_string(), "{role}: KMS via a service only");
                }
            }
            text += &doc.to_string();
        }
        assert!(text.contains(mine), "{role} reads its own {mine}: {text}");
        for (other, theirs) in own.iter().filter(|(s, _)| *s != service) {
            assert!(!text.contains(theirs), "{role} must not read {other}'s {theirs}");
        }
        let trust = iam.get_role().role_name(&role).send().await.unwrap();
        let trust = resources::policy::decode_document(trust.role().unwrap().assume_role_policy_document().unwrap()).unwrap();
        assert_eq!(trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012", "{role}");
    }
}

pub async fn check_cdn(emu: &Emulator) {
    let cloudfront = aws_sdk_cloudfront::Client::new(&emu.sdk_config().await);
    let list = cloudfront.list_distributions().send().await.unwrap();
    let items = list.distribution_list().map(|l| l.items().to_vec()).unwrap_or_default();
    let ours: Vec<_> = items.iter().filter(|d| d.comment() == "plinth local static assets").collect();
    assert_eq!(ours.len(), 1, "one distribution");
    let config = cloudfront.get_distribution_config().id(ours[0].id()).send().await.unwrap();
    let config = config.distribution_config().unwrap();
    assert_eq!(config.default_root_object(), Some("index.html"));
    let behavior = config.default_cache_behavior().unwrap();
    assert_eq!(behavior.viewer_protocol_policy().as_str(), "https-only");
    let origin = &config.origins().unwrap().items()[0];
    assert!(origin.origin_access_control_id().is_some_and(|id| !id.is_empty()), "read through the OAC");
    let s3 = emu.s3().await;
    let policy = s3.get_bucket_policy().bucket("plinth-local-static-assets").send().await.unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"], ours[0].arn(), "only the CDN reads");
}

/// After destroy: no cluster, service, load balancer, target group, repository, log group,
/// scalable target or distribution of the stack is left.
pub async fn check_nothing_left(emu: &Emulator) {
    let config = emu.sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let clusters = ecs.describe_clusters().clusters(CLUSTER).send().await.unwrap();
    assert!(clusters.clusters().iter().all(|c| c.status() == Some("INACTIVE")), "cluster deleted");
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    assert!(elb.describe_load_balancers().send().await.unwrap().load_balancers().is_empty(), "load balancer deleted");
    assert!(elb.describe_target_groups().send().await.unwrap().target_groups().is_empty(), "target groups deleted");
    let ecr = aws_sdk_ecr::Client::new(&config);
    assert!(ecr.describe_repositories().send().await.unwrap().repositories().is_empty(), "repositories deleted");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let groups = logs.describe_log_groups().send().await.unwrap();
    let left: Vec<_> = groups.log_groups().iter().filter_map(|g| g.log_group_name()).filter(|n| n.contains("plinth")).collect();
    assert!(left.is_empty(), "log groups left: {left:?}");
    let scaling = aws_sdk_applicationautoscaling::Client::new(&config);
    let targets = scaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    assert!(targets.scalable_targets().is_empty(), "scalable targets deregistered");
    let cloudfront = aws_sdk_cloudfront::Client::new(&config);
    let list = cloudfront.list_distributions().send().await.unwrap();
    assert!(list.distribution_list().map(|l| l.items().is_empty()).unwrap_or(true), "distribution deleted");
}
