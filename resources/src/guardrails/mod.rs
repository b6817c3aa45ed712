//! The built-in policy rules over AWS kinds ([`engine::policy`]): they know how each kind
//! models the facts they check (field names, defaults), which the engine cannot. `registry()`
//! registers them with the kinds, so every program built on this crate is checked by them.
//!
//! | rule | severity | kinds |
//! |---|---|---|
//! | `encryption-at-rest` | mandatory | S3 buckets (`encryption` declared), RDS (`storage_encrypted`), ElastiCache (`at_rest_encryption`), SNS topics (`kms_master_key_id`) |
//! | `encryption-in-transit` | mandatory | ElastiCache (`transit_encryption`) |
//! | `s3-public-access-blocked` | mandatory | S3 buckets (`block_public_access`) |
//! | `s3-tls-only` | mandatory | S3 buckets (`policy` denies `aws:SecureTransport=false`) |
//! | `no-public-ingress` | mandatory | security groups' `ingress`, ingress security group rules |
//! | `cost-tags` | mandatory | every taggable kind ([`COST_TAGS`]) |
//! | `prod-deletion-protection` | mandatory | RDS, load balancers, in [`PRODUCTION`] stacks |
//! | `prod-multi-az` | mandatory | RDS, ElastiCache, in [`PRODUCTION`] stacks |
//! | `iam-no-star-action` | mandatory | IAM roles' inline policies, managed policies |
//! | `iam-service-wide-action` | advisory | the same documents (`s3:*`) |
//!
//! Kinds that are encrypted at rest whatever the inputs say are not checked for it: CloudWatch
//! log groups, Secrets Manager secrets, SSM SecureString parameters, ECR repositories,
//! CloudTrail trails (service-managed keys; a customer key is the program's choice).
//!
//! # Assumptions
//! * Field names are the kinds' serialized input names (tests build the typed kinds, so a
//!   renamed field fails them).

mod encryption;
mod iam;
mod ingress;
mod production;
mod s3;

pub use encryption::{EncryptionAtRest, EncryptionInTransit};
pub use iam::{IamNoStarAction, IamServiceWideAction};
pub use ingress::NoPublicIngress;
pub use production::{ProdDeletionProtection, ProdMultiAz, PRODUCTION};
pub use s3::{S3PublicAccessBlocked, S3TlsOnly};

use engine::policy::{RequiredTags, Severity};
use engine::PolicyRule;
use std::sync::Arc;

/// The tags cost allocation needs on every taggable resource (the platform's `Env::default_tags`
/// sets them stack-wide).
pub const COST_TAGS: &[&str] = &["CostCenter", "Project", "Environment"];

/// Every built-in rule, in the order they are reported within a severity.
pub fn builtin() -> Vec<Arc<dyn PolicyRule>> {
    vec![
        Arc::new(EncryptionAtRest),
        Arc::new(EncryptionInTransit),
        Arc::new(S3PublicAccessBlocked),
        Arc::new(S3TlsOnly),
        Arc::new(NoPublicIngress),
        Arc::new(RequiredTags::new("cost-tags", Severity::Mandatory, COST_TAGS)),
        Arc::new(ProdDeletionProtection),
        Arc::new(ProdMultiAz),
        Arc::new(IamNoStarAction),
        Arc::new(IamServiceWideAction),
    ]
}

/// `"<field> is false"` when the boolean input `field` is known and false (or unset: the kinds
/// default their flags to false).
fn must_be_true(r: &engine::PlannedResource<'_>, field: &str, why: &str) -> Option<String> {
    match r.field(field) {
        engine::policy::Fact::Unknown => None,
        _ if r.flag(field) == Some(true) => None,
        _ => Some(format!("{field} is false: {why}")),
    }
}

#[cfg(test)]
mod tests;
