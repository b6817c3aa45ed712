//! `aws:ec2:SecurityGroupRule`: one ingress or egress rule of a security group, managed as its own
//! resource (EC2's security group rule, `sgr-…`). Two groups that name each other (the load
//! balancer may send only to the services' group, which accepts only from the load balancer's)
//! are a reference cycle as inline rules of `ec2::SecurityGroup`; as standalone rules each rule
//! depends on both groups and the groups on nothing.
//!
//! The rule has the shape of an inline [`Rule`] (its fields sit at the top level of the inputs)
//! with exactly one target: one CIDR in `cidr_blocks` or one `source_security_group_id` (for an
//! egress rule, the destination group).
//!
//! # Guarantees
//! * Create is one AuthorizeSecurityGroupIngress/Egress call carrying the tags
//!   (TagSpecifications, resource type `security-group-rule`), sent with `no_retry!`; the rule id
//!   comes from the answer's SecurityGroupRules. A lost answer is found by `find`.
//! * Only `description` and `tags` change in place (UpdateSecurityGroupRuleDescriptions*, CreateTags
//!   / DeleteTags); every other field replaces, deleting first: EC2 keeps one copy of a rule, so
//!   the new one could not be created while the old one exists (InvalidPermission.Duplicate).
//! * Delete revokes by rule id; a rule or group already gone is Ok.
//! * `find` looks in the rule's group for rules tagged with both `plinth:name` and `plinth:stack`.
//! * The group's own `ec2::SecurityGroup` leaves this rule alone (it skips rules tagged with
//!   another `plinth:name`).
//!
//! # Emulator gaps (moto 5.2.5, fixed in `scripts/moto_patches/ec2_rules.py`)
//! * DescribeSecurityGroupRules answered a group-referencing rule without its description.
//! * A group-referencing rule's description could not be updated (moto compared the old
//!   description as part of the rule and answered success, changing nothing).
//! * Not patched: UpdateSecurityGroupRuleDescriptions* without a description keeps the old one in
//!   moto (AWS removes it), so removing a description is not exercised on the emulator.

use super::check;
use super::find::{missing, single, tag_filters, Ec2Object};
use super::sg_rules::{self, Direction, Permissions, Rule};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, ResourceType, SecurityGroupRule as SdkRule, Tag};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRule {
    /// The group the rule belongs to.
    pub group_id: Input<String>,
    pub direction: Direction,
    /// Protocol, ports, the one target and the description (top-level fields of the inputs).
    #[serde(flatten)]
    pub rule: Rule,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupRuleOutputs {
    /// EC2's id of the rule (`sgr-…`).
    pub rule_id: String,
    pub group_id: String,
}

impl Resource for SecurityGroupRule {
    const KIND: &'static str = "aws:ec2:SecurityGroupRule";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] =
        &["group_id", "direction", "protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = SecurityGroupRuleOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &SecurityGroupRuleOutputs) -> String {
        outputs.rule_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("group_id", &self.group_id);
        // The rule's own checks, named by field ("to_port 70000 is not a port (0-65535)").
        let own = self.rule.problems("").into_iter().map(|p| p.trim_start_matches([':', '.', ' ']).to_string());
        problems.extend(own.filter(|p| !p.starts_with("needs ")));
        let targets = self.rule.cidr_blocks.len() + usize::from(self.rule.source_security_group_id.is_some());
        if targets != 1 {
            problems.push(format!(
                "cidr_blocks / source_security_group_id: a security group rule has exactly one target (one CIDR \
                 in cidr_blocks or one source_security_group_id), found {targets}"
            ));
        }
        if self.rule.description.as_ref().is_some_and(|d| d.len() > 255) {
            problems.push("description must be at most 255 characters".to_string());
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SecurityGroupRuleOutputs, ProviderError> {
        let group_id = self.group_id.value().clone();
        let rules = authorize(cx, &group_id, self.direction, &self.rule.permissions(), &self.tags).await?;
        let rule_id = rules.iter().find_map(SdkRule::security_group_rule_id);
        let rule_id = rule_id.ok_or_else(|| missing("security group rule id in the Authorize answer"))?;
        Ok(SecurityGroupRuleOutputs { rule_id: rule_id.to_string(), group_id })
    }

    super::find::reads_by_id!(SdkRule, rule_id);

    async fn update(
        &self,
        old: &Self,
        out: &SecurityGroupRuleOutputs,
        cx: &AwsContext,
    ) -> Result<SecurityGroupRuleOutputs, ProviderError> {
        let wanted = self.rule.permissions();
        if wanted != old.rule.permissions() {
            update_description(cx, &out.group_id, self.direction, &wanted).await?;
        }
        tags::sync::<Ec2>(cx, &out.rule_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &SecurityGroupRuleOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let ids = Some(vec![out.rule_id.clone()]);
        let result = match self.direction {
            Direction::Ingress => {
                let call = cx.ec2().revoke_security_group_ingress().group_id(&out.group_id);
                let sent = call.set_security_group_rule_ids(ids).send().await;
                sent.map(|_| ()).map_err(|e| classify("RevokeSecurityGroupIngress", e))
            }
            Direction::Egress => {
                let call = cx.ec2().revoke_security_group_egress().group_id(&out.group_id);
                let sent = call.set_security_group_rule_ids(ids).send().await;
                sent.map(|_| ()).map_err(|e| classify("RevokeSecurityGroupEgress", e))
            }
        };
        // A rule already revoked (InvalidPermission.NotFound, InvalidSecurityGroupRuleId.NotFound)
        // or a group already deleted with its rules (InvalidGroup.NotFound) is gone.
        ok_if_not_found(result)
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SecurityGroupRuleOutputs>, ProviderError> {
        let group_id = self.group_id.value();
        let mut filters = tag_filters(meta);
        filters.push(Filter::builder().name("group-id").values(group_id).build());
        let all = none_if_group_gone(SdkRule::describe(cx, None, filters).await)?;
        let candidate =
            |r: &SdkRule| r.security_group_rule_id().is_some_and(|id| Some(id) != meta.replacing.as_deref());
        let owned = all.into_iter().filter(|r| candidate(r) && engine::owned_by(&tags::from_sdk(r.tags()), meta));
        let found = owned.map(|r| (r.security_group_rule_id().unwrap_or_default().to_string(), r)).collect();
        let rule = single(Self::KIND, meta, found)?;
        Ok(rule.and_then(|r| {
            let rule_id = r.security_group_rule_id()?.to_string();
            Some(SecurityGroupRuleOutputs { rule_id, group_id: group_id.clone() })
        }))
    }
}

impl Ec2Object for SdkRule {
    fn id(&self) -> Option<&str> {
        self.security_group_rule_id()
    }
    fn tags(&self) -> &[Tag] {
        SdkRule::tags(self)
    }
    async fn describe(
        cx: &AwsContext,
        ids: Option<Vec<String>>,
        filters: Vec<Filter>,
    ) -> Result<Vec<Self>, ProviderError> {
        let call = cx.ec2().describe_security_group_rules().set_security_group_rule_ids(ids);
        let call = if filters.is_empty() { call } else { call.set_filters(Some(filters)) };
        let mut pages = call.into_paginator().items().send();
        let mut rules = Vec::new();
        while let Some(rule) = pages.try_next().await.map_err(|e| classify("DescribeSecurityGroupRules", e))? {
            rules.push(rule);
        }
        Ok(rules)
    }
}

/// No rules when the group itself is gone (its rules went with it).
fn none_if_group_gone(found: Result<Vec<SdkRule>, ProviderError>) -> Result<Vec<SdkRule>, ProviderError> {
    match found {
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        other => other,
    }
}

/// The live rule in the program's shape: the program's rule when the target, protocol and ports
/// are the same (with the live description when that differs), otherwise the live rule as EC2
/// stores it (a rule without a target when EC2's is one Plinth does not model, IPv6 or a prefix
/// list, so the difference shows).
fn observed(program: &Rule, live: &Permissions) -> Rule {
    let wanted = program.permissions();
    match (wanted.iter().next(), live.iter().next()) {
        (Some((wanted_key, wanted_desc)), Some((live_key, live_desc)))
            if wanted.len() == 1 && wanted_key == live_key =>
        {
            let description = if wanted_desc == live_desc { program.description.clone() } else { live_desc.clone() };
            Rule { description, ..program.clone() }
        }
        _ => sg_rules::observed(&[], live).into_iter().next().unwrap_or_default(),
    }
}

/// Authorizes the one permission with the rule's tags; the answer lists the rule created.
async fn authorize(
    cx: &AwsContext,
    group_id: &str,
    direction: Direction,
    perms: &Permissions,
    tags: &Tags,
) -> Result<Vec<SdkRule>, ProviderError> {
    let perms = Some(sg_rules::to_sdk(perms));
    let spec = specification(ResourceType::SecurityGroupRule, tags);
    let rules = match direction {
        Direction::Ingress => {
            let call = cx.ec2().authorize_security_group_ingress().group_id(group_id).set_ip_permissions(perms);
            let call = call.set_tag_specifications(spec).customize().config_override(no_retry!(aws_sdk_ec2));
            let out = call.send().await.map_err(|e| classify("AuthorizeSecurityGroupIngress", e))?;
            out.security_group_rules().to_vec()
        }
        Direction::Egress => {
            let call = cx.ec2().authorize_security_group_egress().group_id(group_id).set_ip_permissions(perms);
            let call = call.set_tag_specifications(spec).customize().config_override(no_retry!(aws_sdk_ec2));
            let out = call.send().await.map_err(|e| classify("AuthorizeSecurityGroupEgress", e))?;
            out.security_group_rules().to_vec()
        }
    };
    Ok(rules)
}

/// Sets the description of the rule `perms` names (no description removes it).
async fn update_description(
    cx: &AwsContext,
    group_id: &str,
    direction: Direction,
    perms: &Permissions,
) -> Result<(), ProviderError> {
    let perms = Some(sg_rules::to_sdk(perms));
    match direction {
        Direction::Ingress => {
            let call = cx.ec2().update_security_group_rule_descriptions_ingress().group_id(group_id);
            let call = call.set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("UpdateSecurityGroupRuleDescriptionsIngress", e))?;
        }
        Direction::Egress => {
            let call = cx.ec2().update_security_group_rule_descriptions_egress().group_id(group_id);
            let call = call.set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("UpdateSecurityGroupRuleDescriptionsEgress", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::Protocol;

    fn to_lb(description: Option<&str>) -> Rule {
        Rule {
            protocol: Protocol::Tcp,
            from_port: 8080,
            to_port: 8080,
            source_security_group_id: Some(Input::Value("sg-svc".into())),
            description: description.map(str::to_string),
            ..Default::default()
        }
    }

    fn egress(rule: Rule) -> SecurityGroupRule {
        SecurityGroupRule { group_id: "sg-lb".into(), direction: Direction::Egress, rule, tags: Tags::new() }
    }

    #[test]
    fn validate_wants_exactly_one_target_and_names_fields() {
        assert!(egress(to_lb(None)).validate().is_empty());
        let two = Rule { cidr_blocks: vec!["10.0.0.0/8".into()], ..to_lb(None) };
        let none = Rule { source_security_group_id: None, to_port: 70000, ..to_lb(None) };
        let bad_cidr = Rule { source_security_group_id: None, cidr_blocks: vec!["10.0.0.0/33".into()], ..to_lb(None) };
        let two = egress(two).validate();
        assert_eq!(two.len(), 1, "{two:?}");
        assert!(two[0].starts_with("cidr_blocks / source_security_group_id: ") && two[0].ends_with("found 2"));
        let none = egress(none).validate();
        assert_eq!(none[0], "to_port 70000 is not a port (0-65535)");
        assert!(none[1].ends_with("found 0"), "{none:?}");
        assert_eq!(egress(bad_cidr).validate(), ["cidr_blocks[0] `10.0.0.0/33` is not a valid IPv4 CIDR"]);
        let no_group = SecurityGroupRule { group_id: "".into(), ..egress(to_lb(None)) };
        assert!(no_group.validate()[0].contains("group_id"), "{:?}", no_group.validate());
    }

    #[test]
    fn inputs_are_flat_so_only_the_description_is_in_place() {
        let json = serde_json::to_value(egress(to_lb(Some("to the services")))).expect("json");
        for field in SecurityGroupRule::REPLACE_FIELDS.iter().chain(&["description", "tags"]) {
            assert!(json.get(field).is_some(), "`{field}` is a top-level input: {json}");
        }
        assert_eq!(json["direction"], "egress");
        let back: SecurityGroupRule = serde_json::from_value(json).expect("decodes");
        assert_eq!(back, egress(to_lb(Some("to the services"))));
    }

    #[test]
    fn read_keeps_the_program_shape_and_shows_a_new_description() {
        let program = Rule { protocol: Protocol::All, from_port: -1, to_port: -1, ..Default::default() };
        let program = Rule { cidr_blocks: vec!["0.0.0.0/0".into()], ..program };
        assert_eq!(observed(&program, &program.permissions()), program, "-1 ports read back as written");
        let live = to_lb(Some("changed")).permissions();
        assert_eq!(observed(&to_lb(None), &live), to_lb(Some("changed")));
        let elsewhere = Rule { from_port: 9090, to_port: 9090, ..to_lb(None) };
        assert_eq!(observed(&to_lb(None), &elsewhere.permissions()), elsewhere);
    }
}

impl SecurityGroupRule {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(&self, out: &SecurityGroupRuleOutputs, live: SdkRule) -> Result<Option<Observed<Self>>, ProviderError> {
        let group_id = live.group_id().ok_or_else(|| missing("security group rule group id"))?.to_string();
        let seen = SecurityGroupRule {
            group_id: Input::Value(group_id.clone()),
            direction: if live.is_egress() == Some(true) { Direction::Egress } else { Direction::Ingress },
            rule: observed(&self.rule, &sg_rules::from_sdk_rule(&live).into_iter().collect()),
            tags: tags::from_sdk(live.tags()),
        };
        Ok(Some(Observed {
            inputs: seen,
            outputs: SecurityGroupRuleOutputs { rule_id: out.rule_id.clone(), group_id },
        }))
    }
}

crate::kit::kind!(SecurityGroupRule);
