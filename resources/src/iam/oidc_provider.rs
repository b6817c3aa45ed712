//! `aws:iam:OpenIdConnectProvider`: an IAM OpenID Connect identity provider (e.g. GitHub
//! Actions' `https://token.actions.githubusercontent.com`), which roles trust for
//! `sts:AssumeRoleWithWebIdentity`. Its ARN is made of the account and the URL without its
//! scheme, so the URL cannot change in place (and a replacement deletes first); the client ids
//! (audiences) and thumbprints are updated in place, tags with the shared sync.
//!
//! # Guarantees
//! * `find` builds the ARN from the URL and the caller's account (STS GetCallerIdentity) and
//!   adopts the provider only when its tags prove ownership (`kit::adopt`); one without them is
//!   `Err(NotOwned)`: a provider is one per URL and account, so it is never silently shared.
//! * `delete` of a provider that is gone is `Ok`.
//!
//! # Assumptions
//! * IAM answers the URL without `https://` (as AWS documents); `read` puts the scheme back.

use super::tags::OidcProviderTags;
use crate::ecs::in_program_order;
use crate::error::{absent_if, classify, none_if_not_found, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIDConnectProviderError;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// The only scheme IAM accepts for a provider URL.
const SCHEME: &str = "https://";

/// An IAM OpenID Connect provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenIdConnectProvider {
    /// The issuer URL, `https://` and a host (and optional path), e.g.
    /// `https://token.actions.githubusercontent.com`.
    pub url: String,
    /// The audiences tokens must carry (`aud`), e.g. `sts.amazonaws.com`.
    #[serde(default)]
    pub client_ids: Vec<String>,
    /// SHA-1 fingerprints (40 hex digits) of the issuer's certificate chain, 1 to 5.
    #[serde(default)]
    pub thumbprints: Vec<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenIdConnectProviderOutputs {
    pub arn: String,
}

impl OpenIdConnectProvider {
    /// The URL as IAM keeps it (and as the ARN ends): without the scheme.
    pub fn host_path(&self) -> &str {
        self.url.strip_prefix(SCHEME).unwrap_or(&self.url)
    }

    fn url_problem(&self) -> Option<String> {
        let rest = self.url.strip_prefix(SCHEME)?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || self.url.len() > 255 || rest.contains(['?', '#', ' ']) || rest.ends_with('/') {
            return Some(format!(
                "url: `{}` must be https://HOST[/PATH], at most 255 characters, without query, fragment or trailing /",
                self.url
            ));
        }
        None
    }

    fn list_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.thumbprints.is_empty() || self.thumbprints.len() > 5 {
            problems.push(format!("thumbprints: {} given, IAM takes 1 to 5", self.thumbprints.len()));
        }
        for t in &self.thumbprints {
            if t.len() != 40 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
                problems.push(format!("thumbprints: `{t}` is not a SHA-1 fingerprint (40 hex digits)"));
            }
        }
        if self.client_ids.len() > 100 {
            problems.push(format!("client_ids: {} given, IAM takes at most 100", self.client_ids.len()));
        }
        for id in self.client_ids.iter().filter(|id| id.is_empty() || id.len() > 255) {
            problems.push(format!("client_ids: `{id}` must be 1 to 255 characters"));
        }
        problems
    }
}

impl Resource for OpenIdConnectProvider {
    const KIND: &'static str = "aws:iam:OpenIdConnectProvider";
    const SERVICE: &'static str = "iam";
    const REPLACE_FIELDS: &'static [&'static str] = &["url"];
    /// One provider per URL and account: the new one cannot exist beside the old.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = OpenIdConnectProviderOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &OpenIdConnectProviderOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.url.starts_with(SCHEME) {
            problems.push(format!("url: `{}` must start with {SCHEME}", self.url));
        }
        problems.extend(self.url_problem());
        problems.extend(self.list_problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<OpenIdConnectProviderOutputs, ProviderError> {
        let out = cx
            .iam()
            .create_open_id_connect_provider()
            .url(&self.url)
            .set_client_id_list(Some(self.client_ids.clone()))
            .set_thumbprint_list(Some(self.thumbprints.clone()))
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_iam))
            .send()
            .await
            .map_err(|e| classify("CreateOpenIDConnectProvider", e))?;
        let arn = out.open_id_connect_provider_arn.ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, "CreateOpenIDConnectProvider: the response has no ARN")
        })?;
        Ok(OpenIdConnectProviderOutputs { arn })
    }

    async fn read(
        &self,
        out: &OpenIdConnectProviderOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let result = cx.iam().get_open_id_connect_provider().open_id_connect_provider_arn(&out.arn).send().await;
        let absent = GetOpenIDConnectProviderError::is_no_such_entity_exception;
        let Some(live) = absent_if("GetOpenIDConnectProvider", result, absent)? else { return Ok(None) };
        let Some(live_tags) = none_if_not_found(tags::read::<OidcProviderTags>(cx, &out.arn).await)? else {
            return Ok(None);
        };
        let inputs = OpenIdConnectProvider {
            url: format!("{SCHEME}{}", live.url().unwrap_or_default()),
            client_ids: in_program_order(&self.client_ids, live.client_id_list().to_vec()),
            thumbprints: in_program_order(&self.thumbprints, live.thumbprint_list().to_vec()),
            tags: live_tags,
        };
        Ok(Some(Observed { inputs, outputs: out.clone() }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &OpenIdConnectProviderOutputs,
        cx: &AwsContext,
    ) -> Result<OpenIdConnectProviderOutputs, ProviderError> {
        if !same_set(&self.thumbprints, &old.thumbprints) {
            let call = cx
                .iam()
                .update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(&out.arn)
                .set_thumbprint_list(Some(self.thumbprints.clone()));
            call.send().await.map_err(|e| classify("UpdateOpenIDConnectProviderThumbprint", e))?;
        }
        // New audiences first, then the old ones go: tokens for a kept audience never fail.
        for id in self.client_ids.iter().filter(|id| !old.client_ids.contains(id)) {
            let call = cx.iam().add_client_id_to_open_id_connect_provider().open_id_connect_provider_arn(&out.arn);
            call.client_id(id).send().await.map_err(|e| classify("AddClientIDToOpenIDConnectProvider", e))?;
        }
        for id in old.client_ids.iter().filter(|id| !self.client_ids.contains(id)) {
            let call = cx.iam().remove_client_id_from_open_id_connect_provider().open_id_connect_provider_arn(&out.arn);
            call.client_id(id).send().await.map_err(|e| classify("RemoveClientIDFromOpenIDConnectProvider", e))?;
        }
        tags::sync::<OidcProviderTags>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &OpenIdConnectProviderOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.iam().delete_open_id_connect_provider().open_id_connect_provider_arn(&out.arn).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteOpenIDConnectProvider", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<OpenIdConnectProviderOutputs>, ProviderError> {
        let arn = provider_arn(cx, self.host_path()).await?;
        let result = cx.iam().get_open_id_connect_provider().open_id_connect_provider_arn(&arn).send().await;
        let absent = GetOpenIDConnectProviderError::is_no_such_entity_exception;
        if absent_if("GetOpenIDConnectProvider", result, absent)?.is_none() {
            return Ok(None);
        }
        let Some(live_tags) = none_if_not_found(tags::read::<OidcProviderTags>(cx, &arn).await)? else {
            return Ok(None);
        };
        adopt(&format!("OpenID Connect provider {arn}"), &live_tags, meta, OpenIdConnectProviderOutputs { arn })
    }
}

/// `arn:<partition>:iam::<account>:oidc-provider/<host_path>` for the caller's account (the
/// partition and account from STS GetCallerIdentity).
async fn provider_arn(cx: &AwsContext, host_path: &str) -> Result<String, ProviderError> {
    let identity = cx.sts().get_caller_identity().send().await.map_err(|e| classify("GetCallerIdentity", e))?;
    let missing = || ProviderError::new(ErrorClass::Other, "GetCallerIdentity answered without an account or ARN");
    let account = identity.account().ok_or_else(missing)?;
    let partition = identity.arn().and_then(|a| a.split(':').nth(1)).ok_or_else(missing)?;
    Ok(format!("arn:{partition}:iam::{account}:oidc-provider/{host_path}"))
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

crate::kit::kind!(OpenIdConnectProvider, unordered: ["client_ids", "thumbprints"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> OpenIdConnectProvider {
        OpenIdConnectProvider {
            url: "https://token.actions.githubusercontent.com".into(),
            client_ids: vec!["sts.amazonaws.com".into()],
            thumbprints: vec!["6938fd4d98bab03faadb97b34396831e3780aea1".into()],
            tags: Tags::new(),
        }
    }

    #[test]
    fn a_valid_provider_has_no_problems_and_its_arn_tail_drops_the_scheme() {
        assert_eq!(github().validate(), Vec::<String>::new());
        assert_eq!(github().host_path(), "token.actions.githubusercontent.com");
    }

    #[test]
    fn validation_names_the_field_and_the_value() {
        let bad = OpenIdConnectProvider {
            url: "http://issuer.example/".into(),
            client_ids: vec![String::new()],
            thumbprints: vec!["xyz".into()],
            tags: Tags::new(),
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("url: `http://issuer.example/`"), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("`xyz` is not a SHA-1")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("client_ids:")), "{problems:?}");
        let trailing = OpenIdConnectProvider { url: "https://issuer.example/".into(), ..github() };
        assert!(trailing.validate()[0].contains("trailing /"));
        let none = OpenIdConnectProvider { thumbprints: vec![], ..github() };
        assert_eq!(none.validate(), vec!["thumbprints: 0 given, IAM takes 1 to 5".to_string()]);
    }

    #[test]
    fn registered_with_its_replace_field() {
        let registry = crate::registry();
        let kind = registry.get("aws:iam:OpenIdConnectProvider").expect("registered");
        assert_eq!(kind.replace_fields(), &["url"]);
        assert!(kind.delete_before_replace());
    }
}
