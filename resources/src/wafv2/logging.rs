//! `aws:wafv2:LoggingConfiguration`: where a regional web ACL sends its request logs (one
//! destination: a CloudWatch Logs log group, an S3 bucket or a Firehose stream whose name starts
//! with `aws-waf-logs-`) and which request fields are redacted from them.
//!
//! The web ACL forces a replacement; the destination and the redacted fields change in place
//! (PutLoggingConfiguration replaces the whole configuration).
//!
//! # Ownership
//! A logging configuration has no tags. The web ACL and the log destination are this stack's
//! own resources, each proven by its own tags, so the web ACL's logging configuration is this
//! resource's exactly when it sends to this destination: `find` returns it then, `None` when the
//! ACL logs nowhere, and `Err(NotOwned)` when it logs elsewhere. Delete never removes a
//! configuration that sends elsewhere (this one counts as gone).
//!
//! Emulator gap (moto 5.2.5): PutLoggingConfiguration checks neither that the destination
//! exists nor its `aws-waf-logs-` name (AWS refuses both); Plinth's `validate` checks the name.

use super::web_acl_association::web_acl_arn_problem;
use crate::error::{classify, none_if_not_found, ok_if_not_found};
use crate::AwsContext;
use aws_sdk_wafv2::types::{
    FieldToMatch, LoggingConfiguration as SdkLogging, Method, QueryString, SingleHeader, UriPath,
};
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};

/// The prefix WAF requires of every log destination's name.
pub const WAF_LOGS_PREFIX: &str = "aws-waf-logs-";

/// A web ACL's request logging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfiguration {
    /// The regional web ACL's ARN (`aws:wafv2:WebAcl` output `arn`).
    pub web_acl_arn: Input<String>,
    /// The destination's ARN: a log group (`aws:logs:LogGroup` output `arn`, no `:*`), an S3
    /// bucket or a Firehose delivery stream, named `aws-waf-logs-...`.
    pub log_destination_arn: Input<String>,
    /// Request parts left out of the logs (a set), e.g. `[Header("authorization"), Header("cookie")]`.
    pub redacted_fields: Vec<RedactedField>,
}

/// A part of a request WAF leaves out of its logs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactedField {
    /// One header, by its lower-case name.
    Header(String),
    Method,
    QueryString,
    UriPath,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggingConfigurationOutputs {
    pub web_acl_arn: String,
    pub log_destination_arn: String,
}

impl Resource for LoggingConfiguration {
    const KIND: &'static str = "aws:wafv2:LoggingConfiguration";
    const SERVICE: &'static str = "wafv2";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["web_acl_arn"];
    type Outputs = LoggingConfigurationOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &LoggingConfigurationOutputs) -> String {
        format!("logging of {}", outputs.web_acl_arn)
    }

    fn validate(&self) -> Vec<String> {
        let mut problems: Vec<String> = web_acl_arn_problem("web_acl_arn", &self.web_acl_arn).into_iter().collect();
        if let Some(p) = self.log_destination_arn.known().and_then(|arn| destination_problem(arn)) {
            problems.push(format!("log_destination_arn `{}` {p}", self.log_destination_arn.as_str()));
        }
        for field in &self.redacted_fields {
            if let RedactedField::Header(name) = field {
                let token = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c);
                if name.is_empty() || !name.chars().all(token) {
                    problems.push(format!("redacted_fields header `{name}` must be a lower-case header name"));
                }
            }
        }
        let mut unique = self.redacted_fields.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != self.redacted_fields.len() {
            problems.push("redacted_fields has duplicates".to_string());
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<LoggingConfigurationOutputs, ProviderError> {
        self.put(cx).await?;
        Ok(self.outputs())
    }

    async fn read(
        &self,
        out: &LoggingConfigurationOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = get(cx, &out.web_acl_arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.log_destination_arn = Input::Value(live.log_destination_configs().join(","));
        let fields: Vec<RedactedField> = live.redacted_fields().iter().filter_map(from_sdk).collect();
        seen.redacted_fields = in_program_order(&self.redacted_fields, fields);
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        _old: &Self,
        _out: &LoggingConfigurationOutputs,
        cx: &AwsContext,
    ) -> Result<LoggingConfigurationOutputs, ProviderError> {
        self.put(cx).await?;
        Ok(self.outputs())
    }

    async fn delete(&self, out: &LoggingConfigurationOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some(live) = get(cx, &out.web_acl_arn).await? else { return Ok(()) };
        if live.log_destination_configs() != [out.log_destination_arn.as_str()] {
            return Ok(()); // logs elsewhere now: not this configuration, not ours to remove
        }
        let call = cx.wafv2().delete_logging_configuration().resource_arn(&out.web_acl_arn);
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteLoggingConfiguration", e)))
    }

    async fn find(&self, _meta: &Meta, cx: &AwsContext) -> Result<Option<LoggingConfigurationOutputs>, ProviderError> {
        let out = self.outputs();
        let Some(live) = get(cx, &out.web_acl_arn).await? else { return Ok(None) };
        if live.log_destination_configs() == [out.log_destination_arn.as_str()] {
            return Ok(Some(out));
        }
        let message = format!(
            "web ACL {} logs to {:?}, not to {}: that logging configuration is not this resource's",
            out.web_acl_arn,
            live.log_destination_configs(),
            out.log_destination_arn
        );
        Err(ProviderError::new(ErrorClass::NotOwned, message))
    }
}

impl LoggingConfiguration {
    fn outputs(&self) -> LoggingConfigurationOutputs {
        LoggingConfigurationOutputs {
            web_acl_arn: self.web_acl_arn.value().clone(),
            log_destination_arn: self.log_destination_arn.value().clone(),
        }
    }

    async fn put(&self, cx: &AwsContext) -> Result<(), ProviderError> {
        let fields = self.redacted_fields.iter().map(to_sdk).collect::<Result<Vec<_>, _>>()?;
        let config = SdkLogging::builder()
            .resource_arn(self.web_acl_arn.value())
            .log_destination_configs(self.log_destination_arn.value())
            .set_redacted_fields(Some(fields).filter(|f| !f.is_empty()))
            .build()
            .map_err(|e| crate::error::build_error("logging configuration", e))?;
        let call = cx.wafv2().put_logging_configuration().logging_configuration(config);
        call.send().await.map_err(|e| classify("PutLoggingConfiguration", e))?;
        Ok(())
    }
}

/// The web ACL's logging configuration, or `None` when it has none (or the ACL is gone).
async fn get(cx: &AwsContext, web_acl_arn: &str) -> Result<Option<SdkLogging>, ProviderError> {
    let out = cx.wafv2().get_logging_configuration().resource_arn(web_acl_arn).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("GetLoggingConfiguration", e)))?;
    Ok(out.and_then(|o| o.logging_configuration().cloned()))
}

fn to_sdk(field: &RedactedField) -> Result<FieldToMatch, ProviderError> {
    let builder = FieldToMatch::builder();
    Ok(match field {
        RedactedField::Header(name) => {
            let header = SingleHeader::builder().name(name).build();
            builder.single_header(header.map_err(|e| crate::error::build_error("redacted header", e))?).build()
        }
        RedactedField::Method => builder.method(Method::builder().build()).build(),
        RedactedField::QueryString => builder.query_string(QueryString::builder().build()).build(),
        RedactedField::UriPath => builder.uri_path(UriPath::builder().build()).build(),
    })
}

/// The field a live redaction names; `None` for a kind Plinth does not model.
fn from_sdk(field: &FieldToMatch) -> Option<RedactedField> {
    if let Some(header) = field.single_header() {
        Some(RedactedField::Header(header.name().to_ascii_lowercase()))
    } else if field.method().is_some() {
        Some(RedactedField::Method)
    } else if field.query_string().is_some() {
        Some(RedactedField::QueryString)
    } else if field.uri_path().is_some() {
        Some(RedactedField::UriPath)
    } else {
        None
    }
}

/// The live set in the program's order when it equals the program's, sorted otherwise.
fn in_program_order(program: &[RedactedField], mut live: Vec<RedactedField>) -> Vec<RedactedField> {
    let mut wanted = program.to_vec();
    wanted.sort();
    live.sort();
    if wanted == live {
        program.to_vec()
    } else {
        live
    }
}

/// Why `arn` cannot be a WAF log destination, if it cannot.
fn destination_problem(arn: &str) -> Option<String> {
    let name = if let Some((_, group)) = arn.split_once(":log-group:") {
        if group.ends_with(":*") {
            return Some("must be the log group's ARN without the trailing `:*`".to_string());
        }
        group
    } else if let Some(bucket) = arn.strip_prefix("arn:aws:s3:::") {
        bucket
    } else if let Some((_, stream)) = arn.split_once(":deliverystream/") {
        stream
    } else {
        return Some("is not a log group, S3 bucket or Firehose delivery stream ARN".to_string());
    };
    (!name.starts_with(WAF_LOGS_PREFIX))
        .then(|| format!("names `{name}`: WAF logs only to names starting with `{WAF_LOGS_PREFIX}`"))
}

crate::kit::kind!(LoggingConfiguration, unordered: ["redacted_fields"]);

#[cfg(test)]
mod tests {
    use super::*;

    const ACL: &str = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/1";
    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-web";

    fn logging() -> LoggingConfiguration {
        LoggingConfiguration {
            web_acl_arn: ACL.into(),
            log_destination_arn: GROUP.into(),
            redacted_fields: vec![
                RedactedField::Header("authorization".into()),
                RedactedField::Header("cookie".into()),
            ],
        }
    }

    #[test]
    fn the_destination_must_be_named_for_waf() {
        assert!(logging().validate().is_empty());
        let plain = LoggingConfiguration {
            log_destination_arn: "arn:aws:logs:us-east-1:123456789012:log-group:/plinth/web".into(),
            ..logging()
        };
        let problems = plain.validate();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("log_destination_arn `") && problems[0].contains("aws-waf-logs-"),
            "{problems:?}"
        );
        let star = LoggingConfiguration { log_destination_arn: format!("{GROUP}:*").into(), ..logging() };
        assert!(star.validate()[0].contains(":*"), "{:?}", star.validate());
        let bucket = LoggingConfiguration { log_destination_arn: "arn:aws:s3:::aws-waf-logs-b".into(), ..logging() };
        assert!(bucket.validate().is_empty());
    }

    #[test]
    fn redacted_fields_are_checked_and_round_trip() {
        let bad = LoggingConfiguration {
            redacted_fields: vec![
                RedactedField::Header("Authorization".into()),
                RedactedField::Method,
                RedactedField::Method,
            ],
            ..logging()
        };
        let problems = bad.validate();
        assert!(problems.iter().any(|p| p.contains("`Authorization`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("duplicates")), "{problems:?}");
        for field in [
            RedactedField::Header("cookie".into()),
            RedactedField::Method,
            RedactedField::QueryString,
            RedactedField::UriPath,
        ] {
            assert_eq!(from_sdk(&to_sdk(&field).expect("sdk")), Some(field));
        }
        let json = serde_json::to_value(logging()).expect("json");
        assert_eq!(json["redacted_fields"][0], serde_json::json!({ "header": "authorization" }));
    }

    #[test]
    fn live_fields_keep_the_program_order() {
        let program = logging().redacted_fields;
        let live = vec![RedactedField::Header("cookie".into()), RedactedField::Header("authorization".into())];
        assert_eq!(in_program_order(&program, live), program);
        assert_eq!(in_program_order(&program, vec![RedactedField::UriPath]), vec![RedactedField::UriPath]);
    }
}
