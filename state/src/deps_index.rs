//! The dependency index: one `resource_dependencies` row per (resource, dependency), kept in
//! step with each resource row's `dependencies` column by the same transaction that writes the
//! row. It answers "who depends on X?" (refusing a remove that would leave a dependent dangling)
//! with an index lookup instead of a scan of every row's dependencies, which made a destroy of
//! 10,000 resources quadratic.
//!
//! # Guarantees
//! * After every committed write, the index holds exactly the pairs of the `dependencies`
//!   columns: [`set`] and [`clear`] run inside the row write's own transaction.
//! * The index is derived data: a file whose index disagrees with its rows (edited by hand, or
//!   written by a tool that knows nothing of it) gets it rebuilt from the rows when opened for
//!   writing ([`heal`]), so the rows stay the only source of truth.

use crate::error::StateError;
use rusqlite::Connection;

/// Records `dependencies` as `name`'s, replacing what was recorded for it.
pub(crate) fn set(conn: &Connection, name: &str, dependencies: &[String]) -> Result<(), StateError> {
    clear(conn, name)?;
    let mut insert =
        conn.prepare_cached("INSERT OR IGNORE INTO resource_dependencies (name, dependency) VALUES (?1, ?2)")?;
    for dependency in dependencies {
        insert.execute((name, dependency))?;
    }
    Ok(())
}

/// Forgets `name`'s dependencies (its row is being removed).
pub(crate) fn clear(conn: &Connection, name: &str) -> Result<(), StateError> {
    conn.prepare_cached("DELETE FROM resource_dependencies WHERE name = ?1")?.execute([name])?;
    Ok(())
}

/// The resources other than `name` that depend on it, ordered by name.
pub(crate) fn dependents(conn: &Connection, name: &str) -> Result<Vec<String>, StateError> {
    let mut stmt = conn
        .prepare_cached("SELECT name FROM resource_dependencies WHERE dependency = ?1 AND name <> ?1 ORDER BY name")?;
    let names = stmt.query_map([name], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(names)
}

/// The pairs in the rows but not in the index, plus those in the index but not in the rows.
/// Only call on a file whose `dependencies` columns decode (the integrity check ran).
fn disagreements(conn: &Connection) -> Result<i64, StateError> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM (
                    SELECT r.name, d.value FROM resources r, json_each(r.dependencies) d
                    EXCEPT SELECT name, dependency FROM resource_dependencies))
              + (SELECT count(*) FROM (
                    SELECT name, dependency FROM resource_dependencies
                    EXCEPT SELECT r.name, d.value FROM resources r, json_each(r.dependencies) d))",
        [],
        |r| r.get(0),
    )?)
}

/// Rebuilds the index from the rows when it disagrees with them; returns whether it did.
pub(crate) fn heal(conn: &Connection) -> Result<bool, StateError> {
    if disagreements(conn)? == 0 {
        return Ok(false);
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(REBUILD)?;
    tx.commit()?;
    Ok(true)
}

/// Fills the index from every row's `dependencies` column (also the migration's body).
pub(crate) const REBUILD: &str = "
    DELETE FROM resource_dependencies;
    INSERT OR IGNORE INTO resource_dependencies (name, dependency)
        SELECT r.name, d.value FROM resources r, json_each(r.dependencies) d
        WHERE json_valid(r.dependencies) AND json_type(r.dependencies) = 'array';
";

#[cfg(test)]
#[path = "deps_index_tests.rs"]
mod tests;
