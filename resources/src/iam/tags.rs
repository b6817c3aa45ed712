//! IAM tagging: tags go on at creation (CreateRole / CreatePolicy take them, from
//! `crate::tags::to_sdk`); [`RoleTags`] and [`PolicyTags`] are the APIs behind the shared
//! `crate::tags::{read, sync}` (ListRoleTags / TagRole / UntagRole by role name, the Policy
//! calls by ARN, [`OidcProviderTags`] the OpenID Connect provider calls by ARN).

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_iam::types::Tag;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(Tag, required);

/// A role's tags, by role name.
pub struct RoleTags;

impl TagRead for RoleTags {
    async fn list(cx: &AwsContext, role: &str) -> Result<Tags, ProviderError> {
        let pages = cx.iam().list_role_tags().role_name(role).into_paginator().items().send();
        let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListRoleTags", e))?;
        Ok(all_of(&tags))
    }
}

impl TagWrite for RoleTags {
    async fn tag(cx: &AwsContext, role: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.iam().tag_role().role_name(role).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagRole", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, role: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.iam().untag_role().role_name(role).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagRole", e))?;
        Ok(())
    }
}

/// A customer-managed policy's tags, by ARN.
pub struct PolicyTags;

impl TagRead for PolicyTags {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let pages = cx.iam().list_policy_tags().policy_arn(arn).into_paginator().items().send();
        let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListPolicyTags", e))?;
        Ok(all_of(&tags))
    }
}

impl TagWrite for PolicyTags {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.iam().tag_policy().policy_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagPolicy", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.iam().untag_policy().policy_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagPolicy", e))?;
        Ok(())
    }
}

/// An OpenID Connect provider's tags, by ARN.
pub struct OidcProviderTags;

impl TagRead for OidcProviderTags {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let pages = cx
            .iam()
            .list_open_id_connect_provider_tags()
            .open_id_connect_provider_arn(arn)
            .into_paginator()
            .items()
            .send();
        let tags =
            pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListOpenIDConnectProviderTags", e))?;
        Ok(all_of(&tags))
    }
}

impl TagWrite for OidcProviderTags {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.iam().tag_open_id_connect_provider().open_id_connect_provider_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagOpenIDConnectProvider", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.iam().untag_open_id_connect_provider().open_id_connect_provider_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagOpenIDConnectProvider", e))?;
        Ok(())
    }
}
