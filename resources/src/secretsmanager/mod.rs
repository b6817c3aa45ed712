//! secretsmanager kinds, and what they share: the secret finder and tag sync (in [`tags`]).
//!
//! No waiters: every Secrets Manager call used here takes effect before it returns.
//! RotateSecret is out of scope (it needs a rotation Lambda; moto wants a real one too).

pub mod secret;
pub mod tags;

pub use secret::{Secret, SecretOutputs};

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretError;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use engine::{ErrorClass, ProviderError};

crate::service_client!(secrets, aws_sdk_secretsmanager);

crate::error_codes!("secretsmanager", AlreadyExists: ["ResourceExistsException"]);

/// The secret named or ARN'd `id`, unless it is gone or scheduled for deletion (a secret with a
/// `DeletedDate` is in its recovery window: for Plinth it no longer exists).
pub async fn find_secret(cx: &AwsContext, id: &str) -> Result<Option<DescribeSecretOutput>, ProviderError> {
    let result = cx.secrets().describe_secret().secret_id(id).send().await;
    let found = absent_if("DescribeSecret", result, DescribeSecretError::is_resource_not_found_exception)?;
    Ok(found.filter(|s| s.deleted_date().is_none()))
}

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the Secrets Manager response has no {what}"))
}

/// The version that carries the `AWSCURRENT` stage, if the secret has a value.
pub fn current_version(secret: &DescribeSecretOutput) -> Option<String> {
    let versions = secret.version_ids_to_stages()?;
    let mut current = versions.iter().filter(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"));
    current.next().map(|(id, _)| id.clone())
}
