//! `aws:rds:DbSubnetGroup`: the subnets an RDS instance may be placed in (the shared subnet group
//! kind, [`crate::kit::subnet_group`]; this file spells RDS's calls and rules).
//!
//! Emulator gap (moto 5.2.1 and 5.2.5): ModifyDBSubnetGroup answers 200 but removes the group from
//! moto's backend, so a read after an in-place subnet change finds it gone there (asserted in
//! tests/tests/rds_kinds.rs). AWS keeps the group with the new subnets.

use super::find::{find_db_subnet_group, missing};
use super::name_problems;
use super::tags::Rds;
use crate::error::classify;
use crate::kit::retry::no_retry;
use crate::kit::subnet_group::{LiveSubnetGroup, SubnetGroup, SubnetGroupApi, SubnetGroupOutputs};
use crate::tags;
use crate::AwsContext;
use engine::ProviderError;

/// RDS's spelling of a subnet group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdsSubnets;

/// A DB subnet group: at least two subnets in different availability zones.
pub type DbSubnetGroup = SubnetGroup<RdsSubnets>;
pub type DbSubnetGroupOutputs = SubnetGroupOutputs;

impl SubnetGroupApi for RdsSubnets {
    const KIND: &'static str = "aws:rds:DbSubnetGroup";
    const SERVICE: &'static str = "rds";
    const NOUN: &'static str = "DB subnet group";
    type TagApi = Rds;

    fn problems(group: &DbSubnetGroup) -> Vec<String> {
        let mut problems = name_problems("name", &group.name, 255);
        if group.name == "default" {
            problems.push("name `default` is reserved by RDS".to_string());
        }
        if group.subnet_ids.len() < 2 {
            problems.push(format!(
                "subnet_ids has {} subnet(s): RDS needs at least two, in different availability zones",
                group.subnet_ids.len()
            ));
        }
        problems
    }

    async fn create(cx: &AwsContext, group: &DbSubnetGroup) -> Result<LiveSubnetGroup, ProviderError> {
        let out = cx
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&group.name)
            .db_subnet_group_description(&group.description)
            .set_subnet_ids(Some(group.subnet_id_values()))
            .set_tags(tags::to_sdk(&group.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_rds))
            .send()
            .await
            .map_err(|e| classify("CreateDBSubnetGroup", e))?;
        live(out.db_subnet_group().ok_or_else(|| missing("CreateDBSubnetGroup subnet group"))?)
    }

    async fn describe(cx: &AwsContext, name: &str) -> Result<Option<LiveSubnetGroup>, ProviderError> {
        find_db_subnet_group(cx, name).await?.as_ref().map(live).transpose()
    }

    async fn modify(cx: &AwsContext, group: &DbSubnetGroup) -> Result<(), ProviderError> {
        cx.rds()
            .modify_db_subnet_group()
            .db_subnet_group_name(&group.name)
            .db_subnet_group_description(&group.description)
            .set_subnet_ids(Some(group.subnet_id_values()))
            .send()
            .await
            .map_err(|e| classify("ModifyDBSubnetGroup", e))?;
        Ok(())
    }

    async fn delete(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
        let result = cx.rds().delete_db_subnet_group().db_subnet_group_name(name).send().await;
        result.map(|_| ()).map_err(|e| classify("DeleteDBSubnetGroup", e))
    }
}

fn live(group: &aws_sdk_rds::types::DbSubnetGroup) -> Result<LiveSubnetGroup, ProviderError> {
    Ok(LiveSubnetGroup {
        name: group.db_subnet_group_name().ok_or_else(|| missing("DB subnet group name"))?.to_string(),
        arn: group.db_subnet_group_arn().ok_or_else(|| missing("DB subnet group ARN"))?.to_string(),
        description: group.db_subnet_group_description().unwrap_or_default().to_string(),
        subnet_ids: group.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string).collect(),
    })
}

crate::kit::kind!(DbSubnetGroup, unordered: ["subnet_ids"]);

#[cfg(test)]
mod tests {
    use super::*;
    use engine::{Input, Resource, Tags};

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
            ..Default::default()
        };
        assert!(ok.validate().is_empty());
    }
}
