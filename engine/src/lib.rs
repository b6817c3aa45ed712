//! Plinth's engine: the program model (`Stack`, `Input`), the kind contract (`Resource`), the
//! graph and its validation, the pure planner and renderer, apply, refresh and the CLI.
//! No AWS SDK here: kinds live in `resources`; engine tests use an in-memory fake cloud.

pub mod input;
pub mod registry;
pub mod resource;
pub mod stack;

pub use input::Input;
pub use registry::{Context, ErasedKind, Registry};
pub use resource::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
pub use stack::{Handle, Named, Options, Stack};
