//! `aws:ec2:DefaultSecurityGroup`: the default security group of a VPC (group name `default`),
//! which AWS creates with the VPC and deletes with it. Plinth never creates or deletes it:
//! "create" adopts it (found by `vpc-id` and `group-name=default`), tags it and makes its rules
//! exactly the program's; "delete" removes Plinth's tags and leaves the group as it is (with
//! the program's last rules, typically none: putting back AWS's allow-all defaults would undo the
//! hardening). The program's rule lists default to empty: a default group with no rules
//! (AWS FSBP EC2.2 / CIS 5.4). Read reports the group's live rules, so any rule added out of
//! band (including AWS's own self-referencing ingress and allow-all egress) shows as drift.
//!
//! Ownership: the group is claimed only when its VPC carries this stack's `plinth:stack` and a
//! `plinth:name` (a VPC this stack manages) and the group carries no other resource's
//! `plinth:*` tags ([`super::defaults`]); after that it carries both tags of this resource and
//! `find` adopts it by them. Rules another Plinth resource owns (a tagged
//! `aws:ec2:SecurityGroupRule`) are left alone, as in `aws:ec2:SecurityGroup`.
//! The VPC forces a replacement (another VPC has another default group); the old group is
//! released, never deleted.

use super::check;
use super::defaults::{claim, release, the_one, vpc_is_ours};
use super::find::{by_id, missing, owned};
use super::sg_rules::{self, Rule};
use super::sg_sync::{converge, groups_with_rules, GroupWithRules};
use super::tags::Ec2;
use crate::error::classify;
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, SecurityGroup as SdkGroup};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

const WHAT: &str = "the default security group";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DefaultSecurityGroup {
    /// The VPC whose default group this is.
    pub vpc_id: Input<String>,
    /// Inbound rules the group keeps (none by default).
    pub ingress: Vec<Rule>,
    /// Outbound rules the group keeps (none by default).
    pub egress: Vec<Rule>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultSecurityGroupOutputs {
    pub group_id: String,
}

impl Resource for DefaultSecurityGroup {
    const KIND: &'static str = "aws:ec2:DefaultSecurityGroup";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["vpc_id"];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = DefaultSecurityGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DefaultSecurityGroupOutputs) -> String {
        outputs.group_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        problems.extend(sg_rules::problems("ingress", &self.ingress));
        problems.extend(sg_rules::problems("egress", &self.egress));
        problems
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<DefaultSecurityGroupOutputs, ProviderError> {
        let vpc_id = self.vpc_id.as_str();
        vpc_is_ours(cx, vpc_id, meta, WHAT).await?;
        // A VPC made a moment ago may not show its default group yet (EC2 is eventually consistent).
        let group = until_visible(&format!("{WHAT} of VPC {vpc_id}"), || default_group(cx, vpc_id)).await?;
        let group_id = group.group_id().ok_or_else(|| missing("security group id"))?.to_string();
        claim(cx, &group_id, &tags::from_sdk(group.tags()), &self.tags, meta).await?;
        // Rules owned elsewhere are told apart by the group's own plinth:name: read it tagged.
        let group = by_id::<SdkGroup>(cx, &group_id).await?.ok_or_else(|| missing("the default security group"))?;
        converge(cx, &group, &self.ingress, &self.egress).await?;
        Ok(DefaultSecurityGroupOutputs { group_id })
    }

    async fn read(
        &self,
        out: &DefaultSecurityGroupOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let found = crate::kit::only_result(groups_with_rules(cx, &[&out.group_id]).await, &out.group_id)?;
        found.map(|group| self.observed(out, group)).transpose()
    }

    /// Two calls per batch: the groups by id, then the rules of all of them.
    async fn read_batch(
        batch: Vec<(Self, DefaultSecurityGroupOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let ids: Vec<&str> = batch.iter().map(|(_, out)| out.group_id.as_str()).collect();
        let found = groups_with_rules(cx, &ids).await;
        batch.iter().zip(found).map(|((r, out), found)| found?.map(|g| r.observed(out, g)).transpose()).collect()
    }

    async fn update(
        &self,
        old: &Self,
        out: &DefaultSecurityGroupOutputs,
        cx: &AwsContext,
    ) -> Result<DefaultSecurityGroupOutputs, ProviderError> {
        let group = by_id::<SdkGroup>(cx, &out.group_id).await?.ok_or_else(|| gone(&out.group_id))?;
        converge(cx, &group, &self.ingress, &self.egress).await?;
        tags::sync::<Ec2>(cx, &out.group_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    /// Removes this resource's tags; the group stays (AWS deletes it with the VPC).
    async fn delete(&self, out: &DefaultSecurityGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        release(cx, &out.group_id, &self.tags).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DefaultSecurityGroupOutputs>, ProviderError> {
        let found = owned::<SdkGroup>(Self::KIND, meta, cx).await?;
        let found = found.filter(|g| g.group_name() == Some("default"));
        found
            .map(|g| {
                let group_id = g.group_id().ok_or_else(|| missing("security group id"))?.to_string();
                Ok(DefaultSecurityGroupOutputs { group_id })
            })
            .transpose()
    }
}

/// The default group of `vpc_id`.
async fn default_group(cx: &AwsContext, vpc_id: &str) -> Result<SdkGroup, ProviderError> {
    let filters = [("vpc-id", vpc_id), ("group-name", "default")]
        .map(|(name, value)| Filter::builder().name(name).values(value).build());
    let out = cx.ec2().describe_security_groups().set_filters(Some(filters.to_vec())).send().await;
    let out = out.map_err(|e| classify("DescribeSecurityGroups", e))?;
    the_one(out.security_groups().to_vec(), WHAT, vpc_id)
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(engine::ErrorClass::NotFound, format!("security group {id} no longer exists"))
}

impl DefaultSecurityGroup {
    /// The group as its live description and own rules say.
    fn observed(
        &self,
        out: &DefaultSecurityGroupOutputs,
        found: GroupWithRules,
    ) -> Result<Observed<Self>, ProviderError> {
        let (group, live_in, live_out) = found;
        let seen = DefaultSecurityGroup {
            vpc_id: Input::Value(group.vpc_id().ok_or_else(|| missing("security group vpc id"))?.to_string()),
            ingress: sg_rules::observed(&self.ingress, &live_in),
            egress: sg_rules::observed(&self.egress, &live_out),
            tags: tags::from_sdk(group.tags()),
        };
        Ok(Observed { inputs: seen, outputs: out.clone() })
    }
}

crate::kit::kind!(DefaultSecurityGroup, unordered: ["ingress" by ["protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"], "egress" by ["protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"]]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_has_no_rules_and_bad_rules_are_named() {
        let empty: DefaultSecurityGroup =
            serde_json::from_value(serde_json::json!({ "vpc_id": "vpc-1" })).expect("json");
        assert!(empty.ingress.is_empty() && empty.egress.is_empty());
        assert!(empty.validate().is_empty());
        let bad = DefaultSecurityGroup {
            vpc_id: Input::Value(String::new()),
            ingress: vec![Rule { from_port: 1, to_port: 1, ..Default::default() }],
            ..Default::default()
        };
        assert_eq!(
            bad.validate(),
            ["vpc_id must not be empty", "ingress[0] needs cidr_blocks or a source_security_group_id"]
        );
    }
}
