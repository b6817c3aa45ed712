//! `aws:rds:DbParameterGroup`: engine settings shared by DB instances. Name, family and
//! description cannot change in place (RDS has no call for it); parameters are diffed one by
//! one: ModifyDBParameterGroup for added or changed ones, ResetDBParameterGroup for removed ones.
//!
//! Emulator gap (moto 5.2.x): ResetDBParameterGroup is not implemented (HTTP 500), so removing
//! a parameter fails there; DescribeDBParameters ignores `Source` (it only stores parameters a
//! user set, so the answer is the same) and reports no `ApplyType`, so every change goes out
//! with `pending-reboot` against it.

use super::find::{find_db_parameter_group, missing};
use super::name_problems;
use super::tags::Rds;
use crate::error::{classify, none_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use engine::{Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// ModifyDBParameterGroup and ResetDBParameterGroup take at most 20 parameters per call.
const PARAMETERS_PER_CALL: usize = 20;

/// A DB parameter group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DbParameterGroup {
    /// The group name (lower case; RDS stores it so).
    pub name: String,
    /// The engine family, e.g. "postgres16".
    pub family: String,
    pub description: String,
    /// The parameters this program sets; every other one keeps the engine default.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbParameterGroupOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for DbParameterGroup {
    const KIND: &'static str = "aws:rds:DbParameterGroup";
    const SERVICE: &'static str = "rds";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "family", "description"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = DbParameterGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DbParameterGroupOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name, 255);
        if self.family.trim().is_empty() {
            problems.push("family must not be empty (e.g. \"postgres16\")".to_string());
        }
        if self.description.trim().is_empty() {
            problems.push("description must not be empty (RDS requires one)".to_string());
        }
        for (key, value) in &self.parameters {
            if key.trim().is_empty() {
                problems.push(format!("parameters: a parameter name is empty (value `{value}`)"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<DbParameterGroupOutputs, ProviderError> {
        let out = cx
            .rds()
            .create_db_parameter_group()
            .db_parameter_group_name(&self.name)
            .db_parameter_group_family(&self.family)
            .description(&self.description)
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_rds))
            .send()
            .await
            .map_err(|e| classify("CreateDBParameterGroup", e))?;
        let group = out.db_parameter_group().ok_or_else(|| missing("CreateDBParameterGroup parameter group"))?;
        let outputs = outputs(group)?;
        apply_parameters(cx, &outputs.name, &BTreeMap::new(), &self.parameters).await?;
        Ok(outputs)
    }

    async fn read(
        &self,
        out: &DbParameterGroupOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(group) = find_db_parameter_group(cx, &out.name).await? else { return Ok(None) };
        let Some(parameters) = user_parameters(cx, &out.name).await? else { return Ok(None) };
        let seen = DbParameterGroup {
            name: group.db_parameter_group_name().unwrap_or(&out.name).to_string(),
            family: group.db_parameter_group_family().unwrap_or_default().to_string(),
            description: group.description().unwrap_or_default().to_string(),
            parameters,
            tags: tags::read::<Rds>(cx, &out.arn).await?,
        };
        Ok(Some(Observed { inputs: seen, outputs: outputs(&group)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &DbParameterGroupOutputs,
        cx: &AwsContext,
    ) -> Result<DbParameterGroupOutputs, ProviderError> {
        apply_parameters(cx, &out.name, &old.parameters, &self.parameters).await?;
        tags::sync::<Rds>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &DbParameterGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.rds().delete_db_parameter_group().db_parameter_group_name(&out.name).send().await;
        none_if_not_found(result.map_err(|e| classify("DeleteDBParameterGroup", e))).map(|_| ())
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DbParameterGroupOutputs>, ProviderError> {
        let Some(group) = find_db_parameter_group(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&group)?;
        let live_tags = tags::read::<Rds>(cx, &found.arn).await?;
        adopt(&format!("DB parameter group {}", self.name), &live_tags, meta, found)
    }
}

fn outputs(group: &aws_sdk_rds::types::DbParameterGroup) -> Result<DbParameterGroupOutputs, ProviderError> {
    Ok(DbParameterGroupOutputs {
        name: group.db_parameter_group_name().ok_or_else(|| missing("DB parameter group name"))?.to_string(),
        arn: group.db_parameter_group_arn().ok_or_else(|| missing("DB parameter group ARN"))?.to_string(),
    })
}

/// The parameters set by a user (Source=user), or `None` when the group is gone.
async fn user_parameters(cx: &AwsContext, name: &str) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
    let Some(all) = describe_parameters(cx, name, Some("user")).await? else { return Ok(None) };
    let set = all.iter().filter_map(|p| Some((p.parameter_name()?.to_string(), p.parameter_value()?.to_string())));
    Ok(Some(set.collect()))
}

/// Every parameter of the group (optionally of one source), all pages; `None` when it is gone.
async fn describe_parameters(
    cx: &AwsContext,
    name: &str,
    source: Option<&str>,
) -> Result<Option<Vec<Parameter>>, ProviderError> {
    let call = cx.rds().describe_db_parameters().db_parameter_group_name(name).set_source(source.map(str::to_string));
    let mut pages = call.into_paginator().items().send();
    let mut found = Vec::new();
    loop {
        match pages.try_next().await {
            Ok(Some(p)) => found.push(p),
            Ok(None) => return Ok(Some(found)),
            Err(e) => return none_if_not_found(Err(classify("DescribeDBParameters", e))),
        }
    }
}

/// Moves the group's parameters from `old` to `new`: changed and added ones are modified,
/// removed ones reset to the engine default.
async fn apply_parameters(
    cx: &AwsContext,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (changed, removed) = parameter_diff(old, new);
    if changed.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let apply_types = apply_types(cx, name).await?;
    let method = |key: &str| apply_method(apply_types.get(key).map(String::as_str));
    for chunk in changed.chunks(PARAMETERS_PER_CALL) {
        let params = chunk.iter().map(|(k, v)| parameter(k, Some(v), method(k))).collect();
        let call = cx.rds().modify_db_parameter_group().db_parameter_group_name(name).set_parameters(Some(params));
        call.send().await.map_err(|e| classify("ModifyDBParameterGroup", e))?;
    }
    for chunk in removed.chunks(PARAMETERS_PER_CALL) {
        let params = chunk.iter().map(|k| parameter(k, None, method(k))).collect();
        let call = cx.rds().reset_db_parameter_group().db_parameter_group_name(name).reset_all_parameters(false);
        call.set_parameters(Some(params)).send().await.map_err(|e| classify("ResetDBParameterGroup", e))?;
    }
    Ok(())
}

/// Parameter name → ApplyType ("static" / "dynamic") as the group reports it.
async fn apply_types(cx: &AwsContext, name: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let all = describe_parameters(cx, name, None).await?.unwrap_or_default();
    Ok(all.iter().filter_map(|p| Some((p.parameter_name()?.to_string(), p.apply_type()?.to_string()))).collect())
}

/// `immediate` for a dynamic parameter; `pending-reboot` otherwise (static, or unknown: AWS
/// refuses `immediate` for static parameters but accepts `pending-reboot` for every one).
fn apply_method(apply_type: Option<&str>) -> ApplyMethod {
    match apply_type {
        Some("dynamic") => ApplyMethod::Immediate,
        _ => ApplyMethod::PendingReboot,
    }
}

fn parameter(name: &str, value: Option<&String>, method: ApplyMethod) -> Parameter {
    Parameter::builder().parameter_name(name).set_parameter_value(value.cloned()).apply_method(method).build()
}

/// The parameters to set (added or changed) and the names to reset (removed).
fn parameter_diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let changed = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    (changed, removed)
}

crate::kit::kind!(DbParameterGroup);

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn diff_is_per_parameter() {
        let old = map(&[("log_min_duration_statement", "500"), ("rds.force_ssl", "1"), ("work_mem", "4096")]);
        let new = map(&[("log_min_duration_statement", "250"), ("rds.force_ssl", "1"), ("max_connections", "200")]);
        let (changed, removed) = parameter_diff(&old, &new);
        assert_eq!(
            changed,
            vec![("log_min_duration_statement".into(), "250".into()), ("max_connections".into(), "200".into())]
        );
        assert_eq!(removed, vec!["work_mem".to_string()]);
        assert_eq!(parameter_diff(&new, &new), (vec![], vec![]));
    }

    #[test]
    fn dynamic_parameters_apply_immediately() {
        assert_eq!(apply_method(Some("dynamic")), ApplyMethod::Immediate);
        assert_eq!(apply_method(Some("static")), ApplyMethod::PendingReboot);
        assert_eq!(apply_method(None), ApplyMethod::PendingReboot);
    }

    #[test]
    fn validate_names_fields() {
        let group = DbParameterGroup { name: "pg_1".into(), parameters: map(&[("", "1")]), ..Default::default() };
        let problems = group.validate();
        assert!(problems.iter().any(|p| p.starts_with("name `pg_1`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("family")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("description")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("parameters:")), "{problems:?}");
    }
}
