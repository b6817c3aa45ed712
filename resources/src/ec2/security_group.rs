//! `aws:ec2:SecurityGroup`: a VPC security group with its ingress and egress rules. Name,
//! description and VPC force a replacement, deleting first (the name is unique per VPC).
//! Rules are diffed against the live group and changed in place, exactly the difference.
//! The allow-all egress rule AWS adds to a new group is managed like any other: it is revoked
//! right after creation unless the program's egress list contains it.
//!
//! Create is CreateSecurityGroup (with its tags) followed only by the rule calls the difference
//! needs ([`sg_sync::converge_new`]): a new group's rules are known, so it is not described
//! first. A group with no ingress and no egress is two calls, the second revoking the default
//! egress rule.
//!
//! Rules owned by another Plinth resource (an `aws:ec2:SecurityGroupRule`, tagged with its own
//! `plinth:name`) are not the group's: its reads leave them out and its updates never revoke
//! them ([`sg_rules::own_permissions`] over DescribeSecurityGroupRules). Untagged rules, the
//! default egress rule and rules added out of band included, are the group's and drift.
//! Assumption: an inline rule is never identical to a standalone one (EC2 keeps one copy of a
//! rule; authorizing it twice is InvalidPermission.Duplicate).

use super::check;
use super::find::{by_id, for_import, missing, owned};
use super::sg_rules::{self, Rule};
use super::sg_sync::{self, converge};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ec2::types::ResourceType;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroup {
    pub name: String,
    pub description: String,
    pub vpc_id: Input<String>,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
    pub tags: Tags,
}

impl Default for SecurityGroup {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: "Managed by Plinth".into(),
            vpc_id: Input::default(),
            ingress: Vec::new(),
            egress: Vec::new(),
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupOutputs {
    pub group_id: String,
}

impl Resource for SecurityGroup {
    const KIND: &'static str = "aws:ec2:SecurityGroup";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "description", "vpc_id"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = SecurityGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &SecurityGroupOutputs) -> String {
        outputs.group_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        if self.name.is_empty() || self.name.len() > 255 {
            problems.push(format!("name `{}` must be 1 to 255 characters", self.name));
        }
        if self.name.to_ascii_lowercase().starts_with("sg-") {
            problems.push(format!("name `{}` must not start with `sg-`", self.name));
        }
        if self.description.is_empty() || self.description.len() > 255 {
            problems.push("description must be 1 to 255 characters".to_string());
        }
        problems.extend(sg_rules::problems("ingress", &self.ingress));
        problems.extend(sg_rules::problems("egress", &self.egress));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SecurityGroupOutputs, ProviderError> {
        let out = cx
            .ec2()
            .create_security_group()
            .group_name(&self.name)
            .description(&self.description)
            .vpc_id(self.vpc_id.as_str())
            .set_tag_specifications(specification(ResourceType::SecurityGroup, &self.tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| classify("CreateSecurityGroup", e))?;
        let group_id = out.group_id().ok_or_else(|| missing("CreateSecurityGroup group id"))?.to_string();
        // Converging the new group also revokes AWS's default egress rule when unwanted.
        if let Err(e) = sg_sync::converge_new(cx, &group_id, &self.ingress, &self.egress).await {
            // The create failed as a whole; if this cleanup fails, `find` adopts the group.
            if let Err(cleanup) = delete_group(cx, &group_id).await {
                tracing::warn!(group = %group_id, error = %cleanup, "could not remove a half-made security group");
            }
            return Err(e);
        }
        Ok(SecurityGroupOutputs { group_id })
    }

    async fn read(&self, out: &SecurityGroupOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let found = crate::kit::only_result(sg_sync::groups_with_rules(cx, &[&out.group_id]).await, &out.group_id)?;
        found.map(|group| self.observed(out, group)).transpose()
    }

    /// Two calls per batch: the groups by id, then the rules of all of them.
    async fn read_batch(
        batch: Vec<(Self, SecurityGroupOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let ids: Vec<&str> = batch.iter().map(|(_, out)| out.group_id.as_str()).collect();
        let found = sg_sync::groups_with_rules(cx, &ids).await;
        batch.iter().zip(found).map(|((r, out), found)| found?.map(|g| r.observed(out, g)).transpose()).collect()
    }

    async fn update(
        &self,
        old: &Self,
        out: &SecurityGroupOutputs,
        cx: &AwsContext,
    ) -> Result<SecurityGroupOutputs, ProviderError> {
        let group = by_id::<aws_sdk_ec2::types::SecurityGroup>(cx, &out.group_id).await?;
        converge(cx, &group.ok_or_else(|| gone(&out.group_id))?, &self.ingress, &self.egress).await?;
        tags::sync::<Ec2>(cx, &out.group_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &SecurityGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        delete_group(cx, &out.group_id).await
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<SecurityGroupOutputs, ProviderError> {
        let found = for_import::<aws_sdk_ec2::types::SecurityGroup>(Self::KIND, cx, id).await?;
        Ok(SecurityGroupOutputs { group_id: found.group_id().ok_or_else(|| missing("security group id"))?.to_string() })
    }

    async fn write_tags(
        out: &SecurityGroupOutputs,
        old: &Tags,
        new: &Tags,
        cx: &AwsContext,
    ) -> Result<(), ProviderError> {
        tags::sync::<Ec2>(cx, &out.group_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SecurityGroupOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::SecurityGroup>(Self::KIND, meta, cx).await?;
        found
            .map(|g| {
                Ok(SecurityGroupOutputs {
                    group_id: g.group_id().ok_or_else(|| missing("security group id"))?.to_string(),
                })
            })
            .transpose()
    }
}

async fn delete_group(cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
    let result = cx.ec2().delete_security_group().group_id(id).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteSecurityGroup", e)))
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(engine::ErrorClass::NotFound, format!("security group {id} no longer exists"))
}

impl SecurityGroup {
    /// The group as its live description and own rules say.
    fn observed(
        &self,
        out: &SecurityGroupOutputs,
        found: sg_sync::GroupWithRules,
    ) -> Result<Observed<Self>, ProviderError> {
        let (group, live_in, live_out) = found;
        let seen = SecurityGroup {
            name: group.group_name().ok_or_else(|| missing("security group name"))?.to_string(),
            description: group.description().ok_or_else(|| missing("security group description"))?.to_string(),
            vpc_id: Input::Value(group.vpc_id().ok_or_else(|| missing("security group vpc id"))?.to_string()),
            ingress: sg_rules::observed(&self.ingress, &live_in),
            egress: sg_rules::observed(&self.egress, &live_out),
            tags: tags::from_sdk(group.tags()),
        };
        Ok(Observed { inputs: seen, outputs: out.clone() })
    }
}

crate::kit::kind!(SecurityGroup, unordered: ["ingress" by ["protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"], "egress" by ["protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"]]);
