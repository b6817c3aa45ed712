//! CloudTrail tagging: tags go on CreateTrail (`TagsList`, from `crate::tags::to_sdk`);
//! [`CloudTrail`] is the API behind the shared `crate::tags::{read, sync}` (ListTags; RemoveTags,
//! AddTags), by trail ARN.

use crate::error::{build_error, classify};
use crate::tags::{all_of, to_sdk, SdkTag, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_cloudtrail::types::Tag;
use engine::{ProviderError, Tags};

// CloudTrail's tag has a required key and an optional value: neither `sdk_tag!` shape.
impl SdkTag for Tag {
    fn pair(&self) -> Option<(&str, &str)> {
        Some((self.key(), self.value().unwrap_or_default()))
    }
    fn build(key: &str, value: &str) -> Result<Self, ProviderError> {
        Tag::builder().key(key).value(value).build().map_err(|e| build_error("tag", e))
    }
}

/// The CloudTrail tag API.
pub struct CloudTrail;

impl TagRead for CloudTrail {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.cloudtrail().list_tags().resource_id_list(arn).send().await;
        let out = out.map_err(|e| classify("ListTags", e))?;
        let mine = out.resource_tag_list().iter().find(|r| r.resource_id() == Some(arn));
        Ok(mine.map(|r| all_of(r.tags_list())).unwrap_or_default())
    }
}

impl TagWrite for CloudTrail {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.cloudtrail().add_tags().resource_id(arn).set_tags_list(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("AddTags", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let keys = keys.iter().map(|k| Tag::builder().key(k).build().map_err(|e| build_error("tag", e)));
        let keys = keys.collect::<Result<Vec<_>, _>>()?;
        let call = cx.cloudtrail().remove_tags().resource_id(arn).set_tags_list(Some(keys));
        call.send().await.map_err(|e| classify("RemoveTags", e))?;
        Ok(())
    }
}
