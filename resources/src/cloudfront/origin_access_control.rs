//! `aws:cloudfront:OriginAccessControl`: how a distribution signs its requests to a private S3
//! origin (SigV4), so the bucket can refuse everyone else. Every field changes in place
//! (UpdateOriginAccessControl with the ETag of a fresh GetOriginAccessControl as IfMatch).
//!
//! # Ownership: recorded in the description
//! CloudFront does not tag origin access controls, and their name is unique per account. The
//! kind therefore writes ownership into the description, after the user's text:
//! `<description> [plinth:stack=<stack> plinth:name=<name>]` (just the bracket when the
//! description is empty). `find` looks the name up and adopts the control only when that marker
//! proves both `plinth:stack` and `plinth:name` (through `kit::adopt`, as tags would); a control
//! without it, or with another stack's or name's, is `Err(NotOwned)`. `read` reports the
//! description without the marker; an update keeps the live marker, and refuses (NotOwned) a
//! control whose marker was removed.
//!
//! # Guarantees
//! * CreateOriginAccessControl takes no idempotency token: it is sent with `no_retry!`; a lost
//!   reply is resolved by `find` (name + marker).
//! * Delete is idempotent (NoSuchOriginAccessControl is Ok); a control a distribution still uses
//!   is refused by CloudFront (OriginAccessControlInUse, a Conflict).
//!
//! Emulator gaps (moto 5.2.5), given AWS's behaviour by `scripts/moto_patches/cloudfront.py`:
//! duplicate names accepted, IfMatch ignored and ETags never changing, a 500 for deleting an
//! unknown control, no in-use check.

use super::missing;
use crate::error::{build_error, classify, none_if_not_found, ok_if_not_found};
use crate::kit::enums::aws_enum;
use crate::kit::{adopt, retry::no_retry};
use crate::AwsContext;
use aws_sdk_cloudfront::types as sdk;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// An origin access control.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OriginAccessControl {
    /// Unique per account; 1 to 64 characters.
    pub name: String,
    /// Free text, at most 160 characters (the ownership marker is appended to it).
    pub description: String,
    pub origin_type: OacOriginType,
    pub signing_behavior: SigningBehavior,
    pub signing_protocol: SigningProtocol,
}

aws_enum! {
    /// The kind of origin the control signs requests to.
    pub enum OacOriginType: sdk::OriginAccessControlOriginTypes { S3 = "s3" }
}

aws_enum! {
    /// When CloudFront signs origin requests (`always` is what a private bucket needs).
    pub enum SigningBehavior: sdk::OriginAccessControlSigningBehaviors {
        Always = "always",
        NoOverride = "no-override",
        Never = "never",
    }
}

aws_enum! {
    /// How requests are signed.
    pub enum SigningProtocol: sdk::OriginAccessControlSigningProtocols { Sigv4 = "sigv4" }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginAccessControlOutputs {
    /// What a distribution's origin names (`origin_access_control_id`).
    pub id: String,
    pub name: String,
}

/// Longest description a program may give (AWS allows 256 with the marker).
const MAX_DESCRIPTION: usize = 160;

impl Resource for OriginAccessControl {
    const KIND: &'static str = "aws:cloudfront:OriginAccessControl";
    const SERVICE: &'static str = "cloudfront";
    const TAGGABLE: bool = false;
    type Outputs = OriginAccessControlOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &OriginAccessControlOutputs) -> String {
        outputs.id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.chars().count() > 64 {
            problems.push(format!("name `{}` must be 1 to 64 characters", self.name));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            problems.push(format!("description is longer than {MAX_DESCRIPTION} characters"));
        }
        if self.description.contains("[plinth:") {
            problems.push("description must not contain `[plinth:` (Plinth's ownership marker)".to_string());
        }
        problems
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<OriginAccessControlOutputs, ProviderError> {
        let config = self.config(&with_marker(&self.description, &meta.stack, &meta.name))?;
        let call = cx.cloudfront().create_origin_access_control().origin_access_control_config(config);
        let out = call.customize().config_override(no_retry!(aws_sdk_cloudfront)).send().await;
        let out = out.map_err(|e| classify("CreateOriginAccessControl", e))?;
        let control = out.origin_access_control().ok_or_else(|| missing("CreateOriginAccessControl control"))?;
        Ok(OriginAccessControlOutputs { id: control.id().to_string(), name: self.name.clone() })
    }

    async fn read(
        &self,
        out: &OriginAccessControlOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some((config, _etag)) = get(cx, &out.id).await? else { return Ok(None) };
        let unknown = |what: &str, value: &str| {
            ProviderError::new(
                ErrorClass::Other,
                format!("origin access control {}: {what} `{value}` is not modelled", out.id),
            )
        };
        let (description, _) = split_marker(config.description().unwrap_or_default());
        let seen = Self {
            name: config.name().to_string(),
            description: description.to_string(),
            origin_type: OacOriginType::from_sdk(config.origin_access_control_origin_type())
                .ok_or_else(|| unknown("origin type", config.origin_access_control_origin_type().as_str()))?,
            signing_behavior: SigningBehavior::from_sdk(config.signing_behavior())
                .ok_or_else(|| unknown("signing behavior", config.signing_behavior().as_str()))?,
            signing_protocol: SigningProtocol::from_sdk(config.signing_protocol())
                .ok_or_else(|| unknown("signing protocol", config.signing_protocol().as_str()))?,
        };
        let outputs = OriginAccessControlOutputs { id: out.id.clone(), name: seen.name.clone() };
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(
        &self,
        _old: &Self,
        out: &OriginAccessControlOutputs,
        cx: &AwsContext,
    ) -> Result<OriginAccessControlOutputs, ProviderError> {
        let (live, etag) = get(cx, &out.id).await?.ok_or_else(|| gone(&out.id))?;
        let (_, marker) = split_marker(live.description().unwrap_or_default());
        let Some((stack, name)) = marker else {
            let message = format!("origin access control {} no longer carries Plinth's ownership marker", out.id);
            return Err(ProviderError::new(ErrorClass::NotOwned, message));
        };
        let config = self.config(&with_marker(&self.description, &stack, &name))?;
        let call = cx.cloudfront().update_origin_access_control().id(&out.id).if_match(etag);
        call.origin_access_control_config(config).send().await.map_err(|e| classify("UpdateOriginAccessControl", e))?;
        Ok(OriginAccessControlOutputs { id: out.id.clone(), name: self.name.clone() })
    }

    async fn delete(&self, out: &OriginAccessControlOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some((_, etag)) = get(cx, &out.id).await? else { return Ok(()) };
        let call = cx.cloudfront().delete_origin_access_control().id(&out.id).if_match(etag);
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteOriginAccessControl", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<OriginAccessControlOutputs>, ProviderError> {
        let Some(summary) = find_by_name(cx, &self.name).await? else { return Ok(None) };
        let (_, marker) = split_marker(summary.description());
        let proof: Tags = marker
            .map(|(stack, name)| [(engine::STACK_TAG.to_string(), stack), (engine::NAME_TAG.to_string(), name)].into())
            .unwrap_or_default();
        let found = OriginAccessControlOutputs { id: summary.id().to_string(), name: self.name.clone() };
        adopt(
            &format!("origin access control {} ({}; ownership from its description)", self.name, summary.id()),
            &proof,
            meta,
            found,
        )
    }
}

impl OriginAccessControl {
    fn config(&self, description: &str) -> Result<sdk::OriginAccessControlConfig, ProviderError> {
        sdk::OriginAccessControlConfig::builder()
            .name(&self.name)
            .description(description)
            .signing_protocol(self.signing_protocol.to_sdk())
            .signing_behavior(self.signing_behavior.to_sdk())
            .origin_access_control_origin_type(self.origin_type.to_sdk())
            .build()
            .map_err(|e| build_error("origin access control config", e))
    }
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(ErrorClass::NotFound, format!("origin access control {id} no longer exists"))
}

/// The live configuration and its ETag, or `None` when the control is gone.
async fn get(cx: &AwsContext, id: &str) -> Result<Option<(sdk::OriginAccessControlConfig, String)>, ProviderError> {
    let out = cx.cloudfront().get_origin_access_control().id(id).send().await;
    let Some(out) = none_if_not_found(out.map_err(|e| classify("GetOriginAccessControl", e)))? else {
        return Ok(None);
    };
    let etag = out.e_tag().ok_or_else(|| missing("GetOriginAccessControl ETag"))?.to_string();
    let config = out.origin_access_control().and_then(|c| c.origin_access_control_config());
    Ok(Some((config.ok_or_else(|| missing("GetOriginAccessControl config"))?.clone(), etag)))
}

/// The control named `name` (unique per account), from ListOriginAccessControls.
async fn find_by_name(cx: &AwsContext, name: &str) -> Result<Option<sdk::OriginAccessControlSummary>, ProviderError> {
    let mut marker: Option<String> = None;
    loop {
        let call = cx.cloudfront().list_origin_access_controls().set_marker(marker.clone());
        let out = call.send().await.map_err(|e| classify("ListOriginAccessControls", e))?;
        let Some(list) = out.origin_access_control_list() else { return Ok(None) };
        if let Some(found) = list.items().iter().find(|s| s.name() == name) {
            return Ok(Some(found.clone()));
        }
        match list.next_marker() {
            Some(next) if list.is_truncated() && !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The description as written: the user's text, then the ownership marker.
fn with_marker(description: &str, stack: &str, name: &str) -> String {
    let marker = format!("[{}={stack} {}={name}]", engine::STACK_TAG, engine::NAME_TAG);
    if description.is_empty() {
        marker
    } else {
        format!("{description} {marker}")
    }
}

/// The user's text and the marker's (stack, name), if the description ends with one.
fn split_marker(description: &str) -> (&str, Option<(String, String)>) {
    let head = format!("[{}=", engine::STACK_TAG);
    let Some(start) = description.rfind(&head) else { return (description, None) };
    let Some(body) = description[start + head.len()..].strip_suffix(']') else { return (description, None) };
    let Some((stack, name)) = body.split_once(&format!(" {}=", engine::NAME_TAG)) else { return (description, None) };
    let text = description[..start].strip_suffix(' ').unwrap_or(&description[..start]);
    (text, Some((stack.to_string(), name.to_string())))
}

crate::kit::kind!(OriginAccessControl);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_round_trips_with_and_without_text() {
        let written = with_marker("assets bucket", "prod", "assets-oac");
        assert_eq!(written, "assets bucket [plinth:stack=prod plinth:name=assets-oac]");
        assert_eq!(split_marker(&written), ("assets bucket", Some(("prod".into(), "assets-oac".into()))));
        let bare = with_marker("", "dev", "oac");
        assert_eq!(bare, "[plinth:stack=dev plinth:name=oac]");
        assert_eq!(split_marker(&bare), ("", Some(("dev".into(), "oac".into()))));
    }

    #[test]
    fn descriptions_without_a_marker_prove_nothing() {
        for d in ["made by hand", "", "[plinth:stack=prod]", "x [plinth:stack=prod plinth:name=a] trailing"] {
            assert_eq!(split_marker(d), (d, None), "{d}");
        }
    }

    #[test]
    fn validate_names_the_field() {
        let ok = OriginAccessControl { name: "assets".into(), ..Default::default() };
        assert!(ok.validate().is_empty());
        let bad = OriginAccessControl { name: String::new(), description: "[plinth:stack=x".into(), ..ok };
        let problems = bad.validate();
        assert!(problems[0].starts_with("name ``"), "{problems:?}");
        assert!(problems[1].starts_with("description must not contain"), "{problems:?}");
        let json = serde_json::to_value(OriginAccessControl::default()).expect("json");
        assert_eq!(
            (&json["origin_type"], &json["signing_behavior"], &json["signing_protocol"]),
            (&"s3".into(), &"always".into(), &"sigv4".into())
        );
    }
}
