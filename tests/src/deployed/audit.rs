//! Audit: a CloudTrail trail tagged for the stack is multi-region, logging, records read and
//! write management events (CloudTrail.1), validates its log files (CloudTrail.4) and delivers to
//! an S3 bucket that exists; GuardDuty has an enabled detector in the region (GuardDuty.1),
//! required in staging and prod, not in local or dev.

use super::target::Target;
use super::{blocked, error_text, Check};
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_cloudtrail::Client;

const AREA: &str = "audit";

/// Environments that must run GuardDuty.
const GUARDED: [&str; 2] = ["staging", "prod"];

pub async fn checks(t: &Target) -> Vec<Check> {
    let (mut checks, guard) = tokio::join!(trails(t), guardduty(t));
    checks.push(guard);
    checks
}

async fn stack_trails(t: &Target, client: &Client) -> Result<Vec<Trail>, String> {
    let out = client.describe_trails().include_shadow_trails(true).send().await;
    let all = out.map_err(|e| format!("DescribeTrails: {}", error_text(e)))?.trail_list().to_vec();
    let mut owned = Vec::new();
    for trail in all {
        let arn = trail.trail_arn().unwrap_or_default();
        let tags = client.list_tags().resource_id_list(arn).send().await;
        let tags = tags.map_err(|e| format!("ListTags {arn}: {}", error_text(e)))?;
        let pairs = tags.resource_tag_list().iter().flat_map(|r| r.tags_list()).map(|t| (t.key(), t.value().unwrap_or_default()));
        if t.owns(pairs) {
            owned.push(trail);
        }
    }
    Ok(owned)
}

async fn trails(t: &Target) -> Vec<Check> {
    let one = "a multi-region trail that is logging read and write management events";
    let validation = "the trail validates its log files";
    let bucket = "the trail delivers to an S3 bucket that exists";
    let client = Client::new(t.sdk());
    let trails = match stack_trails(t, &client).await {
        Ok(trails) => trails,
        Err(reason) => {
            return vec![
                blocked(AREA, Some("CloudTrail.1"), one, &reason),
                blocked(AREA, Some("CloudTrail.4"), validation, &reason),
                blocked(AREA, None, bucket, &reason),
            ]
        }
    };
    let mut c = [
        Check::new(AREA, Some("CloudTrail.1"), one),
        Check::new(AREA, Some("CloudTrail.4"), validation),
        Check::new(AREA, None, bucket),
    ];
    let s3 = t.s3();
    for trail in &trails {
        let name = trail.name().unwrap_or_default();
        let logging = match client.get_trail_status().name(trail.trail_arn().unwrap_or(name)).send().await {
            Ok(status) => status.is_logging() == Some(true),
            Err(e) => {
                c[0].call_failed(name, "GetTrailStatus", e);
                continue;
            }
        };
        let events = management_events(&client, trail).await;
        c[0].expect(
            name,
            trail.is_multi_region_trail() == Some(true) && logging && events.as_ref().is_ok_and(|all| *all),
            format!("multi-region {:?}, logging {logging}, read+write management events {events:?}", trail.is_multi_region_trail()),
        );
        c[1].expect(name, trail.log_file_validation_enabled() == Some(true), "log file validation is off");
        match trail.s3_bucket_name() {
            Some(target) => match s3.head_bucket().bucket(target).send().await {
                Ok(_) => {
                    c[2].saw();
                }
                Err(e) => {
                    c[2].call_failed(format!("{name} → {target}"), "HeadBucket", e);
                }
            },
            None => {
                c[2].expect(name, false, "no S3 bucket");
            }
        }
    }
    c.into()
}

/// Whether the trail records read and write management events (no selectors: AWS's default, all).
async fn management_events(client: &Client, trail: &Trail) -> Result<bool, String> {
    let out = client.get_event_selectors().trail_name(trail.trail_arn().unwrap_or_default()).send().await;
    let out = out.map_err(|e| format!("GetEventSelectors failed: {}", error_text(e)))?;
    if !out.advanced_event_selectors().is_empty() {
        let management = out.advanced_event_selectors().iter().any(|s| {
            let fields = s.field_selectors();
            let category = fields.iter().any(|f| f.field() == "eventCategory" && f.equals().iter().any(|v| v == "Management"));
            let read_only_filtered = fields.iter().any(|f| f.field() == "readOnly");
            category && !read_only_filtered
        });
        return Ok(management);
    }
    let selectors = out.event_selectors();
    Ok(selectors.is_empty()
        || selectors.iter().any(|s| {
            s.include_management_events() != Some(false) && s.read_write_type().is_none_or(|r| r.as_str() == "All")
        }))
}

async fn guardduty(t: &Target) -> Check {
    let what = "a GuardDuty detector is enabled in the region (required in staging and prod)";
    let client = aws_sdk_guardduty::Client::new(t.sdk());
    let required = GUARDED.contains(&t.stack.as_str());
    let ids = match client.list_detectors().send().await {
        Ok(out) => out.detector_ids().to_vec(),
        Err(e) => return blocked(AREA, Some("GuardDuty.1"), what, &format!("ListDetectors: {}", error_text(e))),
    };
    let mut check = Check::new(AREA, Some("GuardDuty.1"), what);
    if ids.is_empty() {
        if required {
            check.fail(format!("{} ({})", t.account, t.sdk().region().map(|r| r.to_string()).unwrap_or_default()), "no detector");
        } else {
            check.not_required(format!("not required in {}, and no detector exists", t.stack));
        }
    }
    for id in ids {
        match client.get_detector().detector_id(&id).send().await {
            Ok(detector) => {
                let status = detector.status().map(|s| s.as_str().to_string()).unwrap_or_default();
                check.expect(&id, status == "ENABLED", format!("status {status}"));
            }
            Err(e) => {
                check.call_failed(&id, "GetDetector", e);
            }
        }
    }
    check
}
