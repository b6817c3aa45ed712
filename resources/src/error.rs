//! How a failed AWS call is understood. Finders decide "it does not exist" from the SDK's modeled
//! error of the operation ([`absent_if`] with e.g. `GetRoleError::is_no_such_entity_exception`);
//! what the models do not cover (EC2, whose errors are not modeled, and the class of every other
//! failure: throttled, conflict, denied, invalid) is [`class_of_code`]: the codes each service
//! declares in its own module ([`crate::error_codes!`]), then the conventions all services share.
//! Its patterns are whole-word suffixes (`.NotFound`, `NotFoundException`, `NotFoundFault`), never
//! substrings, so a new service's codes (ECS `ServiceNotFoundException`, ECR
//! `RepositoryNotFoundException`, Auto Scaling `ValidationError`) are read as what they are.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use engine::{ErrorClass, ProviderError};
use std::error::Error;
use std::fmt::Debug;

/// One service's own error codes and what they mean, declared in the service's module with
/// [`crate::error_codes!`] (registered with `inventory`, so a new service edits no list here).
pub struct ServiceCodes {
    pub service: &'static str,
    pub codes: &'static [(&'static str, ErrorClass)],
}

inventory::collect!(ServiceCodes);

/// Declares a service's own error codes by class, in its module:
/// `error_codes!("ecs", NotFound: ["ClusterNotFoundException"], Conflict: ["ServiceNotActiveException"]);`
#[macro_export]
macro_rules! error_codes {
    ($service:literal, $($class:ident: [$($code:literal),* $(,)?]),* $(,)?) => {
        inventory::submit! {
            $crate::error::ServiceCodes {
                service: $service,
                codes: &[$($(($code, ::engine::ErrorClass::$class)),*),*],
            }
        }
    };
}

/// The class a service declared for `code`, if any.
fn declared_class(code: &str) -> Option<ErrorClass> {
    inventory::iter::<ServiceCodes>().flat_map(|s| s.codes.iter()).find(|(c, _)| *c == code).map(|(_, class)| *class)
}

/// The class of an AWS error code: what its service declared, else the conventions every AWS
/// service shares (whole-word suffixes and prefixes, the common throttling and denial codes).
pub fn class_of_code(code: &str) -> ErrorClass {
    if let Some(class) = declared_class(code) {
        return class;
    }
    const THROTTLED: &[&str] = &["Throttling", "ThrottlingException", "TooManyRequestsException"];
    const DENIED: &[&str] = &["AccessDenied", "AccessDeniedException", "Forbidden"];
    let not_found_suffix = ["NotFound", "NotFoundException", "NotFoundFault"].iter().any(|s| code.ends_with(s));
    if code == "ResourceNotFoundException" || not_found_suffix {
        ErrorClass::NotFound
    } else if code.ends_with(".Duplicate") || code.contains("AlreadyExists") {
        ErrorClass::AlreadyExists
    } else if THROTTLED.contains(&code) {
        ErrorClass::Throttled
    } else if code == "ConflictException" {
        ErrorClass::Conflict
    } else if DENIED.contains(&code) {
        ErrorClass::AccessDenied
    } else if code.starts_with("Invalid")
        || code.starts_with("Malformed")
        || code.contains("Validation")
        || code == "LimitExceeded"
    {
        ErrorClass::Invalid
    } else {
        ErrorClass::Other
    }
}

/// Classifies a failed SDK call made by `operation`, keeping the SDK error as the source.
pub fn classify<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let class = match &err {
        SdkError::TimeoutError(_) => ErrorClass::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => ErrorClass::Transient,
        _ => match err.code() {
            Some(code) => class_of_code(code),
            None if raw_status(&err) == Some(404) => ErrorClass::NotFound,
            None => ErrorClass::Other,
        },
    };
    let message = describe(operation, &err);
    ProviderError::new(class, message).with_source(err)
}

/// A one-line message: the operation and AWS's code and message, or the HTTP status when the
/// answer had no error code (the whole SDK error stays available as the source).
fn describe<E, R>(operation: &str, err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    match (err, err.code()) {
        (SdkError::ServiceError(_), Some(code)) => {
            format!("{operation}: {code}: {}", err.message().unwrap_or("(no message)"))
        }
        (SdkError::ServiceError(_), None) => match raw_status(err) {
            Some(status) => {
                format!("{operation}: HTTP {status} with no error code (does this endpoint implement the operation?)")
            }
            None => format!("{operation}: {}", DisplayErrorContext(err)),
        },
        (SdkError::TimeoutError(_), _) => format!("{operation}: timed out (no answer within the call's timeout)"),
        (SdkError::DispatchFailure(_), _) => format!("{operation}: could not reach the endpoint: {}", root_cause(err)),
        (SdkError::ResponseError(_), _) => format!("{operation}: unreadable response: {}", root_cause(err)),
        _ => format!("{operation}: {}", root_cause(err)),
    }
}

/// The innermost cause in one line (e.g. `Connection refused (os error 111)`); the whole chain
/// stays available as the error's source, shown with `-v`.
fn root_cause(err: &(dyn Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string().lines().next().unwrap_or_default().to_string()
}

pub(crate) fn raw_status<E, R: 'static>(err: &SdkError<E, R>) -> Option<u16> {
    match err {
        SdkError::ServiceError(e) => {
            let raw: &dyn std::any::Any = e.raw();
            raw.downcast_ref::<aws_smithy_runtime_api::http::Response>().map(|r| r.status().as_u16())
        }
        _ => None,
    }
}

/// A request the SDK refused to build (a required field missing): an invalid input.
pub fn build_error(what: &str, err: aws_smithy_types::error::operation::BuildError) -> ProviderError {
    ProviderError::new(ErrorClass::Invalid, format!("{what}: {err}")).with_source(err)
}

/// `Ok(None)` when the call failed with the operation's modeled "does not exist" error (`absent`,
/// e.g. `GetRoleError::is_no_such_entity_exception`), the classified error otherwise: how a
/// finder reads the SDK's error model instead of guessing from a code.
pub fn absent_if<T, E, R>(
    operation: &str,
    result: Result<T, SdkError<E, R>>,
    absent: impl Fn(&E) -> bool,
) -> Result<Option<T>, ProviderError>
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.as_service_error().is_some_and(&absent) => Ok(None),
        Err(e) => Err(classify(operation, e)),
    }
}

/// `Ok(None)` for a NotFound failure, the error otherwise: the usual shape of a finder.
pub fn none_if_not_found<T>(result: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Ok(())` for a NotFound failure: deleting what is gone succeeds.
pub fn ok_if_not_found(result: Result<(), ProviderError>) -> Result<(), ProviderError> {
    none_if_not_found(result).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_classes() {
        assert_eq!(class_of_code("InvalidVpcID.NotFound"), ErrorClass::NotFound);
        assert_eq!(class_of_code("NoSuchEntity"), ErrorClass::NotFound);
        assert_eq!(class_of_code("DBInstanceNotFound"), ErrorClass::NotFound);
        assert_eq!(class_of_code("DBSubnetGroupNotFoundFault"), ErrorClass::NotFound);
        assert_eq!(class_of_code("InvalidDBInstanceState"), ErrorClass::Conflict);
        assert_eq!(class_of_code("EntityAlreadyExists"), ErrorClass::AlreadyExists);
        assert_eq!(class_of_code("InvalidPermission.Duplicate"), ErrorClass::AlreadyExists);
        assert_eq!(class_of_code("DependencyViolation"), ErrorClass::Conflict);
        assert_eq!(class_of_code("RequestLimitExceeded"), ErrorClass::Throttled);
        assert_eq!(class_of_code("UnauthorizedOperation"), ErrorClass::AccessDenied);
        assert_eq!(class_of_code("InvalidParameterValue"), ErrorClass::Invalid);
        assert_eq!(class_of_code("MalformedPolicyDocument"), ErrorClass::Invalid);
        assert_eq!(class_of_code("SomethingElse"), ErrorClass::Other);
        assert_eq!(class_of_code("NoSuchTagSet"), ErrorClass::NotFound);
        assert_eq!(class_of_code("BucketNotEmpty"), ErrorClass::Conflict);
        assert_eq!(class_of_code("Forbidden"), ErrorClass::AccessDenied);
        assert_eq!(class_of_code("WAFOptimisticLockException"), ErrorClass::Conflict);
        assert_eq!(class_of_code("WafV2DuplicateItem"), ErrorClass::AlreadyExists);
        assert_eq!(class_of_code("DuplicateRecordException"), ErrorClass::AlreadyExists);
        assert_eq!(class_of_code("WAFInvalidParameterException"), ErrorClass::Invalid);
    }

    #[test]
    fn no_code_is_declared_twice() {
        let mut seen = std::collections::BTreeMap::new();
        for declared in inventory::iter::<ServiceCodes>() {
            for (code, _) in declared.codes {
                if let Some(other) = seen.insert(*code, declared.service) {
                    panic!("{code} is declared by both {other} and {}", declared.service);
                }
            }
        }
        assert!(seen.len() > 40, "every service's codes are registered: {seen:?}");
    }

    #[test]
    fn codes_of_the_next_services_are_not_misread() {
        // ECS and ECR name a missing object `<Thing>NotFoundException`.
        assert_eq!(class_of_code("ServiceNotFoundException"), ErrorClass::NotFound);
        assert_eq!(class_of_code("ClusterNotFoundException"), ErrorClass::NotFound);
        assert_eq!(class_of_code("RepositoryNotFoundException"), ErrorClass::NotFound);
        assert_eq!(class_of_code("ImageNotFoundException"), ErrorClass::NotFound);
        // Auto Scaling answers most bad requests (a missing group included) with ValidationError:
        // the table says Invalid; a kind that knows the operation decides from the model/message.
        assert_eq!(class_of_code("ValidationError"), ErrorClass::Invalid);
        assert_eq!(class_of_code("ValidationException"), ErrorClass::Invalid);
        // Near misses stay what they are.
        assert_eq!(class_of_code("ServiceNotActiveException"), ErrorClass::Other);
        assert_eq!(class_of_code("RepositoryNotEmptyException"), ErrorClass::Other);
        assert_eq!(class_of_code("RepositoryAlreadyExistsException"), ErrorClass::AlreadyExists);
        assert_eq!(class_of_code("CacheSubnetGroupNotFoundFault"), ErrorClass::NotFound);
    }
}
