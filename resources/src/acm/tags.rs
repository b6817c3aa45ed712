//! ACM tagging: tags go on RequestCertificate; [`Acm`] is the API behind the shared
//! `crate::tags::{read, sync}` (ListTagsForCertificate; RemoveTagsFromCertificate,
//! AddTagsToCertificate), by certificate ARN. ACM's tag value is optional (a missing one reads
//! as empty), its key required.

use crate::error::{build_error, classify};
use crate::tags::{all_of, to_sdk, SdkTag, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_acm::types::Tag;
use engine::{ProviderError, Tags};

impl SdkTag for Tag {
    fn pair(&self) -> Option<(&str, &str)> {
        Some((self.key(), self.value().unwrap_or_default()))
    }

    fn build(key: &str, value: &str) -> Result<Self, ProviderError> {
        Tag::builder().key(key).value(value).build().map_err(|e| build_error("tag", e))
    }
}

/// The ACM tag API.
pub struct Acm;

impl TagRead for Acm {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.acm().list_tags_for_certificate().certificate_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForCertificate", e))?;
        Ok(all_of(out.tags()))
    }
}

impl TagWrite for Acm {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.acm().add_tags_to_certificate().certificate_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("AddTagsToCertificate", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let tags = keys.iter().map(|k| Tag::builder().key(k).build().map_err(|e| build_error("tag", e)));
        let tags = tags.collect::<Result<Vec<_>, _>>()?;
        let call = cx.acm().remove_tags_from_certificate().certificate_arn(arn).set_tags(Some(tags));
        call.send().await.map_err(|e| classify("RemoveTagsFromCertificate", e))?;
        Ok(())
    }
}
