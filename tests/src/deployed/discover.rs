//! Finding the stack's objects from the outside: every list here is filtered by the
//! `plinth:stack` tag as the service reports it (EC2 filters, ELB DescribeTags, RDS TagList,
//! ECS `include TAGS`, ElastiCache ListTagsForResource), never by Plinth's state or names.
//! Shared by the areas that need the same objects (the load balancer for the security groups,
//! the edge and the alarms; the services for compute and the data tier's sources).

use super::target::Target;
use super::error_text;
use aws_sdk_ec2::types::SecurityGroup;
use aws_sdk_ecs::types::{Cluster, ClusterField, Service, ServiceField, TaskDefinition};
use aws_sdk_elasticache::types::ReplicationGroup;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, TargetGroup};
use aws_sdk_rds::types::DbInstance;

/// The objects found, or why the search failed (a sentence naming the call).
pub type Found<T> = Result<Vec<T>, String>;

pub async fn security_groups(t: &Target) -> Found<SecurityGroup> {
    let out = t.ec2().describe_security_groups().filters(t.stack_filter()).send().await;
    out.map(|o| o.security_groups().to_vec()).map_err(|e| format!("DescribeSecurityGroups: {}", error_text(e)))
}

/// The stack's load balancers (DescribeTags, 20 ARNs a call).
pub async fn load_balancers(t: &Target) -> Found<LoadBalancer> {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(t.sdk());
    let all: Vec<LoadBalancer> = elb
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| format!("DescribeLoadBalancers: {}", error_text(e)))?;
    let mut owned = Vec::new();
    for chunk in all.chunks(20) {
        let arns: Vec<String> = chunk.iter().filter_map(|lb| lb.load_balancer_arn().map(str::to_string)).collect();
        let tags = elb.describe_tags().set_resource_arns(Some(arns)).send().await;
        let tags = tags.map_err(|e| format!("DescribeTags: {}", error_text(e)))?;
        for description in tags.tag_descriptions() {
            if t.owns(description.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))) {
                owned.extend(chunk.iter().filter(|lb| lb.load_balancer_arn() == description.resource_arn()).cloned());
            }
        }
    }
    Ok(owned)
}

pub async fn target_groups(t: &Target, load_balancer_arn: &str) -> Found<TargetGroup> {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(t.sdk());
    let out = elb.describe_target_groups().load_balancer_arn(load_balancer_arn).send().await;
    out.map(|o| o.target_groups().to_vec()).map_err(|e| format!("DescribeTargetGroups: {}", error_text(e)))
}

fn ecs_owned(t: &Target, tags: &[aws_sdk_ecs::types::Tag]) -> bool {
    t.owns(tags.iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())))
}

pub async fn clusters(t: &Target) -> Found<Cluster> {
    let ecs = aws_sdk_ecs::Client::new(t.sdk());
    let arns = ecs.list_clusters().send().await.map_err(|e| format!("ListClusters: {}", error_text(e)))?;
    let mut owned = Vec::new();
    for chunk in arns.cluster_arns().chunks(100) {
        let out = ecs.describe_clusters().set_clusters(Some(chunk.to_vec())).include(ClusterField::Tags).send().await;
        let out = out.map_err(|e| format!("DescribeClusters: {}", error_text(e)))?;
        owned.extend(out.clusters().iter().filter(|c| ecs_owned(t, c.tags())).cloned());
    }
    Ok(owned)
}

/// The stack's services in the stack's clusters.
pub async fn services(t: &Target) -> Found<Service> {
    let ecs = aws_sdk_ecs::Client::new(t.sdk());
    let mut owned = Vec::new();
    for cluster in clusters(t).await? {
        let arn = cluster.cluster_arn().unwrap_or_default();
        let listed = ecs.list_services().cluster(arn).send().await;
        let listed = listed.map_err(|e| format!("ListServices {arn}: {}", error_text(e)))?;
        for chunk in listed.service_arns().chunks(10) {
            let out = ecs
                .describe_services()
                .cluster(arn)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await
                .map_err(|e| format!("DescribeServices {arn}: {}", error_text(e)))?;
            owned.extend(out.services().iter().filter(|s| ecs_owned(t, s.tags())).cloned());
        }
    }
    Ok(owned)
}

pub async fn task_definition(t: &Target, arn: &str) -> Result<TaskDefinition, String> {
    let ecs = aws_sdk_ecs::Client::new(t.sdk());
    let out = ecs.describe_task_definition().task_definition(arn).send().await;
    let out = out.map_err(|e| format!("DescribeTaskDefinition {arn}: {}", error_text(e)))?;
    out.task_definition().cloned().ok_or_else(|| format!("DescribeTaskDefinition {arn}: no task definition"))
}

pub async fn db_instances(t: &Target) -> Found<DbInstance> {
    let rds = aws_sdk_rds::Client::new(t.sdk());
    let all: Vec<DbInstance> = rds
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| format!("DescribeDBInstances: {}", error_text(e)))?;
    let owned = |db: &DbInstance| t.owns(db.tag_list().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())));
    Ok(all.into_iter().filter(owned).collect())
}

pub async fn replication_groups(t: &Target) -> Found<ReplicationGroup> {
    let cache = aws_sdk_elasticache::Client::new(t.sdk());
    let all: Vec<ReplicationGroup> = cache
        .describe_replication_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| format!("DescribeReplicationGroups: {}", error_text(e)))?;
    let mut owned = Vec::new();
    for group in all {
        let arn = group.arn().unwrap_or_default();
        let tags = cache.list_tags_for_resource().resource_name(arn).send().await;
        let tags = tags.map_err(|e| format!("ListTagsForResource {arn}: {}", error_text(e)))?;
        if t.owns(tags.tag_list().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))) {
            owned.push(group);
        }
    }
    Ok(owned)
}

/// The security group ids the stack's ECS services run in.
pub async fn service_group_ids(t: &Target) -> Found<String> {
    let mut ids: Vec<String> = services(t)
        .await?
        .iter()
        .filter_map(|s| s.network_configuration()?.awsvpc_configuration())
        .flat_map(|c| c.security_groups().iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The ARN's last part after `prefix` (`app/<name>/<id>` of a load balancer: CloudWatch's
/// dimension value), or the whole ARN.
pub fn arn_suffix<'a>(arn: &'a str, prefix: &str) -> &'a str {
    arn.split_once(prefix).map(|(_, rest)| rest).unwrap_or(arn)
}
