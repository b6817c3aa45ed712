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
pub fn plan_hash(plan: &Plan) -> String {
    let value = serde_json::to_value(plan).unwrap_or(Value::Null);
    format!("sha256:{}", hex::encode(Sha256::digest(canonical_json(&value).as_bytes())))
}

/// `value` as compact JSON with every object's keys sorted.
pub fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(",")),
        scalar => scalar.to_string(),
    }
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
