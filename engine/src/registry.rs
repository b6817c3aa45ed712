//! Type erasure, done once: every kind behind one object-safe trait over JSON values, and a
//! registry from KIND to implementation, so a resource removed from the program can still be
//! deleted from its state row alone.

use crate::cost::{known_enough, Estimate, Related};
use crate::health::Check;
use crate::policy::PolicyRule;
use crate::resource::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use crate::shape::Shape;
use futures::future::BoxFuture;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// The context handed to kinds: downcast to the kind's own `Resource::Context`.
pub type Context = Arc<dyn Any + Send + Sync>;

/// One erased read: `Some((observed inputs, outputs))`, or `None` when the object is gone.
pub type ReadResult = Result<Option<(Value, Value)>, ProviderError>;

/// A kind, seen through JSON.
pub trait ErasedKind: Send + Sync {
    fn kind(&self) -> &'static str;
    /// The API the kind calls (its concurrency-limit group).
    fn service(&self) -> &'static str;
    fn taggable(&self) -> bool;
    fn replace_fields(&self) -> &'static [&'static str];
    fn delete_before_replace(&self) -> bool;
    fn stateful(&self) -> bool;
    /// Which input lists are sets and which strings hold JSON documents ([`Shape`]): how plans
    /// and refresh compare and describe changes.
    fn shape(&self) -> &Shape;
    fn cloud_id(&self, outputs: &Value) -> Result<String, ProviderError>;
    fn create(&self, inputs: Value, meta: Meta, cx: Context) -> BoxFuture<'static, Result<Value, ProviderError>>;
    /// `Some((observed inputs, outputs))`, or `None` when the object is gone.
    fn read(
        &self,
        inputs: Value,
        outputs: Value,
        cx: Context,
    ) -> BoxFuture<'static, Result<Option<(Value, Value)>, ProviderError>>;
    /// The most members one [`ErasedKind::read_batch`] call takes (`Resource::READ_BATCH`, at
    /// least 1).
    fn read_batch_size(&self) -> usize;
    /// One read result per `(inputs, outputs)` member, in order (`Resource::read_batch`); a
    /// member that does not decode is that member's `Err`, and the others are still read.
    fn read_batch(&self, batch: Vec<(Value, Value)>, cx: Context) -> BoxFuture<'static, Vec<ReadResult>>;
    fn update(
        &self,
        inputs: Value,
        old: Value,
        outputs: Value,
        cx: Context,
    ) -> BoxFuture<'static, Result<Value, ProviderError>>;
    fn delete(&self, inputs: Value, outputs: Value, cx: Context) -> BoxFuture<'static, Result<(), ProviderError>>;
    fn find(&self, inputs: Value, meta: Meta, cx: Context) -> BoxFuture<'static, Result<Option<Value>, ProviderError>>;
    /// The outputs of the existing object `id` (`Resource::import_outputs`), `inputs` being the
    /// program's, references resolved.
    fn import_outputs(
        &self,
        inputs: Value,
        id: String,
        cx: Context,
    ) -> BoxFuture<'static, Result<Value, ProviderError>>;
    /// Moves the object's live tags from `old` to `new` (`Resource::write_tags`).
    fn write_tags(
        &self,
        outputs: Value,
        old: Tags,
        new: Tags,
        cx: Context,
    ) -> BoxFuture<'static, Result<(), ProviderError>>;
    /// The kind has a health check (`Resource::HEALTH_CHECKED`).
    fn health_checked(&self) -> bool;
    /// The monthly estimate of a resource with these inputs (`Resource::monthly_cost`): `None`
    /// for a kind without a price, `Some(Err)` naming why inputs that do not decode could not be
    /// estimated. References and unknown values are read as empty strings.
    fn monthly_cost(&self, inputs: &Value, related: &Related<'_>) -> Option<Result<Estimate, String>>;
    /// One check per `(inputs, outputs)` member, in order; a member that does not decode, or
    /// that the kind reports nothing for, is `unknown` saying so.
    fn health(&self, batch: Vec<(Value, Value)>, cx: Context) -> BoxFuture<'static, Vec<Check>>;
}

struct Adapter<R> {
    shape: Shape,
    _kind: PhantomData<fn() -> R>,
}

fn decode<T: DeserializeOwned>(what: &str, v: Value) -> Result<T, ProviderError> {
    serde_json::from_value(v).map_err(|e| ProviderError::new(ErrorClass::Invalid, format!("cannot decode {what}: {e}")))
}

fn encode<T: Serialize>(v: &T) -> Result<Value, ProviderError> {
    serde_json::to_value(v).map_err(|e| ProviderError::new(ErrorClass::Other, format!("cannot encode: {e}")))
}

/// The kind's own context; a kind whose context is `()` (the built-in kinds of
/// [`crate::core`], which need nothing) gets a unit whatever the binary connected to.
fn context<R: Resource>(cx: &Context) -> Result<&R::Context, ProviderError> {
    const UNIT: &(dyn std::any::Any + Send + Sync) = &();
    cx.downcast_ref::<R::Context>()
        .or_else(|| UNIT.downcast_ref::<R::Context>())
        .ok_or_else(|| ProviderError::new(ErrorClass::Other, format!("{} was given the wrong context type", R::KIND)))
}

impl<R: Resource> ErasedKind for Adapter<R> {
    fn kind(&self) -> &'static str {
        R::KIND
    }
    fn service(&self) -> &'static str {
        R::SERVICE
    }
    fn taggable(&self) -> bool {
        R::TAGGABLE
    }
    fn replace_fields(&self) -> &'static [&'static str] {
        R::REPLACE_FIELDS
    }
    fn delete_before_replace(&self) -> bool {
        R::DELETE_BEFORE_REPLACE
    }
    fn stateful(&self) -> bool {
        R::STATEFUL
    }
    fn shape(&self) -> &Shape {
        &self.shape
    }
    fn cloud_id(&self, outputs: &Value) -> Result<String, ProviderError> {
        let out: R::Outputs = decode("outputs", outputs.clone())?;
        Ok(R::cloud_id(&out))
    }
    fn create(&self, inputs: Value, meta: Meta, cx: Context) -> BoxFuture<'static, Result<Value, ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            encode(&r.create(&meta, context::<R>(&cx)?).await?)
        })
    }
    fn read(
        &self,
        inputs: Value,
        outputs: Value,
        cx: Context,
    ) -> BoxFuture<'static, Result<Option<(Value, Value)>, ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            let out: R::Outputs = decode("outputs", outputs)?;
            encode_read(r.read(&out, context::<R>(&cx)?).await)
        })
    }
    fn read_batch_size(&self) -> usize {
        R::READ_BATCH.max(1)
    }
    fn read_batch(&self, batch: Vec<(Value, Value)>, cx: Context) -> BoxFuture<'static, Vec<ReadResult>> {
        Box::pin(async move {
            let mut results: Vec<Option<ReadResult>> = (0..batch.len()).map(|_| None).collect();
            let (positions, members) = decode_members::<R>(batch, &mut results);
            if !members.is_empty() {
                let read = match context::<R>(&cx) {
                    Ok(cx) => R::read_batch(members, cx).await.into_iter().map(encode_read).collect(),
                    Err(e) => positions.iter().map(|_| Err(ProviderError::new(e.class, e.message.clone()))).collect(),
                };
                fill(&mut results, positions, read);
            }
            results
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|| Err(ProviderError::new(ErrorClass::Other, "the batch read reported nothing")))
                })
                .collect()
        })
    }
    fn update(
        &self,
        inputs: Value,
        old: Value,
        outputs: Value,
        cx: Context,
    ) -> BoxFuture<'static, Result<Value, ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            let old: R = decode("prior inputs", old)?;
            let out: R::Outputs = decode("outputs", outputs)?;
            encode(&r.update(&old, &out, context::<R>(&cx)?).await?)
        })
    }
    fn delete(&self, inputs: Value, outputs: Value, cx: Context) -> BoxFuture<'static, Result<(), ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            let out: R::Outputs = decode("outputs", outputs)?;
            r.delete(&out, context::<R>(&cx)?).await
        })
    }
    fn find(&self, inputs: Value, meta: Meta, cx: Context) -> BoxFuture<'static, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            match r.find(&meta, context::<R>(&cx)?).await? {
                Some(out) => Ok(Some(encode(&out)?)),
                None => Ok(None),
            }
        })
    }
    fn import_outputs(
        &self,
        inputs: Value,
        id: String,
        cx: Context,
    ) -> BoxFuture<'static, Result<Value, ProviderError>> {
        Box::pin(async move {
            let r: R = decode("inputs", inputs)?;
            encode(&r.import_outputs(&id, context::<R>(&cx)?).await?)
        })
    }
    fn write_tags(
        &self,
        outputs: Value,
        old: Tags,
        new: Tags,
        cx: Context,
    ) -> BoxFuture<'static, Result<(), ProviderError>> {
        Box::pin(async move {
            let out: R::Outputs = decode("outputs", outputs)?;
            R::write_tags(&out, &old, &new, context::<R>(&cx)?).await
        })
    }
    fn health_checked(&self) -> bool {
        R::HEALTH_CHECKED
    }
    fn monthly_cost(&self, inputs: &Value, related: &Related<'_>) -> Option<Result<Estimate, String>> {
        if !R::PRICED {
            return None;
        }
        match decode::<R>("inputs", known_enough(inputs)) {
            Ok(r) => Some(r.monthly_cost(related)),
            Err(e) => Some(Err(e.message)),
        }
    }
    fn health(&self, batch: Vec<(Value, Value)>, cx: Context) -> BoxFuture<'static, Vec<Check>> {
        Box::pin(async move {
            let mut checks: Vec<Option<Check>> = vec![None; batch.len()];
            let mut members = Vec::new();
            let mut positions = Vec::new();
            for (i, (inputs, outputs)) in batch.into_iter().enumerate() {
                match (decode::<R>("inputs", inputs), decode::<R::Outputs>("outputs", outputs)) {
                    (Ok(r), Ok(out)) => {
                        members.push((r, out));
                        positions.push(i);
                    }
                    (Err(e), _) | (_, Err(e)) => checks[i] = Some(Check::unknown(e.message)),
                }
            }
            if !members.is_empty() {
                let found = match context::<R>(&cx) {
                    Ok(cx) => R::health(members, cx).await,
                    Err(e) => positions.iter().map(|_| Check::unknown(e.message.clone())).collect(),
                };
                for (i, check) in positions.into_iter().zip(found) {
                    checks[i] = Some(check);
                }
            }
            checks
                .into_iter()
                .map(|c| c.unwrap_or_else(|| Check::unknown("the health check reported nothing")))
                .collect()
        })
    }
}

/// The members of `batch` that decode, with their positions; a member that does not decode
/// gets its error in `results` at its position.
fn decode_members<R: Resource>(
    batch: Vec<(Value, Value)>,
    results: &mut [Option<ReadResult>],
) -> (Vec<usize>, Vec<(R, R::Outputs)>) {
    let mut positions = Vec::new();
    let mut members = Vec::new();
    for (i, (inputs, outputs)) in batch.into_iter().enumerate() {
        match (decode::<R>("inputs", inputs), decode::<R::Outputs>("outputs", outputs)) {
            (Ok(r), Ok(out)) => {
                positions.push(i);
                members.push((r, out));
            }
            (Err(e), _) | (_, Err(e)) => results[i] = Some(Err(e)),
        }
    }
    (positions, members)
}

fn encode_read<R: Resource>(read: Result<Option<Observed<R>>, ProviderError>) -> ReadResult {
    match read? {
        Some(o) => Ok(Some((encode(&o.inputs)?, encode(&o.outputs)?))),
        None => Ok(None),
    }
}

/// Puts each result at its member's position; a kind that returned fewer results than members
/// leaves the rest empty (reported as an error by the caller), never shifted onto others.
fn fill(results: &mut [Option<ReadResult>], positions: Vec<usize>, read: Vec<ReadResult>) {
    if read.len() != positions.len() {
        let message = format!("the batch read returned {} results for {} members", read.len(), positions.len());
        for i in positions {
            results[i] = Some(Err(ProviderError::new(ErrorClass::Other, message.clone())));
        }
        return;
    }
    for (i, r) in positions.into_iter().zip(read) {
        results[i] = Some(r);
    }
}

/// The erased implementation of `R`, with no declared shape.
pub fn erase<R: Resource>() -> Arc<dyn ErasedKind> {
    erase_shaped::<R>(Shape::NONE)
}

/// The erased implementation of `R` with its declared input `shape`.
pub fn erase_shaped<R: Resource>(shape: Shape) -> Arc<dyn ErasedKind> {
    Arc::new(Adapter::<R> { shape, _kind: PhantomData })
}

/// KIND → implementation, and the policy rules that come with the kinds.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn ErasedKind>>,
    rules: Vec<Arc<dyn PolicyRule>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register<R: Resource>(&mut self) -> &mut Self {
        self.kinds.insert(R::KIND, erase::<R>());
        self
    }

    pub fn with<R: Resource>(mut self) -> Self {
        self.register::<R>();
        self
    }

    /// Registers `R` with its declared input `shape` (its sets and JSON documents).
    pub fn register_shaped<R: Resource>(&mut self, shape: Shape) -> &mut Self {
        self.kinds.insert(R::KIND, erase_shaped::<R>(shape));
        self
    }

    /// The shape registered for `kind`; none for a kind the registry does not know.
    pub fn shape(&self, kind: &str) -> Shape {
        self.kinds.get(kind).map(|k| *k.shape()).unwrap_or_default()
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn ErasedKind>> {
        self.kinds.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    /// Adds a built-in policy rule that comes with these kinds ([`crate::policy`]).
    pub fn add_rule(&mut self, rule: Arc<dyn PolicyRule>) -> &mut Self {
        self.rules.push(rule);
        self
    }

    /// With a built-in policy rule added.
    pub fn with_rule(mut self, rule: impl PolicyRule + 'static) -> Self {
        self.add_rule(Arc::new(rule));
        self
    }

    /// The built-in policy rules, in registration order.
    pub fn rules(&self) -> &[Arc<dyn PolicyRule>] {
        &self.rules
    }
}
