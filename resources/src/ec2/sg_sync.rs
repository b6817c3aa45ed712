//! Bringing a security group's live rules to the program's, shared by the kinds that manage a
//! group's rule lists (`aws:ec2:SecurityGroup`, `aws:ec2:DefaultSecurityGroup`): the group's own
//! rules ([`own_rules`]: live rules minus those another Plinth resource owns) and one sync per
//! direction ([`converge`]: authorize what is missing, revoke what is extra, fix descriptions).
//! A group just created is converged without reading it ([`converge_new`]): EC2 says what a new
//! VPC security group holds, so the describe calls would only add round trips on the critical
//! path of every `up`.

use super::find::missing;
use super::sg_rules::{self, Direction, Permissions, Rule};
use crate::error::classify;
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, SecurityGroup as SdkGroup, SecurityGroupRule as SdkRule};
use engine::{ProviderError, NAME_TAG};

/// Makes the own rules of `group` exactly `ingress` and `egress`.
pub async fn converge(
    cx: &AwsContext,
    group: &SdkGroup,
    ingress: &[Rule],
    egress: &[Rule],
) -> Result<(), ProviderError> {
    let (live_in, live_out) = own_rules(cx, group).await?;
    let id = group.group_id().ok_or_else(|| missing("security group id"))?;
    sync(cx, id, Seen::Settled, Direction::Ingress, &live_in, &sg_rules::permissions_of(ingress)).await?;
    sync(cx, id, Seen::Settled, Direction::Egress, &live_out, &sg_rules::permissions_of(egress)).await
}

/// Makes the rules of the VPC security group `id`, created by the caller's previous call, exactly
/// `ingress` and `egress`, without reading the group first.
///
/// # Assumptions
/// * EC2 creates a VPC security group with no inbound rule and one outbound rule, all traffic to
///   0.0.0.0/0 without a description ([`new_group_rules`]), and nothing else can have added a
///   rule between the create and these calls (rules of other Plinth resources wait for the
///   group's create to finish).
///
/// # Guarantees
/// * Each call that fails with NotFound right after the create is repeated until the group is
///   visible (EC2 is eventually consistent), within `wait::VISIBILITY_TIMEOUT`; other errors
///   return at once. (An inline rule naming a source group that does not exist is also a
///   NotFound: it fails after that timeout, naming the group.)
pub async fn converge_new(cx: &AwsContext, id: &str, ingress: &[Rule], egress: &[Rule]) -> Result<(), ProviderError> {
    let (live_in, live_out) = new_group_rules();
    sync(cx, id, Seen::JustCreated, Direction::Ingress, &live_in, &sg_rules::permissions_of(ingress)).await?;
    sync(cx, id, Seen::JustCreated, Direction::Egress, &live_out, &sg_rules::permissions_of(egress)).await
}

/// The (ingress, egress) rules EC2 gives a new VPC security group: no inbound rule, and all
/// traffic out to anywhere (no description).
pub fn new_group_rules() -> (Permissions, Permissions) {
    (Permissions::new(), Permissions::from([(sg_rules::default_egress(), None)]))
}

/// Whether the group may still be invisible to calls (just created).
#[derive(Clone, Copy)]
enum Seen {
    Settled,
    JustCreated,
}

/// Runs one rule call; on a group just created, until the group is visible.
async fn call<F, Fut>(seen: Seen, id: &str, run: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ProviderError>>,
{
    match seen {
        Seen::JustCreated => until_visible(&format!("security group {id}"), run).await,
        Seen::Settled => {
            let mut run = run;
            run().await
        }
    }
}

/// The group's own (ingress, egress) permissions: its live rules minus those another Plinth
/// resource owns (tagged with a `plinth:name` other than the group's).
pub async fn own_rules(cx: &AwsContext, group: &SdkGroup) -> Result<(Permissions, Permissions), ProviderError> {
    let id = group.group_id().ok_or_else(|| missing("security group id"))?;
    let rules = rules_of(cx, vec![id.to_string()]).await?;
    Ok(own_permissions_of(group, &rules))
}

/// A group described with its own (ingress, egress) permissions.
pub type GroupWithRules = (SdkGroup, Permissions, Permissions);

/// The groups with these ids, each with its own rules (`None` when gone), in the order of
/// `ids`: one DescribeSecurityGroups and one DescribeSecurityGroupRules filtered by every
/// group found (at most [`super::find::EC2_READ_BATCH`] ids, inside EC2's 200 filter values),
/// so refresh reads a batch of groups in two calls. When the rules call fails, each group's
/// rules are read on their own, so one group's failure is never the others'.
pub async fn groups_with_rules(cx: &AwsContext, ids: &[&str]) -> Vec<Result<Option<GroupWithRules>, ProviderError>> {
    let groups = super::find::by_ids::<SdkGroup>(cx, ids).await;
    let found: Vec<String> =
        groups.iter().filter_map(|g| g.as_ref().ok()?.as_ref()?.group_id().map(str::to_string)).collect();
    let all_rules = if found.is_empty() { Ok(Vec::new()) } else { rules_of(cx, found).await };
    let with_rules = groups.into_iter().map(|group| {
        let all_rules = all_rules.as_ref().ok();
        async move {
            let Some(group) = group? else { return Ok(None) };
            let (ingress, egress) = match all_rules {
                Some(rules) => own_permissions_of(&group, rules),
                None => own_rules(cx, &group).await?,
            };
            Ok(Some((group, ingress, egress)))
        }
    });
    futures::future::join_all(with_rules).await
}

/// Every rule of the groups `ids`, all pages.
async fn rules_of(cx: &AwsContext, ids: Vec<String>) -> Result<Vec<SdkRule>, ProviderError> {
    let filter = Filter::builder().name("group-id").set_values(Some(ids)).build();
    let mut pages = cx.ec2().describe_security_group_rules().filters(filter).into_paginator().items().send();
    let mut rules = Vec::new();
    while let Some(rule) = pages.try_next().await.map_err(|e| classify("DescribeSecurityGroupRules", e))? {
        rules.push(rule);
    }
    Ok(rules)
}

/// The own permissions of `group` among `rules` (which may hold other groups' rules too).
fn own_permissions_of(group: &SdkGroup, rules: &[SdkRule]) -> (Permissions, Permissions) {
    let mine: Vec<SdkRule> = rules.iter().filter(|r| r.group_id() == group.group_id()).cloned().collect();
    let own = tags::from_sdk(group.tags()).remove(NAME_TAG);
    sg_rules::own_permissions(&mine, own.as_deref())
}

/// Authorizes what is missing first (no window without access), then revokes what is extra,
/// then fixes descriptions.
async fn sync(
    cx: &AwsContext,
    id: &str,
    seen: Seen,
    direction: Direction,
    live: &Permissions,
    wanted: &Permissions,
) -> Result<(), ProviderError> {
    let (add, remove, describe) = sg_rules::diff(live, wanted);
    if !add.is_empty() {
        call(seen, id, || authorize(cx, id, direction, &add)).await?;
    }
    if !remove.is_empty() {
        call(seen, id, || revoke(cx, id, direction, &remove)).await?;
    }
    if !describe.is_empty() {
        call(seen, id, || update_descriptions(cx, id, direction, &describe)).await?;
    }
    Ok(())
}

async fn authorize(cx: &AwsContext, id: &str, direction: Direction, perms: &Permissions) -> Result<(), ProviderError> {
    let perms = Some(sg_rules::to_sdk(perms));
    match direction {
        Direction::Ingress => {
            let call = cx.ec2().authorize_security_group_ingress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("AuthorizeSecurityGroupIngress", e))?;
        }
        Direction::Egress => {
            let call = cx.ec2().authorize_security_group_egress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("AuthorizeSecurityGroupEgress", e))?;
        }
    }
    Ok(())
}

async fn revoke(cx: &AwsContext, id: &str, direction: Direction, perms: &Permissions) -> Result<(), ProviderError> {
    let perms = Some(sg_rules::to_sdk(perms));
    match direction {
        Direction::Ingress => {
            let call = cx.ec2().revoke_security_group_ingress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("RevokeSecurityGroupIngress", e))?;
        }
        Direction::Egress => {
            let call = cx.ec2().revoke_security_group_egress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("RevokeSecurityGroupEgress", e))?;
        }
    }
    Ok(())
}

async fn update_descriptions(
    cx: &AwsContext,
    id: &str,
    direction: Direction,
    perms: &Permissions,
) -> Result<(), ProviderError> {
    let perms = Some(sg_rules::to_sdk(perms));
    match direction {
        Direction::Ingress => {
            let call =
                cx.ec2().update_security_group_rule_descriptions_ingress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("UpdateSecurityGroupRuleDescriptionsIngress", e))?;
        }
        Direction::Egress => {
            let call = cx.ec2().update_security_group_rule_descriptions_egress().group_id(id).set_ip_permissions(perms);
            call.send().await.map_err(|e| classify("UpdateSecurityGroupRuleDescriptionsEgress", e))?;
        }
    }
    Ok(())
}
