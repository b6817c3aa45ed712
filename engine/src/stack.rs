//! The program model: a `Stack` collects resources declared by ordinary Rust code, with their
//! options and references, before anything runs.

use crate::input::{references, Input, Projection, Reference};
use crate::policy::PolicyRule;
use crate::registry::{erase, ErasedKind};
use crate::resource::{Resource, Tags};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

/// Per-resource options, persisted in state so they still apply after the resource leaves the
/// program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Refuse any plan that deletes or replaces the resource.
    #[serde(default)]
    pub protect: bool,
    /// On delete, forget the resource in state but leave the cloud object alone.
    #[serde(default)]
    pub retain_on_delete: bool,
    /// Top-level input fields whose changes are ignored after creation.
    #[serde(default)]
    pub ignore_changes: Vec<String>,
    /// Replace by deleting first, even when the kind could create first.
    #[serde(default)]
    pub delete_before_replace: bool,
    /// Explicit dependencies beyond references.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// One declared resource, type-erased.
#[derive(Clone)]
pub struct Node {
    pub name: String,
    pub kind: Arc<dyn ErasedKind>,
    /// Inputs as JSON; references still appear as markers.
    pub inputs: Value,
    pub options: Options,
    /// Problems the kind found in its known inputs.
    pub problems: Vec<String>,
}

impl Node {
    /// Every resource this one needs first: referenced ones, then explicit `depends_on`.
    pub fn dependencies(&self) -> Vec<String> {
        let mut deps: Vec<String> = references(&self.inputs).into_iter().map(|(r, _)| r).collect();
        deps.extend(self.options.depends_on.iter().cloned());
        let mut seen = std::collections::BTreeSet::new();
        deps.retain(|d| seen.insert(d.clone()));
        deps
    }
}

/// A public HTTP endpoint `health` probes (a GET of each path, short timeout) and the
/// components it depends on. Not a resource: nothing is created, nothing is in state.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Unique among the stack's resource and endpoint names.
    pub name: String,
    /// The base URL (`https://example.com`) as a serialized `Input<String>`: a reference (the
    /// load balancer's DNS name) is resolved from state's outputs when probed.
    pub url: Value,
    /// Paths to GET (`/health`).
    pub paths: Vec<String>,
    pub depends_on: Vec<String>,
}

impl Endpoint {
    /// What the endpoint needs: resources its URL references, then `depends_on`.
    pub fn dependencies(&self) -> Vec<String> {
        let mut deps: Vec<String> = references(&self.url).into_iter().map(|(r, _)| r).collect();
        deps.extend(self.depends_on.iter().cloned());
        let mut seen = std::collections::BTreeSet::new();
        deps.retain(|d| seen.insert(d.clone()));
        deps
    }
}

#[derive(Default)]
struct Inner {
    /// Shared: planning and apply read the declared nodes without copying their inputs.
    nodes: Vec<Arc<Node>>,
    projections: Vec<Projection>,
    endpoints: Vec<Endpoint>,
    rules: Vec<Arc<dyn PolicyRule>>,
    waivers: std::collections::BTreeMap<String, String>,
}

/// A program's resources for one environment.
#[derive(Clone)]
pub struct Stack {
    name: String,
    default_tags: Tags,
    inner: Arc<Mutex<Inner>>,
}

impl Stack {
    /// `name` is the stack (environment) name written to `plinth:stack`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), default_tags: Tags::new(), inner: Arc::default() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Tags every taggable resource gets (Environment, Project, CostCenter, ...).
    pub fn default_tag(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.default_tags.insert(key.into(), value.into());
        self
    }

    pub fn default_tags(&self) -> &Tags {
        &self.default_tags
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Declares a resource under a logical name unique in the stack.
    pub fn add<R: Resource>(&mut self, name: impl Into<String>, resource: R) -> Handle<R> {
        let name = name.into();
        let problems = resource.validate();
        let mut inputs = serde_json::to_value(&resource).unwrap_or(Value::Null);
        if R::TAGGABLE {
            self.merge_tags(&name, &mut inputs);
        }
        let node = Node { name: name.clone(), kind: erase::<R>(), inputs, options: Options::default(), problems };
        let mut inner = self.lock();
        let index = inner.nodes.len();
        inner.nodes.push(Arc::new(node));
        Handle { name, index, inner: self.inner.clone(), _kind: PhantomData }
    }

    fn merge_tags(&self, name: &str, inputs: &mut Value) {
        let Some(obj) = inputs.as_object_mut() else { return };
        let mut tags: serde_json::Map<String, Value> =
            self.default_tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        if let Some(Value::Object(own)) = obj.get("tags") {
            tags.extend(own.clone());
        }
        tags.insert(crate::ownership::STACK_TAG.into(), Value::String(self.name.clone()));
        tags.insert(crate::ownership::NAME_TAG.into(), Value::String(name.to_string()));
        tags.sort_keys();
        obj.insert("tags".into(), Value::Object(tags));
    }

    /// The declared resources, in declaration order (copies: see [`Stack::declared`]).
    pub fn nodes(&self) -> Vec<Node> {
        self.lock().nodes.iter().map(|n| Node::clone(n)).collect()
    }

    /// The declared resources, in declaration order, shared with the stack rather than copied:
    /// what plan, validation and apply read (a copy of every node's inputs per reader made a
    /// 10,000-resource preview allocate them three times). An option a handle sets afterwards
    /// changes the stack's node, not the ones already handed out.
    pub fn declared(&self) -> Vec<Arc<Node>> {
        self.lock().nodes.clone()
    }

    /// How many resources are declared.
    pub fn len(&self) -> usize {
        self.lock().nodes.len()
    }

    /// True when nothing is declared (the empty stack `destroy` plans against).
    pub fn is_empty(&self) -> bool {
        self.lock().nodes.is_empty()
    }

    /// Declares an HTTP endpoint for `health` to probe: GET `url` + each of `paths`, as a
    /// component depending on `depends_on` (and on what `url` references).
    pub fn endpoint(&mut self, name: impl Into<String>, url: Input<String>, paths: &[&str], depends_on: &[&dyn Named]) {
        let endpoint = Endpoint {
            name: name.into(),
            url: serde_json::to_value(&url).unwrap_or(Value::Null),
            paths: paths.iter().map(|p| p.to_string()).collect(),
            depends_on: depends_on.iter().map(|d| d.name().to_string()).collect(),
        };
        self.lock().endpoints.push(endpoint);
    }

    /// The declared endpoints, in declaration order.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.lock().endpoints.clone()
    }

    /// Adds a policy rule of the program's own, checked on every plan beside the registry's
    /// built-in rules ([`crate::policy`]).
    pub fn policy_rule(&mut self, rule: impl PolicyRule + 'static) -> &mut Self {
        self.lock().rules.push(Arc::new(rule));
        self
    }

    /// Waives a rule for this program: its findings are still shown, as advisory and with
    /// `reason`, and no longer stop `up` (as an exemption with a recorded reason does in other
    /// policy tools). For programs that are not deployments of the platform (tests, sandboxes).
    pub fn waive_policy(&mut self, rule_id: impl Into<String>, reason: impl Into<String>) -> &mut Self {
        self.lock().waivers.insert(rule_id.into(), reason.into());
        self
    }

    /// The waived rule ids with their reasons.
    pub fn policy_waivers(&self) -> std::collections::BTreeMap<String, String> {
        self.lock().waivers.clone()
    }

    /// The program's policy rules, in registration order.
    pub fn policy_rules(&self) -> Vec<Arc<dyn PolicyRule>> {
        self.lock().rules.clone()
    }

    /// The projection behind a reference key.
    pub fn projection(&self, key: usize) -> Option<Projection> {
        self.lock().projections.get(key).cloned()
    }
}

/// Anything that names a declared resource (for `depends_on`).
pub trait Named {
    fn name(&self) -> &str;
}

/// A typed handle to a declared resource: options and references go through it.
pub struct Handle<R> {
    name: String,
    index: usize,
    inner: Arc<Mutex<Inner>>,
    _kind: PhantomData<fn() -> R>,
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Self { name: self.name.clone(), index: self.index, inner: self.inner.clone(), _kind: PhantomData }
    }
}

impl<R> Named for Handle<R> {
    fn name(&self) -> &str {
        &self.name
    }
}

impl<R: Resource> Handle<R> {
    pub fn name(&self) -> &str {
        &self.name
    }

    fn options(&self, f: impl FnOnce(&mut Options)) -> Self {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut Arc::make_mut(&mut inner.nodes[self.index]).options);
        self.clone()
    }

    /// A reference to one of this resource's outputs: an edge in the graph.
    pub fn output<T, F>(&self, pick: F) -> Input<T>
    where
        T: Serialize,
        F: Fn(&R::Outputs) -> T + Send + Sync + 'static,
    {
        let projection: Projection = Arc::new(move |outputs: &Value| {
            // Read from the borrowed JSON: no copy of the outputs per reference.
            let typed = R::Outputs::deserialize(outputs).map_err(|e| e.to_string())?;
            serde_json::to_value(pick(&typed)).map_err(|e| e.to_string())
        });
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.projections.push(projection);
        Input::Ref(Reference { resource: self.name.clone(), key: inner.projections.len() - 1 })
    }

    pub fn protect(self) -> Self {
        self.options(|o| o.protect = true)
    }

    pub fn retain_on_delete(self) -> Self {
        self.options(|o| o.retain_on_delete = true)
    }

    pub fn delete_before_replace(self) -> Self {
        self.options(|o| o.delete_before_replace = true)
    }

    pub fn ignore_changes(self, fields: &[&str]) -> Self {
        self.options(|o| o.ignore_changes.extend(fields.iter().map(|f| f.to_string())))
    }

    pub fn depends_on(self, other: &impl Named) -> Self {
        let dep = other.name().to_string();
        self.options(|o| o.depends_on.push(dep))
    }
}
