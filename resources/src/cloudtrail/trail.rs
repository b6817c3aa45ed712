//! `aws:cloudtrail:Trail`: a trail delivering the account's management events to an S3 bucket
//! (optionally under a prefix, encrypted with a KMS key, and also to a CloudWatch Logs group
//! through a role CloudTrail assumes), multi-region or not, with or without global service
//! events and log file integrity validation. The name is unique per region, so a rename deletes
//! first; everything else changes in place (UpdateTrail), logging with StartLogging /
//! StopLogging, tags by ARN (AddTags / RemoveTags).
//!
//! `is_logging` is an input: CreateTrail makes a trail that does not log, so `create` starts
//! logging when the program asks for it, and `read` reports GetTrailStatus's `IsLogging` (a trail
//! stopped out of band is drift that the next `up` undoes).
//!
//! The bucket must already allow CloudTrail to write (see
//! [`super::bucket_write_statements`]); CreateTrail refuses a bucket without that policy
//! (InsufficientS3BucketPolicyException, an invalid input).
//!
//! CloudTrail wants the log group ARN with the log stream wildcard (`...:log-group:<name>:*`);
//! the program may give it with or without (`aws:logs:LogGroup`'s `arn` has none), the kind sends
//! it with, and reads it back in the program's form.
//!
//! Emulator gaps (moto 5.2.5): CreateTrail replaces a trail of the same name instead of refusing
//! (TrailAlreadyExistsException), DeleteTrail of an unknown trail succeeds instead of
//! TrailNotFoundException, and the bucket policy is not checked; `scripts/moto_patches/cloudtrail.py`
//! gives the first two AWS's semantics.

use super::tags::CloudTrail;
use super::{find_trail, missing, sdk};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// A CloudTrail trail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trail {
    /// 3 to 128 letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit.
    pub name: String,
    /// The bucket log files go to (`aws:s3:Bucket` output `bucket`).
    pub s3_bucket_name: Input<String>,
    /// A key prefix inside the bucket; `None` for none.
    pub s3_key_prefix: Option<String>,
    pub is_multi_region_trail: bool,
    /// Events of global services (IAM, STS, CloudFront); a multi-region trail must include them.
    pub include_global_service_events: bool,
    /// Digest files that prove log files were not changed.
    pub enable_log_file_validation: bool,
    /// The KMS key ARN that encrypts log files; `None` for S3's own encryption.
    pub kms_key_id: Option<Input<String>>,
    /// A CloudWatch Logs group ARN (with or without `:*`) events are also delivered to, with
    /// [`Trail::cloud_watch_logs_role_arn`]; both or neither.
    pub cloud_watch_logs_log_group_arn: Option<Input<String>>,
    /// The role CloudTrail assumes to write to the log group.
    pub cloud_watch_logs_role_arn: Option<Input<String>>,
    /// Whether the trail records events (GetTrailStatus `IsLogging`).
    pub is_logging: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailOutputs {
    pub name: String,
    pub arn: String,
    pub home_region: String,
}

impl Resource for Trail {
    const KIND: &'static str = "aws:cloudtrail:Trail";
    const SERVICE: &'static str = "cloudtrail";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = TrailOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &TrailOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !valid_name(&self.name) {
            problems.push(format!(
                "name `{}` must be 3 to 128 letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit",
                self.name
            ));
        }
        if self.s3_bucket_name.known().is_some_and(String::is_empty) {
            problems.push("s3_bucket_name must not be empty".to_string());
        }
        if self.is_multi_region_trail && !self.include_global_service_events {
            problems.push("include_global_service_events must be true for a multi-region trail".to_string());
        }
        if let Some(key) = known(&self.kms_key_id) {
            if !key.starts_with("arn:") || !key.contains(":kms:") {
                problems.push(format!("kms_key_id `{key}` must be a KMS key ARN"));
            }
        }
        match (&self.cloud_watch_logs_log_group_arn, &self.cloud_watch_logs_role_arn) {
            (Some(_), None) | (None, Some(_)) => problems.push(
                "cloud_watch_logs_log_group_arn and cloud_watch_logs_role_arn go together: set both or neither"
                    .to_string(),
            ),
            _ => {}
        }
        if let Some(group) = known(&self.cloud_watch_logs_log_group_arn) {
            if !group.starts_with("arn:") || !group.contains(":log-group:") {
                problems.push(format!("cloud_watch_logs_log_group_arn `{group}` must be a log group ARN"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<TrailOutputs, ProviderError> {
        let call = cx
            .cloudtrail()
            .create_trail()
            .name(&self.name)
            .s3_bucket_name(self.s3_bucket_name.as_str())
            .set_s3_key_prefix(self.s3_key_prefix.clone())
            .is_multi_region_trail(self.is_multi_region_trail)
            .include_global_service_events(self.include_global_service_events)
            .enable_log_file_validation(self.enable_log_file_validation)
            .set_kms_key_id(value(&self.kms_key_id))
            .set_cloud_watch_logs_log_group_arn(self.group_arn())
            .set_cloud_watch_logs_role_arn(value(&self.cloud_watch_logs_role_arn))
            .set_tags_list(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_cloudtrail)).send().await;
        let out = out.map_err(|e| classify("CreateTrail", e))?;
        let arn = out.trail_arn().ok_or_else(|| missing("CreateTrail trail ARN"))?;
        if self.is_logging {
            set_logging(cx, arn, true).await?;
        }
        let live = find_trail(cx, &self.name).await?.ok_or_else(|| missing("trail after CreateTrail"))?;
        outputs(&live)
    }

    async fn read(&self, out: &TrailOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_trail(cx, &out.name).await? else { return Ok(None) };
        let outputs = outputs(&live)?;
        let status = cx.cloudtrail().get_trail_status().name(&outputs.arn).send().await;
        let status = status.map_err(|e| classify("GetTrailStatus", e))?;
        let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let live_group = text(live.cloud_watch_logs_log_group_arn());
        let seen = Trail {
            name: outputs.name.clone(),
            s3_bucket_name: Input::Value(live.s3_bucket_name().unwrap_or_default().to_string()),
            s3_key_prefix: text(live.s3_key_prefix()),
            is_multi_region_trail: live.is_multi_region_trail().unwrap_or(false),
            include_global_service_events: live.include_global_service_events().unwrap_or(false),
            enable_log_file_validation: live.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: text(live.kms_key_id()).map(Input::Value),
            cloud_watch_logs_log_group_arn: live_group
                .map(|g| Input::Value(in_program_form(value(&self.cloud_watch_logs_log_group_arn), g))),
            cloud_watch_logs_role_arn: text(live.cloud_watch_logs_role_arn()).map(Input::Value),
            is_logging: status.is_logging().unwrap_or(false),
            tags: tags::read::<CloudTrail>(cx, &outputs.arn).await?,
        };
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(&self, old: &Self, out: &TrailOutputs, cx: &AwsContext) -> Result<TrailOutputs, ProviderError> {
        let settings = |t: &Trail| Trail { is_logging: false, tags: Tags::new(), ..t.clone() };
        if settings(self) != settings(old) {
            // Empty strings remove a prefix, a key and the CloudWatch Logs delivery.
            let call = cx
                .cloudtrail()
                .update_trail()
                .name(&out.arn)
                .s3_bucket_name(self.s3_bucket_name.as_str())
                .s3_key_prefix(self.s3_key_prefix.clone().unwrap_or_default())
                .is_multi_region_trail(self.is_multi_region_trail)
                .include_global_service_events(self.include_global_service_events)
                .enable_log_file_validation(self.enable_log_file_validation)
                .kms_key_id(value(&self.kms_key_id).unwrap_or_default())
                .cloud_watch_logs_log_group_arn(self.group_arn().unwrap_or_default())
                .cloud_watch_logs_role_arn(value(&self.cloud_watch_logs_role_arn).unwrap_or_default());
            call.send().await.map_err(|e| classify("UpdateTrail", e))?;
        }
        if self.is_logging != old.is_logging {
            set_logging(cx, &out.arn, self.is_logging).await?;
        }
        tags::sync::<CloudTrail>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &TrailOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let deleted = cx.cloudtrail().delete_trail().name(&out.arn).send().await;
        ok_if_not_found(deleted.map(|_| ()).map_err(|e| classify("DeleteTrail", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<TrailOutputs>, ProviderError> {
        let Some(live) = find_trail(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&live)?;
        let live_tags = tags::read::<CloudTrail>(cx, &found.arn).await?;
        adopt(&format!("CloudTrail trail {}", found.arn), &live_tags, meta, found)
    }
}

impl Trail {
    /// The log group ARN as CloudTrail wants it: with the `:*` wildcard.
    fn group_arn(&self) -> Option<String> {
        value(&self.cloud_watch_logs_log_group_arn).map(|g| if g.ends_with(":*") { g } else { format!("{g}:*") })
    }
}

fn known(field: &Option<Input<String>>) -> Option<&String> {
    field.as_ref().and_then(Input::known)
}

fn value(field: &Option<Input<String>>) -> Option<String> {
    field.as_ref().map(|v| v.value().clone())
}

/// The live log group ARN in the program's form: without `:*` when the program gave none.
fn in_program_form(sent: Option<String>, live: String) -> String {
    match sent {
        Some(sent) if sent == live => live,
        Some(sent) if format!("{sent}:*") == live => sent,
        _ => live,
    }
}

fn valid_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (3..=128).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && edge(name.chars().next())
        && edge(name.chars().last())
}

async fn set_logging(cx: &AwsContext, arn: &str, on: bool) -> Result<(), ProviderError> {
    if on {
        let call = cx.cloudtrail().start_logging().name(arn);
        call.send().await.map_err(|e| classify("StartLogging", e))?;
    } else {
        let call = cx.cloudtrail().stop_logging().name(arn);
        call.send().await.map_err(|e| classify("StopLogging", e))?;
    }
    Ok(())
}

fn outputs(live: &sdk::types::Trail) -> Result<TrailOutputs, ProviderError> {
    Ok(TrailOutputs {
        name: live.name().ok_or_else(|| missing("trail name"))?.to_string(),
        arn: live.trail_arn().ok_or_else(|| missing("trail ARN"))?.to_string(),
        home_region: live.home_region().unwrap_or_default().to_string(),
    })
}

crate::kit::kind!(Trail);

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/plinth/trail";

    fn trail() -> Trail {
        Trail {
            name: "audit".into(),
            s3_bucket_name: "audit-logs".into(),
            is_multi_region_trail: true,
            include_global_service_events: true,
            enable_log_file_validation: true,
            is_logging: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_typical_trail_is_valid_and_problems_name_their_field() {
        assert_eq!(trail().validate(), Vec::<String>::new());
        let bad = Trail {
            name: "-x".into(),
            include_global_service_events: false,
            kms_key_id: Some("alias/logs".into()),
            cloud_watch_logs_log_group_arn: Some(GROUP.into()),
            ..trail()
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("name `-x`"));
        assert!(problems[1].starts_with("include_global_service_events"));
        assert!(problems[2].starts_with("kms_key_id `alias/logs`"));
        assert!(problems[3].contains("set both or neither"));
    }

    #[test]
    fn the_log_group_is_sent_with_its_wildcard_and_read_in_the_programs_form() {
        let t = Trail {
            cloud_watch_logs_log_group_arn: Some(GROUP.into()),
            cloud_watch_logs_role_arn: Some("arn:aws:iam::123456789012:role/trail".into()),
            ..trail()
        };
        assert_eq!(t.group_arn(), Some(format!("{GROUP}:*")));
        assert_eq!(in_program_form(Some(GROUP.into()), format!("{GROUP}:*")), GROUP);
        assert_eq!(in_program_form(Some(format!("{GROUP}:*")), format!("{GROUP}:*")), format!("{GROUP}:*"));
        assert_eq!(in_program_form(Some(GROUP.into()), "other:*".into()), "other:*");
    }
}
