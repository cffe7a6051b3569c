//! Projects: the clients a consultant looks after. Every integration belongs to one; "Default" always
//! exists.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::store::now_ms;
use crate::{Error, Result};

/// A project (client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Project {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Number of integrations in the project.
    #[ts(type = "number")]
    pub integration_count: i64,
    /// Creation time, unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Longest project name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Creates a project.
///
/// # Errors
/// [`Error::Validation`] on `name` when empty, too long or with control characters;
/// [`Error::Conflict`] when a project of that name exists.
pub fn create(connection: &Connection, name: &str) -> Result<Project> {
    let name = name.trim();
    check_name(name)?;
    if find_by_name(connection, name)?.is_some() {
        return Err(Error::Conflict {
            field: "name".into(),
            message: format!("a project named `{name}` already exists"),
        });
    }
    let created_at = now_ms();
    connection.execute(
        "INSERT INTO projects (name, created_at) VALUES (?1, ?2)",
        params![name, created_at],
    )?;
    Ok(Project {
        id: connection.last_insert_rowid(),
        name: name.to_owned(),
        integration_count: 0,
        created_at,
    })
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::validation("name", "is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::validation("name", "contains control characters"));
    }
    Ok(())
}

const SELECT: &str = "SELECT p.id, p.name, p.created_at,
        (SELECT COUNT(*) FROM integrations i WHERE i.project_id = p.id)
    FROM projects p";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get(0)?,
        name: row.get(1)?,
        created_at: row.get(2)?,
        integration_count: row.get(3)?,
    })
}

/// Every project, by name.
///
/// # Errors
/// [`Error::Store`] if SQLite fails.
pub fn list(connection: &Connection) -> Result<Vec<Project>> {
    let mut statement = connection.prepare(&format!("{SELECT} ORDER BY p.name COLLATE NOCASE"))?;
    let projects = statement
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(projects)
}

/// The project named `name` (case-insensitive), if any.
///
/// # Errors
/// [`Error::Store`] if SQLite fails.
pub fn find_by_name(connection: &Connection, name: &str) -> Result<Option<Project>> {
    Ok(connection
        .query_row(
            &format!("{SELECT} WHERE p.name = ?1"),
            [name.trim()],
            from_row,
        )
        .optional()?)
}

/// The project with `id`.
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn get(connection: &Connection, id: i64) -> Result<Project> {
    connection
        .query_row(&format!("{SELECT} WHERE p.id = ?1"), [id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "project",
            id: id.to_string(),
        })
}
