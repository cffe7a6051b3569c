//! Routes of an n8n integration, stored in SQLite. Action keys match `^[a-zA-Z0-9._-]+$` and are unique
//! per integration.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// A route.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Route {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The n8n integration.
    #[ts(type = "number")]
    pub integration_id: i64,
    /// Action key, e.g. `order.created`.
    pub action_key: String,
    /// Webhook path (after `/webhook/`).
    pub webhook_path: String,
    /// HTTP method of the webhook.
    pub method: String,
    /// What it does.
    pub description: String,
    /// Payload sent when none is given (JSON text).
    pub default_payload: Option<String>,
    /// The n8n workflow id, once known.
    pub workflow_id: Option<String>,
}

/// Input for creating or changing a route.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RouteInput {
    /// Action key.
    pub action_key: String,
    /// Webhook path.
    pub webhook_path: String,
    /// Method; POST when absent.
    #[ts(optional)]
    pub method: Option<String>,
    /// Description.
    #[ts(optional)]
    pub description: Option<String>,
    /// Default payload (JSON text).
    #[ts(optional)]
    pub default_payload: Option<String>,
    /// Workflow id, when created from a workflow.
    #[ts(optional)]
    pub workflow_id: Option<String>,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Checks an action key against `^[a-zA-Z0-9._-]+$` (at most 100 characters).
///
/// # Errors
/// [`Error::Validation`] on `action_key`.
pub fn check_action_key(key: &str) -> Result<()> {
    if key.is_empty()
        || key.len() > 100
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Error::validation(
            "action_key",
            format!("`{key}` is not a valid action key: use 1–100 letters, digits, dots, underscores or hyphens (^[a-zA-Z0-9._-]+$)"),
        ));
    }
    Ok(())
}

struct Clean {
    path: String,
    method: String,
    payload: Option<String>,
}

fn check(input: &RouteInput) -> Result<Clean> {
    check_action_key(&input.action_key)?;
    let path = input
        .webhook_path
        .trim()
        .trim_start_matches('/')
        .trim_start_matches("webhook/")
        .to_owned();
    if path.is_empty()
        || path.len() > 500
        || !path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/:".contains(c))
    {
        return Err(Error::validation("webhook_path", "must be the path of the Webhook node (letters, digits, - . _ ~ / :), e.g. `orders/new`"));
    }
    let method = input
        .method
        .as_deref()
        .unwrap_or("POST")
        .trim()
        .to_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(Error::validation(
            "method",
            format!("must be one of {}", METHODS.join(", ")),
        ));
    }
    let payload = match input
        .default_payload
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(text) => {
            serde_json::from_str::<serde_json::Value>(text).map_err(|error| {
                Error::validation("default_payload", format!("is not valid JSON: {error}"))
            })?;
            Some(text.to_owned())
        }
        None => None,
    };
    Ok(Clean {
        path,
        method,
        payload,
    })
}

const SELECT: &str = "SELECT id, integration_id, action_key, webhook_path, method, description, default_payload, workflow_id FROM n8n_routes";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Route> {
    Ok(Route {
        id: row.get(0)?,
        integration_id: row.get(1)?,
        action_key: row.get(2)?,
        webhook_path: row.get(3)?,
        method: row.get(4)?,
        description: row.get(5)?,
        default_payload: row.get(6)?,
        workflow_id: row.get(7)?,
    })
}

/// Validates `input` and inserts it as a route of n8n integration `integration_id` (the caller has
/// checked the provider).
///
/// # Errors
/// As [`Patchbay::add_route`].
pub(crate) fn insert_route(
    connection: &Connection,
    integration_id: i64,
    input: &RouteInput,
) -> Result<Route> {
    let clean = check(input)?;
    let exists: Option<i64> = connection
        .query_row(
            "SELECT id FROM n8n_routes WHERE integration_id = ?1 AND action_key = ?2",
            params![integration_id, input.action_key],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(Error::Conflict {
            field: "action_key".into(),
            message: format!(
                "this integration already has a route `{}`",
                input.action_key
            ),
        });
    }
    let now = now_ms();
    connection.execute(
        "INSERT INTO n8n_routes (integration_id, action_key, webhook_path, method, description, default_payload, workflow_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![integration_id, input.action_key, clean.path, clean.method, input.description.clone().unwrap_or_default(), clean.payload, input.workflow_id, now],
    )?;
    Ok(connection.query_row(
        &format!("{SELECT} WHERE id = ?1"),
        [connection.last_insert_rowid()],
        from_row,
    )?)
}

impl Patchbay {
    fn require_n8n(&self, integration_id: i64) -> Result<()> {
        let integration = self.get_integration(integration_id)?;
        if integration.provider != "n8n" {
            return Err(Error::validation(
                "integration_id",
                format!(
                    "integration {integration_id} is {}, not n8n",
                    integration.provider
                ),
            ));
        }
        Ok(())
    }

    /// Adds a route to n8n integration `integration_id`.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field; [`Error::Conflict`] on `action_key` when the integration
    /// already has a route with that key.
    pub fn add_route(&self, integration_id: i64, input: &RouteInput) -> Result<Route> {
        self.require_n8n(integration_id)?;
        insert_route(&self.store.lock(), integration_id, input)
    }

    /// Changes route `id`.
    ///
    /// # Errors
    /// As [`Patchbay::add_route`], plus [`Error::NotFound`].
    pub fn update_route(&self, id: i64, input: &RouteInput) -> Result<Route> {
        let clean = check(input)?;
        let connection = self.store.lock();
        let current = connection
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "route",
                id: id.to_string(),
            })?;
        let clash: Option<i64> = connection
            .query_row("SELECT id FROM n8n_routes WHERE integration_id = ?1 AND action_key = ?2 AND id != ?3", params![current.integration_id, input.action_key, id], |r| r.get(0))
            .optional()?;
        if clash.is_some() {
            return Err(Error::Conflict {
                field: "action_key".into(),
                message: format!(
                    "this integration already has a route `{}`",
                    input.action_key
                ),
            });
        }
        connection.execute(
            "UPDATE n8n_routes SET action_key = ?2, webhook_path = ?3, method = ?4, description = ?5, default_payload = ?6,
                 workflow_id = COALESCE(?7, workflow_id), updated_at = ?8 WHERE id = ?1",
            params![id, input.action_key, clean.path, clean.method, input.description.clone().unwrap_or_default(), clean.payload, input.workflow_id, now_ms()],
        )?;
        Ok(connection.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?)
    }

    /// Deletes route `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn delete_route(&self, id: i64) -> Result<()> {
        match self
            .store
            .lock()
            .execute("DELETE FROM n8n_routes WHERE id = ?1", [id])?
        {
            0 => Err(Error::NotFound {
                what: "route",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Routes of an integration, by action key.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn list_routes(&self, integration_id: i64) -> Result<Vec<Route>> {
        let connection = self.store.lock();
        let mut statement = connection.prepare(&format!(
            "{SELECT} WHERE integration_id = ?1 ORDER BY action_key"
        ))?;
        let routes = statement
            .query_map([integration_id], from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(routes)
    }

    /// The route `action_key` of an integration.
    ///
    /// # Errors
    /// [`Error::NotFound`] naming the key and the keys that exist.
    pub fn route_by_key(&self, integration_id: i64, action_key: &str) -> Result<Route> {
        let found = self
            .store
            .lock()
            .query_row(
                &format!("{SELECT} WHERE integration_id = ?1 AND action_key = ?2"),
                params![integration_id, action_key],
                from_row,
            )
            .optional()?;
        found.ok_or_else(|| {
            let keys: Vec<String> = self
                .list_routes(integration_id)
                .map(|r| r.into_iter().map(|r| r.action_key).collect())
                .unwrap_or_default();
            Error::NotFound {
                what: "route",
                id: format!(
                    "`{action_key}` (routes: {})",
                    if keys.is_empty() {
                        "none".into()
                    } else {
                        keys.join(", ")
                    }
                ),
            }
        })
    }

    /// Remembers which n8n workflow serves a route.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn set_route_workflow(&self, id: i64, workflow_id: &str) -> Result<()> {
        self.store.lock().execute(
            "UPDATE n8n_routes SET workflow_id = ?2 WHERE id = ?1",
            params![id, workflow_id],
        )?;
        Ok(())
    }
}
