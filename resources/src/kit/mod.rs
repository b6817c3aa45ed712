//! The kind kit: what every kind uses instead of copying it.
//!
//! * **Registration without a central list.** A kind file ends with `crate::kit::kind!(Vpc);`
//!   (plus its set-like, write-only and JSON-document fields, if any); [`crate::registry`]
//!   collects every such entry at link time (`inventory`). No list to edit, none to forget: the
//!   registry test walks every entry and checks its KIND, its service and its field declarations
//!   against the kind's serialized inputs, so a typo in a field name fails a test instead of
//!   turning a replacement into an update.
//! * **Input shape.** The set-like fields (with the fields that identify a member, where members
//!   are objects) and the strings holding JSON documents become the kind's [`engine::Shape`] in
//!   the registry: plans and refresh compare sets order-free and show a changed list member by
//!   member and a changed policy statement by statement.
//! * **Ownership.** [`adopt`]: a `find` that located an object by a unique name adopts it only when
//!   its live tags prove ownership (`engine::prove_owned`), and otherwise refuses, naming it.
//! * **Ownership through a parent.** [`prove_parent_stack`]: an untaggable object (a scaling
//!   policy, a metric filter) is ours only when the tagged object it belongs to carries this
//!   stack's `plinth:stack`.
//! * **Import by id.** [`import::found`]: `import_outputs` of every importable kind answers
//!   `NotFound` naming the id when its lookup finds nothing.
//! * **Set-like ids.** [`observed_ids`]: live ids in the program's order when only the order differs.
//! * **No blind create retries.** [`no_retry!`](crate::kit::no_retry): the per-operation config of
//!   a non-idempotent create, which lets the SDK retry throttling only (see [`retry`]).
//!
//! Tag conversion and tag sync live in [`crate::tags`], waiters in [`crate::wait`], error
//! classification in [`crate::error`].
//!
//! # Guarantees
//! * Every kind in this crate is in [`entries`] exactly once (the registry test checks KINDs are
//!   unique and that each kind's module registers it).
//! * [`adopt`] never returns an object whose tags do not carry both `plinth:stack` and
//!   `plinth:name` with the expected values.
//!
//! # Assumptions
//! * Each kind's `Default` value serializes every input field (no `skip_serializing_if`), so the
//!   field names found there are the kind's input fields.

pub mod enums;
pub mod import;
pub mod retry;
pub mod subnet_group;
pub mod token;

use engine::{Input, Meta, ProviderError, Registry, Resource, SetField, Shape, Tags};
use serde_json::Value;

/// One kind, as registered: what the engine needs (through [`Registry`]) and the field
/// declarations the registry test checks.
pub struct KindEntry {
    pub kind: &'static str,
    pub service: &'static str,
    /// Fields whose change forces a replacement (`Resource::REPLACE_FIELDS`).
    pub replace_fields: &'static [&'static str],
    /// List fields whose order means nothing (AWS keeps a set), with the fields that identify
    /// a member, and strings holding JSON documents (`shape.documents`). Read keeps the
    /// program's order when the sets are equal ([`observed_ids`]); the engine compares them
    /// order-free either way.
    pub shape: Shape,
    /// Fields the cloud never returns (a secret's source, a rotation trigger): `read` reports
    /// the program's value for them, so they never show as drift.
    pub write_only: &'static [&'static str],
    register: fn(&mut Registry, Shape),
    fixture: fn() -> Value,
}

impl KindEntry {
    /// The entry of `R`, for [`kind!`](crate::kit::kind).
    pub const fn of<R: Resource + Default>(shape: Shape, write_only: &'static [&'static str]) -> Self {
        Self {
            kind: R::KIND,
            service: R::SERVICE,
            replace_fields: R::REPLACE_FIELDS,
            shape,
            write_only,
            register: register::<R>,
            fixture: fixture::<R>,
        }
    }

    /// The set-like fields' paths.
    pub fn unordered(&self) -> impl Iterator<Item = &'static str> {
        self.shape.sets.iter().map(|s: &'static SetField| s.path)
    }

    /// The kind's default inputs as JSON: the names and shapes of its input fields.
    pub fn fixture(&self) -> Value {
        (self.fixture)()
    }
}

fn register<R: Resource>(registry: &mut Registry, shape: Shape) {
    registry.register_shaped::<R>(shape);
}

fn fixture<R: Resource + Default>() -> Value {
    serde_json::to_value(R::default()).unwrap_or(Value::Null)
}

inventory::collect!(KindEntry);

/// Registers a kind, in the kind's own file: `kind!(Vpc);`, or with its declarations, each
/// optional, in this order:
///
/// ```text
/// kind!(SecurityGroup,
///     unordered: ["ingress" by ["protocol", "from_port"], "subnet_ids"],  // sets; `by`: member keys
///     write_only: ["value"],                                             // never read back
///     documents: ["policy", "inline_policies.*"]);                       // strings holding JSON
/// ```
///
/// `unordered` lists without `by` are sets of values (ids, ARNs) or of objects compared whole.
macro_rules! kind {
    ($ty:ty $(, unordered: [$($u:literal $(by [$($k:literal),*])?),*])? $(, write_only: [$($w:literal),*])? $(, documents: [$($d:literal),*])? $(,)?) => {
        ::inventory::submit! {
            $crate::kit::KindEntry::of::<$ty>(
                ::engine::Shape {
                    sets: &[$($(::engine::SetField::keyed($u, &[$($($k),*)?])),*)?],
                    documents: &[$($($d),*)?],
                },
                &[$($($w),*)?],
            )
        }
    };
}
pub(crate) use kind;

/// Every registered kind, sorted by KIND.
pub fn entries() -> Vec<&'static KindEntry> {
    let mut all: Vec<&'static KindEntry> = inventory::iter::<KindEntry>.into_iter().collect();
    all.sort_by_key(|e| e.kind);
    all
}

/// The engine's registry of every kind in this crate, with the built-in policy rules over them
/// ([`crate::guardrails`]).
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for entry in entries() {
        (entry.register)(&mut registry, entry.shape);
    }
    for rule in crate::guardrails::builtin() {
        registry.add_rule(rule);
    }
    registry
}

/// `Ok(Some(outputs))` when `tags` (read from the cloud just now) prove the object is resource
/// `meta.name` of stack `meta.stack`; otherwise `Err(NotOwned)` naming `object` and its tags.
/// How a `find` that located an object by its unique name decides whether to adopt it.
pub fn adopt<O>(object: &str, tags: &Tags, meta: &Meta, outputs: O) -> Result<Option<O>, ProviderError> {
    engine::prove_owned(object, tags, meta)?;
    Ok(Some(outputs))
}

/// `Ok(())` when `parent_tags` (the live tags of `parent`, the tagged object an untaggable
/// `object` belongs to, read just now) carry `plinth:stack` = `meta.stack`; otherwise
/// `Err(NotOwned)` naming both and the parent's tags.
pub fn prove_parent_stack(object: &str, parent: &str, parent_tags: &Tags, meta: &Meta) -> Result<(), ProviderError> {
    if parent_tags.get(engine::STACK_TAG) == Some(&meta.stack) {
        return Ok(());
    }
    let message = format!(
        "{object} exists, but its {parent} does not carry {}={} (its tags: {parent_tags:?}): not adopted",
        engine::STACK_TAG,
        meta.stack
    );
    Err(ProviderError::new(engine::ErrorClass::NotOwned, message))
}

/// Live ids (subnets, security groups) in input shape. AWS keeps them as a set and answers in
/// its own order: when the live set equals the program's, the program's order is kept, so order
/// alone never shows as a change; otherwise the live ids, sorted, so drift is a real difference.
pub fn observed_ids(program: &[Input<String>], mut live: Vec<String>) -> Vec<Input<String>> {
    let mut wanted: Vec<&str> = program.iter().filter_map(|s| s.known().map(String::as_str)).collect();
    wanted.sort_unstable();
    live.sort_unstable();
    if wanted.len() == program.len() && wanted.iter().copied().eq(live.iter().map(String::as_str)) {
        return program.to_vec();
    }
    live.into_iter().map(Input::Value).collect()
}

#[cfg(test)]
mod tests;

/// The one result of a batched read asked about one object (`read` through `read_batch`, a
/// describe of one id). A batch that answered nothing for it is an error, never "gone": reading
/// an object as vanished would plan its re-creation.
pub fn only_result<T>(
    mut results: Vec<Result<Option<T>, ProviderError>>,
    what: &str,
) -> Result<Option<T>, ProviderError> {
    match (results.pop(), results.is_empty()) {
        (Some(result), true) => result,
        _ => Err(ProviderError::new(
            engine::ErrorClass::Other,
            format!("the batched read of {what} did not answer once for it"),
        )),
    }
}
