//! `aws:rds:DbSubnetGroup`: the subnets an RDS instance may be placed in. The name is unique in
//! the account and region, so a replacement deletes first; description and subnets change in
//! place (ModifyDBSubnetGroup), tags by ARN.
//!
//! Emulator gap (moto 5.2.1 and 5.2.5): ModifyDBSubnetGroup answers 200 but removes the group from
//! moto's backend, so a read after an in-place subnet change finds it gone there (asserted in
//! tests/tests/rds_kinds.rs). AWS keeps the group with the new subnets.

use super::find::{find_db_subnet_group, missing};
use super::name_problems;
use super::tags::Rds;
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::observed_ids;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// A DB subnet group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DbSubnetGroup {
    /// The group name (lower case; RDS stores it so).
    pub name: String,
    pub description: String,
    /// At least two subnets in different availability zones (AWS checks the zones).
    pub subnet_ids: Vec<Input<String>>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbSubnetGroupOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for DbSubnetGroup {
    const KIND: &'static str = "aws:rds:DbSubnetGroup";
    const SERVICE: &'static str = "rds";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = DbSubnetGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DbSubnetGroupOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name, 255);
        if self.name == "default" {
            problems.push("name `default` is reserved by RDS".to_string());
        }
        if self.description.trim().is_empty() {
            problems.push("description must not be empty (RDS requires one)".to_string());
        }
        if self.subnet_ids.len() < 2 {
            problems.push(format!(
                "subnet_ids has {} subnet(s): RDS needs at least two, in different availability zones",
                self.subnet_ids.len()
            ));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<DbSubnetGroupOutputs, ProviderError> {
        let out = cx
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&self.name)
            .db_subnet_group_description(&self.description)
            .set_subnet_ids(Some(self.subnet_id_values()))
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_rds))
            .send()
            .await
            .map_err(|e| classify("CreateDBSubnetGroup", e))?;
        let group = out.db_subnet_group().ok_or_else(|| missing("CreateDBSubnetGroup subnet group"))?;
        outputs(group)
    }

    async fn read(&self, out: &DbSubnetGroupOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(group) = find_db_subnet_group(cx, &out.name).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.name = group.db_subnet_group_name().unwrap_or(&out.name).to_string();
        seen.description = group.db_subnet_group_description().unwrap_or_default().to_string();
        let live: Vec<String> =
            group.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string).collect();
        seen.subnet_ids = observed_ids(&self.subnet_ids, live);
        seen.tags = tags::read::<Rds>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs(&group)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &DbSubnetGroupOutputs,
        cx: &AwsContext,
    ) -> Result<DbSubnetGroupOutputs, ProviderError> {
        if self.description != old.description || self.subnet_ids != old.subnet_ids {
            cx.rds()
                .modify_db_subnet_group()
                .db_subnet_group_name(&out.name)
                .db_subnet_group_description(&self.description)
                .set_subnet_ids(Some(self.subnet_id_values()))
                .send()
                .await
                .map_err(|e| classify("ModifyDBSubnetGroup", e))?;
        }
        tags::sync::<Rds>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &DbSubnetGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.rds().delete_db_subnet_group().db_subnet_group_name(&out.name).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteDBSubnetGroup", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DbSubnetGroupOutputs>, ProviderError> {
        let Some(group) = find_db_subnet_group(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&group)?;
        let live_tags = tags::read::<Rds>(cx, &found.arn).await?;
        adopt(&format!("DB subnet group {}", self.name), &live_tags, meta, found)
    }
}

impl DbSubnetGroup {
    fn subnet_id_values(&self) -> Vec<String> {
        self.subnet_ids.iter().map(|s| s.value().clone()).collect()
    }
}

fn outputs(group: &aws_sdk_rds::types::DbSubnetGroup) -> Result<DbSubnetGroupOutputs, ProviderError> {
    Ok(DbSubnetGroupOutputs {
        name: group.db_subnet_group_name().ok_or_else(|| missing("DB subnet group name"))?.to_string(),
        arn: group.db_subnet_group_arn().ok_or_else(|| missing("DB subnet group ARN"))?.to_string(),
    })
}

crate::kit::kind!(DbSubnetGroup, unordered: ["subnet_ids"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<Input<String>> {
        v.iter().map(|s| Input::from(*s)).collect()
    }

    #[test]
    fn validate_names_fields() {
        let group = DbSubnetGroup { name: "Default".into(), subnet_ids: ids(&["subnet-a"]), ..Default::default() };
        let problems = group.validate();
        assert!(problems.iter().any(|p| p.starts_with("name `Default`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("description")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("subnet_ids has 1 subnet(s)")), "{problems:?}");
        let ok = DbSubnetGroup {
            name: "plinth-db".into(),
            description: "db subnets".into(),
            subnet_ids: ids(&["subnet-a", "subnet-b"]),
            tags: Tags::new(),
        };
        assert!(ok.validate().is_empty());
    }
}
