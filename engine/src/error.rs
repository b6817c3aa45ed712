//! The engine's error type, at the library boundary: one variant per failure site, each message
//! meant to be shown to a user as is (what failed, which resource, what to do).

use crate::graph::ValidationError;
use crate::resource::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Boxed: state errors carry whole rows and lock holders.
    #[error(transparent)]
    State(Box<state::StateError>),
    #[error("resource `{1}` has kind {0}, which this build of Plinth does not know")]
    UnknownKind(String, String),
    #[error("the plan is refused:\n{}", .0.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n"))]
    Refused(Vec<String>),
    /// The plan's operations wait on each other in a cycle (checked by `preview` and `up`).
    #[error("the plan's operations wait on each other in a cycle (at `{name}` {verb})")]
    Unorderable { name: String, verb: &'static str },
    /// A reference could not be resolved from its dependency's outputs just before the call.
    #[error("cannot resolve the inputs of `{name}`: {problem}")]
    Unresolved { name: String, problem: String },
    /// An update or delete of a resource that state does not hold.
    #[error("`{name}` is not in state, so it cannot be {verb}")]
    NotInState { name: String, verb: &'static str },
    /// An interrupted create whose outcome cannot be told: creating again could duplicate it.
    #[error(
        "cannot tell whether the interrupted create of `{name}` (journal row {id}, left by run {run} at {at}) \
         happened: {problem}. Planning it again could duplicate it; check the cloud, then import it or \
         `state journal --drop {id}`"
    )]
    CreateUndecided { id: i64, name: String, run: String, at: String, problem: String },
    /// A kind's outputs do not give its cloud id (the kind and its recorded outputs disagree).
    #[error("the cloud id of `{name}` cannot be read from its outputs: {source}")]
    CloudId {
        name: String,
        #[source]
        source: ProviderError,
    },
    /// A journal row the runner itself wrote no longer says what it needs.
    #[error("journal row {id} of `{name}` {problem}")]
    JournalRow { id: i64, name: String, problem: String },
    /// An operation's task panicked or was cancelled.
    #[error("an operation's task failed: {0}")]
    Task(String),
}

impl From<state::StateError> for EngineError {
    fn from(e: state::StateError) -> Self {
        EngineError::State(Box::new(e))
    }
}
