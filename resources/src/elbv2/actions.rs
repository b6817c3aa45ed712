//! The action of a listener (its default) or of a listener rule: forward to one target group,
//! redirect HTTP to HTTPS (port 443, `HTTP_301`, host, path and query kept), or a fixed response.
//! One enum for both kinds, with its SDK mapping and its validation.
//!
//! # Guarantees
//! * A live action Plinth does not model (weighted forwards, other redirects, authentication) is
//!   read as [`Action::Unmodeled`] with a summary, never as a modeled one, so it shows as drift;
//!   a program cannot declare it (validation refuses it).

use super::missing;
use aws_sdk_elasticloadbalancingv2::types::{
    Action as SdkAction, ActionTypeEnum, FixedResponseActionConfig, RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use engine::{Input, ProviderError};
use serde::{Deserialize, Serialize};

/// The content type of a fixed response (the SDK has no enum for it: these are the values ELB
/// accepts), serialized as the MIME type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContentType {
    #[default]
    #[serde(rename = "text/plain")]
    TextPlain,
    #[serde(rename = "text/html")]
    TextHtml,
    #[serde(rename = "text/css")]
    TextCss,
    #[serde(rename = "application/json")]
    ApplicationJson,
    #[serde(rename = "application/javascript")]
    ApplicationJavascript,
}

impl ContentType {
    const ALL: [ContentType; 5] = [
        ContentType::TextPlain,
        ContentType::TextHtml,
        ContentType::TextCss,
        ContentType::ApplicationJson,
        ContentType::ApplicationJavascript,
    ];

    /// The MIME type, as ELB spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::TextPlain => "text/plain",
            ContentType::TextHtml => "text/html",
            ContentType::TextCss => "text/css",
            ContentType::ApplicationJson => "application/json",
            ContentType::ApplicationJavascript => "application/javascript",
        }
    }

    /// The modeled value of a live content type.
    pub fn from_aws(value: &str) -> Option<ContentType> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// What a listener or rule does with a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Forward to one target group.
    Forward { target_group_arn: Input<String> },
    /// `HTTP_301` to `https://#{host}:443/#{path}?#{query}`.
    RedirectToHttps,
    /// Answer without a target: `status_code` 2XX, 4XX or 5XX, `body` at most 1024 characters.
    FixedResponse { status_code: u16, content_type: ContentType, body: String },
    /// Read-only: a live action Plinth does not model, summarized.
    Unmodeled { summary: String },
}

impl Default for Action {
    fn default() -> Self {
        Action::FixedResponse { status_code: 404, content_type: ContentType::TextPlain, body: "Not Found".into() }
    }
}

impl Action {
    /// Problems with the action, naming `field`.
    pub fn problems(&self, field: &str) -> Vec<String> {
        match self {
            Action::Forward { target_group_arn } if target_group_arn.known().is_some_and(|a| a.is_empty()) => {
                vec![format!("{field}: forward needs a target_group_arn")]
            }
            Action::FixedResponse { status_code, body, .. } => {
                let mut problems = Vec::new();
                if !matches!(status_code / 100, 2 | 4 | 5) || *status_code > 599 {
                    problems.push(format!("{field}: fixed response status_code {status_code} must be 2XX, 4XX or 5XX"));
                }
                if body.chars().count() > 1024 {
                    problems.push(format!("{field}: fixed response body is longer than 1024 characters"));
                }
                problems
            }
            Action::Unmodeled { summary } => {
                vec![format!("{field}: `unmodeled` ({summary}) is read-only: declare forward, redirect_to_https or fixed_response")]
            }
            _ => Vec::new(),
        }
    }

    /// The SDK action (order 1).
    pub fn to_sdk(&self) -> Result<SdkAction, ProviderError> {
        let action = SdkAction::builder().order(1);
        Ok(match self {
            Action::Forward { target_group_arn } => {
                action.r#type(ActionTypeEnum::Forward).target_group_arn(target_group_arn.value()).build()
            }
            Action::RedirectToHttps => {
                let redirect = RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port("443")
                    .host("#{host}")
                    .path("/#{path}")
                    .query("#{query}")
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build();
                action.r#type(ActionTypeEnum::Redirect).redirect_config(redirect).build()
            }
            Action::FixedResponse { status_code, content_type, body } => {
                let fixed = FixedResponseActionConfig::builder()
                    .status_code(status_code.to_string())
                    .content_type(content_type.as_str())
                    .set_message_body(Some(body.clone()).filter(|b| !b.is_empty()))
                    .build();
                action.r#type(ActionTypeEnum::FixedResponse).fixed_response_config(fixed).build()
            }
            Action::Unmodeled { summary } => {
                return Err(ProviderError::new(
                    engine::ErrorClass::Invalid,
                    format!("an unmodeled action ({summary}) cannot be written"),
                ))
            }
        })
    }

    /// The live actions in input shape: one modeled action, or [`Action::Unmodeled`].
    pub fn from_sdk(actions: &[SdkAction]) -> Result<Action, ProviderError> {
        let [action] = actions else {
            return Ok(Action::Unmodeled { summary: format!("{} actions", actions.len()) });
        };
        let kind = action.r#type().ok_or_else(|| missing("action type"))?;
        Ok(match kind {
            ActionTypeEnum::Forward => match forward_target(action) {
                Some(arn) => Action::Forward { target_group_arn: Input::Value(arn) },
                None => Action::Unmodeled { summary: "forward to several target groups".into() },
            },
            ActionTypeEnum::Redirect => match action.redirect_config() {
                Some(r) if is_https_redirect(r) => Action::RedirectToHttps,
                _ => Action::Unmodeled { summary: "a redirect other than HTTP to HTTPS".into() },
            },
            ActionTypeEnum::FixedResponse => {
                let fixed = action.fixed_response_config().ok_or_else(|| missing("fixed response config"))?;
                fixed_response(fixed)
            }
            other => Action::Unmodeled { summary: format!("a `{}` action", other.as_str()) },
        })
    }
}

/// The one target group a forward action sends to (`TargetGroupArn`, or a ForwardConfig of one).
fn forward_target(action: &SdkAction) -> Option<String> {
    if let Some(arn) = action.target_group_arn() {
        return Some(arn.to_string());
    }
    match action.forward_config().map(|f| f.target_groups()) {
        Some([one]) => one.target_group_arn().map(str::to_string),
        _ => None,
    }
}

fn is_https_redirect(r: &RedirectActionConfig) -> bool {
    let keeps = |v: Option<&str>, default: &str| v.is_none_or(|v| v == default);
    r.protocol() == Some("HTTPS")
        && r.port() == Some("443")
        && r.status_code() == Some(&RedirectActionStatusCodeEnum::Http301)
        && keeps(r.host(), "#{host}")
        && keeps(r.path(), "/#{path}")
        && keeps(r.query(), "#{query}")
}

fn fixed_response(fixed: &FixedResponseActionConfig) -> Action {
    let status = fixed.status_code().and_then(|s| s.parse::<u16>().ok());
    let content_type = fixed.content_type().and_then(ContentType::from_aws);
    match (status, content_type) {
        (Some(status_code), Some(content_type)) => Action::FixedResponse {
            status_code,
            content_type,
            body: fixed.message_body().unwrap_or_default().to_string(),
        },
        _ => Action::Unmodeled {
            summary: format!("a fixed response {:?} of type {:?}", fixed.status_code(), fixed.content_type()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(action: &Action) -> Action {
        Action::from_sdk(&[action.to_sdk().expect("writes")]).expect("reads")
    }

    #[test]
    fn modeled_actions_read_back_as_written() {
        let forward = Action::Forward { target_group_arn: "arn:tg".into() };
        assert_eq!(round_trip(&forward), forward);
        assert_eq!(round_trip(&Action::RedirectToHttps), Action::RedirectToHttps);
        assert_eq!(round_trip(&Action::default()), Action::default());
        let empty =
            Action::FixedResponse { status_code: 503, content_type: ContentType::TextHtml, body: String::new() };
        assert_eq!(round_trip(&empty), empty);
    }

    #[test]
    fn other_live_actions_are_unmodeled() {
        let other = RedirectActionConfig::builder()
            .protocol("HTTPS")
            .port("443")
            .host("example.com")
            .status_code(RedirectActionStatusCodeEnum::Http302)
            .build();
        let live = SdkAction::builder().r#type(ActionTypeEnum::Redirect).redirect_config(other).build();
        assert!(matches!(Action::from_sdk(&[live]).expect("reads"), Action::Unmodeled { .. }));
        assert!(matches!(Action::from_sdk(&[]).expect("reads"), Action::Unmodeled { .. }));
    }

    #[test]
    fn serialized_form_is_tagged_and_validated() {
        let json = serde_json::to_value(Action::RedirectToHttps).expect("json");
        assert_eq!(json, serde_json::json!({ "type": "redirect_to_https" }));
        let bad = Action::FixedResponse { status_code: 302, content_type: ContentType::TextPlain, body: "x".into() };
        assert!(bad.problems("default_action")[0].contains("302"));
        let unmodeled = Action::Unmodeled { summary: "x".into() };
        assert!(unmodeled.problems("action")[0].contains("read-only"));
        assert!(Action::RedirectToHttps.problems("a").is_empty());
    }
}
