//! Metrics from the services' logs. The services write JSON lines with at least `level`,
//! `message` and `request_id` (the correlation id the load balancer's `X-Amzn-Trace-Id` or the
//! caller's `X-Request-Id` seeds); a filter per service counts its error lines into
//! `Plinth/<env>` so the dashboard can show application errors beside the load balancer's.

use super::registry::Registry;
use crate::env::Env;
use engine::Stack;
use resources::logs::{MetricFilter, MetricTransformation};

/// The namespace of the log-derived metrics (every environment has its own account).
pub const ERRORS_NAMESPACE: &str = "Plinth/Application";

/// An error line of a request: JSON with `level` "error" and a `request_id`.
pub const ERROR_PATTERN: &str = r#"{ ($.level = "error" || $.level = "ERROR") && $.request_id = * }"#;

pub fn declare(stack: &mut Stack, env: &Env, registry: &Registry) {
    for home in &registry.services {
        stack.add(
            format!("{}-error-metric", home.service),
            MetricFilter {
                name: env.prefixed(&format!("{}-errors", home.service)),
                log_group_name: home.log_group.output(|o| o.name.clone()),
                pattern: ERROR_PATTERN.into(),
                transformation: MetricTransformation {
                    namespace: ERRORS_NAMESPACE.into(),
                    metric_name: format!("{}-errors", home.service),
                    value: "1".into(),
                    default_value: Some(0.0),
                    ..Default::default()
                },
            },
        );
    }
}
