//! Response headers an application load balancer adds to every response of a listener
//! (security headers and CORS), set with ModifyListenerAttributes under the keys
//! `routing.http.response.<header>.header_value` and read back with DescribeListenerAttributes.
//!
//! # Guarantees
//! * Every write sends every key Plinth manages: a header the program does not set is written
//!   as the empty value (ELB's "not set"), so removing one from the program removes it live.
//! * A read reports `None` when no managed header is set, so "no headers" has one shape.
//!
//! # Assumptions
//! * ELB reports an unset header as a missing key or an empty value.

use aws_sdk_elasticloadbalancingv2::types::ListenerAttribute;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const HSTS: &str = "routing.http.response.strict_transport_security.header_value";
const CONTENT_TYPE_OPTIONS: &str = "routing.http.response.x_content_type_options.header_value";
const FRAME_OPTIONS: &str = "routing.http.response.x_frame_options.header_value";
const CSP: &str = "routing.http.response.content_security_policy.header_value";
const ALLOW_ORIGIN: &str = "routing.http.response.access_control_allow_origin.header_value";
const ALLOW_METHODS: &str = "routing.http.response.access_control_allow_methods.header_value";
const ALLOW_HEADERS: &str = "routing.http.response.access_control_allow_headers.header_value";
const MAX_AGE: &str = "routing.http.response.access_control_max_age.header_value";

/// Every listener attribute key this module manages.
pub const KEYS: &[&str] =
    &[HSTS, CONTENT_TYPE_OPTIONS, FRAME_OPTIONS, CSP, ALLOW_ORIGIN, ALLOW_METHODS, ALLOW_HEADERS, MAX_AGE];

/// Headers added to every response; `None` leaves a header unset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseHeaders {
    /// `Strict-Transport-Security`, e.g. "max-age=31536000; includeSubDomains; preload" (HTTPS
    /// listeners only).
    pub strict_transport_security: Option<String>,
    /// `X-Content-Type-Options`: only "nosniff".
    pub content_type_options: Option<String>,
    /// `X-Frame-Options`: "DENY", "SAMEORIGIN" or "ALLOW-FROM <uri>".
    pub frame_options: Option<String>,
    /// `Content-Security-Policy`.
    pub content_security_policy: Option<String>,
    pub cors: Option<Cors>,
}

/// The CORS response headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cors {
    /// `Access-Control-Allow-Origin`: "*", or one origin such as "https://example.com".
    pub allow_origin: String,
    /// `Access-Control-Allow-Methods`, e.g. ["GET", "POST"].
    pub allow_methods: Vec<String>,
    /// `Access-Control-Allow-Headers`, e.g. ["content-type"].
    pub allow_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds.
    pub max_age: Option<u32>,
}

impl ResponseHeaders {
    /// Problems, naming the field; `https`: whether the listener is HTTPS.
    pub fn problems(&self, https: bool) -> Vec<String> {
        let mut problems = Vec::new();
        let field = "response_headers";
        if self == &ResponseHeaders::default() {
            problems.push(format!("{field} sets no header: use None for none"));
        }
        if self.strict_transport_security.is_some() && !https {
            problems.push(format!("{field}.strict_transport_security is only valid on an HTTPS listener"));
        }
        if let Some(v) = &self.content_type_options {
            if v != "nosniff" {
                problems.push(format!("{field}.content_type_options `{v}` must be \"nosniff\""));
            }
        }
        if let Some(v) = &self.frame_options {
            if !(v == "DENY" || v == "SAMEORIGIN" || v.starts_with("ALLOW-FROM ")) {
                problems.push(format!("{field}.frame_options `{v}` must be DENY, SAMEORIGIN or ALLOW-FROM <uri>"));
            }
        }
        let empty =
            |name: &str, v: &Option<String>| v.as_ref().filter(|v| v.trim().is_empty()).map(|_| name.to_string());
        for name in [
            empty("strict_transport_security", &self.strict_transport_security),
            empty("content_security_policy", &self.content_security_policy),
        ]
        .into_iter()
        .flatten()
        {
            problems.push(format!("{field}.{name} is empty: use None to leave it unset"));
        }
        if let Some(cors) = &self.cors {
            if cors.allow_origin.is_empty() {
                problems.push(format!("{field}.cors.allow_origin is empty"));
            }
            let blank =
                cors.allow_methods.iter().chain(&cors.allow_headers).any(|v| v.trim().is_empty() || v.contains(','));
            if blank {
                problems.push(format!("{field}.cors: methods and headers must be non-empty and contain no `,`"));
            }
        }
        problems
    }

    /// The attribute value of every managed key ("" for unset) for `headers`.
    pub fn to_attributes(headers: Option<&ResponseHeaders>) -> Vec<ListenerAttribute> {
        let h = headers.cloned().unwrap_or_default();
        let cors = h.cors.unwrap_or_default();
        let values = [
            (HSTS, h.strict_transport_security.unwrap_or_default()),
            (CONTENT_TYPE_OPTIONS, h.content_type_options.unwrap_or_default()),
            (FRAME_OPTIONS, h.frame_options.unwrap_or_default()),
            (CSP, h.content_security_policy.unwrap_or_default()),
            (ALLOW_ORIGIN, cors.allow_origin),
            (ALLOW_METHODS, cors.allow_methods.join(",")),
            (ALLOW_HEADERS, cors.allow_headers.join(",")),
            (MAX_AGE, cors.max_age.map(|a| a.to_string()).unwrap_or_default()),
        ];
        values.into_iter().map(|(k, v)| ListenerAttribute::builder().key(k).value(v).build()).collect()
    }

    /// The headers the live attributes set, `None` when none.
    pub fn from_attributes(live: &[ListenerAttribute]) -> Option<ResponseHeaders> {
        let map: BTreeMap<&str, &str> = live
            .iter()
            .filter_map(|a| Some((a.key()?, a.value()?)))
            .filter(|(k, v)| KEYS.contains(k) && !v.is_empty())
            .collect();
        if map.is_empty() {
            return None;
        }
        let get = |k: &str| map.get(k).map(|v| v.to_string());
        let list = |k: &str| get(k).map(|v| v.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default();
        let cors =
            [ALLOW_ORIGIN, ALLOW_METHODS, ALLOW_HEADERS, MAX_AGE].iter().any(|k| map.contains_key(k)).then(|| Cors {
                allow_origin: get(ALLOW_ORIGIN).unwrap_or_default(),
                allow_methods: list(ALLOW_METHODS),
                allow_headers: list(ALLOW_HEADERS),
                max_age: get(MAX_AGE).and_then(|v| v.parse().ok()),
            });
        Some(ResponseHeaders {
            strict_transport_security: get(HSTS),
            content_type_options: get(CONTENT_TYPE_OPTIONS),
            frame_options: get(FRAME_OPTIONS),
            content_security_policy: get(CSP),
            cors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secure() -> ResponseHeaders {
        ResponseHeaders {
            strict_transport_security: Some("max-age=31536000; includeSubDomains".into()),
            content_type_options: Some("nosniff".into()),
            frame_options: Some("DENY".into()),
            content_security_policy: Some("default-src 'self'".into()),
            cors: Some(Cors {
                allow_origin: "https://example.com".into(),
                allow_methods: vec!["GET".into(), "POST".into()],
                allow_headers: vec!["content-type".into()],
                max_age: Some(600),
            }),
        }
    }

    #[test]
    fn attributes_round_trip_and_unset_headers_are_written_empty() {
        let written = ResponseHeaders::to_attributes(Some(&secure()));
        assert_eq!(written.len(), KEYS.len());
        assert_eq!(ResponseHeaders::from_attributes(&written), Some(secure()));
        let cleared = ResponseHeaders::to_attributes(None);
        assert!(cleared.iter().all(|a| a.value() == Some("")), "{cleared:?}");
        assert_eq!(ResponseHeaders::from_attributes(&cleared), None);
        let only_frame = ResponseHeaders { frame_options: Some("SAMEORIGIN".into()), ..Default::default() };
        assert_eq!(
            ResponseHeaders::from_attributes(&ResponseHeaders::to_attributes(Some(&only_frame))),
            Some(only_frame)
        );
    }

    #[test]
    fn problems_name_the_header() {
        assert!(secure().problems(true).is_empty());
        assert!(secure().problems(false)[0].contains("strict_transport_security is only valid on an HTTPS listener"));
        let bad = ResponseHeaders {
            content_type_options: Some("sniff".into()),
            frame_options: Some("ALLOW".into()),
            ..secure()
        };
        let problems = bad.problems(true);
        assert!(problems.iter().any(|p| p.contains("content_type_options `sniff`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("frame_options `ALLOW`")), "{problems:?}");
        assert!(ResponseHeaders::default().problems(true)[0].contains("sets no header"));
    }
}
