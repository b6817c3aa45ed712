//! The deployed-environment suite: checks a deployed platform from the outside, with plain SDK
//! clients, the way an auditor would. Objects are found by the stack's tags (`plinth:stack=<env>`)
//! and the outputs the environment's binary recorded, never through Plinth's kinds. Each check
//! names the AWS Foundational Security Best Practices (or CIS) control it proves where one
//! applies, and [`Report::table`] prints them as a pass/fail table whose failures name the object
//! and what is wrong.
//!
//! The same checks run against the emulator (`tests/tests/deployed.rs` starts moto and runs the
//! local binary's `up`) and against dev, staging or prod after a deploy ([`Target::from_env`]:
//! `PLINTH_DEPLOYED_ENV`, `PLINTH_STATE`, the default credential chain). The public endpoints are
//! checked separately ([`endpoints`]), only when a URL is given.
//!
//! One module per area: [`network`], [`security_groups`], [`storage`], [`iam`], [`data`],
//! [`compute`], [`edge`], [`observability`], [`audit`], [`endpoints`].

pub mod audit;
pub mod check;
pub mod compute;
pub mod data;
pub mod discover;
pub mod edge;
pub mod endpoints;
pub mod iam;
pub mod network;
pub mod observability;
pub mod security_groups;
pub mod storage;
pub mod target;

pub use check::{Check, Report, Status};
pub use target::Target;

use aws_smithy_types::error::display::DisplayErrorContext;
pub use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An SDK error as one line: its code and message when the service sent them, else the error
/// with its sources (a connection failure, a timeout).
pub fn error_text<E: std::error::Error + ProvideErrorMetadata>(err: E) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// Every area's checks against `target`, areas concurrently, in a fixed order.
pub async fn run(target: &Target) -> Report {
    let (network, groups, storage, iam, data) = tokio::join!(
        network::checks(target),
        security_groups::checks(target),
        storage::checks(target),
        iam::checks(target),
        data::checks(target),
    );
    let (compute, edge, observability, audit) =
        tokio::join!(compute::checks(target), edge::checks(target), observability::checks(target), audit::checks(target));
    let mut report = Report::default();
    for area in [network, groups, storage, iam, data, compute, edge, observability, audit] {
        report.extend(area);
    }
    report
}

/// A check that could not look: the discovery call failed (`reason` names it).
pub fn blocked(area: &'static str, control: Option<&'static str>, what: &str, reason: &str) -> Check {
    let mut check = Check::new(area, control, what);
    check.fail("(discovery)", reason);
    check
}
