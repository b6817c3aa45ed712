//! `aws:ecr:Repository`: a private container image repository with tag immutability, scan on
//! push, encryption at rest and a typed lifecycle policy ([`Lifecycle`]).
//!
//! The name is unique in the registry and encryption cannot change in ECR: both force a
//! replacement that deletes first. Tag mutability (PutImageTagMutability), scan on push
//! (PutImageScanningConfiguration), the lifecycle policy (Put/DeleteLifecyclePolicy) and tags
//! change in place. Tags go on CreateRepository.
//!
//! # Guarantees
//! * A repository that holds images is deleted only when `force_delete` is true; otherwise the
//!   delete fails (Conflict) naming the repository and the field to set.
//! * A live lifecycle policy the kind cannot express is read as `unmanaged_lifecycle_policy`
//!   (always empty in a program), so it shows as drift and an update replaces or removes it.
//!
//! * The kind is stateful (images are data): the engine replaces or deletes it only when the
//!   operator allows it.
//!
//! # Assumptions
//! * `force_delete` is write-only (ECR has no such setting to read): read reports the program's.
//!   A delete uses the value last applied, so set it and apply before removing the repository.
//!
//! Emulator gap (moto 5.2.5): PutImageScanningConfiguration with scan on push off (the SDK sends
//! an empty configuration) was ignored; `scripts/moto_patches/ecr.py` gives it AWS's meaning.

use super::lifecycle::Lifecycle;
use super::tags::Ecr;
use super::{find_repository, missing, sdk};
use crate::error::{absent_if, classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::enums::aws_enum;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::operation::delete_lifecycle_policy::DeleteLifecyclePolicyError;
use sdk::operation::get_lifecycle_policy::GetLifecyclePolicyError;
use sdk::types::{EncryptionConfiguration, ImageScanningConfiguration};
use serde::{Deserialize, Serialize};

aws_enum! {
    /// Whether an image tag may be pushed again (moved to another image).
    pub enum TagMutability: sdk::types::ImageTagMutability { Immutable = "IMMUTABLE", Mutable = "MUTABLE" }
}

aws_enum! {
    /// How images are encrypted at rest.
    pub enum EncryptionType: sdk::types::EncryptionType { Aes256 = "AES256", Kms = "KMS" }
}

/// Encryption at rest; cannot change after creation (a change replaces the repository).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Encryption {
    pub encryption_type: EncryptionType,
    /// With `KMS` only: the key (id, ARN or alias); `None` for the AWS managed `aws/ecr` key.
    pub kms_key: Option<Input<String>>,
}

/// A private ECR repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Repository {
    /// Unique in the registry: 2 to 256 lower-case letters, digits and `._-/` separators.
    pub name: String,
    /// Default `IMMUTABLE`: a tag names one image forever.
    pub image_tag_mutability: TagMutability,
    /// Default true: every pushed image is scanned for vulnerabilities.
    pub scan_on_push: bool,
    pub encryption: Encryption,
    /// `None` for no lifecycle policy (images are kept forever).
    pub lifecycle: Option<Lifecycle>,
    /// Read-only: a live lifecycle policy `lifecycle` cannot express, as ECR returned it. Always
    /// `None` in a program, so such a policy shows as drift and an update replaces it.
    pub unmanaged_lifecycle_policy: Option<String>,
    /// Write-only: delete the repository even when it holds images (they are lost). Default false.
    pub force_delete: bool,
    pub tags: Tags,
}

impl Default for Repository {
    fn default() -> Self {
        Self {
            name: String::new(),
            image_tag_mutability: TagMutability::Immutable,
            scan_on_push: true,
            encryption: Encryption::default(),
            lifecycle: None,
            unmanaged_lifecycle_policy: None,
            force_delete: false,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryOutputs {
    pub name: String,
    pub arn: String,
    pub registry_id: String,
    /// `<registry>.dkr.ecr.<region>.amazonaws.com/<name>`: what `docker push` and task
    /// definitions name.
    pub repository_uri: String,
}

impl Resource for Repository {
    const KIND: &'static str = "aws:ecr:Repository";
    const SERVICE: &'static str = "ecr";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "encryption"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    type Outputs = RepositoryOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &RepositoryOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(p) = name_problem(&self.name) {
            problems.push(format!("name `{}` {p}", self.name));
        }
        if self.encryption.encryption_type == EncryptionType::Aes256 && self.encryption.kms_key.is_some() {
            problems.push("encryption.kms_key is set but encryption.encryption_type is AES256: use KMS".to_string());
        }
        if self.unmanaged_lifecycle_policy.is_some() {
            problems.push("unmanaged_lifecycle_policy is read-only: leave it empty (use lifecycle)".to_string());
        }
        problems.extend(self.lifecycle.iter().flat_map(Lifecycle::problems));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<RepositoryOutputs, ProviderError> {
        let call = cx
            .ecr()
            .create_repository()
            .repository_name(&self.name)
            .image_tag_mutability(self.image_tag_mutability.to_sdk())
            .image_scanning_configuration(self.sdk_scanning())
            .encryption_configuration(self.sdk_encryption()?)
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_ecr)).send().await;
        let out = out.map_err(|e| classify("CreateRepository", e))?;
        let outputs = outputs(out.repository().ok_or_else(|| missing("CreateRepository repository"))?)?;
        if let Some(lifecycle) = &self.lifecycle {
            put_lifecycle(cx, &self.name, lifecycle).await?;
        }
        Ok(outputs)
    }

    async fn read(&self, out: &RepositoryOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_repository(cx, &out.name).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.image_tag_mutability = observed_mutability(&out.name, &live)?;
        seen.scan_on_push = live.image_scanning_configuration().is_some_and(|s| s.scan_on_push());
        seen.encryption = self.observed_encryption(live.encryption_configuration());
        let Some(policy) = get_lifecycle(cx, &out.name).await? else { return Ok(None) };
        seen.lifecycle = policy.as_deref().and_then(Lifecycle::parse);
        seen.unmanaged_lifecycle_policy = policy.filter(|_| seen.lifecycle.is_none());
        let outputs = outputs(&live)?;
        seen.tags = tags::read::<Ecr>(cx, &outputs.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &RepositoryOutputs,
        cx: &AwsContext,
    ) -> Result<RepositoryOutputs, ProviderError> {
        if self.image_tag_mutability != old.image_tag_mutability {
            let call = cx.ecr().put_image_tag_mutability().repository_name(&out.name);
            let call = call.image_tag_mutability(self.image_tag_mutability.to_sdk());
            call.send().await.map_err(|e| classify("PutImageTagMutability", e))?;
        }
        if self.scan_on_push != old.scan_on_push {
            let call = cx.ecr().put_image_scanning_configuration().repository_name(&out.name);
            let call = call.image_scanning_configuration(self.sdk_scanning());
            call.send().await.map_err(|e| classify("PutImageScanningConfiguration", e))?;
        }
        if self.lifecycle != old.lifecycle || old.unmanaged_lifecycle_policy.is_some() {
            match &self.lifecycle {
                Some(lifecycle) => put_lifecycle(cx, &out.name, lifecycle).await?,
                None => delete_lifecycle(cx, &out.name).await?,
            }
        }
        tags::sync::<Ecr>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &RepositoryOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let call = cx.ecr().delete_repository().repository_name(&out.name).force(self.force_delete);
        match call.send().await {
            Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_not_empty_exception()) => {
                let message = format!(
                    "ECR repository `{}` still holds images: delete them first, or set force_delete: true \
                     to delete the repository with its images",
                    out.name
                );
                Err(ProviderError::new(ErrorClass::Conflict, message).with_source(e))
            }
            other => ok_if_not_found(other.map(|_| ()).map_err(|e| classify("DeleteRepository", e))),
        }
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<RepositoryOutputs, ProviderError> {
        outputs(&found(Self::KIND, id, find_repository(cx, id).await?)?)
    }

    async fn write_tags(out: &RepositoryOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Ecr>(cx, &out.arn, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<RepositoryOutputs>, ProviderError> {
        let Some(live) = find_repository(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&live)?;
        let live_tags = tags::read::<Ecr>(cx, &found.arn).await?;
        adopt(&format!("ECR repository {}", self.name), &live_tags, meta, found)
    }
}

impl Repository {
    fn sdk_scanning(&self) -> ImageScanningConfiguration {
        ImageScanningConfiguration::builder().scan_on_push(self.scan_on_push).build()
    }

    fn sdk_encryption(&self) -> Result<EncryptionConfiguration, ProviderError> {
        let key = self.encryption.kms_key.as_ref().map(|k| k.value().clone());
        EncryptionConfiguration::builder()
            .encryption_type(self.encryption.encryption_type.to_sdk())
            .set_kms_key(key)
            .build()
            .map_err(|e| crate::error::build_error("encryption configuration", e))
    }

    /// The live encryption in input shape. The key AWS reports as an ARN is kept in the program's
    /// spelling when it names the same key, and left out when the program named none (AWS then
    /// reports its managed `aws/ecr` key).
    fn observed_encryption(&self, live: Option<&EncryptionConfiguration>) -> Encryption {
        let Some(live) = live else { return Encryption::default() };
        let encryption_type = EncryptionType::from_sdk(live.encryption_type()).unwrap_or(EncryptionType::Kms);
        let wanted = self.encryption.kms_key.as_ref().and_then(Input::known);
        let kms_key = match (live.kms_key(), wanted) {
            (Some(arn), Some(key)) if arn == key || arn.ends_with(&format!("/{key}")) => {
                self.encryption.kms_key.clone()
            }
            (_, None) if self.encryption.kms_key.is_none() => None,
            (Some(arn), _) => Some(Input::Value(arn.to_string())),
            (None, _) => None,
        };
        Encryption { encryption_type, kms_key }
    }
}

fn outputs(live: &sdk::types::Repository) -> Result<RepositoryOutputs, ProviderError> {
    let field = |v: Option<&str>, what: &str| v.map(str::to_string).ok_or_else(|| missing(what));
    Ok(RepositoryOutputs {
        name: field(live.repository_name(), "repository name")?,
        arn: field(live.repository_arn(), "repository ARN")?,
        registry_id: field(live.registry_id(), "registry id")?,
        repository_uri: field(live.repository_uri(), "repository URI")?,
    })
}

fn observed_mutability(name: &str, live: &sdk::types::Repository) -> Result<TagMutability, ProviderError> {
    let value = live.image_tag_mutability().ok_or_else(|| missing("image tag mutability"))?;
    TagMutability::from_sdk(value).ok_or_else(|| {
        let message =
            format!("ECR repository `{name}` has image tag mutability `{value}`, which Plinth does not model");
        ProviderError::new(ErrorClass::Other, message)
    })
}

async fn put_lifecycle(cx: &AwsContext, name: &str, lifecycle: &Lifecycle) -> Result<(), ProviderError> {
    let call = cx.ecr().put_lifecycle_policy().repository_name(name).lifecycle_policy_text(lifecycle.render());
    call.send().await.map_err(|e| classify("PutLifecyclePolicy", e))?;
    Ok(())
}

/// `Some(None)` when the repository has no lifecycle policy, `None` when the repository is gone.
async fn get_lifecycle(cx: &AwsContext, name: &str) -> Result<Option<Option<String>>, ProviderError> {
    let out = cx.ecr().get_lifecycle_policy().repository_name(name).send().await;
    match out {
        Err(e) if e.as_service_error().is_some_and(GetLifecyclePolicyError::is_repository_not_found_exception) => {
            Ok(None)
        }
        other => {
            let found = absent_if(
                "GetLifecyclePolicy",
                other,
                GetLifecyclePolicyError::is_lifecycle_policy_not_found_exception,
            )?;
            Ok(Some(found.and_then(|o| o.lifecycle_policy_text().map(str::to_string))))
        }
    }
}

async fn delete_lifecycle(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
    let out = cx.ecr().delete_lifecycle_policy().repository_name(name).send().await;
    absent_if("DeleteLifecyclePolicy", out, DeleteLifecyclePolicyError::is_lifecycle_policy_not_found_exception)?;
    Ok(())
}

/// ECR's repository name rule: 2 to 256 characters, path components of lower-case letters and
/// digits joined by single `.`, `_` or `-`, separated by `/`.
fn name_problem(name: &str) -> Option<&'static str> {
    if !(2..=256).contains(&name.len()) {
        return Some("must be 2 to 256 characters long");
    }
    let component_ok = |c: &str| {
        let alnum = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit();
        let mut prev_sep = true;
        for ch in c.chars() {
            let sep = matches!(ch, '.' | '_' | '-');
            if !(alnum(ch) || sep) || (sep && prev_sep) {
                return false;
            }
            prev_sep = sep;
        }
        !prev_sep
    };
    if name.split('/').all(component_ok) {
        None
    } else {
        Some("must be lower-case letters and digits, joined by single `.`, `_` or `-`, in `/`-separated parts")
    }
}

crate::kit::kind!(Repository, write_only: ["force_delete"], documents: ["unmanaged_lifecycle_policy"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repository {
        Repository { name: "plinth/api".into(), ..Default::default() }
    }

    #[test]
    fn defaults_are_immutable_scanned_aes256() {
        let json = serde_json::to_value(repo()).expect("json");
        assert_eq!(json["image_tag_mutability"], "IMMUTABLE");
        assert_eq!(json["scan_on_push"], true);
        assert_eq!(json["encryption"]["encryption_type"], "AES256");
        assert_eq!(json["force_delete"], false);
        let decoded: Repository = serde_json::from_value(serde_json::json!({ "name": "api" })).expect("decodes");
        assert_eq!(decoded.image_tag_mutability, TagMutability::Immutable);
        assert!(decoded.scan_on_push);
    }

    #[test]
    fn names_are_checked() {
        assert!(repo().validate().is_empty());
        for bad in ["a", "Api", "api/", "a..b", "-api", "api_", "a//b"] {
            let problems = Repository { name: bad.into(), ..repo() }.validate();
            assert!(problems.iter().any(|p| p.starts_with(&format!("name `{bad}`"))), "{bad}: {problems:?}");
        }
        assert!(Repository { name: "team-a/api.v2_x".into(), ..repo() }.validate().is_empty());
    }

    #[test]
    fn a_kms_key_needs_kms_and_the_unmanaged_policy_is_read_only() {
        let bad = Repository {
            encryption: Encryption { encryption_type: EncryptionType::Aes256, kms_key: Some("alias/x".into()) },
            unmanaged_lifecycle_policy: Some("{}".into()),
            lifecycle: Some(Lifecycle { keep_last: 0, untagged_expire_days: 1 }),
            ..repo()
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("encryption.kms_key"));
        assert!(problems[1].starts_with("unmanaged_lifecycle_policy"));
        assert!(problems[2].starts_with("lifecycle.keep_last"));
    }

    #[test]
    fn the_live_key_is_read_in_the_programs_spelling() {
        let kms = |key: Option<&str>| Repository {
            encryption: Encryption { encryption_type: EncryptionType::Kms, kms_key: key.map(Input::from) },
            ..repo()
        };
        let live = |key: &str| {
            EncryptionConfiguration::builder()
                .encryption_type(sdk::types::EncryptionType::Kms)
                .kms_key(key)
                .build()
                .expect("config")
        };
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
        let by_id = kms(Some("1234abcd"));
        assert_eq!(by_id.observed_encryption(Some(&live(arn))), by_id.encryption);
        let managed = kms(None);
        assert_eq!(managed.observed_encryption(Some(&live(arn))), managed.encryption);
        let other = kms(Some("5678"));
        assert_eq!(other.observed_encryption(Some(&live(arn))).kms_key, Some(Input::from(arn)));
    }
}
