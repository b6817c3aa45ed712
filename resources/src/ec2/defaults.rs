//! What the kinds that manage a VPC's default objects share (`aws:ec2:DefaultSecurityGroup`,
//! `aws:ec2:DefaultNetworkAcl`). AWS makes those objects with the VPC and deletes them with it;
//! Plinth never creates or deletes one. "Create" adopts it, "delete" removes Plinth's tags.
//!
//! # Ownership
//! A default object has no name of its own to prove anything with, so it is claimed through its
//! VPC: [`claim`] adopts it only when the VPC carries this stack's `plinth:stack` and a
//! `plinth:name` (a VPC this stack made), and only when the object itself carries no `plinth:*`
//! tag other than this resource's (no other resource, of this stack or another, manages it).
//! Once claimed it carries both `plinth:*` tags of the resource, and `find` adopts it by those
//! tags like any EC2 object (`find::owned`).

use super::tags::Ec2;
use crate::error::ok_if_not_found;
use crate::tags::{self, TagWrite};
use crate::AwsContext;
use engine::{ErrorClass, Meta, ProviderError, Tags, NAME_TAG, STACK_TAG};

/// `Ok` when VPC `vpc_id` exists and belongs to stack `meta.stack`; `what` names the default
/// object in the refusal ("the default security group").
pub async fn vpc_is_ours(cx: &AwsContext, vpc_id: &str, meta: &Meta, what: &str) -> Result<(), ProviderError> {
    let vpc = super::find::by_id::<aws_sdk_ec2::types::Vpc>(cx, vpc_id).await?;
    let vpc = vpc.ok_or_else(|| ProviderError::new(ErrorClass::NotFound, format!("VPC {vpc_id} does not exist")))?;
    vpc_tags_prove(vpc_id, &tags::from_sdk(vpc.tags()), meta, what)
}

/// The VPC proves it is this stack's: its `plinth:stack` is `meta.stack` and it has a `plinth:name`.
fn vpc_tags_prove(vpc_id: &str, live: &Tags, meta: &Meta, what: &str) -> Result<(), ProviderError> {
    if live.get(STACK_TAG) == Some(&meta.stack) && live.contains_key(NAME_TAG) {
        return Ok(());
    }
    let has = |key: &str| live.get(key).map_or(format!("no {key} tag"), |v| format!("{key}={v}"));
    let message = format!(
        "VPC {vpc_id} is not a VPC of stack `{}` (it has {}, {}): Plinth will not manage {what} of it",
        meta.stack,
        has(STACK_TAG),
        has(NAME_TAG)
    );
    Err(ProviderError::new(ErrorClass::NotOwned, message))
}

/// `Ok` when object `id` (tags `live`) is unclaimed or already this resource's.
pub fn unclaimed_or_ours(id: &str, live: &Tags, meta: &Meta) -> Result<(), ProviderError> {
    let foreign = |key: &str, ours: &str| live.get(key).is_some_and(|v| v != ours);
    if foreign(STACK_TAG, &meta.stack) || foreign(NAME_TAG, &meta.name) {
        return Err(ProviderError::new(ErrorClass::NotOwned, engine::ownership::not_owned_message(id, live, meta)));
    }
    Ok(())
}

/// Claims object `id` (its VPC already proved ours by [`vpc_is_ours`]): checks the object's tags,
/// then writes `wanted` (the resource's tags, `plinth:*` included), leaving its other tags alone.
pub async fn claim(cx: &AwsContext, id: &str, live: &Tags, wanted: &Tags, meta: &Meta) -> Result<(), ProviderError> {
    unclaimed_or_ours(id, live, meta)?;
    if !wanted.is_empty() {
        Ec2::tag(cx, id, wanted).await?;
    }
    Ok(())
}

/// "Deletes" a default object: removes the keys of `ours` from it; the object stays. Gone is Ok.
pub async fn release(cx: &AwsContext, id: &str, ours: &Tags) -> Result<(), ProviderError> {
    if ours.is_empty() {
        return Ok(());
    }
    ok_if_not_found(Ec2::untag(cx, id, ours.keys().cloned().collect()).await)
}

/// The one object a default-object describe returned, or NotFound naming it.
pub fn the_one<T>(mut found: Vec<T>, what: &str, vpc_id: &str) -> Result<T, ProviderError> {
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ProviderError::new(ErrorClass::NotFound, format!("VPC {vpc_id} has no {what}"))),
        n => Err(ProviderError::new(ErrorClass::Conflict, format!("VPC {vpc_id} answers with {n} of {what}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::from_pairs;

    #[test]
    fn a_vpc_proves_the_stack_with_both_tags() {
        let meta = Meta::new("default-sg", "dev");
        let ours = from_pairs(&[("plinth:stack", "dev"), ("plinth:name", "vpc")]);
        assert!(vpc_tags_prove("vpc-1", &ours, &meta, "its default group").is_ok());
        let other = from_pairs(&[("plinth:stack", "prod"), ("plinth:name", "vpc")]);
        let err = vpc_tags_prove("vpc-1", &other, &meta, "its default group").expect_err("another stack");
        assert_eq!(err.class, ErrorClass::NotOwned);
        assert!(err.message.contains("plinth:stack=prod"), "{}", err.message);
        let bare = from_pairs(&[("plinth:stack", "dev")]);
        let err = vpc_tags_prove("vpc-1", &bare, &meta, "x").expect_err("no name");
        assert!(err.message.contains("no plinth:name tag"), "{}", err.message);
    }

    #[test]
    fn a_default_object_claimed_by_another_resource_is_refused() {
        let meta = Meta::new("default-sg", "dev");
        assert!(unclaimed_or_ours("sg-1", &from_pairs(&[("Name", "x")]), &meta).is_ok());
        assert!(unclaimed_or_ours("sg-1", &from_pairs(&[("plinth:stack", "dev"), ("plinth:name", "default-sg")]), &meta)
            .is_ok());
        let other = from_pairs(&[("plinth:stack", "dev"), ("plinth:name", "other")]);
        assert_eq!(unclaimed_or_ours("sg-1", &other, &meta).expect_err("other").class, ErrorClass::NotOwned);
        let stack = from_pairs(&[("plinth:stack", "prod")]);
        assert_eq!(unclaimed_or_ours("sg-1", &stack, &meta).expect_err("stack").class, ErrorClass::NotOwned);
    }
}
