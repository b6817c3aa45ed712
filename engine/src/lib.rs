//! Plinth's engine: the program model (`Stack`, `Input`), the kind contract (`Resource`), the
//! graph and its validation, the pure planner and renderer, apply, refresh and the CLI.
//! No AWS SDK here: kinds live in `resources`; engine tests use an in-memory fake cloud.

pub mod apply;
pub mod cli;
pub mod core;
pub mod cost;
pub mod diff;
pub mod error;
pub mod graph;
pub mod health;
pub mod import;
pub mod input;
pub mod ops;
pub mod ownership;
pub mod pictures;
pub mod plan;
pub mod policy;
pub mod recover;
pub mod refresh;
pub mod release;
pub mod registry;
pub mod remote;
pub mod render;
pub mod resource;
pub mod saved;
pub mod shape;
pub mod stack;
pub mod target;
pub mod timings;

pub use error::EngineError;
pub use input::Input;
pub use policy::{Finding, PlannedResource, PolicyRule, Severity};
pub use ownership::{owned_by, prove_owned, NAME_TAG, STACK_TAG};
pub use registry::{Context, ErasedKind, Registry};
pub use resource::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
pub use shape::{SetField, Shape};
pub use stack::{Handle, Named, Options, Stack};
