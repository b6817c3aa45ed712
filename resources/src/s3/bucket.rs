//! `aws:s3:Bucket`: a general-purpose bucket with its versioning, default encryption, public
//! access block, lifecycle rules, policy, Object Ownership, server access logging and tags. The name is global, so a replacement deletes
//! first; each sub-configuration is updated in place, and only when it changed.

use super::tags::S3;
use super::{access, bucket_arn, bucket_is_ours, config, empty, find_bucket, settle};
use crate::error::{classify, none_if_not_found, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::policy::{decode_document, observed_document};
use crate::tags;
use crate::AwsContext;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// An S3 bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// The bucket name, global across all of AWS.
    pub bucket: String,
    #[serde(default)]
    pub versioning: bool,
    /// Default server-side encryption; `None` leaves the AWS default (SSE-S3).
    #[serde(default)]
    pub encryption: Option<Encryption>,
    /// All four public-access-block flags on, or the block removed.
    #[serde(default)]
    pub block_public_access: bool,
    #[serde(default)]
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// The bucket policy, JSON text (may be computed from other resources' outputs).
    #[serde(default)]
    pub policy: Option<Input<String>>,
    /// Delete every object version before deleting the bucket; otherwise a non-empty bucket
    /// fails to delete.
    #[serde(default)]
    pub force_destroy: bool,
    /// Object Ownership, set with PutBucketOwnershipControls; `None` leaves the bucket's as it
    /// is (and reads as `None`). `BucketOwnerEnforced` disables ACLs (AWS FSBP S3.12).
    #[serde(default)]
    pub object_ownership: Option<ObjectOwnership>,
    /// Server access logging (AWS FSBP S3.9); `None` turns it off.
    #[serde(default)]
    pub logging: Option<Logging>,
    #[serde(default)]
    pub tags: Tags,
}

crate::kit::enums::aws_enum! {
    /// Who owns objects written to the bucket, and whether ACLs apply.
    pub enum ObjectOwnership: aws_sdk_s3::types::ObjectOwnership {
        BucketOwnerEnforced = "BucketOwnerEnforced",
        BucketOwnerPreferred = "BucketOwnerPreferred",
        ObjectWriter = "ObjectWriter",
    }
}

/// Where server access logs of the bucket go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Logging {
    /// The log bucket (same account and region), usually another resource's output.
    pub target_bucket: Input<String>,
    /// Key prefix of the log objects (e.g. `s3/<bucket>/`); may be empty.
    #[serde(default)]
    pub target_prefix: String,
}

crate::kit::enums::aws_enum! {
    /// How new objects are encrypted: SSE-S3, SSE-KMS, or dual-layer SSE-KMS.
    pub enum SseAlgorithm: aws_sdk_s3::types::ServerSideEncryption {
        Aes256 = "AES256",
        AwsKms = "aws:kms",
        AwsKmsDsse = "aws:kms:dsse",
    }
}

/// Default encryption of new objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Encryption {
    pub algorithm: SseAlgorithm,
    /// For the KMS algorithms: the key; `None` uses the AWS-managed key.
    #[serde(default)]
    pub kms_key_id: Option<String>,
}

/// One enabled lifecycle rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifecycleRule {
    pub id: String,
    /// Objects the rule applies to; `None` means all.
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub expire_noncurrent_after_days: Option<i32>,
    #[serde(default)]
    pub expire_after_days: Option<i32>,
    #[serde(default)]
    pub abort_incomplete_multipart_after_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketOutputs {
    pub bucket: String,
    pub arn: String,
    pub region: String,
}

impl Resource for Bucket {
    const KIND: &'static str = "aws:s3:Bucket";
    const SERVICE: &'static str = "s3";
    const REPLACE_FIELDS: &'static [&'static str] = &["bucket"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    type Outputs = BucketOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &BucketOutputs) -> String {
        outputs.bucket.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(p) = bucket_name_problem(&self.bucket) {
            problems.push(format!("bucket: `{}` {p}", self.bucket));
        }
        if let Some(policy) = self.policy.as_ref().and_then(Input::known) {
            if let Err(e) = decode_document(policy) {
                problems.push(format!("policy: {e}"));
            }
        }
        if let Some(enc) = &self.encryption {
            problems.extend(encryption_problem(enc));
        }
        for (i, rule) in self.lifecycle_rules.iter().enumerate() {
            problems.extend(lifecycle_problems(i, rule));
        }
        problems.extend(self.logging.as_ref().and_then(|l| self.logging_problem(l)));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<BucketOutputs, ProviderError> {
        let name = self.bucket.as_str();
        let mut conf = CreateBucketConfiguration::builder().set_tags(tags::to_sdk(&self.tags)?);
        if cx.region != "us-east-1" {
            conf = conf.location_constraint(BucketLocationConstraint::from(cx.region.as_str()));
        }
        let call = cx.s3().create_bucket().bucket(name).create_bucket_configuration(conf.build());
        call.customize()
            .config_override(no_retry!(aws_sdk_s3))
            .send()
            .await
            .map_err(|e| classify("CreateBucket", e))?;
        // Tags go in CreateBucketConfiguration (supported by this SDK); an endpoint that ignores
        // them (older S3-compatible servers, moto) gets them right after, so the bucket is never
        // left untagged without an error. The settings go out at the same time (`configure`).
        let bare = Bucket { bucket: self.bucket.clone(), ..Default::default() };
        futures::try_join!(self.ensure_created_tags(cx), self.configure(&bare, cx, true))?;
        Ok(self.outputs(cx))
    }

    /// HeadBucket, then every setting's read at once (S3 has no call that answers several): two
    /// round trips however many settings. A bucket deleted between the calls reads as gone.
    async fn read(&self, out: &BucketOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let name = out.bucket.as_str();
        if !bucket_is_ours(cx, name).await? {
            return Ok(None);
        }
        let ownership = async {
            match self.object_ownership {
                None => Ok(None),
                Some(_) => access::read_ownership(cx, name).await,
            }
        };
        let settings = async {
            futures::try_join!(
                tags::read::<S3>(cx, name),
                config::read_policy(cx, name),
                config::read_versioning(cx, name),
                config::read_encryption(cx, name),
                config::read_public_access(cx, name),
                config::read_lifecycle(cx, name),
                ownership,
                access::read_logging(cx, name),
            )
        };
        let Some(live) = none_if_not_found(settings.await)? else { return Ok(None) };
        let (live_tags, live_policy, versioning, encryption, block_public_access, lifecycle_rules, ownership, logging) =
            live;
        let program_policy = self.policy.as_ref().map(|p| p.as_str()).unwrap_or("");
        let inputs = Bucket {
            bucket: name.to_string(),
            versioning,
            encryption: observed_encryption(self.encryption.as_ref(), encryption),
            block_public_access,
            lifecycle_rules,
            policy: live_policy.map(|p| Input::Value(observed_document(program_policy, &p))),
            force_destroy: self.force_destroy, // a Plinth setting, not a cloud one
            object_ownership: ownership,
            logging,
            tags: live_tags,
        };
        Ok(Some(Observed { inputs, outputs: out.clone() }))
    }

    async fn update(&self, old: &Self, out: &BucketOutputs, cx: &AwsContext) -> Result<BucketOutputs, ProviderError> {
        let tags = async {
            match self.tags != old.tags {
                true => settle("PutBucketTagging", || super::tags::write(cx, &out.bucket, &self.tags)).await,
                false => Ok(()),
            }
        };
        futures::try_join!(tags, self.configure(old, cx, false))?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &BucketOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        if self.force_destroy {
            match empty::empty_bucket(cx, &out.bucket).await {
                Err(e) if e.is_not_found() => return Ok(()),
                other => other.map(|_| ())?,
            }
        }
        let result = cx.s3().delete_bucket().bucket(&out.bucket).send().await;
        let result = result.map(|_| ()).map_err(|e| classify("DeleteBucket", e));
        ok_if_not_found(result).map_err(|e| match e.class {
            ErrorClass::Conflict => ProviderError {
                message: format!(
                    "bucket {} is not empty (set force_destroy to delete its objects): {}",
                    out.bucket, e.message
                ),
                ..e
            },
            _ => e,
        })
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<BucketOutputs, ProviderError> {
        found(Self::KIND, id, find_bucket(cx, id).await?)?;
        Ok(Bucket { bucket: id.to_string(), ..Default::default() }.outputs(cx))
    }

    /// S3 replaces the whole tag set: `new` is written as it is.
    async fn write_tags(out: &BucketOutputs, _old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        super::tags::write(cx, &out.bucket, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<BucketOutputs>, ProviderError> {
        let Some(live_tags) = find_bucket(cx, &self.bucket).await? else { return Ok(None) };
        adopt(&format!("bucket {}", self.bucket), &live_tags, meta, self.outputs(cx))
    }
}

impl Bucket {
    fn outputs(&self, cx: &AwsContext) -> BucketOutputs {
        BucketOutputs {
            bucket: self.bucket.clone(),
            arn: bucket_arn(&cx.region, &self.bucket),
            region: cx.region.clone(),
        }
    }

    /// The tags CreateBucket was given, written again when the endpoint ignored them.
    async fn ensure_created_tags(&self, cx: &AwsContext) -> Result<(), ProviderError> {
        let name = self.bucket.as_str();
        if tags::read::<S3>(cx, name).await? != self.tags {
            settle("PutBucketTagging", || super::tags::write(cx, name, &self.tags)).await?;
        }
        Ok(())
    }

    /// Writes every sub-configuration that differs from `old`. On create, `old` is a bare
    /// bucket, except the public access block, which AWS turns on for new buckets: it is
    /// always written then, so `false` removes it.
    ///
    /// The settings are separate S3 subresources (Terraform manages them as separate resources
    /// applied in parallel), so they go out concurrently, each retried while S3 answers
    /// OperationAborted ([`settle`]). Two orders are kept, each a pair in sequence:
    /// * Object Ownership before logging: the logging written next assumes ACLs are off.
    /// * the public access block before the policy: a new bucket's block refuses a public
    ///   policy (AccessDenied) until the program's `false` removes it.
    async fn configure(&self, old: &Bucket, cx: &AwsContext, creating: bool) -> Result<(), ProviderError> {
        let name = self.bucket.as_str();
        let access = async {
            if self.object_ownership != old.object_ownership {
                settle("PutBucketOwnershipControls", || access::write_ownership(cx, name, self.object_ownership))
                    .await?;
            }
            if self.logging != old.logging {
                settle("PutBucketLogging", || access::write_logging(cx, name, self.logging.as_ref())).await?;
            }
            Ok::<(), ProviderError>(())
        };
        let exposure = async {
            if creating || self.block_public_access != old.block_public_access {
                settle("PutPublicAccessBlock", || config::write_public_access(cx, name, self.block_public_access))
                    .await?;
            }
            if self.policy != old.policy {
                let policy = self.policy.as_ref().map(|p| p.as_str());
                settle("PutBucketPolicy", || config::write_policy(cx, name, policy)).await?;
            }
            Ok::<(), ProviderError>(())
        };
        let versioning = async {
            match self.versioning != old.versioning {
                true => settle("PutBucketVersioning", || config::write_versioning(cx, name, self.versioning)).await,
                false => Ok(()),
            }
        };
        let encryption = async {
            match self.encryption != old.encryption {
                true => {
                    settle("PutBucketEncryption", || config::write_encryption(cx, name, self.encryption.as_ref())).await
                }
                false => Ok(()),
            }
        };
        let lifecycle = async {
            match self.lifecycle_rules != old.lifecycle_rules {
                true => settle("PutBucketLifecycle", || config::write_lifecycle(cx, name, &self.lifecycle_rules)).await,
                false => Ok(()),
            }
        };
        futures::try_join!(access, exposure, versioning, encryption, lifecycle)?;
        Ok(())
    }

    fn logging_problem(&self, logging: &Logging) -> Option<String> {
        let target = logging.target_bucket.known()?;
        if let Some(p) = bucket_name_problem(target) {
            return Some(format!("logging.target_bucket: `{target}` {p}"));
        }
        (target == &self.bucket)
            .then(|| "logging.target_bucket: a bucket must not log to itself (each log write would be logged)".into())
    }
}

/// AWS applies SSE-S3 to every bucket without a configuration (since 2023) and reports it:
/// when the program asks for no encryption and the live one is that default, report `None`.
fn observed_encryption(program: Option<&Encryption>, live: Option<Encryption>) -> Option<Encryption> {
    match (program, live) {
        (None, Some(l)) if l.algorithm == SseAlgorithm::Aes256 && l.kms_key_id.is_none() => None,
        (_, live) => live,
    }
}

fn encryption_problem(enc: &Encryption) -> Option<String> {
    (enc.algorithm == SseAlgorithm::Aes256 && enc.kms_key_id.is_some())
        .then(|| "encryption.kms_key_id: only valid with a KMS algorithm, not AES256".to_string())
}

fn lifecycle_problems(i: usize, rule: &LifecycleRule) -> Vec<String> {
    let mut problems = Vec::new();
    let field = format!("lifecycle_rules[{i}]");
    if rule.id.is_empty() || rule.id.len() > 255 {
        problems.push(format!("{field}.id: `{}` must be 1 to 255 characters", rule.id));
    }
    if rule.prefix.as_deref() == Some("") {
        problems.push(format!("{field}.prefix: empty; use None for a rule over all objects"));
    }
    let days = [
        ("expire_noncurrent_after_days", rule.expire_noncurrent_after_days),
        ("expire_after_days", rule.expire_after_days),
        ("abort_incomplete_multipart_after_days", rule.abort_incomplete_multipart_after_days),
    ];
    for (name, value) in days {
        if let Some(d) = value.filter(|d| *d <= 0) {
            problems.push(format!("{field}.{name}: {d} must be greater than 0"));
        }
    }
    if days.iter().all(|(_, v)| v.is_none()) {
        problems.push(format!("{field}: rule `{}` has no action (set at least one *_days)", rule.id));
    }
    problems
}

/// What is wrong with `name` as a general-purpose bucket name, if anything.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let problem = if !(3..=63).contains(&name.len()) {
        "must be 3 to 63 characters long"
    } else if !name.chars().all(allowed) {
        "may contain only lowercase letters, digits, hyphens and dots"
    } else if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        "must start and end with a letter or digit"
    } else if name.contains("..") {
        "must not contain two adjacent dots"
    } else if is_ip_shaped(name) {
        "must not be formatted as an IP address"
    } else if name.starts_with("xn--") || name.starts_with("sthree-") || name.starts_with("amzn-s3-demo-") {
        "must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-)"
    } else if ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"].iter().any(|s| name.ends_with(s)) {
        "must not end with a reserved suffix (-s3alias, --ol-s3, --x-s3, --table-s3, .mrap)"
    } else {
        return None;
    };
    Some(problem.to_string())
}

fn is_ip_shaped(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

crate::kit::kind!(Bucket, unordered: ["lifecycle_rules" by ["id"]], documents: ["policy"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Bucket {
        Bucket { bucket: "plinth-assets-dev".into(), ..Default::default() }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in ["abc", "my.bucket-1", "a1b", &"a".repeat(63)] {
            assert_eq!(bucket_name_problem(ok), None, "{ok}");
        }
        for bad in
            ["ab", "Abc", "-abc", "abc-", "a..b", "192.168.5.4", "xn--abc", "abc-s3alias", "a_b", &"a".repeat(64)]
        {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn validate_names_field_and_value() {
        let b = Bucket { bucket: "Bad_Name".into(), ..valid() };
        let problems = b.validate();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("bucket: `Bad_Name`"), "{problems:?}");
    }

    #[test]
    fn validate_checks_policy_encryption_and_lifecycle() {
        let b = Bucket {
            policy: Some("{not json".into()),
            encryption: Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: Some("k".into()) }),
            lifecycle_rules: vec![LifecycleRule { id: "old".into(), expire_after_days: Some(0), ..Default::default() }],
            ..valid()
        };
        let problems = b.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("policy:")));
        assert!(problems.iter().any(|p| p.starts_with("encryption.kms_key_id")));
        // An algorithm S3 does not have no longer compiles, nor decodes from state; old state reads.
        let des = serde_json::json!({"algorithm": "DES"});
        assert!(serde_json::from_value::<Encryption>(des).is_err());
        let old = serde_json::json!({"algorithm": "aws:kms", "kms_key_id": "alias/k"});
        let read: Encryption = serde_json::from_value(old.clone()).expect("old state reads");
        assert_eq!(read.algorithm, SseAlgorithm::AwsKms);
        assert_eq!(serde_json::to_value(&read).expect("json"), old);
        assert!(problems.iter().any(|p| p.contains("lifecycle_rules[0].expire_after_days: 0")));
        assert!(valid().validate().is_empty());
    }

    #[test]
    fn default_sse_reads_as_unset() {
        let aes = Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None };
        assert_eq!(observed_encryption(None, Some(aes.clone())), None);
        assert_eq!(observed_encryption(Some(&aes), Some(aes.clone())), Some(aes.clone()));
        let kms = Encryption { algorithm: SseAlgorithm::AwsKms, kms_key_id: Some("k".into()) };
        assert_eq!(observed_encryption(None, Some(kms.clone())), Some(kms));
    }
}
