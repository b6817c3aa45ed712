//! A role's inline policies (PutRolePolicy / DeleteRolePolicy) and attached managed policies
//! (Attach / DetachRolePolicy): listing them, and moving them from one set to another.
//! New permissions are granted before old ones are withdrawn, so an update never leaves a gap.
//! The calls of one step (the puts, the deletes, the attaches, the detaches) are independent
//! and sent together: one round trip each, however many policies a role has.

use crate::error::{classify, ok_if_not_found};
use crate::policy::observed_document;
use crate::AwsContext;
use engine::{Input, ProviderError};
use futures::future::try_join_all;
use std::collections::BTreeMap;

pub type Inline = BTreeMap<String, Input<String>>;

/// The role's inline policies. Each document is reported as the program's own text when the live
/// one means the same (IAM returns it URL-encoded), else re-serialized.
pub async fn read_inline(cx: &AwsContext, role: &str, program: &Inline) -> Result<Inline, ProviderError> {
    let pages = cx.iam().list_role_policies().role_name(role).into_paginator().items().send();
    let names = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListRolePolicies", e))?;
    let mut inline = Inline::new();
    for name in names {
        let out = cx.iam().get_role_policy().role_name(role).policy_name(&name).send().await;
        let out = out.map_err(|e| classify("GetRolePolicy", e))?;
        let mine = program.get(&name).map(|d| d.as_str()).unwrap_or("");
        inline.insert(name, Input::Value(observed_document(mine, out.policy_document())));
    }
    Ok(inline)
}

/// Puts every policy that is new or changed, then deletes those no longer wanted.
pub async fn sync_inline(cx: &AwsContext, role: &str, old: &Inline, new: &Inline) -> Result<(), ProviderError> {
    let puts = new.iter().filter(|(n, d)| old.get(*n) != Some(*d)).map(|(name, doc)| async move {
        let call = cx.iam().put_role_policy().role_name(role).policy_name(name).policy_document(doc.as_str());
        call.send().await.map(|_| ()).map_err(|e| classify("PutRolePolicy", e))
    });
    try_join_all(puts).await?;
    try_join_all(old.keys().filter(|n| !new.contains_key(*n)).map(|name| delete_inline(cx, role, name))).await?;
    Ok(())
}

async fn delete_inline(cx: &AwsContext, role: &str, name: &str) -> Result<(), ProviderError> {
    let result = cx.iam().delete_role_policy().role_name(role).policy_name(name).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteRolePolicy", e)))
}

/// The ARNs of the managed policies attached to the role, in the program's order where the
/// program names them, then any others in the order IAM lists them.
pub async fn read_managed(
    cx: &AwsContext,
    role: &str,
    program: &[Input<String>],
) -> Result<Vec<Input<String>>, ProviderError> {
    Ok(observed_managed(program, attached_arns(cx, role).await?))
}

/// The live attached ARNs in the program's order where the program names them, then the others
/// in the order IAM lists them.
pub fn observed_managed(program: &[Input<String>], live: Vec<String>) -> Vec<Input<String>> {
    let mut ordered: Vec<String> = program.iter().map(|a| a.value().clone()).filter(|a| live.contains(a)).collect();
    ordered.dedup();
    ordered.extend(live.into_iter().filter(|a| !program.iter().any(|p| p.value() == a)));
    ordered.into_iter().map(Input::Value).collect()
}

async fn attached_arns(cx: &AwsContext, role: &str) -> Result<Vec<String>, ProviderError> {
    let pages = cx.iam().list_attached_role_policies().role_name(role).into_paginator().items().send();
    let attached = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListAttachedRolePolicies", e))?;
    Ok(attached.into_iter().filter_map(|p| p.policy_arn).collect())
}

/// Attaches the ARNs only `new` has, then detaches those only `old` has.
pub async fn sync_managed(
    cx: &AwsContext,
    role: &str,
    old: &[Input<String>],
    new: &[Input<String>],
) -> Result<(), ProviderError> {
    let attaches = new.iter().filter(|a| !old.contains(a)).map(|arn| async move {
        let call = cx.iam().attach_role_policy().role_name(role).policy_arn(arn.as_str());
        call.send().await.map(|_| ()).map_err(|e| classify("AttachRolePolicy", e))
    });
    try_join_all(attaches).await?;
    try_join_all(old.iter().filter(|a| !new.contains(a)).map(|arn| detach(cx, role, arn.as_str()))).await?;
    Ok(())
}

async fn detach(cx: &AwsContext, role: &str, arn: &str) -> Result<(), ProviderError> {
    let result = cx.iam().detach_role_policy().role_name(role).policy_arn(arn).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DetachRolePolicy", e)))
}

/// Detaches every managed policy and deletes every inline one: what DeleteRole requires first.
pub async fn clear(cx: &AwsContext, role: &str) -> Result<(), ProviderError> {
    for arn in attached_arns(cx, role).await? {
        detach(cx, role, &arn).await?;
    }
    let pages = cx.iam().list_role_policies().role_name(role).into_paginator().items().send();
    let names = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListRolePolicies", e))?;
    for name in names {
        delete_inline(cx, role, &name).await?;
    }
    Ok(())
}
