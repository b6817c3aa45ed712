//! `aws:elasticache:CacheSubnetGroup`: the subnets a cache may place nodes in. The name is unique
//! in the account and forces a replacement (old one deleted first); description, subnets and tags
//! change in place.
//!
//! Emulator gaps (moto 5.2): ModifyCacheSubnetGroup and DeleteCacheSubnetGroup are not
//! implemented (HTTP 500): in place subnet/description changes and deletion fail there; tags work.

use super::find::{find_subnet_group, missing};
use super::tags::ElastiCache;
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::observed_ids;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheSubnetGroup {
    /// Unique in the account; AWS stores it lowercase, so only lowercase is accepted.
    pub name: String,
    pub description: String,
    /// Subnets of one VPC; order does not matter.
    pub subnet_ids: Vec<Input<String>>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheSubnetGroupOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for CacheSubnetGroup {
    const KIND: &'static str = "aws:elasticache:CacheSubnetGroup";
    const SERVICE: &'static str = "elasticache";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = CacheSubnetGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &CacheSubnetGroupOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let name_ok = (1..=255).contains(&self.name.len())
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            problems.push(format!(
                "name `{}` must be 1-255 characters of lowercase letters, digits and hyphens",
                self.name
            ));
        }
        if self.description.trim().is_empty() {
            problems.push("description must not be empty (CreateCacheSubnetGroup requires one)".to_string());
        }
        if self.subnet_ids.is_empty() {
            problems.push("subnet_ids must name at least one subnet".to_string());
        }
        for id in self.subnet_ids.iter().filter_map(Input::known) {
            if !id.starts_with("subnet-") {
                problems.push(format!("subnet_ids entry `{id}` is not a subnet id (subnet-...)"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<CacheSubnetGroupOutputs, ProviderError> {
        let out = cx
            .elasticache()
            .create_cache_subnet_group()
            .cache_subnet_group_name(&self.name)
            .cache_subnet_group_description(&self.description)
            .set_subnet_ids(Some(self.subnet_id_values()))
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_elasticache))
            .send()
            .await
            .map_err(|e| classify("CreateCacheSubnetGroup", e))?;
        let arn = out.cache_subnet_group().and_then(|g| g.arn()).ok_or_else(|| missing("cache subnet group ARN"))?;
        Ok(CacheSubnetGroupOutputs { name: self.name.clone(), arn: arn.to_string() })
    }

    async fn read(
        &self,
        out: &CacheSubnetGroupOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(group) = find_subnet_group(cx, &out.name).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.name = out.name.clone();
        seen.description = group.cache_subnet_group_description().unwrap_or_default().to_string();
        let live = group.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string);
        seen.subnet_ids = observed_ids(&self.subnet_ids, live.collect());
        let arn = group.arn().map(str::to_string).unwrap_or_else(|| out.arn.clone());
        seen.tags = tags::read::<ElastiCache>(cx, &arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: CacheSubnetGroupOutputs { name: out.name.clone(), arn } }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &CacheSubnetGroupOutputs,
        cx: &AwsContext,
    ) -> Result<CacheSubnetGroupOutputs, ProviderError> {
        if self.description != old.description || self.subnet_id_values() != old.subnet_id_values() {
            // moto 5.2: not implemented (HTTP 500).
            cx.elasticache()
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&out.name)
                .cache_subnet_group_description(&self.description)
                .set_subnet_ids(Some(self.subnet_id_values()))
                .send()
                .await
                .map_err(|e| classify("ModifyCacheSubnetGroup", e))?;
        }
        tags::sync::<ElastiCache>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &CacheSubnetGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        // moto 5.2: not implemented (HTTP 500), so the emulator cannot delete a subnet group.
        let result = cx.elasticache().delete_cache_subnet_group().cache_subnet_group_name(&out.name).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteCacheSubnetGroup", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<CacheSubnetGroupOutputs>, ProviderError> {
        let Some(group) = find_subnet_group(cx, &self.name).await? else { return Ok(None) };
        let arn = group.arn().ok_or_else(|| missing("cache subnet group ARN"))?.to_string();
        let live_tags = tags::read::<ElastiCache>(cx, &arn).await?;
        let found = CacheSubnetGroupOutputs { name: self.name.clone(), arn };
        adopt(&format!("cache subnet group {}", self.name), &live_tags, meta, found)
    }
}

impl CacheSubnetGroup {
    /// The subnet ids, sorted: the set the API is given and compared on.
    fn subnet_id_values(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.subnet_ids.iter().map(|s| s.value().clone()).collect();
        ids.sort();
        ids
    }
}

crate::kit::kind!(CacheSubnetGroup, unordered: ["subnet_ids"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CacheSubnetGroup {
        CacheSubnetGroup {
            name: "jobs-cache".into(),
            description: "cache subnets".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            tags: Tags::new(),
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
        assert!(problems[1].starts_with("description"), "{problems:?}");
        assert!(problems[2].starts_with("subnet_ids"), "{problems:?}");
        let group = CacheSubnetGroup { subnet_ids: vec!["sg-1".into()], ..valid() };
        assert_eq!(group.validate(), ["subnet_ids entry `sg-1` is not a subnet id (subnet-...)"]);
    }
}
