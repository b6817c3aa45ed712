//! Secret tagging: tags go on at creation (CreateSecret takes them, from
//! `crate::tags::to_sdk`) and come back with DescribeSecret (`crate::tags::from_sdk`);
//! [`Secrets`] is the API behind the shared `crate::tags::sync` (UntagResource, TagResource).

use crate::error::classify;
use crate::tags::{to_sdk, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_secretsmanager::types::Tag, optional);

/// The Secrets Manager tag API, by secret name or ARN.
pub struct Secrets;

impl TagWrite for Secrets {
    async fn tag(cx: &AwsContext, secret_id: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.secrets().tag_resource().secret_id(secret_id).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, secret_id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.secrets().untag_resource().secret_id(secret_id).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
