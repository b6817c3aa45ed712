//! ECR kinds: container image repositories ([`Repository`]), and what they share: the tag API
//! ([`tags`]), the typed lifecycle policy ([`lifecycle`]) and the finder by name.

pub mod lifecycle;
pub mod tags;

mod repository;

pub use aws_sdk_ecr as sdk;
pub use lifecycle::Lifecycle;
pub use repository::{Encryption, EncryptionType, Repository, RepositoryOutputs, TagMutability};

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError;
use engine::{ErrorClass, ProviderError};

crate::service_client!(ecr, aws_sdk_ecr);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the ECR response has no {what}"))
}

/// The repository called `name` in this account's registry, or `None` when there is none.
pub async fn find_repository(cx: &AwsContext, name: &str) -> Result<Option<sdk::types::Repository>, ProviderError> {
    let out = cx.ecr().describe_repositories().repository_names(name).send().await;
    let Some(out) =
        absent_if("DescribeRepositories", out, DescribeRepositoriesError::is_repository_not_found_exception)?
    else {
        return Ok(None);
    };
    Ok(out.repositories().iter().find(|r| r.repository_name() == Some(name)).cloned())
}
