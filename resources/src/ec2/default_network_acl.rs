//! `aws:ec2:DefaultNetworkAcl`: the default network ACL of a VPC, which AWS creates with the VPC
//! (allowing all traffic both ways) and deletes with it. Plinth never creates or deletes it:
//! "create" adopts it (found by `vpc-id` and `default=true`), tags it and makes its entries
//! exactly the program's ([`AclEntry`]: rule number, direction, protocol, action, CIDR, ports);
//! "delete" removes Plinth's tags and leaves the ACL with its last entries. Read reports the
//! live entries, so any entry changed or added out of band shows as drift. The subnets
//! associated with it stay as AWS has them (every subnet not associated with another ACL):
//! associations are not an input. AWS's catch-all deny entries (`*`) are not modeled: they
//! cannot be changed. Changing entries creates and replaces first, then deletes, so no moment
//! has fewer allowances than both the old and the new list.
//!
//! Ownership: as for `aws:ec2:DefaultSecurityGroup` ([`super::defaults`]): the ACL is claimed only
//! when its VPC carries this stack's `plinth:stack` and a `plinth:name`, and it carries no other
//! resource's `plinth:*` tags; once claimed, `find` adopts it by both tags.
//!
//! Emulator: moto keeps the default ACL's entries and tags as AWS does, but does not keep an ICMP
//! entry's type and code (they read back as none; not patched: the platform has no ICMP entry),
//! and it answers an unknown ACL id with `InvalidRouteTableID.NotFound` (still a not-found).

use super::acl_entries::{self, AclEntry, Slot};
use super::check;
use super::defaults::{claim, release, the_one, vpc_is_ours};
use super::find::{by_id, missing, owned};
use super::tags::Ec2;
use crate::error::classify;
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, NetworkAcl as SdkAcl};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

const WHAT: &str = "the default network ACL";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DefaultNetworkAcl {
    /// The VPC whose default ACL this is.
    pub vpc_id: Input<String>,
    /// Every entry the ACL has (in both directions), AWS's catch-all denies aside.
    pub entries: Vec<AclEntry>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultNetworkAclOutputs {
    pub network_acl_id: String,
}

impl Resource for DefaultNetworkAcl {
    const KIND: &'static str = "aws:ec2:DefaultNetworkAcl";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["vpc_id"];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = DefaultNetworkAclOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DefaultNetworkAclOutputs) -> String {
        outputs.network_acl_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        problems.extend(acl_entries::problems("entries", &self.entries));
        problems
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<DefaultNetworkAclOutputs, ProviderError> {
        let vpc_id = self.vpc_id.as_str();
        vpc_is_ours(cx, vpc_id, meta, WHAT).await?;
        // A VPC made a moment ago may not show its default ACL yet (EC2 is eventually consistent).
        let acl = until_visible(&format!("{WHAT} of VPC {vpc_id}"), || default_acl(cx, vpc_id)).await?;
        let network_acl_id = acl.network_acl_id().ok_or_else(|| missing("network ACL id"))?.to_string();
        claim(cx, &network_acl_id, &tags::from_sdk(acl.tags()), &self.tags, meta).await?;
        converge(cx, &network_acl_id, &live_entries(&acl), &self.entries).await?;
        Ok(DefaultNetworkAclOutputs { network_acl_id })
    }

    super::find::reads_by_id!(SdkAcl, network_acl_id);

    async fn update(
        &self,
        old: &Self,
        out: &DefaultNetworkAclOutputs,
        cx: &AwsContext,
    ) -> Result<DefaultNetworkAclOutputs, ProviderError> {
        let acl = by_id::<SdkAcl>(cx, &out.network_acl_id).await?.ok_or_else(|| gone(&out.network_acl_id))?;
        converge(cx, &out.network_acl_id, &live_entries(&acl), &self.entries).await?;
        tags::sync::<Ec2>(cx, &out.network_acl_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    /// Removes this resource's tags; the ACL stays (AWS deletes it with the VPC).
    async fn delete(&self, out: &DefaultNetworkAclOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        release(cx, &out.network_acl_id, &self.tags).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DefaultNetworkAclOutputs>, ProviderError> {
        let found = owned::<SdkAcl>(Self::KIND, meta, cx).await?.filter(|a| a.is_default() == Some(true));
        found
            .map(|a| {
                let network_acl_id = a.network_acl_id().ok_or_else(|| missing("network ACL id"))?.to_string();
                Ok(DefaultNetworkAclOutputs { network_acl_id })
            })
            .transpose()
    }
}

/// The default network ACL of `vpc_id`.
async fn default_acl(cx: &AwsContext, vpc_id: &str) -> Result<SdkAcl, ProviderError> {
    let filters = [("vpc-id", vpc_id), ("default", "true")]
        .map(|(name, value)| Filter::builder().name(name).values(value).build());
    let out = cx.ec2().describe_network_acls().set_filters(Some(filters.to_vec())).send().await;
    let out = out.map_err(|e| classify("DescribeNetworkAcls", e))?;
    the_one(out.network_acls().to_vec(), WHAT, vpc_id)
}

fn live_entries(acl: &SdkAcl) -> Vec<AclEntry> {
    acl.entries().iter().filter_map(acl_entries::from_sdk).collect()
}

/// Creates and replaces entries first, then deletes the ones the program no longer has.
async fn converge(cx: &AwsContext, id: &str, live: &[AclEntry], wanted: &[AclEntry]) -> Result<(), ProviderError> {
    let (create, replace, delete) = acl_entries::diff(live, wanted);
    for entry in &create {
        create_entry(cx, id, entry).await?;
    }
    for entry in &replace {
        replace_entry(cx, id, entry).await?;
    }
    for slot in delete {
        delete_entry(cx, id, slot).await?;
    }
    Ok(())
}

/// Sets every field of entry `$e` of ACL `$id` on a Create- or ReplaceNetworkAclEntry builder
/// (the two calls take the same fields on different builder types).
macro_rules! with_entry {
    ($builder:expr, $id:expr, $e:expr) => {{
        let (v4, v6) = $e.cidrs();
        $builder
            .network_acl_id($id)
            .rule_number($e.rule_number)
            .egress($e.egress)
            .protocol($e.protocol_number())
            .rule_action($e.action.to_sdk())
            .set_cidr_block(v4)
            .set_ipv6_cidr_block(v6)
            .set_port_range($e.port_range())
            .set_icmp_type_code($e.icmp_type_code())
    }};
}

async fn create_entry(cx: &AwsContext, id: &str, e: &AclEntry) -> Result<(), ProviderError> {
    let call = with_entry!(cx.ec2().create_network_acl_entry(), id, e);
    call.send().await.map_err(|e| classify("CreateNetworkAclEntry", e))?;
    Ok(())
}

async fn replace_entry(cx: &AwsContext, id: &str, e: &AclEntry) -> Result<(), ProviderError> {
    let call = with_entry!(cx.ec2().replace_network_acl_entry(), id, e);
    call.send().await.map_err(|e| classify("ReplaceNetworkAclEntry", e))?;
    Ok(())
}

async fn delete_entry(cx: &AwsContext, id: &str, (egress, rule_number): Slot) -> Result<(), ProviderError> {
    let call = cx.ec2().delete_network_acl_entry().network_acl_id(id).egress(egress).rule_number(rule_number);
    call.send().await.map_err(|e| classify("DeleteNetworkAclEntry", e))?;
    Ok(())
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(engine::ErrorClass::NotFound, format!("network ACL {id} no longer exists"))
}

impl DefaultNetworkAcl {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(&self, out: &DefaultNetworkAclOutputs, acl: SdkAcl) -> Result<Option<Observed<Self>>, ProviderError> {
        let seen = DefaultNetworkAcl {
            vpc_id: Input::Value(acl.vpc_id().ok_or_else(|| missing("network ACL vpc id"))?.to_string()),
            entries: acl_entries::observed(&self.entries, &live_entries(&acl)),
            tags: tags::from_sdk(acl.tags()),
        };
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }
}

crate::kit::kind!(DefaultNetworkAcl, unordered: ["entries" by ["rule_number", "egress"]]);
