//! An in-memory fake cloud with failure injection, and fake kinds, for engine tests.
#![allow(dead_code)]

use engine::health::Check;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Registry, Resource, Tags};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake cloud holds and how it misbehaves.
#[derive(Default)]
pub struct FakeCloud {
    pub objects: Mutex<BTreeMap<String, (String, Value)>>,
    /// Every mutating call, in order: "create net-a", "delete sub-a".
    pub log: Mutex<Vec<String>>,
    pub calls: AtomicUsize,
    /// "op name" → error class to fail with.
    pub failures: Mutex<BTreeMap<String, ErrorClass>>,
    /// "op name" → the call creates the object, then never returns (a crash mid-call).
    pub hangs: Mutex<BTreeSet<String>>,
    /// Latency of every mutating call, and of calls on particular names.
    pub latency: Mutex<Duration>,
    pub slow: Mutex<BTreeMap<String, Duration>>,
    /// Names whose create makes the object, then fails (a waiter timing out).
    pub fail_after_create: Mutex<BTreeSet<String>>,
    /// Names whose create makes the object, then a later call of that create is rejected
    /// outright (an attachment refused after the gateway was made).
    pub rejected_after_create: Mutex<BTreeSet<String>>,
    /// Names whose create makes the object, then the reply is lost (a 503 after forwarding).
    pub lost_replies: Mutex<BTreeSet<String>>,
    /// Notified when a call reaches a hang.
    pub hung: tokio::sync::Notify,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Name → what its health check reports (default: healthy "fake ok").
    pub health: Mutex<BTreeMap<String, Check>>,
    /// Every batched health call: (KIND, how many members).
    pub health_calls: Mutex<Vec<(String, usize)>>,
}

pub type Cloud = Arc<FakeCloud>;

impl FakeCloud {
    pub fn new() -> Cloud {
        Arc::new(FakeCloud::default())
    }

    pub fn fail(&self, op: &str, name: &str, class: ErrorClass) {
        self.failures.lock().unwrap().insert(format!("{op} {name}"), class);
    }

    pub fn hang(&self, op: &str, name: &str) {
        self.hangs.lock().unwrap().insert(format!("{op} {name}"));
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Objects whose `plinth:name` tag is `name`.
    pub fn named(&self, name: &str) -> Vec<(String, Value)> {
        self.objects
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, (_, v))| v["tags"]["plinth:name"] == name)
            .map(|(id, (_, v))| (id.clone(), v.clone()))
            .collect()
    }

    async fn call(&self, op: &str, name: &str) -> Result<(), ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let latency = self.slow.lock().unwrap().get(name).copied().unwrap_or(*self.latency.lock().unwrap());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let key = format!("{op} {name}");
        if let Some(class) = self.failures.lock().unwrap().get(&key) {
            return Err(ProviderError::new(*class, format!("injected failure: {key}")));
        }
        Ok(())
    }

    pub(crate) async fn create(&self, kind: &str, name: &str, inputs: Value) -> Result<String, ProviderError> {
        self.call("create", name).await?;
        // Ids are deterministic per name (name and generation) so rendered plans are stable.
        let generation = self.log.lock().unwrap().iter().filter(|l| l.starts_with(&format!("create {name} "))).count();
        let id = format!("{name}-{generation}");
        let _ = kind;
        self.objects.lock().unwrap().insert(id.clone(), (kind.to_string(), inputs));
        self.log.lock().unwrap().push(format!("create {name} {id}"));
        if self.fail_after_create.lock().unwrap().contains(name) {
            return Err(ProviderError::new(ErrorClass::Timeout, format!("timed out waiting for {id} to be available")));
        }
        if self.rejected_after_create.lock().unwrap().contains(name) {
            return Err(ProviderError::new(ErrorClass::Conflict, format!("{id}: Resource.AlreadyAssociated")));
        }
        if self.lost_replies.lock().unwrap().contains(name) {
            return Err(ProviderError::new(ErrorClass::Transient, "503 Service Unavailable (the reply was lost)"));
        }
        if self.hangs.lock().unwrap().contains(&format!("create {name}")) {
            self.hung.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(id)
    }

    pub(crate) async fn read(&self, id: &str) -> Result<Option<Value>, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.objects.lock().unwrap().get(id).map(|(_, v)| v.clone()))
    }

    pub(crate) async fn update(&self, name: &str, id: &str, inputs: Value) -> Result<(), ProviderError> {
        self.call("update", name).await?;
        let mut objects = self.objects.lock().unwrap();
        let Some(obj) = objects.get_mut(id) else {
            return Err(ProviderError::new(ErrorClass::NotFound, id.to_string()));
        };
        obj.1 = inputs;
        self.log.lock().unwrap().push(format!("update {name} {id}"));
        Ok(())
    }

    pub(crate) async fn delete(&self, name: &str, id: &str) -> Result<(), ProviderError> {
        self.call("delete", name).await?;
        self.objects.lock().unwrap().remove(id);
        self.log.lock().unwrap().push(format!("delete {name} {id}"));
        Ok(())
    }

    /// What `import` reads by id: the object's id if it exists and is of `kind`.
    pub(crate) async fn import(&self, kind: &str, id: &str) -> Result<String, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.objects.lock().unwrap().get(id) {
            None => Err(ProviderError::new(ErrorClass::NotFound, format!("{id} not found"))),
            Some((k, _)) if k != kind => {
                Err(ProviderError::new(ErrorClass::Invalid, format!("{id} is a {k}, not a {kind}")))
            }
            Some(_) => Ok(id.to_string()),
        }
    }

    /// Sets the object's tags to `tags` (a tag write: logged as "tag <plinth:name> <id>").
    pub(crate) async fn tag(&self, id: &str, tags: &Tags) -> Result<(), ProviderError> {
        let name = tags.get("plinth:name").cloned().unwrap_or_default();
        self.call("tag", &name).await?;
        let mut objects = self.objects.lock().unwrap();
        let Some(obj) = objects.get_mut(id) else {
            return Err(ProviderError::new(ErrorClass::NotFound, id.to_string()));
        };
        obj.1["tags"] = serde_json::to_value(tags).unwrap();
        self.log.lock().unwrap().push(format!("tag {name} {id}"));
        Ok(())
    }

    /// Makes `name`'s health check report `check`.
    pub fn set_health(&self, name: &str, check: Check) {
        self.health.lock().unwrap().insert(name.to_string(), check);
    }

    /// The fake health check: one call per batch; a vanished object is unhealthy, an injected
    /// `health` failure unknown, otherwise what [`FakeCloud::set_health`] said (default healthy).
    pub(crate) fn health_of(&self, kind: &str, members: Vec<(String, String)>) -> Vec<Check> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.health_calls.lock().unwrap().push((kind.to_string(), members.len()));
        members
            .into_iter()
            .map(|(name, id)| {
                if let Some(class) = self.failures.lock().unwrap().get(&format!("health {name}")) {
                    return Check::unknown(format!("could not describe: injected {class:?}"));
                }
                if !self.exists(&id) {
                    return Check::unhealthy(format!("{id} not found"));
                }
                self.health.lock().unwrap().get(&name).cloned().unwrap_or_else(|| Check::healthy("fake ok"))
            })
            .collect()
    }

    /// Puts an object in the cloud as someone else would: `tags` are all it carries.
    pub fn plant(&self, id: &str, kind: &str, mut inputs: Value, tags: &[(&str, &str)]) {
        inputs["tags"] = tags.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        self.objects.lock().unwrap().insert(id.to_string(), (kind.to_string(), inputs));
    }

    pub fn exists(&self, id: &str) -> bool {
        self.objects.lock().unwrap().contains_key(id)
    }

    /// Deletes in the log (what a hostile-state test checks never happens).
    pub fn deletes(&self) -> Vec<String> {
        self.log().into_iter().filter(|l| l.starts_with("delete ")).collect()
    }

    pub(crate) async fn find(&self, meta: &Meta) -> Result<Option<String>, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(class) = self.failures.lock().unwrap().get(&format!("find {}", meta.name)) {
            return Err(ProviderError::new(*class, format!("injected failure: find {}", meta.name)));
        }
        let objects = self.objects.lock().unwrap();
        Ok(objects
            .iter()
            .find(|(id, (_, v))| {
                // As EC2's tag finder does: the object a create-first replacement replaces is skipped.
                Some(id.as_str()) != meta.replacing.as_deref()
                    && v["tags"]["plinth:name"] == meta.name.as_str()
                    && v["tags"]["plinth:stack"] == meta.stack.as_str()
            })
            .map(|(id, _)| id.clone()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Id {
    pub id: String,
}

/// Implements `Resource` for a fake kind by storing its JSON in the fake cloud.
macro_rules! fake_kind {
    ($ty:ident, $kind:literal, replace: [$($f:literal),*], delete_first: $df:expr) => {
        fake_kind!($ty, $kind, replace: [$($f),*], delete_first: $df, stateful: false);
    };
    ($ty:ident, $kind:literal, replace: [$($f:literal),*], delete_first: $df:expr, stateful: $st:expr) => {
        fake_kind!($ty, $kind, replace: [$($f),*], delete_first: $df, stateful: $st, health: false);
    };
    ($ty:ident, $kind:literal, replace: [$($f:literal),*], delete_first: $df:expr, stateful: $st:expr, health: $h:expr) => {
        fake_kind!($ty, $kind, replace: [$($f),*], delete_first: $df, stateful: $st, health: $h, priced: []);
    };
    ($ty:ident, $kind:literal, replace: [$($f:literal),*], delete_first: $df:expr, stateful: $st:expr, health: $h:expr, priced: [$($price:path)?]) => {
        impl Resource for $ty {
            const KIND: &'static str = $kind;
            // Each fake kind is its own "service", so per-service limits can be tested.
            const SERVICE: &'static str = $kind;
            const STATEFUL: bool = $st;
            const REPLACE_FIELDS: &'static [&'static str] = &[$($f),*];
            const DELETE_BEFORE_REPLACE: bool = $df;
            const HEALTH_CHECKED: bool = $h;
            type Outputs = Id;
            type Context = Cloud;
            $(
                const PRICED: bool = true;
                fn monthly_cost(&self, related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
                    $price(self, related)
                }
            )?

            fn cloud_id(out: &Id) -> String {
                out.id.clone()
            }
            fn validate(&self) -> Vec<String> {
                self.problems()
            }
            async fn create(&self, meta: &Meta, cx: &Cloud) -> Result<Id, ProviderError> {
                let id = cx.create(Self::KIND, &meta.name, serde_json::to_value(self).unwrap()).await?;
                Ok(Id { id })
            }
            async fn read(&self, out: &Id, cx: &Cloud) -> Result<Option<Observed<Self>>, ProviderError> {
                let Some(v) = cx.read(&out.id).await? else { return Ok(None) };
                let inputs: Self = serde_json::from_value(v).map_err(|e| ProviderError::new(ErrorClass::Other, e.to_string()))?;
                Ok(Some(Observed { inputs, outputs: out.clone() }))
            }
            async fn update(&self, _old: &Self, out: &Id, cx: &Cloud) -> Result<Id, ProviderError> {
                cx.update(&self.tags["plinth:name"], &out.id, serde_json::to_value(self).unwrap()).await?;
                Ok(out.clone())
            }
            async fn delete(&self, out: &Id, cx: &Cloud) -> Result<(), ProviderError> {
                cx.delete(&self.tags["plinth:name"], &out.id).await
            }
            async fn find(&self, meta: &Meta, cx: &Cloud) -> Result<Option<Id>, ProviderError> {
                Ok(cx.find(meta).await?.map(|id| Id { id }))
            }
            async fn import_outputs(&self, id: &str, cx: &Cloud) -> Result<Id, ProviderError> {
                Ok(Id { id: cx.import(Self::KIND, id).await? })
            }
            async fn write_tags(out: &Id, _old: &Tags, new: &Tags, cx: &Cloud) -> Result<(), ProviderError> {
                cx.tag(&out.id, new).await
            }
            async fn health(batch: Vec<(Self, Id)>, cx: &Cloud) -> Vec<Check> {
                let members = batch.iter().map(|(r, out)| (r.tags["plinth:name"].clone(), out.id.clone())).collect();
                cx.health_of(Self::KIND, members)
            }
        }
    };
}

/// A network-like root object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Net {
    pub cidr: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub tags: Tags,
}

impl Net {
    fn problems(&self) -> Vec<String> {
        if self.cidr.parse::<ipnet::Ipv4Net>().is_err() {
            vec![format!("cidr `{}` is not a valid IPv4 CIDR", self.cidr)]
        } else {
            vec![]
        }
    }
}
fake_kind!(Net, "fake:Net", replace: ["cidr"], delete_first: false);

/// Something that lives in a Net.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sub {
    pub net_id: Input<String>,
    pub cidr: String,
    #[serde(default)]
    pub size: u32,
    #[serde(default)]
    pub tags: Tags,
}

impl Sub {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}
fake_kind!(Sub, "fake:Sub", replace: ["net_id", "cidr"], delete_first: false);

/// An object whose name is unique in the account: replaced delete-first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Unique {
    pub unique_name: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub refs: Vec<Input<String>>,
    #[serde(default)]
    pub tags: Tags,
}

impl Unique {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}
fake_kind!(Unique, "fake:Unique", replace: ["unique_name"], delete_first: true);

/// A database-like object: stateful, so guard rails apply to replacing or deleting it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Db {
    pub engine: String,
    #[serde(default)]
    pub size: u32,
    #[serde(default)]
    pub tags: Tags,
}

impl Db {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}
fake_kind!(Db, "fake:Db", replace: ["engine"], delete_first: false, stateful: true, health: true);

/// A service-like object with a health check, needing whatever it references.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Svc {
    #[serde(default)]
    pub needs: Vec<Input<String>>,
    #[serde(default)]
    pub tags: Tags,
}

impl Svc {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}
fake_kind!(Svc, "fake:Svc", replace: [], delete_first: false, stateful: false, health: true);

/// A priced gateway-like object: `size` units at 730 hours × $0.01 each a month ($7.30), and
/// $0.50 more for each `Sub` it depends on (read from `related`, as a service reads its task
/// definition); `size` 0 cannot be estimated.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Gw {
    #[serde(default)]
    pub net_id: Input<String>,
    #[serde(default)]
    pub size: u32,
    #[serde(default)]
    pub uses: Vec<Input<String>>,
    #[serde(default)]
    pub tags: Tags,
}

impl Gw {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}

fn gw_cost(gw: &Gw, related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
    use engine::cost::{CostItem, Estimate};
    if gw.size == 0 {
        return Err("size 0 has no price".into());
    }
    let subs = related.dependencies.iter().filter(|(kind, _)| *kind == "fake:Sub").count();
    let mut items = vec![CostItem::new("gateway", 730.0 * f64::from(gw.size), "hours", 0.01)];
    if subs > 0 {
        items.push(CostItem::new("attached subs", subs as f64, "subs", 0.5));
    }
    Ok(Estimate { items, assumptions: vec!["all month".into()], prices: "test prices, 2026-01-01".into() })
}
fake_kind!(Gw, "fake:Gw", replace: [], delete_first: false, stateful: false, health: false, priced: [gw_cost]);

pub fn registry() -> Registry {
    Registry::new().with::<Net>().with::<Sub>().with::<Unique>().with::<Db>().with::<Svc>().with::<Gw>()
}

/// A journal row as a dead run `dead` would have left it, started `age` ago.
pub fn pending(
    name: &str,
    kind: &str,
    action: state::JournalAction,
    inputs: Value,
    prior: Option<state::ResourceRow>,
    age: Duration,
) -> state::PendingOp {
    let now = state::unix_from_rfc3339(&state::now_rfc3339()).unwrap();
    state::PendingOp {
        run_id: "dead".into(),
        name: name.into(),
        kind: kind.into(),
        action,
        entry: state::JournalEntry {
            inputs,
            dependencies: vec![],
            options: serde_json::json!({}),
            prior,
            references: None,
        },
        started_at: state::rfc3339_from_unix(now - age.as_secs() as i64),
    }
}

/// Recovery as `up` runs it, with a short landing bound so tests can wait it out.
pub fn recovery_options(landing_bound: Duration) -> engine::recover::RecoveryOptions {
    engine::recover::RecoveryOptions {
        landing_bound,
        poll: Duration::from_millis(50),
        ..engine::recover::RecoveryOptions::waiting()
    }
}

/// Reads the journal against the cloud (stack `test`), as `up` does before planning.
pub async fn inspect(store: &state::Store, cloud: &Cloud) -> Result<engine::recover::Recovery, engine::EngineError> {
    let opts = recovery_options(Duration::from_secs(1));
    engine::recover::inspect(store, &registry(), &context(cloud), "test", &opts).await
}

/// `up` with recovery: inspect, plan against the resolved rows (leftovers and refusals
/// attached), and, unless refused, commit the resolutions and apply. `Err` carries the refusals.
pub async fn up_recovering(
    stack: &engine::Stack,
    store: &state::Store,
    cloud: &Cloud,
) -> Result<(engine::plan::Plan, engine::apply::ApplyReport), Vec<String>> {
    let recovery = inspect(store, cloud).await.map_err(|e| vec![e.to_string()])?;
    let graph = engine::graph::validate(stack).unwrap();
    let mut plan = engine::plan::plan(stack, &graph, &recovery.rows(store.resources().unwrap()), &registry());
    recovery.attach(&mut plan);
    if !plan.refusals.is_empty() {
        return Err(plan.refusals);
    }
    recovery.commit(store).unwrap();
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    let opts = engine::apply::ApplyOptions::new("run", 10, cancel);
    let report =
        engine::apply::apply(&plan, stack, &registry(), store, context(cloud), &opts, &engine::apply::Silent).await;
    Ok((plan, report.unwrap()))
}

pub fn context(cloud: &Cloud) -> engine::Context {
    Arc::new(cloud.clone())
}

/// The CLI's app over the fake cloud: environment `test`, the fake kinds' registry, `program`.
pub fn app(cloud: &Cloud, program: impl Fn(&mut engine::Stack) + Send + Sync + 'static) -> engine::cli::App {
    let cloud = cloud.clone();
    engine::cli::App {
        env: "test".into(),
        program: Box::new(program),
        registry: registry(),
        connect: Box::new(move || {
            let cx = context(&cloud);
            Box::pin(async move { Ok(cx) })
        }),
        account: None,
        create_may_land_within: None,
        release: None,
        program_dir: None,
        state: None,
        objects: None,
    }
}

/// `plinth <verb…> --state <state>` as the CLI's argument list.
pub fn args(state: &std::path::Path, verb: &[&str]) -> Vec<String> {
    let mut v = vec!["plinth".to_string()];
    v.extend(verb.iter().map(|s| s.to_string()));
    v.extend(["--state".to_string(), state.display().to_string()]);
    v
}
