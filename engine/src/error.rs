//! The engine's error type, at the library boundary.

use crate::graph::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Boxed: state errors carry whole rows and lock holders.
    #[error(transparent)]
    State(Box<state::StateError>),
    #[error("{0}")]
    Plan(String),
    #[error("resource `{1}` has kind {0}, which this build of Plinth does not know")]
    UnknownKind(String, String),
    #[error("the plan is refused:\n{}", .0.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n"))]
    Refused(Vec<String>),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<state::StateError> for EngineError {
    fn from(e: state::StateError) -> Self {
        EngineError::State(Box::new(e))
    }
}
