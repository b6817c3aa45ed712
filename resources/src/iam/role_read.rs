//! Refresh of many roles at once (`Role::read_batch`). Reading one role costs GetRole,
//! ListRoleTags, ListRolePolicies, a GetRolePolicy per inline policy and
//! ListAttachedRolePolicies; IAM has no describe-by-ids, but GetAccountAuthorizationDetails
//! (Filter=Role) answers every role of the account with its inline policy documents, attached
//! managed policies and tags, a page of up to [`DETAILS_PAGE`] roles per call. A batch makes that
//! call (all its pages) once, plus each member's GetRole, sent together, for what the details
//! lack (description and maximum session duration).
//!
//! # Guarantees
//! * Each member reads as `Role::read` reads it: `None` when GetRole says the role is gone,
//!   documents reported as the program's text when they mean the same (the details' documents
//!   are URL-encoded, as GetRolePolicy's are: `policy::decode_document` reads both).
//! * A role GetRole finds but the details do not list (made after the details were taken) is
//!   read on its own; when the details call fails (IAM's iam:GetAccountAuthorizationDetails not
//!   granted, an endpoint without it), every member is read on its own: the batch is only ever
//!   fewer calls, never a different answer.
//!
//! # Assumptions
//! * The details list every role of the account: an account with many roles pays a page per
//!   [`DETAILS_PAGE`] of them, so the batch is worth it up to a few pages per refresh.

use super::role::{Role, RoleOutputs};
use super::role_policies::{observed_managed, Inline};
use crate::error::{absent_if, classify};
use crate::policy::observed_document;
use crate::AwsContext;
use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::types::{EntityType, RoleDetail};
use engine::{Input, Observed, ProviderError, Resource};
use futures::future::join_all;
use std::collections::HashMap;

/// Members per `read_batch` call: a batch pays the details' pages once.
pub const ROLES_PER_BATCH: usize = 100;

/// Roles per GetAccountAuthorizationDetails page (IAM's maximum `MaxItems`).
pub const DETAILS_PAGE: i32 = 1000;

/// Each member of `batch` as `Role::read` reports it, in order.
pub async fn read_roles(
    batch: Vec<(Role, RoleOutputs)>,
    cx: &AwsContext,
) -> Vec<Result<Option<Observed<Role>>, ProviderError>> {
    let details = match role_details(cx).await {
        Ok(details) => details,
        Err(e) => {
            tracing::debug!(error = %e.message, "role details unavailable: each role is read on its own");
            return join_all(batch.iter().map(|(role, out)| role.read(out, cx))).await;
        }
    };
    join_all(batch.iter().map(|(role, out)| read_one(role, out, details.get(&out.name), cx))).await
}

async fn read_one(
    program: &Role,
    out: &RoleOutputs,
    detail: Option<&RoleDetail>,
    cx: &AwsContext,
) -> Result<Option<Observed<Role>>, ProviderError> {
    let Some(detail) = detail else { return program.read(out, cx).await };
    let result = cx.iam().get_role().role_name(&out.name).send().await;
    let Some(role) = absent_if("GetRole", result, GetRoleError::is_no_such_entity_exception)?.and_then(|o| o.role)
    else {
        return Ok(None);
    };
    let tags = crate::tags::all_of(detail.tags());
    Ok(Some(program.observed(&role, tags, policies_of(program, detail))))
}

/// The role's inline policies and attached managed policy ARNs from its details.
fn policies_of(program: &Role, detail: &RoleDetail) -> (Inline, Vec<Input<String>>) {
    let inline = detail
        .role_policy_list()
        .iter()
        .filter_map(|p| {
            let name = p.policy_name()?;
            let mine = program.inline_policies.get(name).map(|d| d.as_str()).unwrap_or("");
            Some((name.to_string(), Input::Value(observed_document(mine, p.policy_document().unwrap_or_default()))))
        })
        .collect();
    let attached = detail.attached_managed_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string));
    (inline, observed_managed(&program.managed_policy_arns, attached.collect()))
}

/// Every role of the account with its policies and tags, by name (all pages).
async fn role_details(cx: &AwsContext) -> Result<HashMap<String, RoleDetail>, ProviderError> {
    let call = cx.iam().get_account_authorization_details().filter(EntityType::Role).max_items(DETAILS_PAGE);
    let pages = call.into_paginator().send().collect::<Result<Vec<_>, _>>().await;
    let pages = pages.map_err(|e| classify("GetAccountAuthorizationDetails", e))?;
    let roles = pages.into_iter().flat_map(|page| page.role_detail_list.unwrap_or_default());
    Ok(roles.filter_map(|r| Some((r.role_name()?.to_string(), r))).collect())
}
