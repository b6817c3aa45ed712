//! Per service: its image repository (immutable tags, scanned on push, old images expire) and
//! its log group; and the WAF's log group (WAF requires the `aws-waf-logs-` prefix).

use crate::env::Env;
use crate::release::SERVICES;
use engine::{Handle, Stack};
use resources::ecr::{Encryption, Lifecycle, Repository, TagMutability};
use resources::logs::LogGroup;

/// One service's repository and log group, with the names its IAM policies are scoped to.
pub struct ServiceHome {
    pub service: &'static str,
    pub repository: Handle<Repository>,
    pub repository_name: String,
    pub log_group: Handle<LogGroup>,
    pub log_group_name: String,
}

/// The repositories and log groups of every service, in [`SERVICES`] order, and the WAF's log group.
pub struct Registry {
    pub services: Vec<ServiceHome>,
    pub waf_logs: Handle<LogGroup>,
}

fn log_group(stack: &mut Stack, env: &Env, resource: &str, name: String) -> Handle<LogGroup> {
    stack.add(resource, LogGroup { name, retention_days: env.compute.log_retention_days, ..Default::default() })
}

pub fn declare(stack: &mut Stack, env: &Env) -> Registry {
    let services = SERVICES
        .iter()
        .map(|service| {
            let repository_name = format!("plinth-{}/{service}", env.name);
            let repository = stack.add(
                format!("{service}-repository"),
                Repository {
                    name: repository_name.clone(),
                    image_tag_mutability: TagMutability::Immutable,
                    scan_on_push: true,
                    encryption: Encryption::default(),
                    lifecycle: Some(Lifecycle {
                        keep_last: env.compute.images_kept,
                        untagged_expire_days: env.compute.untagged_image_days,
                    }),
                    force_delete: env.disposable_data,
                    ..Default::default()
                },
            );
            let log_group_name = format!("/plinth/{}/{service}", env.name);
            let log_group = log_group(stack, env, &format!("{service}-logs"), log_group_name.clone());
            ServiceHome { service, repository, repository_name, log_group, log_group_name }
        })
        .collect();
    let waf_logs = log_group(stack, env, "waf-logs", format!("aws-waf-logs-plinth-{}", env.name));
    Registry { services, waf_logs }
}
