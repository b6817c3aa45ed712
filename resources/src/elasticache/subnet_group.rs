//! `aws:elasticache:CacheSubnetGroup`: the subnets a cache may place nodes in (the shared subnet
//! group kind, [`crate::kit::subnet_group`]; this file spells ElastiCache's calls and rules).
//!
//! Emulator gaps (moto 5.2): ModifyCacheSubnetGroup and DeleteCacheSubnetGroup are not
//! implemented (HTTP 500): in place subnet/description changes and deletion fail there; tags work.

use super::find::{find_subnet_group, missing};
use super::tags::ElastiCache;
use crate::error::classify;
use crate::kit::retry::no_retry;
use crate::kit::subnet_group::{LiveSubnetGroup, SubnetGroup, SubnetGroupApi, SubnetGroupOutputs};
use crate::tags;
use crate::AwsContext;
use engine::ProviderError;

/// ElastiCache's spelling of a subnet group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheSubnets;

/// A cache subnet group: subnets of one VPC.
pub type CacheSubnetGroup = SubnetGroup<CacheSubnets>;
pub type CacheSubnetGroupOutputs = SubnetGroupOutputs;

impl SubnetGroupApi for CacheSubnets {
    const KIND: &'static str = "aws:elasticache:CacheSubnetGroup";
    const SERVICE: &'static str = "elasticache";
    const NOUN: &'static str = "cache subnet group";
    type TagApi = ElastiCache;

    fn problems(group: &CacheSubnetGroup) -> Vec<String> {
        let mut problems = Vec::new();
        let name_ok = (1..=255).contains(&group.name.len())
            && group.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            problems.push(format!(
                "name `{}` must be 1-255 characters of lowercase letters, digits and hyphens",
                group.name
            ));
        }
        if group.subnet_ids.is_empty() {
            problems.push("subnet_ids must name at least one subnet".to_string());
        }
        problems
    }

    async fn create(cx: &AwsContext, group: &CacheSubnetGroup) -> Result<LiveSubnetGroup, ProviderError> {
        let out = cx
            .elasticache()
            .create_cache_subnet_group()
            .cache_subnet_group_name(&group.name)
            .cache_subnet_group_description(&group.description)
            .set_subnet_ids(Some(group.subnet_id_values()))
            .set_tags(tags::to_sdk(&group.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_elasticache))
            .send()
            .await
            .map_err(|e| classify("CreateCacheSubnetGroup", e))?;
        live(out.cache_subnet_group().ok_or_else(|| missing("CreateCacheSubnetGroup subnet group"))?, &group.name)
    }

    async fn describe(cx: &AwsContext, name: &str) -> Result<Option<LiveSubnetGroup>, ProviderError> {
        find_subnet_group(cx, name).await?.as_ref().map(|g| live(g, name)).transpose()
    }

    async fn modify(cx: &AwsContext, group: &CacheSubnetGroup) -> Result<(), ProviderError> {
        // moto 5.2: not implemented (HTTP 500).
        cx.elasticache()
            .modify_cache_subnet_group()
            .cache_subnet_group_name(&group.name)
            .cache_subnet_group_description(&group.description)
            .set_subnet_ids(Some(group.subnet_id_values()))
            .send()
            .await
            .map_err(|e| classify("ModifyCacheSubnetGroup", e))?;
        Ok(())
    }

    async fn delete(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
        // moto 5.2: not implemented (HTTP 500), so the emulator cannot delete a subnet group.
        let result = cx.elasticache().delete_cache_subnet_group().cache_subnet_group_name(name).send().await;
        result.map(|_| ()).map_err(|e| classify("DeleteCacheSubnetGroup", e))
    }
}

/// ElastiCache keeps the name as given (`name` when the answer leaves it out).
fn live(group: &aws_sdk_elasticache::types::CacheSubnetGroup, name: &str) -> Result<LiveSubnetGroup, ProviderError> {
    Ok(LiveSubnetGroup {
        name: group.cache_subnet_group_name().unwrap_or(name).to_string(),
        arn: group.arn().ok_or_else(|| missing("cache subnet group ARN"))?.to_string(),
        description: group.cache_subnet_group_description().unwrap_or_default().to_string(),
        subnet_ids: group.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string).collect(),
    })
}

crate::kit::kind!(CacheSubnetGroup, unordered: ["subnet_ids"]);

#[cfg(test)]
mod tests {
    use super::*;
    use engine::{Resource, Tags};

    fn valid() -> CacheSubnetGroup {
        CacheSubnetGroup {
            name: "jobs-cache".into(),
            description: "cache subnets".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            tags: Tags::new(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_group_passes() {
        assert!(valid().validate().is_empty());
    }

    #[test]
    fn problems_name_field_and_value() {
        let group =
            CacheSubnetGroup { name: "Jobs_Cache".into(), description: " ".into(), subnet_ids: vec![], ..valid() };
        let problems = group.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("name `Jobs_Cache`"), "{problems:?}");
        assert!(problems[1].starts_with("subnet_ids"), "{problems:?}");
        assert!(problems[2].starts_with("description"), "{problems:?}");
        let group = CacheSubnetGroup { subnet_ids: vec!["sg-1".into()], ..valid() };
        assert_eq!(group.validate(), ["subnet_ids entry `sg-1` is not a subnet id (subnet-...)"]);
    }
}
