//! `aws:elbv2:Listener`: a listener of an application load balancer: port, protocol, for HTTPS
//! a certificate and TLS policy, a default action ([`Action`]) and response headers
//! ([`ResponseHeaders`], listener attributes).
//!
//! Only the load balancer forces a replacement; port, protocol, certificate, policy and default
//! action change with ModifyListener, headers with ModifyListenerAttributes. A create refused
//! with UnsupportedCertificate (a certificate ACM has just issued) is retried a bounded number of
//! times with backoff ([`retry_unsupported_certificate`]): ELB created nothing then.
//!
//! Emulator notes (moto 5.2.5): DescribeListenerAttributes / ModifyListenerAttributes exist and
//! store any key as given (no validation of keys or of HTTPS-only headers; AWS validates both),
//! and report `tcp.idle_timeout.seconds` besides.

use super::actions::Action;
use super::headers::ResponseHeaders;
use super::tags::Elb;
use super::wait::retry_unsupported_certificate;
use super::{listener_by_arn, listener_on_port, missing, sdk, Protocol};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{Certificate, Listener as SdkListener};
use serde::{Deserialize, Serialize};

/// The TLS policy of an HTTPS listener unless the program names another: TLS 1.3 and 1.2.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// A load balancer listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Listener {
    pub load_balancer_arn: Input<String>,
    /// 1 to 65535, unique per load balancer.
    pub port: i32,
    pub protocol: Protocol,
    /// Required for HTTPS, refused for HTTP.
    pub certificate_arn: Option<Input<String>>,
    /// The TLS policy of an HTTPS listener; not sent (and read back as given) for HTTP.
    pub ssl_policy: String,
    pub default_action: Action,
    /// `None`: no added headers.
    pub response_headers: Option<ResponseHeaders>,
    pub tags: Tags,
}

impl Default for Listener {
    fn default() -> Self {
        Self {
            load_balancer_arn: Input::default(),
            port: 80,
            protocol: Protocol::Http,
            certificate_arn: None,
            ssl_policy: DEFAULT_SSL_POLICY.into(),
            default_action: Action::default(),
            response_headers: None,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerOutputs {
    pub arn: String,
}

impl Resource for Listener {
    const KIND: &'static str = "aws:elbv2:Listener";
    const SERVICE: &'static str = "elbv2";
    const REPLACE_FIELDS: &'static [&'static str] = &["load_balancer_arn"];
    type Outputs = ListenerOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ListenerOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=65535).contains(&self.port) {
            problems.push(format!("port {} must be 1 to 65535", self.port));
        }
        let https = self.protocol == Protocol::Https;
        match (&self.certificate_arn, https) {
            (None, true) => problems.push("certificate_arn is required for an HTTPS listener".to_string()),
            (Some(_), false) => problems.push("certificate_arn is only valid for an HTTPS listener".to_string()),
            _ => {}
        }
        if https && self.ssl_policy.is_empty() {
            problems.push(format!("ssl_policy is empty: use {DEFAULT_SSL_POLICY}"));
        }
        problems.extend(self.default_action.problems("default_action"));
        if let Some(headers) = &self.response_headers {
            problems.extend(headers.problems(https));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ListenerOutputs, ProviderError> {
        let action = self.default_action.to_sdk()?;
        let sdk_tags = tags::to_sdk(&self.tags)?;
        let out = retry_unsupported_certificate(|| {
            let call = cx
                .elbv2()
                .create_listener()
                .load_balancer_arn(self.load_balancer_arn.value())
                .port(self.port)
                .protocol(self.protocol.to_sdk())
                .set_certificates(self.certificates())
                .set_ssl_policy(self.sent_ssl_policy())
                .default_actions(action.clone())
                .set_tags(sdk_tags.clone());
            let call = call.customize().config_override(no_retry!(aws_sdk_elasticloadbalancingv2));
            async move { call.send().await.map_err(|e| classify("CreateListener", e)) }
        })
        .await?;
        let listener = out.listeners().first().ok_or_else(|| missing("CreateListener listener"))?;
        let arn = listener.listener_arn().ok_or_else(|| missing("listener ARN"))?.to_string();
        if self.response_headers.is_some() {
            write_headers(cx, &arn, self.response_headers.as_ref()).await?;
        }
        Ok(ListenerOutputs { arn })
    }

    async fn read(&self, out: &ListenerOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = listener_by_arn(cx, &out.arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.load_balancer_arn =
            Input::Value(live.load_balancer_arn().ok_or_else(|| missing("listener's load balancer"))?.into());
        seen.port = live.port().ok_or_else(|| missing("listener port"))?;
        seen.protocol =
            live.protocol().and_then(Protocol::from_sdk).ok_or_else(|| missing("a modeled listener protocol"))?;
        seen.certificate_arn = default_certificate(&live).map(Input::Value);
        if seen.protocol == Protocol::Https {
            seen.ssl_policy = live.ssl_policy().unwrap_or_default().to_string();
        }
        seen.default_action = Action::from_sdk(live.default_actions())?;
        let attrs = cx.elbv2().describe_listener_attributes().listener_arn(&out.arn).send().await;
        let attrs = attrs.map_err(|e| classify("DescribeListenerAttributes", e))?;
        seen.response_headers = ResponseHeaders::from_attributes(attrs.attributes());
        seen.tags = tags::read::<Elb>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &ListenerOutputs,
        cx: &AwsContext,
    ) -> Result<ListenerOutputs, ProviderError> {
        let bare = |l: &Self| Self { tags: Tags::new(), response_headers: None, ..l.clone() };
        if bare(self) != bare(old) {
            let call = cx
                .elbv2()
                .modify_listener()
                .listener_arn(&out.arn)
                .port(self.port)
                .protocol(self.protocol.to_sdk())
                .set_certificates(self.certificates())
                .set_ssl_policy(self.sent_ssl_policy())
                .default_actions(self.default_action.to_sdk()?);
            call.send().await.map_err(|e| classify("ModifyListener", e))?;
        }
        if self.response_headers != old.response_headers {
            write_headers(cx, &out.arn, self.response_headers.as_ref()).await?;
        }
        tags::sync::<Elb>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &ListenerOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.elbv2().delete_listener().listener_arn(&out.arn).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteListener", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ListenerOutputs>, ProviderError> {
        let lb = self.load_balancer_arn.value();
        let Some(live) = listener_on_port(cx, lb, self.port).await? else { return Ok(None) };
        let arn = live.listener_arn().ok_or_else(|| missing("listener ARN"))?.to_string();
        let live_tags = tags::read::<Elb>(cx, &arn).await?;
        adopt(&format!("listener {arn} (port {} of {lb})", self.port), &live_tags, meta, ListenerOutputs { arn })
    }
}

impl Listener {
    fn certificates(&self) -> Option<Vec<Certificate>> {
        let arn = self.certificate_arn.as_ref().filter(|_| self.protocol == Protocol::Https)?;
        Some(vec![Certificate::builder().certificate_arn(arn.value()).build()])
    }

    fn sent_ssl_policy(&self) -> Option<String> {
        (self.protocol == Protocol::Https).then(|| self.ssl_policy.clone())
    }
}

/// The listener's default certificate (the one CreateListener / ModifyListener set).
fn default_certificate(live: &SdkListener) -> Option<String> {
    let certs = live.certificates();
    let default = certs.iter().find(|c| c.is_default() == Some(true)).or(certs.first());
    default.and_then(|c| c.certificate_arn()).map(str::to_string)
}

async fn write_headers(cx: &AwsContext, arn: &str, headers: Option<&ResponseHeaders>) -> Result<(), ProviderError> {
    let attrs = ResponseHeaders::to_attributes(headers);
    let call = cx.elbv2().modify_listener_attributes().listener_arn(arn).set_attributes(Some(attrs));
    call.send().await.map_err(|e| classify("ModifyListenerAttributes", e))?;
    Ok(())
}

crate::kit::kind!(Listener);

#[cfg(test)]
mod tests {
    use super::*;

    fn https() -> Listener {
        Listener {
            load_balancer_arn: "arn:lb".into(),
            port: 443,
            protocol: Protocol::Https,
            certificate_arn: Some("arn:cert".into()),
            default_action: Action::Forward { target_group_arn: "arn:tg".into() },
            ..Default::default()
        }
    }

    #[test]
    fn https_needs_a_certificate_and_http_refuses_one() {
        assert!(https().validate().is_empty(), "{:?}", https().validate());
        assert_eq!(https().ssl_policy, DEFAULT_SSL_POLICY);
        let bare = Listener { certificate_arn: None, ..https() };
        assert_eq!(bare.validate(), ["certificate_arn is required for an HTTPS listener"]);
        let http = Listener { port: 80, protocol: Protocol::Http, default_action: Action::RedirectToHttps, ..https() };
        assert_eq!(http.validate(), ["certificate_arn is only valid for an HTTPS listener"]);
        assert_eq!(Listener { certificate_arn: None, ..http.clone() }.certificates(), None);
        assert_eq!(http.sent_ssl_policy(), None);
        assert_eq!(https().sent_ssl_policy().as_deref(), Some(DEFAULT_SSL_POLICY));
    }

    #[test]
    fn hsts_on_http_is_refused() {
        let headers = ResponseHeaders { strict_transport_security: Some("max-age=1".into()), ..Default::default() };
        let http =
            Listener { load_balancer_arn: "arn:lb".into(), response_headers: Some(headers), ..Default::default() };
        assert!(http.validate().iter().any(|p| p.contains("only valid on an HTTPS listener")), "{:?}", http.validate());
    }
}
