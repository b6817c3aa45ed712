//! Resource rows: the public [`ResourceRow`], its encoding in the `resources` table, and the
//! single-row writes shared by [`Store::upsert_resource`](crate::Store::upsert_resource),
//! [`Store::remove_resource`](crate::Store::remove_resource) and the journal's `commit_op`.
//!
//! Writes keep the state consistent by construction: a row may only depend on resources in
//! state, a resource may not be removed while others depend on it (found through the dependency
//! index, [`crate::deps_index`], written in the same transaction as the row), and no two names
//! may differ only by case. Every write that changes a row bumps the serial.

use crate::deps_index;
use crate::error::StateError;
use crate::time::now_rfc3339;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Per dependency (by name), the resolved reference values a resource's inputs were sent with:
/// what tells recovery whether an old object of a replacement is still in use.
pub type References = BTreeMap<String, Vec<Value>>;

/// One managed resource as recorded in state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRow {
    /// Logical name in the program; unique, and unique ignoring case.
    pub name: String,
    /// Kind, opaque to the store (e.g. `aws:ec2:Vpc`).
    pub kind: String,
    /// The cloud's identifier for the object.
    pub cloud_id: String,
    pub inputs: Value,
    pub outputs: Value,
    /// Names of resources this one needs; each must be in state.
    pub dependencies: Vec<String>,
    pub options: Value,
    /// The reference values the object was created or last updated with; `None` for rows written
    /// before Plinth recorded them (schema 1).
    #[serde(default)]
    pub references: Option<References>,
    /// RFC 3339 UTC; filled by the store (kept from an existing row on update).
    pub created_at: String,
    /// RFC 3339 UTC; set by the store whenever the row changes.
    pub updated_at: String,
}

/// A row as stored, before its JSON columns are parsed: borrowed from SQLite's row buffer, so
/// reading a row copies each column once, into what it decodes to.
pub(crate) struct RawRow<'r> {
    pub name: &'r str,
    kind: &'r str,
    cloud_id: &'r str,
    inputs: &'r str,
    outputs: &'r str,
    dependencies: &'r str,
    options: &'r str,
    created_at: &'r str,
    updated_at: &'r str,
    references: Option<&'r str>,
}

const COLUMNS: &str =
    "name, kind, cloud_id, inputs, outputs, dependencies, options, created_at, updated_at, reference_values";

impl<'r> RawRow<'r> {
    fn from_sql(r: &'r rusqlite::Row<'_>) -> rusqlite::Result<RawRow<'r>> {
        let text = |i: usize| -> rusqlite::Result<&'r str> { Ok(r.get_ref(i)?.as_str()?) };
        Ok(RawRow {
            name: text(0)?,
            kind: text(1)?,
            cloud_id: text(2)?,
            inputs: text(3)?,
            outputs: text(4)?,
            dependencies: text(5)?,
            options: text(6)?,
            created_at: text(7)?,
            updated_at: text(8)?,
            references: r.get_ref(9)?.as_str_or_null()?,
        })
    }

    /// Checks the JSON columns without building their values (the integrity check reads every
    /// row: a `Value` per column would cost what the read that follows costs again): the
    /// dependency names when every column parses, else every column that does not, in the
    /// words [`RawRow::decode`] uses.
    pub(crate) fn check(&self) -> Result<Vec<String>, Vec<String>> {
        use serde::de::IgnoredAny;
        let name = self.name;
        let mut problems = Vec::new();
        for (column, text) in [("inputs", self.inputs), ("outputs", self.outputs), ("options", self.options)] {
            if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
                problems.push(format!("resource `{name}`: column {column} is not valid JSON: {e}"));
            }
        }
        let dependencies = serde_json::from_str::<Vec<String>>(self.dependencies).unwrap_or_else(|e| {
            problems.push(format!("resource `{name}`: column dependencies is not a JSON array of names: {e}"));
            Vec::new()
        });
        let references = self.references.map(serde_json::from_str::<BTreeMap<String, Vec<IgnoredAny>>>);
        if let Some(Err(e)) = references {
            problems.push(format!(
                "resource `{name}`: column reference_values is not a JSON map of names to value lists: {e}"
            ));
        }
        if problems.is_empty() {
            Ok(dependencies)
        } else {
            Err(problems)
        }
    }

    /// Parse the JSON columns, naming every column that does not parse.
    pub(crate) fn decode(&self) -> Result<ResourceRow, Vec<String>> {
        let mut problems = Vec::new();
        let name = self.name;
        let mut json = |column: &str, text: &str| match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("resource `{name}`: column {column} is not valid JSON: {e}"));
                Value::Null
            }
        };
        let inputs = json("inputs", self.inputs);
        let outputs = json("outputs", self.outputs);
        let options = json("options", self.options);
        let dependencies = match serde_json::from_str::<Vec<String>>(self.dependencies) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("resource `{name}`: column dependencies is not a JSON array of names: {e}"));
                Vec::new()
            }
        };
        let references = match self.references.map(serde_json::from_str::<References>).transpose() {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!(
                    "resource `{name}`: column reference_values is not a JSON map of names to value lists: {e}"
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ResourceRow {
            name: self.name.to_string(),
            kind: self.kind.to_string(),
            cloud_id: self.cloud_id.to_string(),
            inputs,
            outputs,
            dependencies,
            options,
            references,
            created_at: self.created_at.to_string(),
            updated_at: self.updated_at.to_string(),
        })
    }
}

/// Hands every row, ordered by name and undecoded, to `visit` as it is read (one row at a
/// time, borrowed from SQLite: nothing is copied that `visit` does not keep).
pub(crate) fn each_raw(
    conn: &Connection,
    mut visit: impl FnMut(RawRow<'_>) -> Result<(), StateError>,
) -> Result<(), StateError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM resources ORDER BY name"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        visit(RawRow::from_sql(row)?)?;
    }
    Ok(())
}

/// One row by exact name, as `decode` makes of it.
pub(crate) fn one<T>(
    conn: &Connection,
    name: &str,
    decode: impl FnOnce(RawRow<'_>) -> Result<T, StateError>,
) -> Result<Option<T>, StateError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM resources WHERE name = ?1"))?;
    let mut rows = stmt.query([name])?;
    match rows.next()? {
        Some(row) => Ok(Some(decode(RawRow::from_sql(row)?)?)),
        None => Ok(None),
    }
}

fn exists(conn: &Connection, name: &str) -> Result<bool, StateError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM resources WHERE name = ?1")?;
    Ok(stmt.exists([name])?)
}

pub(crate) fn bump_serial(conn: &Connection) -> Result<(), StateError> {
    conn.execute("UPDATE meta SET serial = serial + 1 WHERE id = 1", [])?;
    Ok(())
}

/// Insert or update one row; `decode` turns a stored row that fails to parse into an error.
/// Returns whether anything changed (an identical row is left alone: no serial bump).
pub(crate) fn upsert(
    conn: &Connection,
    row: &ResourceRow,
    decode: impl Fn(RawRow<'_>) -> Result<ResourceRow, StateError>,
) -> Result<bool, StateError> {
    let existing = one(conn, &row.name, decode)?;
    if existing.is_none() {
        let mut stmt = conn.prepare_cached(
            "SELECT name FROM resources WHERE name = ?1 COLLATE NOCASE AND name <> ?1 ORDER BY name LIMIT 1",
        )?;
        if let Some(other) = stmt.query_row([&row.name], |r| r.get::<_, String>(0)).optional()? {
            return Err(StateError::NameClash { name: row.name.clone(), existing: other });
        }
    }
    for dep in &row.dependencies {
        if dep != &row.name && !exists(conn, dep)? {
            return Err(StateError::DanglingDependency { name: row.name.clone(), dependency: dep.clone() });
        }
    }
    if let Some(old) = &existing {
        let same = old.kind == row.kind
            && old.cloud_id == row.cloud_id
            && old.inputs == row.inputs
            && old.outputs == row.outputs
            && old.dependencies == row.dependencies
            && old.options == row.options
            && old.references == row.references;
        if same {
            return Ok(false);
        }
    }
    let now = now_rfc3339();
    let created_at = match &existing {
        Some(old) => old.created_at.clone(),
        None if !row.created_at.is_empty() => row.created_at.clone(),
        None => now.clone(),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO resources ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, cloud_id = excluded.cloud_id,
           inputs = excluded.inputs, outputs = excluded.outputs, dependencies = excluded.dependencies,
           options = excluded.options, created_at = excluded.created_at, updated_at = excluded.updated_at,
           reference_values = excluded.reference_values"
    ))?;
    stmt.execute((
        &row.name,
        &row.kind,
        &row.cloud_id,
        serde_json::to_string(&row.inputs)?,
        serde_json::to_string(&row.outputs)?,
        serde_json::to_string(&row.dependencies)?,
        serde_json::to_string(&row.options)?,
        created_at,
        now,
        row.references.as_ref().map(serde_json::to_string).transpose()?,
    ))?;
    if existing.as_ref().is_none_or(|old| old.dependencies != row.dependencies) {
        deps_index::set(conn, &row.name, &row.dependencies)?;
    }
    bump_serial(conn)?;
    Ok(true)
}

/// Remove one row; refuses while other rows depend on it. Returns whether a row was removed.
pub(crate) fn remove(conn: &Connection, name: &str) -> Result<bool, StateError> {
    let dependents = deps_index::dependents(conn, name)?;
    if !dependents.is_empty() {
        return Err(StateError::StillNeeded { name: name.to_string(), dependents });
    }
    let removed = conn.prepare_cached("DELETE FROM resources WHERE name = ?1")?.execute([name])? > 0;
    if removed {
        deps_index::clear(conn, name)?;
        bump_serial(conn)?;
    }
    Ok(removed)
}

/// A row for tests: `kind` is `test:Thing`, `cloud_id` derives from the name.
#[cfg(test)]
pub(crate) fn sample(name: &str, deps: &[&str]) -> ResourceRow {
    ResourceRow {
        name: name.to_string(),
        kind: "test:Thing".to_string(),
        cloud_id: format!("id-{name}"),
        inputs: serde_json::json!({ "size": 1 }),
        outputs: serde_json::json!({ "arn": format!("arn:{name}") }),
        dependencies: deps.iter().map(|d| d.to_string()).collect(),
        options: serde_json::json!({}),
        references: Some(References::new()),
        created_at: String::new(),
        updated_at: String::new(),
    }
}
