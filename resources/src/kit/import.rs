//! What every kind's `import_outputs` (the engine's `import NAME ID`) shares: an object that
//! is not there is `NotFound`, naming the kind and the id the user gave.

use engine::{ErrorClass, ProviderError};

/// The object a lookup by `id` found, or `NotFound` naming `kind` and `id`.
pub fn found<T>(kind: &str, id: &str, lookup: Option<T>) -> Result<T, ProviderError> {
    lookup.ok_or_else(|| ProviderError::new(ErrorClass::NotFound, format!("{kind} {id} does not exist")))
}
