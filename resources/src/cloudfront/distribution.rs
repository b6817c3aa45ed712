//! `aws:cloudfront:Distribution`: a CDN in front of one private S3 bucket, read through an origin
//! access control, with one default cache behaviour (a cache policy, compression, HTTPS for
//! viewers) and a default root object. Every field changes in place (GetDistributionConfig for
//! the ETag and caller reference, then UpdateDistribution with IfMatch); tags by their own calls.
//!
//! # Guarantees
//! * No duplicate from a lost reply: the CallerReference is fresh for every create call
//!   (`kit::token`), so the SDK's retries of that call return the same distribution (AWS's
//!   idempotency); a reply lost for good is resolved by the engine's `find` (the tags are set
//!   atomically by CreateDistributionWithTags). A reference derived from the resource would
//!   answer a destroy-and-recreate with the deleted distribution's identity.
//! * Tags are sent with CreateDistributionWithTags; `find` (ListDistributions, then each
//!   distribution's tags) adopts only a distribution tagged with both `plinth:stack` and
//!   `plinth:name`; two such are a Conflict, never a guess.
//! * Delete disables the distribution first (UpdateDistribution with Enabled=false), waits until
//!   it is `Deployed` ([`super::wait::DISTRIBUTION_DEPLOY_TIMEOUT`]), then deletes it with the
//!   current ETag; a distribution already gone is Ok.
//!
//! # Assumptions
//!
//! Emulator gaps (moto 5.2.5), given AWS's behaviour by `scripts/moto_patches/cloudfront.py`:
//! OriginAccessControlId dropped from origins; enabled distributions deleted; ETags never
//! changing and IfMatch not compared. moto answers `Deployed` at once (AWS takes minutes) and
//! GetDistributionConfig leaves `S3OriginConfig` out of origins (not read here).

use super::tags::{self as cf_tags, Cf};
use super::{missing, wait};
use crate::error::{build_error, classify, none_if_not_found, ok_if_not_found};
use crate::kit::enums::aws_enum;
use crate::tags;
use crate::AwsContext;
use aws_sdk_cloudfront::types as sdk;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// AWS's managed cache policy `Managed-CachingOptimized`.
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/// A distribution with one S3 origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Distribution {
    /// The origin's id inside the distribution (what the cache behaviour targets).
    pub origin_id: String,
    /// The bucket's regional domain name, `<bucket>.s3.<region>.amazonaws.com`.
    pub origin_domain_name: Input<String>,
    /// The origin access control the distribution signs its S3 requests with.
    pub origin_access_control_id: Input<String>,
    /// What `/` serves, e.g. `index.html`; empty for none.
    pub default_root_object: String,
    pub viewer_protocol_policy: ViewerProtocolPolicy,
    /// Default: the managed CachingOptimized policy ([`CACHING_OPTIMIZED`]).
    pub cache_policy_id: String,
    pub compress: bool,
    pub price_class: PriceClass,
    pub enabled: bool,
    pub comment: String,
    pub http_version: HttpVersion,
    pub tags: Tags,
}

impl Default for Distribution {
    fn default() -> Self {
        Self {
            origin_id: "s3".to_string(),
            origin_domain_name: Input::default(),
            origin_access_control_id: Input::default(),
            default_root_object: "index.html".to_string(),
            viewer_protocol_policy: ViewerProtocolPolicy::default(),
            cache_policy_id: CACHING_OPTIMIZED.to_string(),
            compress: true,
            price_class: PriceClass::default(),
            enabled: true,
            comment: String::new(),
            http_version: HttpVersion::default(),
            tags: Tags::new(),
        }
    }
}

aws_enum! {
    /// What viewers may use: HTTPS only, or HTTP redirected to HTTPS.
    pub enum ViewerProtocolPolicy: sdk::ViewerProtocolPolicy {
        RedirectToHttps = "redirect-to-https",
        HttpsOnly = "https-only",
    }
}

aws_enum! {
    /// Which edge locations serve (and cost).
    pub enum PriceClass: sdk::PriceClass {
        PriceClass100 = "PriceClass_100",
        PriceClass200 = "PriceClass_200",
        PriceClassAll = "PriceClass_All",
    }
}

aws_enum! {
    /// The highest HTTP version viewers may use.
    pub enum HttpVersion: sdk::HttpVersion {
        Http2 = "http2",
        Http2And3 = "http2and3",
        Http3 = "http3",
        Http11 = "http1.1",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistributionOutputs {
    pub id: String,
    /// What a bucket policy's `AWS:SourceArn` condition names ([`super::bucket_read_statement`]).
    pub arn: String,
    /// `<id>.cloudfront.net`.
    pub domain_name: String,
}

impl Resource for Distribution {
    const KIND: &'static str = "aws:cloudfront:Distribution";
    const SERVICE: &'static str = "cloudfront";
    type Outputs = DistributionOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DistributionOutputs) -> String {
        outputs.id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.origin_id.is_empty() {
            problems.push("origin_id must not be empty".to_string());
        }
        if let Some(domain) = self.origin_domain_name.known() {
            if !(domain.contains(".s3.") && domain.ends_with(".amazonaws.com")) {
                problems.push(format!(
                    "origin_domain_name `{domain}` is not an S3 bucket domain (<bucket>.s3.<region>.amazonaws.com)"
                ));
            }
        }
        if self.origin_access_control_id.known().is_some_and(String::is_empty) {
            problems.push("origin_access_control_id must not be empty: the bucket is private".to_string());
        }
        if self.default_root_object.starts_with('/') {
            problems.push(format!("default_root_object `{}` must not start with `/`", self.default_root_object));
        }
        if self.cache_policy_id.is_empty() {
            problems.push("cache_policy_id must not be empty".to_string());
        }
        if self.comment.chars().count() > 128 {
            problems.push("comment is longer than 128 characters".to_string());
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<DistributionOutputs, ProviderError> {
        let config = self.config(&format!("plinth-{}", crate::kit::token::fresh(32)?))?;
        let with_tags = sdk::DistributionConfigWithTags::builder()
            .distribution_config(config)
            .tags(cf_tags::to_sdk(&self.tags)?)
            .build();
        let sent =
            cx.cloudfront().create_distribution_with_tags().distribution_config_with_tags(with_tags).send().await;
        match sent.map_err(|e| classify("CreateDistributionWithTags", e)) {
            Ok(out) => {
                outputs_of(out.distribution().ok_or_else(|| missing("CreateDistributionWithTags distribution"))?)
            }
            Err(e) => Err(e),
        }
    }

    async fn read(&self, out: &DistributionOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let got = cx.cloudfront().get_distribution().id(&out.id).send().await;
        let Some(got) = none_if_not_found(got.map_err(|e| classify("GetDistribution", e)))? else { return Ok(None) };
        let live = got.distribution().ok_or_else(|| missing("GetDistribution distribution"))?;
        let config = live.distribution_config().ok_or_else(|| missing("GetDistribution config"))?;
        let mut seen = self.observed(config)?;
        seen.tags = tags::read::<Cf>(cx, live.arn()).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs_of(live)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &DistributionOutputs,
        cx: &AwsContext,
    ) -> Result<DistributionOutputs, ProviderError> {
        let bare = |d: &Self| Self { tags: Tags::new(), ..d.clone() };
        if bare(self) != bare(old) {
            let (live, etag) = get_config(cx, &out.id).await?.ok_or_else(|| gone(&out.id))?;
            let config = self.config(&live.caller_reference)?;
            let call = cx.cloudfront().update_distribution().id(&out.id).if_match(etag).distribution_config(config);
            call.send().await.map_err(|e| classify("UpdateDistribution", e))?;
        }
        tags::sync::<Cf>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &DistributionOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some((mut config, etag)) = get_config(cx, &out.id).await? else { return Ok(()) };
        if config.enabled {
            config.enabled = false;
            let call = cx.cloudfront().update_distribution().id(&out.id).if_match(etag).distribution_config(config);
            let disabled = call.send().await.map(|_| ()).map_err(|e| classify("UpdateDistribution (disable)", e));
            ok_if_not_found(disabled)?;
        }
        if !wait::wait_deployed(cx, &out.id).await? {
            return Ok(());
        }
        let Some((_, etag)) = get_config(cx, &out.id).await? else { return Ok(()) };
        let call = cx.cloudfront().delete_distribution().id(&out.id).if_match(etag);
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteDistribution", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DistributionOutputs>, ProviderError> {
        let mut owned = Vec::new();
        for summary in list_all(cx).await? {
            if meta.replacing.as_deref() == Some(summary.id()) {
                continue;
            }
            let live = tags::read::<Cf>(cx, summary.arn()).await?;
            if engine::owned_by(&live, meta) {
                owned.push(DistributionOutputs {
                    id: summary.id().to_string(),
                    arn: summary.arn().to_string(),
                    domain_name: summary.domain_name().to_string(),
                });
            }
        }
        match owned.len() {
            0 | 1 => Ok(owned.pop()),
            n => {
                let ids: Vec<&str> = owned.iter().map(|o| o.id.as_str()).collect();
                let message = format!("{n} distributions are tagged as {} of stack {}: {ids:?}", meta.name, meta.stack);
                Err(ProviderError::new(ErrorClass::Conflict, message))
            }
        }
    }
}

impl Distribution {
    /// The whole DistributionConfig this resource describes.
    fn config(&self, caller_reference: &str) -> Result<sdk::DistributionConfig, ProviderError> {
        let origin = sdk::Origin::builder()
            .id(&self.origin_id)
            .domain_name(self.origin_domain_name.as_str())
            .s3_origin_config(sdk::S3OriginConfig::builder().origin_access_identity("").build())
            .origin_access_control_id(self.origin_access_control_id.as_str())
            .build()
            .map_err(|e| build_error("origin", e))?;
        let origins =
            sdk::Origins::builder().quantity(1).items(origin).build().map_err(|e| build_error("origins", e))?;
        let behavior = sdk::DefaultCacheBehavior::builder()
            .target_origin_id(&self.origin_id)
            .viewer_protocol_policy(self.viewer_protocol_policy.to_sdk())
            .cache_policy_id(&self.cache_policy_id)
            .compress(self.compress)
            .build()
            .map_err(|e| build_error("default cache behavior", e))?;
        sdk::DistributionConfig::builder()
            .caller_reference(caller_reference)
            .origins(origins)
            .default_cache_behavior(behavior)
            .default_root_object(&self.default_root_object)
            .comment(&self.comment)
            .price_class(self.price_class.to_sdk())
            .enabled(self.enabled)
            .http_version(self.http_version.to_sdk())
            .build()
            .map_err(|e| build_error("distribution config", e))
    }

    /// The live configuration in the program's shape (tags are read separately).
    fn observed(&self, config: &sdk::DistributionConfig) -> Result<Self, ProviderError> {
        let origins = config.origins().map(|o| o.items()).unwrap_or_default();
        let origin = origins.iter().find(|o| o.id() == self.origin_id).or(origins.first());
        let origin = origin.ok_or_else(|| missing("origin in the distribution config"))?;
        let behavior = config.default_cache_behavior().ok_or_else(|| missing("default cache behavior"))?;
        let unmodelled = |what: &str, value: &str| {
            ProviderError::new(
                ErrorClass::Other,
                format!("the distribution's {what} `{value}` is not modelled by Plinth"),
            )
        };
        let viewer = behavior.viewer_protocol_policy();
        let price = config.price_class().ok_or_else(|| missing("price class"))?;
        let http = config.http_version().ok_or_else(|| missing("HTTP version"))?;
        Ok(Self {
            origin_id: origin.id().to_string(),
            origin_domain_name: Input::Value(origin.domain_name().to_string()),
            origin_access_control_id: Input::Value(origin.origin_access_control_id().unwrap_or_default().to_string()),
            default_root_object: config.default_root_object().unwrap_or_default().to_string(),
            viewer_protocol_policy: ViewerProtocolPolicy::from_sdk(viewer)
                .ok_or_else(|| unmodelled("viewer protocol policy", viewer.as_str()))?,
            cache_policy_id: behavior.cache_policy_id().unwrap_or_default().to_string(),
            compress: behavior.compress().unwrap_or(false),
            price_class: PriceClass::from_sdk(price).ok_or_else(|| unmodelled("price class", price.as_str()))?,
            enabled: config.enabled(),
            comment: config.comment().to_string(),
            http_version: HttpVersion::from_sdk(http).ok_or_else(|| unmodelled("HTTP version", http.as_str()))?,
            tags: Tags::new(),
        })
    }
}

fn outputs_of(d: &sdk::Distribution) -> Result<DistributionOutputs, ProviderError> {
    if d.id().is_empty() || d.arn().is_empty() {
        return Err(missing("distribution id or ARN"));
    }
    Ok(DistributionOutputs {
        id: d.id().to_string(),
        arn: d.arn().to_string(),
        domain_name: d.domain_name().to_string(),
    })
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(ErrorClass::NotFound, format!("CloudFront distribution {id} no longer exists"))
}

/// The live configuration and its ETag (GetDistributionConfig), or `None` when gone.
async fn get_config(cx: &AwsContext, id: &str) -> Result<Option<(sdk::DistributionConfig, String)>, ProviderError> {
    let out = cx.cloudfront().get_distribution_config().id(id).send().await;
    let Some(out) = none_if_not_found(out.map_err(|e| classify("GetDistributionConfig", e)))? else { return Ok(None) };
    let etag = out.e_tag().ok_or_else(|| missing("GetDistributionConfig ETag"))?.to_string();
    let config = out.distribution_config().ok_or_else(|| missing("GetDistributionConfig config"))?.clone();
    Ok(Some((config, etag)))
}

/// Every distribution of the account (ListDistributions, paged).
async fn list_all(cx: &AwsContext) -> Result<Vec<sdk::DistributionSummary>, ProviderError> {
    let (mut all, mut marker) = (Vec::new(), None::<String>);
    loop {
        let out = cx.cloudfront().list_distributions().set_marker(marker.clone()).send().await;
        let out = out.map_err(|e| classify("ListDistributions", e))?;
        let Some(list) = out.distribution_list() else { return Ok(all) };
        all.extend(list.items().iter().cloned());
        match list.next_marker() {
            Some(next) if list.is_truncated() && !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(all),
        }
    }
}

crate::kit::kind!(Distribution);

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Distribution {
        Distribution {
            origin_domain_name: "assets.s3.us-east-1.amazonaws.com".into(),
            origin_access_control_id: "E2OAC".into(),
            viewer_protocol_policy: ViewerProtocolPolicy::HttpsOnly,
            ..Default::default()
        }
    }

    #[test]
    fn the_sent_config_reads_back_as_the_inputs() {
        let config = site().config("plinth/dev/cdn").expect("builds");
        assert_eq!(config.caller_reference, "plinth/dev/cdn");
        assert_eq!(site().observed(&config).expect("reads"), site());
    }

    #[test]
    fn validate_names_fields() {
        assert!(site().validate().is_empty(), "{:?}", site().validate());
        let bad = Distribution {
            origin_domain_name: "example.com".into(),
            default_root_object: "/index.html".into(),
            ..site()
        };
        let problems = bad.validate();
        assert!(problems[0].starts_with("origin_domain_name `example.com`"), "{problems:?}");
        assert!(problems[1].starts_with("default_root_object `/index.html`"), "{problems:?}");
        let json = serde_json::to_value(site()).expect("json");
        assert_eq!(
            (&json["viewer_protocol_policy"], &json["price_class"], &json["http_version"]),
            (&"https-only".into(), &"PriceClass_100".into(), &"http2".into())
        );
    }
}
