//! Releases (issue 10): what an `up` applied, and how an earlier one is applied again. Pure.
//!
//! A release is the program's commit, the release data the program ran with (opaque JSON the
//! environment's binary gives [`crate::cli::App::release`]: in this repository the image per
//! service from `programs/releases/<env>.json`) and the hash of the plan that was applied.
//! Rolling back is no special path: the earlier release's data is written back as the release
//! file ([`release_file`]) and `up` plans and applies it like any change, guard rails included.
//!
//! # Guarantees
//! * [`plan_hash`] depends only on the plan's content: the same plan hashes the same whatever
//!   the order its JSON objects were built in (keys are sorted, arrays keep their order).
//! * [`release_file`] prints the recorded data exactly as the program read it (same keys, same
//!   values), so the file it prints loads as the release it was.
//!
//! # Assumptions
//! * The release data fully decides what the program declares for a release, together with the
//!   program's commit: rolling back data alone does not roll back program changes.

use crate::plan::Plan;
use serde_json::Value;
use sha2::{Digest, Sha256};
use state::Release;

/// Why a recorded release cannot serve as a release file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseFileError {
    #[error("run {0} recorded no release data (its program gives none): there is no release file to write")]
    NoData(String),
    #[error(
        "run {run} did not apply its release (verdict {verdict}): it was never live, so it is not a release to \
         roll back to; pick one whose verdict is ok (`releases`)"
    )]
    NotApplied { run: String, verdict: String },
}

/// `sha256:<hex>` of the plan's canonical JSON (keys sorted, no whitespace).
///
/// Streamed into the hash: the plan's JSON is built one step at a time, never whole (at 10,000
/// resources the whole tree and its text were the largest things a no-op `up` held).
pub fn plan_hash(plan: &Plan) -> String {
    let mut hash = HashWriter(Sha256::new());
    // Every field but the steps, as JSON; the steps are written in their place one by one.
    let head = Plan {
        stack: plan.stack.clone(),
        steps: Vec::new(),
        refusals: plan.refusals.clone(),
        guarded: plan.guarded.clone(),
        leftovers: plan.leftovers.clone(),
    };
    let head = serde_json::to_value(&head).unwrap_or(Value::Null);
    match head.as_object() {
        Some(fields) => write_object(fields, &mut hash, &mut |key, value, out| match key {
            "steps" => {
                out.push("[");
                for (i, step) in plan.steps.iter().enumerate() {
                    out.push(if i == 0 { "" } else { "," });
                    write_canonical(&serde_json::to_value(step).unwrap_or(Value::Null), out);
                }
                out.push("]");
            }
            _ => write_canonical(value, out),
        }),
        None => write_canonical(&head, &mut hash),
    }
    format!("sha256:{}", hex::encode(hash.0.finalize()))
}

/// `value` as compact JSON with every object's keys sorted.
pub fn canonical_json(value: &Value) -> String {
    let mut text = String::new();
    write_canonical(value, &mut text);
    text
}

/// Where canonical JSON is written: a string, or a hash fed as it goes.
trait Sink {
    fn push(&mut self, text: &str);
}

impl Sink for String {
    fn push(&mut self, text: &str) {
        self.push_str(text);
    }
}

struct HashWriter(Sha256);

impl Sink for HashWriter {
    fn push(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }
}

fn write_canonical(value: &Value, out: &mut impl Sink) {
    match value {
        Value::Object(map) => write_object(map, out, &mut |_, v, out| write_canonical(v, out)),
        Value::Array(items) => {
            out.push("[");
            for (i, item) in items.iter().enumerate() {
                out.push(if i == 0 { "" } else { "," });
                write_canonical(item, out);
            }
            out.push("]");
        }
        scalar => out.push(&scalar.to_string()),
    }
}

/// `{"k":v,...}` with the keys sorted, each value written by `field`.
fn write_object<S: Sink>(
    map: &serde_json::Map<String, Value>,
    out: &mut S,
    field: &mut dyn FnMut(&str, &Value, &mut S),
) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push("{");
    for (i, (key, value)) in entries.into_iter().enumerate() {
        out.push(if i == 0 { "" } else { "," });
        out.push(&Value::String(key.clone()).to_string());
        out.push(":");
        field(key, value, out);
    }
    out.push("}");
}

/// The release data of `release` as a release file (pretty JSON, newline-terminated), for a
/// rollback to write where the program reads its release from. Refuses a release that was never
/// applied or has no data.
pub fn release_file(release: &Release) -> Result<String, ReleaseFileError> {
    let run = release.run.run_id.clone();
    if !release.applied() {
        let verdict = release.run.result.clone().unwrap_or_else(|| "running".into());
        return Err(ReleaseFileError::NotApplied { run, verdict });
    }
    if release.release.data.is_null() {
        return Err(ReleaseFileError::NoData(run));
    }
    Ok(format!("{}\n", serde_json::to_string_pretty(&release.release.data).unwrap_or_default()))
}

/// The release data in one line: `api=tag:v1 web=digest:sha256:…` for an object of
/// one-entry objects, compact JSON otherwise; `-` when there is none.
pub fn summary(data: &Value) -> String {
    let Some(map) = data.as_object() else {
        return if data.is_null() { "-".to_string() } else { data.to_string() };
    };
    let entry = |(k, v): (&String, &Value)| match v.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()) {
        Some((how, Value::String(s))) => format!("{k}={how}:{s}"),
        _ => format!("{k}={v}"),
    };
    map.iter().map(entry).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use state::{ReleaseRecord, RunRecord};

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_keeps_array_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[3,1],"x":"é\"q"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"é\"q","y":[3,1]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"é\"q","y":[3,1]},"b":1}"#);
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_ne!(canonical_json(&json!([1, 3])), canonical_json(&json!([3, 1])));
    }

    #[test]
    fn the_plan_hash_streamed_step_by_step_is_the_hash_of_the_whole_plans_canonical_json() {
        let mut stack = crate::Stack::new("test");
        let root =
            stack.add("root", crate::core::Data { input: json!({"b": 1, "a": [2, 1]}).into(), ..Default::default() });
        let input = root.output(|o: &crate::core::DataOutputs| o.output.clone());
        stack.add("leaf", crate::core::Data { input, ..Default::default() });
        let graph = crate::graph::validate(&stack).unwrap();
        let mut plan = crate::plan::plan(&stack, &graph, &[], &crate::core::registry());
        plan.refusals.push("a refusal".into());
        assert_eq!(plan.steps.len(), 2);
        let whole = canonical_json(&serde_json::to_value(&plan).unwrap());
        assert!(whole.starts_with(r#"{"guarded":[],"leftovers":[],"refusals":["a refusal"],"stack":"test","steps":[{"#));
        assert_eq!(plan_hash(&plan), format!("sha256:{}", hex::encode(Sha256::digest(whole.as_bytes()))));
        let empty = crate::plan::Plan { steps: vec![], ..plan };
        let whole = canonical_json(&serde_json::to_value(&empty).unwrap());
        assert_eq!(plan_hash(&empty), format!("sha256:{}", hex::encode(Sha256::digest(whole.as_bytes()))));
    }

    fn release(result: Option<&str>, data: Value) -> Release {
        Release {
            run: RunRecord {
                run_id: "run-1".into(),
                command: "up".into(),
                user: "ada".into(),
                host: "ci".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: result.map(|_| "2026-01-01T00:01:00Z".into()),
                result: result.map(str::to_string),
                counts: Value::Null,
                serial: 1,
            },
            release: ReleaseRecord {
                program_commit: "abc".into(),
                data,
                plan_hash: "sha256:00".into(),
                targets: vec![],
            },
        }
    }

    #[test]
    fn a_release_file_is_the_data_as_recorded_and_only_for_applied_releases() {
        let text = r#"{"web":{"digest":"sha256:ab"},"api":{"tag":"v1"}}"#;
        let data: Value = serde_json::from_str(text).unwrap();
        let file = release_file(&release(Some("ok"), data.clone())).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&file).unwrap(), data);
        assert!(file.find("web") < file.find("api"), "the recorded order: {file}");
        assert_eq!(summary(&data), "web=digest:sha256:ab api=tag:v1");
        let failed = release_file(&release(Some("failed"), data.clone())).unwrap_err();
        assert_eq!(failed, ReleaseFileError::NotApplied { run: "run-1".into(), verdict: "failed".into() });
        assert!(matches!(release_file(&release(None, data)), Err(ReleaseFileError::NotApplied { .. })));
        assert_eq!(release_file(&release(Some("ok"), Value::Null)), Err(ReleaseFileError::NoData("run-1".into())));
    }
}
