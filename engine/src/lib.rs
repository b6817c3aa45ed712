//! Plinth's engine: the program model (`Stack`, `Input`), the kind contract (`Resource`), the
//! graph and its validation, the pure planner and renderer, apply, refresh and the CLI.
//! No AWS SDK here: kinds live in `resources`; engine tests use an in-memory fake cloud.

/// Every binary that links the engine (the environment binaries, `plinth-data`, the tests)
/// allocates through mimalloc. A plan of 10,000 resources is a few hundred thousand small JSON
/// values: glibc's malloc spent about 40% of a no-op preview's CPU allocating them and
/// consolidating its free lists (10,000 resources: 0.26 → 0.14 s CPU; peak memory 88 → 112 MB,
/// within the 150 MB goal; measured with `scripts/bench`). The default feature `mimalloc`: a
/// program that sets its own `#[global_allocator]` depends on engine without default features.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
