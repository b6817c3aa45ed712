//! The suite's steps, run through the kind's erased entry in `resources::registry()`, and the
//! per-kind report.

use engine::diff::diff_fields;
use engine::{Context, ErasedKind, ErrorClass, Meta, ProviderError, Tags};
use serde_json::Value;
use std::sync::Arc;

use super::fixture::{Fixture, Identity, LookAlike, Step};
use super::live_tags::{live_tags, remove_tags, write_tags};
use crate::{meta, Emulator};

type Outcome = Result<(), String>;

struct Run {
    kind: Arc<dyn ErasedKind>,
    fixture: Fixture,
    cx: Context,
    check: resources::AwsContext,
    outcomes: Vec<(Step, Outcome)>,
    /// For a kind that adopts: the outputs of the object its delete released (it stays).
    released: Option<Value>,
}

/// Runs the whole suite for `fixture` on `emu`, prints the per-step report and panics (naming
/// every failed step) unless every step passed or failed exactly as its skip entry says.
pub async fn check(emu: &Emulator, fixture: Fixture) {
    let registry = resources::registry();
    let kind = registry.get(fixture.kind).unwrap_or_else(|| panic!("{} is not in resources::registry()", fixture.kind));
    assert_eq!(kind.replace_fields(), fixture.replace_fields, "the registry's {} is the fixture's kind", fixture.kind);
    let cx: Context = Arc::new(emu.context().await);
    let check = emu.independent().await;
    let mut run = Run { kind: kind.clone(), fixture, cx, check, outcomes: Vec::new(), released: None };
    run.lifecycle().await;
    for look_alike in LookAlike::ALL {
        let outcome = run.refuses(look_alike).await;
        run.outcomes.push((Step::Refuse(look_alike), outcome));
    }
    run.report();
}

/// An adopted object read after its delete: it must carry neither `plinth:*` tag.
fn released(seen: &Value) -> Outcome {
    let tags = seen.get("tags").and_then(Value::as_object);
    let left: Vec<&String> = tags.map(|t| t.keys().filter(|k| k.starts_with("plinth:")).collect()).unwrap_or_default();
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!("the released object still carries {left:?}"))
    }
}

fn describe(e: &ProviderError) -> String {
    format!("{:?}: {}", e.class, e.message)
}

/// "path: old → new" per differing field, or Ok when `observed` equals `expected` the way the
/// engine diffs them.
fn same(what: &str, expected: &Value, observed: &Value) -> Outcome {
    let diffs = diff_fields(expected, observed);
    if diffs.is_empty() {
        return Ok(());
    }
    let show = |v: &Option<Value>| v.as_ref().map_or("(none)".to_string(), Value::to_string);
    let lines: Vec<String> = diffs.iter().map(|d| format!("{}: {} → {}", d.path, show(&d.old), show(&d.new))).collect();
    Err(format!("{what} differ: {}", lines.join("; ")))
}

impl Run {
    fn meta(&self) -> Meta {
        meta(&self.fixture.name)
    }

    fn cloud_id(&self, outputs: &Value) -> Result<String, String> {
        self.kind.cloud_id(outputs).map_err(|e| describe(&e))
    }

    async fn lifecycle(&mut self) {
        let inputs = self.fixture.inputs.clone();
        let created = self.kind.create(inputs.clone(), self.meta(), self.cx.clone()).await;
        let outputs = created
            .unwrap_or_else(|e| panic!("create {} `{}`: {}", self.fixture.kind, self.fixture.name, describe(&e)));
        let outcome = self.read_matches(&inputs, &outputs).await;
        self.outcomes.push((Step::ReadAfterCreate, outcome));
        // An untaggable kind has no tags to write and no plinth:name to tell two resources
        // apart: its own ownership rule (tested with its look-alikes) stands in for both steps.
        let taggable = self.kind.taggable();
        if taggable {
            let outcome = self.tags_live(&inputs, &outputs).await;
            self.outcomes.push((Step::TagsAtCreation, outcome));
        }
        let outcome = self.find_adopts(&inputs, &outputs).await;
        self.outcomes.push((Step::FindAdopts, outcome));
        if taggable {
            let outcome = self.other_name_refused(&inputs, &outputs).await;
            self.outcomes.push((Step::FindRefusesOtherName, outcome));
        }

        let (mut current, mut outputs) = (inputs, outputs);
        for (label, next) in self.fixture.updates.clone() {
            let (outcome, new_outputs) = self.update(&current, &next, &outputs).await;
            if let Some(new_outputs) = new_outputs {
                (current, outputs) = (next, new_outputs);
            }
            self.outcomes.push((Step::Update(label), outcome));
        }
        let outcomes = self.deletes(&current, &outputs).await;
        self.outcomes.extend(outcomes);
        self.released = Some(outputs);
    }

    async fn read(&self, inputs: &Value, outputs: &Value) -> Result<Option<(Value, Value)>, String> {
        self.kind
            .read(inputs.clone(), outputs.clone(), self.cx.clone())
            .await
            .map_err(|e| format!("read: {}", describe(&e)))
    }

    /// Read gives the inputs back with no field difference, and the same outputs.
    async fn read_matches(&self, inputs: &Value, outputs: &Value) -> Outcome {
        let Some((seen, seen_outputs)) = self.read(inputs, outputs).await? else {
            return Err("read says the object is gone".into());
        };
        same("inputs read back", inputs, &seen)?;
        same("outputs read back", outputs, &seen_outputs)
    }

    /// The object carries exactly the tags of `inputs` (the engine merged the defaults and
    /// `plinth:*` in), as an independent client reads them.
    async fn tags_live(&self, inputs: &Value, outputs: &Value) -> Outcome {
        let wanted: Tags = serde_json::from_value(inputs.get("tags").cloned().unwrap_or_default())
            .map_err(|e| format!("the inputs have no tag map: {e}"))?;
        let live = live_tags(&self.check, self.fixture.tags, &self.cloud_id(outputs)?, outputs).await?;
        let to_json = |t: &Tags| serde_json::to_value(t).unwrap_or_default();
        same("tags on the object (program → live)", &to_json(&wanted), &to_json(&live))
    }

    async fn find(&self, inputs: &Value) -> Result<Option<Value>, ProviderError> {
        self.kind.find(inputs.clone(), self.meta(), self.cx.clone()).await
    }

    async fn find_adopts(&self, inputs: &Value, outputs: &Value) -> Outcome {
        let found = self.find(inputs).await.map_err(|e| format!("find: {}", describe(&e)))?;
        let found = found.ok_or("find does not see the object it created")?;
        let (want, got) = (self.cloud_id(outputs)?, self.cloud_id(&found)?);
        if want == got {
            Ok(())
        } else {
            Err(format!("find adopted {got}, not the object created ({want})"))
        }
    }

    /// The update in place, then a read; the outputs are returned when the update call succeeded.
    async fn update(&self, old: &Value, new: &Value, outputs: &Value) -> (Outcome, Option<Value>) {
        let changed: Vec<String> = diff_fields(old, new).iter().map(|d| d.top_field().to_string()).collect();
        assert!(!changed.is_empty(), "{}: a fixture update must change something", self.fixture.kind);
        let forced: Vec<&String> =
            changed.iter().filter(|f| self.fixture.replace_fields.contains(&f.as_str())).collect();
        assert!(forced.is_empty(), "{}: the fixture updates replace-forcing fields {forced:?}", self.fixture.kind);
        let call = self.kind.update(new.clone(), old.clone(), outputs.clone(), self.cx.clone()).await;
        let new_outputs = match call {
            Ok(out) => out,
            Err(e) => return (Err(format!("update: {}", describe(&e))), None),
        };
        let outcome = match (self.cloud_id(outputs), self.cloud_id(&new_outputs)) {
            (Ok(a), Ok(b)) if a != b => Err(format!("the update moved the object from {a} to {b}")),
            _ => match self.read_matches(new, &new_outputs).await {
                Ok(()) if changed.iter().any(|f| f == "tags") => self.tags_live(new, &new_outputs).await,
                other => other,
            },
        };
        (outcome, Some(new_outputs))
    }

    /// Delete → read gives None → delete again → find gives None.
    async fn deletes(&self, inputs: &Value, outputs: &Value) -> Vec<(Step, Outcome)> {
        let delete = || self.kind.delete(inputs.clone(), outputs.clone(), self.cx.clone());
        let deleted = delete().await.map_err(|e| format!("delete: {}", describe(&e)));
        let read = match (self.read(inputs, outputs).await, self.fixture.adopts) {
            (Ok(None), false) => Ok(()),
            (Ok(Some(_)), false) => Err("read still sees the object".to_string()),
            (Ok(Some((seen, _))), true) => released(&seen),
            (Ok(None), true) => Err("the adopted object is gone: delete must only release it".to_string()),
            (Err(e), _) => Err(e),
        };
        let again = delete().await.map_err(|e| format!("delete again: {}", describe(&e)));
        let found = match self.find(inputs).await {
            Ok(None) => Ok(()),
            Ok(Some(found)) => Err(format!("find still adopts {found}")),
            Err(e) => Err(format!("find: {}", describe(&e))),
        };
        vec![
            (Step::Delete, deleted),
            (Step::ReadAfterDelete, read),
            (Step::DeleteAgain, again),
            (Step::FindAfterDelete, found),
        ]
    }

    /// Creates the look-alike with the kind's own create, asks `find` (as the fixture's
    /// resource) for it, then deletes it.
    async fn refuses(&self, look_alike: LookAlike) -> Outcome {
        if self.fixture.adopts {
            return self.refuses_retagged(look_alike).await;
        }
        let (inputs, stack) = self.fixture.look_alike_inputs(look_alike);
        let their_meta = Meta::new(self.fixture.name.clone(), stack);
        let created = self.kind.create(inputs.clone(), their_meta, self.cx.clone()).await;
        let outputs = created.map_err(|e| format!("creating the look-alike: {}", describe(&e)))?;
        let verdict = self.verdict(&outputs).await;
        let cleanup = self.kind.delete(inputs, outputs, self.cx.clone()).await;
        verdict?;
        cleanup.map_err(|e| format!("deleting the look-alike: {}", describe(&e)))
    }

    /// For a kind that adopts: the released object, given the look-alike's tags by an
    /// independent client, must be refused by `find`; the tags are removed again after.
    async fn refuses_retagged(&self, look_alike: LookAlike) -> Outcome {
        let outputs = self.released.clone().ok_or("the lifecycle left no released object")?;
        let id = self.cloud_id(&outputs)?;
        let (inputs, _) = self.fixture.look_alike_inputs(look_alike);
        let tags: Tags = serde_json::from_value(inputs.get("tags").cloned().unwrap_or_default())
            .map_err(|e| format!("the look-alike has no tag map: {e}"))?;
        write_tags(&self.check, self.fixture.tags, &id, &tags).await?;
        let verdict = self.verdict(&outputs).await;
        let cleanup = remove_tags(&self.check, self.fixture.tags, &id, &tags).await;
        verdict?;
        cleanup
    }

    async fn verdict(&self, outputs: &Value) -> Outcome {
        let id = self.cloud_id(outputs)?;
        if let Ok(live) = live_tags(&self.check, self.fixture.tags, &id, outputs).await {
            assert!(!engine::owned_by(&live, &self.meta()), "look-alike {id} carries our tags: {live:?}");
        }
        self.refusal(self.find(&self.fixture.inputs).await, &id)
    }

    /// `find` as resource `<name>-other` of the same stack, while the object exists.
    async fn other_name_refused(&self, inputs: &Value, outputs: &Value) -> Outcome {
        let other = meta(&format!("{}-other", self.fixture.name));
        let found = self.kind.find(inputs.clone(), other, self.cx.clone()).await;
        self.refusal(found, &self.cloud_id(outputs)?)
    }

    /// A refusal is `Err(NotOwned)`, or `Ok(None)` for a kind that finds by tag filter; `id` is
    /// the object that holds the name.
    fn refusal(&self, found: Result<Option<Value>, ProviderError>, id: &str) -> Outcome {
        match (found, self.fixture.identity) {
            (Err(e), _) if e.class == ErrorClass::NotOwned => Ok(()),
            (Ok(None), Identity::Tags) => Ok(()),
            (Ok(None), Identity::UniqueName) => {
                Err(format!("find says nothing holds the name, but {id} does: expected Err(NotOwned)"))
            }
            (Ok(Some(found)), _) => Err(format!("find adopted {found}")),
            (Err(e), _) => Err(format!("find: {}", describe(&e))),
        }
    }

    /// Top-level input fields that are not replace-forcing and that no declared update changes
    /// (reported, so a fixture's gaps are visible).
    fn unexercised_fields(&self) -> Vec<String> {
        let mut changed = std::collections::BTreeSet::new();
        let mut previous = &self.fixture.inputs;
        for (_, next) in &self.fixture.updates {
            changed.extend(diff_fields(previous, next).iter().map(|d| d.top_field().to_string()));
            previous = next;
        }
        let fields: Vec<String> =
            self.fixture.inputs.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        fields
            .into_iter()
            .filter(|f| !changed.contains(f) && !self.fixture.replace_fields.contains(&f.as_str()))
            .collect()
    }

    fn report(&self) {
        let (kind, mut lines, mut failures) = (self.fixture.kind, Vec::new(), Vec::new());
        for (step, outcome) in &self.outcomes {
            match (outcome, self.fixture.skipped(*step)) {
                (Ok(()), None) => lines.push(format!("  pass     {step}")),
                (Err(e), None) => {
                    lines.push(format!("  FAIL     {step}: {e}"));
                    failures.push(format!("{step}: {e}"));
                }
                (Err(e), Some(why)) => lines.push(format!("  SKIPPED  {step} (emulator gap: {why}); fails there: {e}")),
                (Ok(()), Some(why)) => {
                    lines.push(format!("  FAIL     {step} passed although listed as an emulator gap ({why})"));
                    failures.push(format!("{step} now works on the emulator: move it out of the skip list ({why})"));
                }
            }
        }
        for (step, _) in &self.fixture.skips {
            if !self.outcomes.iter().any(|(s, _)| s == step) {
                failures.push(format!("the skip list names {step}, which the suite never ran"));
            }
        }
        let skipped = self.outcomes.iter().filter(|(s, _)| self.fixture.skipped(*s).is_some()).count();
        println!("conformance {kind} (`{}`): {} steps, {skipped} skipped", self.fixture.name, self.outcomes.len());
        println!("{}", lines.join("\n"));
        println!("  in-place fields no update exercises: {:?}", self.unexercised_fields());
        assert!(failures.is_empty(), "{kind}: {} step(s) failed:\n{}", failures.len(), failures.join("\n"));
    }
}
