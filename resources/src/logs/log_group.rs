//! `aws:logs:LogGroup`: a CloudWatch Logs log group with a retention period and optional KMS
//! encryption. The name is unique in the region: a rename deletes first. Retention
//! (PutRetentionPolicy), the KMS key (AssociateKmsKey / DisassociateKmsKey) and tags (by ARN)
//! change in place; tags go on CreateLogGroup.
//!
//! The `arn` output has no trailing `:*` (DescribeLogGroups' `arn` field has one; its
//! `logGroupArn` does not): WAF logging destinations and the tag API want it bare, ECS awslogs
//! wants the name.
//!
//! Emulator gap (moto 5.2.5): AssociateKmsKey and DisassociateKmsKey are missing; they are added
//! with AWS's semantics by `scripts/moto_patches/logs.py`.

use super::tags::{to_map, Logs};
use super::{find_log_group, group_arn, missing, sdk};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// A log group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogGroup {
    /// 1 to 512 letters, digits and `._-/#`; unique in the region.
    pub name: String,
    /// Required: one of [`RETENTION_DAYS`]. Plinth never creates a group that keeps logs forever.
    pub retention_days: u32,
    /// The ARN of the KMS key that encrypts the group's data; `None` for CloudWatch's own keys.
    pub kms_key_id: Option<Input<String>>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupOutputs {
    /// What ECS `awslogs-group` names.
    pub name: String,
    /// `arn:aws:logs:<region>:<account>:log-group:<name>`, without `:*`.
    pub arn: String,
}

impl Resource for LogGroup {
    const KIND: &'static str = "aws:logs:LogGroup";
    const SERVICE: &'static str = "logs";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const PRICED: bool = true;
    type Outputs = LogGroupOutputs;
    type Context = AwsContext;

    /// Assumed ingestion, and the storage it fills at steady state over the retention.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let gb = t.assumed.log_gb_per_group_month;
        // Never-expiring groups (0) are counted as keeping a year.
        let months = if self.retention_days == 0 { 12.0 } else { f64::from(self.retention_days) / 30.0 };
        let items = vec![
            engine::cost::CostItem::new("log ingestion", gb, "GB", t.logs.ingestion_gb),
            engine::cost::CostItem::new("log storage", gb * months, "GB-months", t.logs.storage_gb_month),
        ];
        let said = format!("{gb} GB of logs a month, kept {} days (steady state, uncompressed)", self.retention_days);
        Ok(crate::prices::estimate(items, vec![said]))
    }

    fn cloud_id(outputs: &LogGroupOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/#".contains(c);
        if self.name.is_empty() || self.name.len() > 512 || !self.name.chars().all(allowed) {
            problems.push(format!("name `{}` must be 1 to 512 letters, digits or `._-/#`", self.name));
        }
        if !RETENTION_DAYS.contains(&self.retention_days) {
            problems.push(format!(
                "retention_days {} is not a CloudWatch Logs retention period: use one of {RETENTION_DAYS:?}",
                self.retention_days
            ));
        }
        if let Some(key) = self.kms_key_id.as_ref().and_then(Input::known) {
            if !key.starts_with("arn:") {
                problems
                    .push(format!("kms_key_id `{key}` must be a KMS key ARN (CloudWatch Logs takes no id or alias)"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<LogGroupOutputs, ProviderError> {
        let call = cx
            .logs()
            .create_log_group()
            .log_group_name(&self.name)
            .set_kms_key_id(self.kms_key())
            .set_tags(to_map(&self.tags));
        let created = call.customize().config_override(no_retry!(aws_sdk_cloudwatchlogs)).send().await;
        created.map_err(|e| classify("CreateLogGroup", e))?;
        put_retention(cx, &self.name, self.retention_days).await?;
        let live = find_log_group(cx, &self.name).await?.ok_or_else(|| missing("log group after CreateLogGroup"))?;
        outputs(&live)
    }

    async fn read(&self, out: &LogGroupOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_log_group(cx, &out.name).await? else { return Ok(None) };
        let outputs = outputs(&live)?;
        let mut seen = self.clone();
        // No retention means "never expire", which no program can ask for: it reads as 0 (drift).
        seen.retention_days = live.retention_in_days().and_then(|d| u32::try_from(d).ok()).unwrap_or(0);
        seen.kms_key_id = live.kms_key_id().map(|k| Input::Value(k.to_string()));
        seen.tags = tags::read::<Logs>(cx, &outputs.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &LogGroupOutputs,
        cx: &AwsContext,
    ) -> Result<LogGroupOutputs, ProviderError> {
        if self.retention_days != old.retention_days {
            put_retention(cx, &out.name, self.retention_days).await?;
        }
        if self.kms_key() != old.kms_key() {
            match self.kms_key() {
                Some(key) => {
                    let call = cx.logs().associate_kms_key().log_group_name(&out.name).kms_key_id(key);
                    call.send().await.map_err(|e| classify("AssociateKmsKey", e))?;
                }
                None => {
                    let call = cx.logs().disassociate_kms_key().log_group_name(&out.name);
                    call.send().await.map_err(|e| classify("DisassociateKmsKey", e))?;
                }
            }
        }
        tags::sync::<Logs>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &LogGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let deleted = cx.logs().delete_log_group().log_group_name(&out.name).send().await;
        ok_if_not_found(deleted.map(|_| ()).map_err(|e| classify("DeleteLogGroup", e)))
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<LogGroupOutputs, ProviderError> {
        outputs(&found(Self::KIND, id, find_log_group(cx, id).await?)?)
    }

    async fn write_tags(out: &LogGroupOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Logs>(cx, &out.arn, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<LogGroupOutputs>, ProviderError> {
        let Some(live) = find_log_group(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&live)?;
        let live_tags = tags::read::<Logs>(cx, &found.arn).await?;
        adopt(&format!("log group {}", self.name), &live_tags, meta, found)
    }
}

impl LogGroup {
    fn kms_key(&self) -> Option<String> {
        self.kms_key_id.as_ref().map(|k| k.value().clone())
    }
}

async fn put_retention(cx: &AwsContext, name: &str, days: u32) -> Result<(), ProviderError> {
    let days = i32::try_from(days).map_err(|_| missing("retention that fits the API"))?;
    let call = cx.logs().put_retention_policy().log_group_name(name).retention_in_days(days);
    call.send().await.map_err(|e| classify("PutRetentionPolicy", e))?;
    Ok(())
}

fn outputs(live: &sdk::types::LogGroup) -> Result<LogGroupOutputs, ProviderError> {
    Ok(LogGroupOutputs {
        name: live.log_group_name().ok_or_else(|| missing("log group name"))?.to_string(),
        arn: group_arn(live).ok_or_else(|| missing("log group ARN"))?,
    })
}

crate::kit::kind!(LogGroup);

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> LogGroup {
        LogGroup { name: "/plinth/dev/api".into(), retention_days: 30, ..Default::default() }
    }

    #[test]
    fn retention_must_be_an_allowed_period() {
        assert!(group().validate().is_empty());
        for days in [0, 2, 31, 3650] {
            let problems = LogGroup { retention_days: days, ..group() }.validate();
            assert_eq!(problems.len(), 1, "{days}: {problems:?}");
            assert!(problems[0].starts_with(&format!("retention_days {days} ")), "{problems:?}");
        }
        assert!(RETENTION_DAYS.iter().all(|d| LogGroup { retention_days: *d, ..group() }.validate().is_empty()));
    }

    #[test]
    fn names_and_keys_are_checked() {
        let bad = LogGroup { name: "api logs".into(), kms_key_id: Some("alias/logs".into()), ..group() };
        let problems = bad.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("name `api logs`"));
        assert!(problems[1].starts_with("kms_key_id `alias/logs`"));
    }

    #[test]
    fn the_arn_loses_its_wildcard() {
        let live = sdk::types::LogGroup::builder()
            .log_group_name("g")
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:g:*")
            .build();
        assert_eq!(outputs(&live).expect("outputs").arn, "arn:aws:logs:us-east-1:123456789012:log-group:g");
    }
}
