//! `import`: adopting objects that already exist in the cloud into state, for resources the
//! program declares, so that `preview` afterwards shows only how each differs from the program.
//!
//! * **By id** (`import NAME ID`): [`check`] (pure, before any cloud call: `NAME` is declared,
//!   not in state, `ID` not recorded for another resource, references resolvable from state),
//!   then [`propose`] reads the object (the kind's `import_outputs`, then its `read` with the
//!   program's inputs) and proves it may be adopted.
//! * **By tag** (`import --by-tag KEY=VALUE`): [`survey`] asks every declared resource without
//!   a state row the kind's own `find` (which proves `plinth:stack` + `plinth:name`) and keeps
//!   the objects whose live tags include `KEY=VALUE`: what a crashed foreign tool left.
//!
//! Either way the result is a list of [`Proposal`]s, shown ([`render`]) and, once agreed,
//! recorded one by one ([`record`]): the program's missing tags are written through the kind's
//! tag writer inside a journal bracket, the object read back, and its row committed.
//!
//! # Guarantees
//! * Nothing here mutates before [`record`], which the CLI calls only after agreement.
//! * An object tagged `plinth:stack` of another stack or `plinth:name` of another resource is
//!   refused, naming its tags; an untaggable kind is imported only when its own `find` (its
//!   documented ownership proof) returns exactly that object.
//! * Tags are only added or changed, never removed: what else differs is for `preview` / `up`.
//!
//! # Assumptions
//! * Each kind's `read` reports live tags (without `aws:` keys) and `find` adopts only what
//!   [`crate::ownership`] proves.

mod record;
mod render;

pub use record::record;
pub use render::render;

use crate::error::EngineError;
use crate::graph::Graph;
use crate::input::substitute;
use crate::ownership::{not_owned_message, NAME_TAG, STACK_TAG};
use crate::plan::is_live;
use crate::registry::{Context, ErasedKind};
use crate::resource::{ErrorClass, Meta, ProviderError, Tags};
use crate::stack::{Node, Stack};
use serde_json::Value;
use state::{References, ResourceRow};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why an import cannot go on; each message names the resource or object at fault.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("`{0}` is not declared in the program: only a resource the program declares can be imported")]
    NotDeclared(String),
    #[error("`{name}` is already in state as {cloud_id}; `state forget {name}` first to import another object for it")]
    AlreadyInState { name: String, cloud_id: String },
    #[error("{id} is already in state as `{holder}`: one object cannot be two resources")]
    IdTaken { id: String, holder: String },
    #[error("`{name}` references `{dependency}`, which is not in state: import or create `{dependency}` first")]
    DependencyMissing { name: String, dependency: String },
    #[error("{kind} {id} does not exist: nothing to import for `{name}`")]
    Gone { name: String, kind: String, id: String },
    #[error("import of `{name}` refused: {reason}")]
    Refused { name: String, reason: String },
    #[error("import of `{name}` ({kind} {id}): {source}")]
    Cloud {
        name: String,
        kind: String,
        id: String,
        #[source]
        source: ProviderError,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<state::StateError> for ImportError {
    fn from(e: state::StateError) -> Self {
        ImportError::Engine(e.into())
    }
}

/// One object to adopt for one resource, as read from the cloud.
#[derive(Clone)]
pub struct Proposal {
    pub name: String,
    pub kind: Arc<dyn ErasedKind>,
    pub cloud_id: String,
    /// The object as read, in input shape (live tags included for taggable kinds).
    pub observed: Value,
    pub outputs: Value,
    /// The tags the object carries now.
    pub live_tags: Tags,
    /// The program's tags the object lacks or has with another value: what import writes.
    pub tags_to_set: Tags,
    /// The program's dependencies that are in state (a row may only depend on rows in state).
    pub dependencies: Vec<String>,
    pub options: Value,
    /// Per dependency, the values the program's references resolved to.
    pub references: References,
}

impl Proposal {
    /// The tags the object carries once imported: its own, plus [`Proposal::tags_to_set`].
    pub fn tags_after(&self) -> Tags {
        let mut tags = self.live_tags.clone();
        tags.extend(self.tags_to_set.clone());
        tags
    }

    /// The row this proposal records, before its tags are written.
    pub fn row(&self) -> ResourceRow {
        ResourceRow {
            name: self.name.clone(),
            kind: self.kind.kind().to_string(),
            cloud_id: self.cloud_id.clone(),
            inputs: self.observed.clone(),
            outputs: self.outputs.clone(),
            dependencies: self.dependencies.clone(),
            options: self.options.clone(),
            references: Some(self.references.clone()),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

/// A declared resource ready to be read: its node and its inputs with references resolved.
pub struct Target {
    node: Node,
    inputs: Value,
    references: References,
    dependencies: Vec<String>,
    /// (kind, cloud id, name) of every live row: an object already recorded is not imported twice.
    held: Vec<(String, String, String)>,
}

/// What `import NAME ID` needs before any cloud call, checked against the program and state.
pub fn check(stack: &Stack, rows: &[ResourceRow], name: &str, id: &str) -> Result<Target, ImportError> {
    let node = stack.nodes().into_iter().find(|n| n.name == name);
    let node = node.ok_or_else(|| ImportError::NotDeclared(name.to_string()))?;
    let live = live_rows(rows);
    if let Some(row) = live.get(name) {
        return Err(ImportError::AlreadyInState { name: name.into(), cloud_id: row.cloud_id.clone() });
    }
    let mut target = target(stack, node, &live)?;
    target.held = live.values().map(|r| (r.kind.clone(), r.cloud_id.clone(), r.name.clone())).collect();
    target.refuse_held(id)?;
    Ok(target)
}

impl Target {
    /// Refuses `id` when state records it (for this kind) under another resource.
    fn refuse_held(&self, id: &str) -> Result<(), ImportError> {
        let kind = self.node.kind.kind();
        match self.held.iter().find(|(k, held, _)| k == kind && held == id) {
            Some((_, _, holder)) => Err(ImportError::IdTaken { id: id.into(), holder: holder.clone() }),
            None => Ok(()),
        }
    }
}

/// Reads object `id` for `target` and proves it may be adopted for resource `target` of `stack`.
pub async fn propose(target: &Target, stack: &str, id: &str, cx: &Context) -> Result<Proposal, ImportError> {
    let (node, kind) = (&target.node, target.node.kind.clone());
    let cloud = |source: ProviderError| ImportError::Cloud {
        name: node.name.clone(),
        kind: kind.kind().into(),
        id: id.into(),
        source,
    };
    let gone = || ImportError::Gone { name: node.name.clone(), kind: kind.kind().into(), id: id.into() };
    let outputs = match kind.import_outputs(target.inputs.clone(), id.to_string(), cx.clone()).await {
        Err(e) if e.is_not_found() => return Err(gone()),
        other => other.map_err(cloud)?,
    };
    let read = kind.read(target.inputs.clone(), outputs, cx.clone()).await.map_err(cloud)?;
    let (observed, outputs) = read.ok_or_else(gone)?;
    let proposal = proposal(target, stack, observed, outputs)?;
    // The id given may be another form of the one state records (an ARN for a key id).
    target.refuse_held(&proposal.cloud_id)?;
    if !kind.taggable() {
        prove_untaggable(target, stack, &proposal, cx).await?;
    }
    Ok(proposal)
}

/// The proposals of `import --by-tag KEY=VALUE`, in dependency order, and notes on what was
/// found but not proposed.
#[derive(Default)]
pub struct Survey {
    pub proposals: Vec<Proposal>,
    pub notes: Vec<String>,
}

/// Looks up every declared resource without a state row with its kind's `find` and proposes
/// the objects found whose live tags include `key=value`. A lookup that fails stops the survey.
pub async fn survey(
    stack: &Stack,
    graph: &Graph,
    rows: &[ResourceRow],
    (key, value): (&str, &str),
    cx: &Context,
) -> Result<Survey, ImportError> {
    let mut known = live_rows(rows);
    let nodes: BTreeMap<String, Node> = stack.nodes().into_iter().map(|n| (n.name.clone(), n)).collect();
    let mut found = Survey::default();
    for name in &graph.order {
        let node = &nodes[name];
        if known.contains_key(name) || !node.kind.taggable() {
            continue; // in state, or untaggable (no tags, so never KEY=VALUE)
        }
        let target = match target(stack, node.clone(), &known) {
            Ok(t) => t,
            Err(ImportError::DependencyMissing { dependency, .. }) => {
                found.notes.push(format!(
                    "`{name}` not looked up: it references `{dependency}`, which is neither in state nor found"
                ));
                continue;
            }
            Err(e) => return Err(e),
        };
        let Some(p) = look_up(&target, stack.name(), cx, &mut found.notes).await? else { continue };
        if p.live_tags.get(key).map(String::as_str) != Some(value) {
            found.notes.push(format!("`{name}`: found {} without the tag {key}={value}; not proposed", p.cloud_id));
            continue;
        }
        if let Some(holder) = known.values().find(|r| r.cloud_id == p.cloud_id && r.kind == p.kind.kind()) {
            return Err(ImportError::IdTaken { id: p.cloud_id, holder: holder.name.clone() });
        }
        known.insert(name.clone(), p.row());
        found.proposals.push(p);
    }
    Ok(found)
}

/// The object the kind's `find` proves is `target`'s, read; `None` when there is none.
async fn look_up(
    target: &Target,
    stack: &str,
    cx: &Context,
    notes: &mut Vec<String>,
) -> Result<Option<Proposal>, ImportError> {
    let (node, kind) = (&target.node, &target.node.kind);
    let cloud = |source: ProviderError| ImportError::Cloud {
        name: node.name.clone(),
        kind: kind.kind().into(),
        id: "(looked up by its tags)".into(),
        source,
    };
    let meta = Meta::new(node.name.clone(), stack);
    let outputs = match kind.find(target.inputs.clone(), meta, cx.clone()).await {
        Ok(Some(outputs)) => outputs,
        Ok(None) => return Ok(None),
        Err(e) if e.class == ErrorClass::NotOwned => {
            notes.push(format!("`{}`: {}", node.name, e.message));
            return Ok(None);
        }
        Err(e) => return Err(cloud(e)),
    };
    let Some((observed, outputs)) = kind.read(target.inputs.clone(), outputs, cx.clone()).await.map_err(cloud)? else {
        return Ok(None);
    };
    proposal(target, stack, observed, outputs).map(Some)
}

/// Builds the proposal for what was read, refusing an object another stack or resource owns.
fn proposal(target: &Target, stack: &str, observed: Value, outputs: Value) -> Result<Proposal, ImportError> {
    let (node, kind) = (&target.node, target.node.kind.clone());
    let cloud_id = kind.cloud_id(&outputs).map_err(|source| ImportError::Cloud {
        name: node.name.clone(),
        kind: kind.kind().into(),
        id: "(its outputs)".into(),
        source,
    })?;
    let live_tags = tags_of(&observed);
    if kind.taggable() {
        refuse_foreign(&node.name, stack, &format!("{} {cloud_id}", kind.kind()), &live_tags)?;
    }
    let wanted = if kind.taggable() { tags_of(&node.inputs) } else { Tags::new() };
    let tags_to_set = wanted.into_iter().filter(|(k, v)| live_tags.get(k) != Some(v)).collect();
    Ok(Proposal {
        name: node.name.clone(),
        kind,
        cloud_id,
        observed,
        outputs,
        live_tags,
        tags_to_set,
        dependencies: target.dependencies.clone(),
        options: serde_json::to_value(&node.options).unwrap_or(Value::Null),
        references: target.references.clone(),
    })
}

/// Refuses an object whose `plinth:stack` names another stack or `plinth:name` another resource.
fn refuse_foreign(name: &str, stack: &str, object: &str, tags: &Tags) -> Result<(), ImportError> {
    let other_stack = tags.get(STACK_TAG).is_some_and(|s| s != stack);
    let other_name = tags.get(NAME_TAG).is_some_and(|n| n != name);
    if !other_stack && !other_name {
        return Ok(());
    }
    let reason = not_owned_message(object, tags, &Meta::new(name, stack));
    Err(ImportError::Refused { name: name.into(), reason })
}

/// An untaggable object is imported only when the kind's `find` (its documented ownership
/// proof) returns exactly it.
async fn prove_untaggable(target: &Target, stack: &str, p: &Proposal, cx: &Context) -> Result<(), ImportError> {
    let meta = Meta::new(p.name.clone(), stack);
    let found = p.kind.find(target.inputs.clone(), meta, cx.clone()).await;
    let why = match found {
        Ok(Some(outputs)) if p.kind.cloud_id(&outputs).ok().as_deref() == Some(p.cloud_id.as_str()) => return Ok(()),
        Ok(Some(outputs)) => {
            format!("its ownership proof found {} instead", p.kind.cloud_id(&outputs).unwrap_or_default())
        }
        Ok(None) => "its ownership proof found nothing".to_string(),
        Err(e) => format!("its ownership proof does not hold: {e}"),
    };
    let reason = format!("{} cannot carry tags and {} is not proved this stack's ({why})", p.kind.kind(), p.cloud_id);
    Err(ImportError::Refused { name: p.name.clone(), reason })
}

fn tags_of(inputs: &Value) -> Tags {
    serde_json::from_value(inputs["tags"].clone()).unwrap_or_default()
}

fn live_rows(rows: &[ResourceRow]) -> BTreeMap<String, ResourceRow> {
    rows.iter().filter(|r| is_live(r)).map(|r| (r.name.clone(), r.clone())).collect()
}

/// `node` with its references resolved from `rows` (each dependency must be there).
fn target(stack: &Stack, node: Node, rows: &BTreeMap<String, ResourceRow>) -> Result<Target, ImportError> {
    let mut references = References::new();
    let mut resolve = |resource: &str, key: usize| -> Result<Value, ImportError> {
        let missing = || ImportError::DependencyMissing { name: node.name.clone(), dependency: resource.into() };
        let row = rows.get(resource).ok_or_else(missing)?;
        let value = stack.projection(key).and_then(|project| project(&row.outputs).ok()).ok_or_else(missing)?;
        references.entry(resource.to_string()).or_default().push(value.clone());
        Ok(value)
    };
    let inputs = substitute(&node.inputs, &mut resolve)?;
    let dependencies = node.dependencies().into_iter().filter(|d| rows.contains_key(d)).collect();
    Ok(Target { node, inputs, references, dependencies, held: Vec::new() })
}
