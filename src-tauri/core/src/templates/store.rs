//! Templates in SQLite: create, read, update, delete and a paginated list sortable by name or update time.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::render::BodyFormat;
use crate::integrations::Page;
use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// Largest accepted body, bytes (a 102 KB e-mail is already clipped by Gmail).
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// A stored template.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Template {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Owning project.
    #[ts(type = "number")]
    pub project_id: i64,
    /// Name, unique within the project.
    pub name: String,
    /// Subject (MiniJinja).
    pub subject: String,
    /// Body language.
    pub format: BodyFormat,
    /// Body.
    pub body: String,
    /// Plain-text body; generated when empty.
    pub text_body: Option<String>,
    /// Sample data for the preview (a JSON object, as text).
    pub sample_data: String,
    /// Creation time, unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Last change, unix ms.
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// Input for create and update.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct TemplateInput {
    /// Project; the "Default" project when absent.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Subject.
    pub subject: String,
    /// Body language.
    pub format: BodyFormat,
    /// Body.
    pub body: String,
    /// Plain-text body.
    #[ts(optional)]
    pub text_body: Option<String>,
    /// Sample data (JSON object as text); `{}` when absent.
    #[ts(optional)]
    pub sample_data: Option<String>,
}

/// Sort column of the template list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TemplateSort {
    /// Name.
    #[default]
    Name,
    /// Last change.
    Updated,
}

/// A template list request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct TemplateQuery {
    /// 1-based page.
    pub page: u32,
    /// Rows per page, 1–100 (0 = 10).
    pub per_page: u32,
    /// Sort column.
    pub sort: TemplateSort,
    /// Descending.
    pub desc: bool,
    /// Only this project.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// Only templates whose name or subject contains this text, ignoring case in any script; blank = all.
    #[ts(optional)]
    pub search: Option<String>,
}

fn format_text(format: BodyFormat) -> &'static str {
    match format {
        BodyFormat::Html => "html",
        BodyFormat::Mjml => "mjml",
    }
}

const SELECT: &str = "SELECT id, project_id, name, subject, format, body, text_body, sample_data, created_at, updated_at FROM templates";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Template> {
    let format: String = row.get(4)?;
    Ok(Template {
        id: row.get(0)?,
        project_id: row.get(1)?,
        name: row.get(2)?,
        subject: row.get(3)?,
        format: if format == "mjml" {
            BodyFormat::Mjml
        } else {
            BodyFormat::Html
        },
        body: row.get(5)?,
        text_body: row.get(6)?,
        sample_data: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

/// Every template of project `project_id`, by name.
///
/// # Errors
/// [`Error::Store`].
pub(crate) fn in_project(connection: &Connection, project_id: i64) -> Result<Vec<Template>> {
    let mut statement =
        connection.prepare(&format!("{SELECT} WHERE project_id = ?1 ORDER BY name, id"))?;
    let found = statement
        .query_map([project_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// Validates an input; returns the normalized name and sample data.
fn check(input: &TemplateInput) -> Result<(String, String)> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "is required"));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::validation(
            "name",
            "must be at most 100 characters without control characters",
        ));
    }
    if input.subject.contains(['\r', '\n']) {
        return Err(Error::validation("subject", "must be a single line"));
    }
    if input.body.len() > MAX_BODY_BYTES {
        return Err(Error::validation(
            "body",
            format!(
                "is {} KB; the limit is {} KB",
                input.body.len() / 1024,
                MAX_BODY_BYTES / 1024
            ),
        ));
    }
    let sample = input
        .sample_data
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "{}".into());
    match serde_json::from_str::<serde_json::Value>(&sample) {
        Ok(value) if value.is_object() => {}
        Ok(_) => {
            return Err(Error::validation(
                "sample_data",
                "must be a JSON object, e.g. {\"name\": \"Anna\"}",
            ))
        }
        Err(error) => {
            return Err(Error::validation(
                "sample_data",
                format!("is not valid JSON: {error}"),
            ))
        }
    }
    Ok((name.to_owned(), sample))
}

/// Validates `input` and inserts it (inside the caller's transaction).
///
/// # Errors
/// As [`Patchbay::create_template`].
pub(crate) fn insert_template(connection: &Connection, input: &TemplateInput) -> Result<Template> {
    let (name, sample) = check(input)?;
    let project_id = match input.project_id {
        Some(id) => id,
        None => connection.query_row("SELECT MIN(id) FROM projects", [], |r| r.get(0))?,
    };
    crate::projects::get(connection, project_id).map_err(|_| {
        Error::validation("project_id", format!("project {project_id} does not exist"))
    })?;
    let duplicate: Option<i64> = connection
        .query_row(
            "SELECT id FROM templates WHERE project_id = ?1 AND name = ?2",
            params![project_id, name],
            |r| r.get(0),
        )
        .optional()?;
    if duplicate.is_some() {
        return Err(Error::Conflict {
            field: "name".into(),
            message: format!("a template named `{name}` already exists in this project"),
        });
    }
    let now = now_ms();
    connection.execute(
        "INSERT INTO templates (project_id, name, subject, format, body, text_body, sample_data, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![project_id, name, input.subject, format_text(input.format), input.body, input.text_body, sample, now],
    )?;
    let id = connection.last_insert_rowid();
    Ok(connection.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?)
}

impl Patchbay {
    /// Creates a template.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field; [`Error::Conflict`] for a duplicate name in the project.
    pub fn create_template(&self, input: &TemplateInput) -> Result<Template> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let created = insert_template(&transaction, input)?;
        transaction.commit()?;
        Ok(created)
    }

    /// Replaces template `id`'s content.
    ///
    /// # Errors
    /// As [`Patchbay::create_template`], plus [`Error::NotFound`].
    pub fn update_template(&self, id: i64, input: &TemplateInput) -> Result<Template> {
        let (name, sample) = check(input)?;
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let current = transaction
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "template",
                id: id.to_string(),
            })?;
        let project_id = input.project_id.unwrap_or(current.project_id);
        let duplicate: Option<i64> = transaction
            .query_row(
                "SELECT id FROM templates WHERE project_id = ?1 AND name = ?2 AND id != ?3",
                params![project_id, name, id],
                |r| r.get(0),
            )
            .optional()?;
        if duplicate.is_some() {
            return Err(Error::Conflict {
                field: "name".into(),
                message: format!("a template named `{name}` already exists in this project"),
            });
        }
        transaction.execute(
            "UPDATE templates SET project_id = ?2, name = ?3, subject = ?4, format = ?5, body = ?6, text_body = ?7,
                 sample_data = ?8, updated_at = MAX(?9, updated_at + 1) WHERE id = ?1",
            params![id, project_id, name, input.subject, format_text(input.format), input.body, input.text_body, sample, now_ms()],
        )?;
        let updated = transaction.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?;
        transaction.commit()?;
        Ok(updated)
    }

    /// Template `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn get_template(&self, id: i64) -> Result<Template> {
        self.store
            .lock()
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "template",
                id: id.to_string(),
            })
    }

    /// Deletes template `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn delete_template(&self, id: i64) -> Result<()> {
        match self
            .store
            .lock()
            .execute("DELETE FROM templates WHERE id = ?1", [id])?
        {
            0 => Err(Error::NotFound {
                what: "template",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// One page of templates.
    ///
    /// # Errors
    /// [`Error::Validation`] on `per_page` above 100.
    pub fn list_templates(&self, query: &TemplateQuery) -> Result<Page<Template>> {
        let (page, per_page) = crate::integrations::paging(query.page, query.per_page)?;
        let direction = if query.desc { "DESC" } else { "ASC" };
        let order = match query.sort {
            TemplateSort::Name => format!("name COLLATE NOCASE {direction}, id {direction}"),
            TemplateSort::Updated => format!("updated_at {direction}, id {direction}"),
        };
        let project = if query.project_id.is_some() {
            "project_id = ?1"
        } else {
            "?1 IS NULL"
        };
        let clause = format!(
            " WHERE {project} AND (?2 IS NULL OR instr(casefold(name), ?2) > 0 OR instr(casefold(subject), ?2) > 0)"
        );
        let search = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM templates{clause}"),
            params![query.project_id, search],
            |r| r.get(0),
        )?;
        let offset = i64::from(page - 1) * i64::from(per_page);
        let mut statement = connection.prepare(&format!(
            "{SELECT}{clause} ORDER BY {order} LIMIT {per_page} OFFSET {offset}"
        ))?;
        let items = statement
            .query_map(params![query.project_id, search], from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }
}
