//! ACM kinds: TLS certificates validated by DNS ([`Certificate`]), and what they share: the tag
//! API ([`tags`]) and the waiters ([`wait`]: issued, deleted while a listener lets go).

pub mod tags;
pub mod wait;

mod certificate;

pub use aws_sdk_acm as sdk;
pub use certificate::{Certificate, CertificateOutputs, KeyAlgorithm, ValidationRecord};

use crate::error::absent_if;
use crate::AwsContext;
use engine::{ErrorClass, ProviderError};
use sdk::operation::describe_certificate::DescribeCertificateError;
use sdk::types::CertificateDetail;

crate::service_client!(acm, aws_sdk_acm);

// ResourceInUseException (a listener still uses the certificate) is a Conflict: declared by ECS.

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the ACM response has no {what}"))
}

/// The certificate `arn`, or `None` when it is gone.
pub async fn describe(cx: &AwsContext, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
    let out = cx.acm().describe_certificate().certificate_arn(arn).send().await;
    let found = absent_if("DescribeCertificate", out, DescribeCertificateError::is_resource_not_found_exception)?;
    Ok(found.and_then(|o| o.certificate().cloned()))
}
