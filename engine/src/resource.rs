//! The contract every resource kind implements, and the error type kinds report.
//!
//! A kind is a plain serde struct (its inputs) plus async create/read/update/delete against
//! some context (the AWS clients in `resources`, an in-memory fake in engine tests). The engine
//! never sees the typed value after `Stack::add`: it works on JSON through [`crate::registry`].

use crate::health::Check;
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;

/// Tags are a sorted string map everywhere in Plinth.
pub type Tags = BTreeMap<String, String>;

/// One kind of cloud object ("aws:ec2:Vpc").
pub trait Resource: Serialize + DeserializeOwned + Clone + PartialEq + Debug + Send + Sync + 'static {
    /// Persisted in state: never rename it.
    const KIND: &'static str;
    /// The API the kind calls ("ec2"): operations of one service share a concurrency limit,
    /// because the cloud throttles per service.
    const SERVICE: &'static str;
    /// When true the struct has a `tags: Tags` field; the engine merges the stack's default tags
    /// and `plinth:stack` / `plinth:name` into it before planning.
    const TAGGABLE: bool = true;
    /// Top-level input fields whose change cannot be applied in place.
    const REPLACE_FIELDS: &'static [&'static str] = &[];
    /// A replacement must delete the old object before creating the new one
    /// (for example when the name is unique in the account).
    const DELETE_BEFORE_REPLACE: bool = false;
    /// Holds data users fear to lose (databases, buckets, secrets): guard rails apply.
    const STATEFUL: bool = false;
    /// The kind has a [`Resource::health`] check: `health` reports on its objects and they
    /// join the dependency map (`crate::health`).
    const HEALTH_CHECKED: bool = false;
    /// The kind has a monthly price: [`Resource::monthly_cost`] estimates it (`crate::cost`).
    const PRICED: bool = false;
    /// The most members one [`Resource::read_batch`] call takes (refresh chunks a kind's
    /// objects by it). 1 for a kind that reads each object on its own.
    const READ_BATCH: usize = 1;

    type Outputs: Serialize + DeserializeOwned + Clone + PartialEq + Debug + Send + Sync + 'static;
    type Context: Send + Sync + 'static;

    /// The cloud's identifier for the object, as shown to users and stored in state.
    fn cloud_id(outputs: &Self::Outputs) -> String;

    /// What the object costs per month, from its inputs and those of what it depends on
    /// (`related`), with the usage it had to assume; `Err` says why it cannot be estimated (a
    /// size the price table lacks). Pure: no I/O. Only called when [`Resource::PRICED`];
    /// references not yet known are empty strings. The default: no price.
    fn monthly_cost(&self, related: &crate::cost::Related<'_>) -> Result<crate::cost::Estimate, String> {
        let _ = related;
        Err(format!("{} has no price", Self::KIND))
    }

    /// Problems with the known input values, each a sentence naming the field. No I/O.
    fn validate(&self) -> Vec<String> {
        Vec::new()
    }

    fn create(
        &self,
        meta: &Meta,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<Self::Outputs, ProviderError>> + Send;

    /// What the cloud has now, in input shape, or `None` when the object is gone.
    fn read(
        &self,
        outputs: &Self::Outputs,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<Option<Observed<Self>>, ProviderError>> + Send;

    /// What the cloud has now for each member of `batch` (at most [`Resource::READ_BATCH`]
    /// members), as [`Resource::read`] reports it: how refresh reads a kind whose API describes
    /// many objects in one call.
    ///
    /// # Guarantees
    /// - One result per member, in the order of `batch`.
    /// - A member's failure is that member's `Err`, never the others': a batch call that fails
    ///   for one member (EC2's `InvalidXxx.NotFound` for the whole describe) is resolved per
    ///   member (for example by reading each on its own), not reported for all.
    /// - The same semantics as `read` for each member: `None` when the object is gone (an id
    ///   missing from the batch answer), `Err(NotOwned)` when it does not prove it belongs to
    ///   the resource, pagination followed.
    ///
    /// # Assumptions
    /// The caller passes no more than `READ_BATCH` members. The default runs each member's
    /// `read`, all concurrently.
    fn read_batch(
        batch: Vec<(Self, Self::Outputs)>,
        cx: &Self::Context,
    ) -> impl Future<Output = Vec<Result<Option<Observed<Self>>, ProviderError>>> + Send {
        async move { futures::future::join_all(batch.iter().map(|(r, out)| r.read(out, cx))).await }
    }

    /// Moves the object from `old` to `self` in place; only called when no `REPLACE_FIELDS` changed.
    fn update(
        &self,
        old: &Self,
        outputs: &Self::Outputs,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<Self::Outputs, ProviderError>> + Send;

    /// Deletes the object; deleting an object that is already gone is Ok.
    fn delete(
        &self,
        outputs: &Self::Outputs,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Finds an object this stack created under this logical name (by its `plinth:name` tag or
    /// its unique name): how a create interrupted by a crash is adopted instead of duplicated.
    fn find(
        &self,
        meta: &Meta,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<Option<Self::Outputs>, ProviderError>> + Send;

    /// How the outputs of an existing object follow from its cloud `id` (a bucket name, a VPC
    /// id, a role name, an ARN: whatever the kind's `cloud_id` shows): what `import NAME ID`
    /// adopts. Reads only; `self` is the program's inputs (references resolved). An object that
    /// does not exist is `Err(NotFound)` naming `id`. The default: the kind cannot be imported.
    fn import_outputs(
        &self,
        id: &str,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<Self::Outputs, ProviderError>> + Send {
        let _ = (id, cx);
        std::future::ready(Err(ProviderError::new(
            ErrorClass::Invalid,
            format!("`{}` cannot be imported by id", Self::KIND),
        )))
    }

    /// Moves the object's live tags from `old` to `new` through the kind's tag writer (only
    /// the tags; nothing else about the object changes): how `import` tags an adopted object.
    /// The default: the kind has no tag writer import can use.
    fn write_tags(
        outputs: &Self::Outputs,
        old: &Tags,
        new: &Tags,
        cx: &Self::Context,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send {
        let _ = (outputs, old, new, cx);
        std::future::ready(Err(ProviderError::new(
            ErrorClass::Invalid,
            format!("`{}` has no tag writer for import", Self::KIND),
        )))
    }

    /// The health of every object of this kind in the stack, one [`Check`] per member of
    /// `batch`, in its order: called once per kind, so the kind can batch its describe calls.
    /// A failed cloud call is an `unknown` check naming the error, never a panic. Only called
    /// when [`Resource::HEALTH_CHECKED`]; the default has no check.
    fn health(batch: Vec<(Self, Self::Outputs)>, cx: &Self::Context) -> impl Future<Output = Vec<Check>> + Send {
        let _ = cx;
        std::future::ready(
            batch.iter().map(|_| Check::unknown(format!("{} has no health check", Self::KIND))).collect(),
        )
    }
}

/// Who a resource is, for calls that need more than its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meta {
    /// Logical name in the program (`plinth:name`).
    pub name: String,
    /// Stack (environment) name (`plinth:stack`).
    pub stack: String,
    /// Set for the create of a create-first replacement: the cloud id of the object being
    /// replaced, which carries the same tags. `find` skips it where its lookup returns several
    /// objects (EC2's tag finder); callers treat a `find` that still returns it as "cannot tell".
    pub replacing: Option<String>,
}

impl Meta {
    /// Resource `name` of stack `stack`.
    pub fn new(name: impl Into<String>, stack: impl Into<String>) -> Meta {
        Meta { name: name.into(), stack: stack.into(), replacing: None }
    }
}

/// A resource as read back from the cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed<R: Resource> {
    pub inputs: R,
    pub outputs: R::Outputs,
}

/// How a provider failure is to be understood, whatever the service's error code was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorClass {
    NotFound,
    AlreadyExists,
    Throttled,
    Conflict,
    AccessDenied,
    Invalid,
    Timeout,
    Transient,
    /// The object exists but does not prove it belongs to this resource of this stack
    /// (see [`crate::ownership`]): never adopted, changed or deleted.
    NotOwned,
    Other,
}

/// A failed cloud call, classified, with the original error kept as its source.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub class: ErrorClass,
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ProviderError {
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self { class, message: message.into(), source: None }
    }

    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }
}
