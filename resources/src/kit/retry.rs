//! No blind duplicate creates: the SDK retries a failed call on its own (throttling, 5xx,
//! timeouts, dropped connections). For a call that creates an object without an idempotency
//! token, a retry after a reply that was lost (the object exists, the answer never came) makes a
//! second object. [`OnlyThrottling`] lets such a call be retried only when AWS refused it before
//! doing anything (a throttling error); every other retry is forbidden, so the failure reaches the
//! engine, which looks the object up by its tags before it tries again.
//!
//! Use it with [`no_retry!`](crate::kit::no_retry) on the call:
//! `cx.ec2().create_vpc()....customize().config_override(no_retry!(aws_sdk_ec2)).send()`.
//!
//! # Guarantees
//! * A call customized with it is sent again only after a throttling error.
//!
//! # Assumptions
//! * AWS applies nothing for a request it answers with a throttling error.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;

/// Runs after every other classifier and keeps only a throttling verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnlyThrottling;

impl OnlyThrottling {
    /// What to do with the verdict of the classifiers that ran before.
    pub fn refine(previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError { kind: ErrorKind::ThrottlingError, .. }) => {
                RetryAction::NoActionIndicated
            }
            RetryAction::RetryIndicated(_) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }
}

impl ClassifyRetry for OnlyThrottling {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        Self::refine(previous)
    }

    fn name(&self) -> &'static str {
        "PlinthCreateOnlyThrottling"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// The per-operation config of a non-idempotent create for the SDK crate `$krate`:
/// retried only after throttling ([`OnlyThrottling`]).
macro_rules! no_retry {
    ($krate:ident) => {
        $krate::config::Builder::default().retry_classifier($crate::kit::retry::OnlyThrottling)
    };
}
pub(crate) use no_retry;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_is_retried() {
        assert_eq!(OnlyThrottling::refine(&RetryAction::throttling_error()), RetryAction::NoActionIndicated);
        assert_eq!(OnlyThrottling::refine(&RetryAction::transient_error()), RetryAction::RetryForbidden);
        assert_eq!(OnlyThrottling::refine(&RetryAction::server_error()), RetryAction::RetryForbidden);
        assert_eq!(OnlyThrottling::refine(&RetryAction::NoActionIndicated), RetryAction::NoActionIndicated);
        let priority = OnlyThrottling.priority();
        assert!(priority > RetryClassifierPriority::transient_error_classifier());
        assert!(priority > RetryClassifierPriority::modeled_as_retryable_classifier());
    }
}
