//! Integrations: create, read, update, delete and the server-side list (pagination, sorting, filters,
//! search). Non-secret settings live in SQLite; secret fields live in the OS keychain (see
//! [`crate::secrets`]). Every change keeps the two consistent: SQLite's transaction is committed only
//! after the keychain accepted the secrets, keychain writes are undone when anything fails, and
//! deletions go through `keychain_tombstones` so no entry is orphaned for good.

use std::collections::BTreeMap;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keychain_journal;
use crate::providers::validate::{self, Config};
use crate::providers::{self, Provider, ProviderSpec};
use crate::secrets::{account, KeychainUndo};
use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// Health of an integration as of its last check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HealthStatus {
    /// The last check passed.
    Healthy,
    /// Reachable but with a warning (slow, certificate expiring soon).
    Degraded,
    /// The check failed (after the configured number of consecutive failures).
    Unhealthy,
    /// Never checked.
    Unknown,
}

impl HealthStatus {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Unhealthy => "unhealthy",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the stored string.
    ///
    /// # Errors
    /// [`Error::Validation`] on field `status` for anything else.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "healthy" => Ok(Self::Healthy),
            "degraded" => Ok(Self::Degraded),
            "unhealthy" => Ok(Self::Unhealthy),
            "unknown" => Ok(Self::Unknown),
            other => Err(Error::validation(
                "status",
                format!(
                    "unknown status `{other}`; expected healthy, degraded, unhealthy or unknown"
                ),
            )),
        }
    }
}

/// An integration as the UI and CLI see it. Holds no secret: `secrets_set` only names the secret
/// fields that have a value in the keychain.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Integration {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Owning project.
    #[ts(type = "number")]
    pub project_id: i64,
    /// Owning project's name.
    pub project_name: String,
    /// Provider id (`smtp`, `n8n` …).
    pub provider: String,
    /// Name, unique within the project (case-insensitive).
    pub name: String,
    /// Inactive integrations are not checked by the scheduler or "Check all".
    pub active: bool,
    /// Seconds between scheduled health checks (30 – 86,400).
    #[ts(type = "number")]
    pub check_interval_s: i64,
    /// Non-secret field values, defaults applied.
    pub config: BTreeMap<String, String>,
    /// Secret fields that hold a value in the keychain.
    pub secrets_set: Vec<String>,
    /// Health as of the last check.
    pub status: HealthStatus,
    /// Time of the last check, unix ms.
    #[ts(type = "number | null")]
    pub last_checked_at: Option<i64>,
    /// Latency of the last check, ms.
    #[ts(type = "number | null")]
    pub last_latency_ms: Option<i64>,
    /// Short detail of the last check.
    pub last_detail: Option<String>,
    /// Error kind of the last failed check (`dns`, `timeout`, `auth` …).
    pub last_error_kind: Option<String>,
    /// Creation time, unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Last change of settings, unix ms.
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// Input for creating an integration.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct NewIntegration {
    /// Project to add it to; the "Default" project when absent.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// Provider id.
    pub provider: String,
    /// Display name, unique within the project.
    pub name: String,
    /// Defaults to true.
    #[ts(optional)]
    pub active: Option<bool>,
    /// Defaults to 300 s.
    #[ts(optional, type = "number")]
    pub check_interval_s: Option<i64>,
    /// Non-secret field values.
    #[serde(default)]
    pub config: Config,
    /// Secret field values; written to the keychain only.
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub secrets: BTreeMap<String, SecretString>,
}

/// Changes to an integration. Absent members keep their value.
#[derive(Debug, Default, Deserialize, TS)]
#[ts(export)]
pub struct IntegrationUpdate {
    /// Move to another project.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// New name.
    #[ts(optional)]
    pub name: Option<String>,
    /// Enable or disable.
    #[ts(optional)]
    pub active: Option<bool>,
    /// New check interval, s.
    #[ts(optional, type = "number")]
    pub check_interval_s: Option<i64>,
    /// The complete new set of non-secret values (replaces the old set; defaults re-applied).
    #[ts(optional)]
    pub config: Option<Config>,
    /// Secret changes: a string sets the field, `null` clears it, an absent key keeps it.
    #[serde(default)]
    #[ts(type = "Record<string, string | null>")]
    pub secrets: BTreeMap<String, Option<SecretString>>,
}

/// Column a list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortKey {
    /// Health, worst first (unhealthy, degraded, unknown, healthy), then name.
    Status,
    /// Provider id, then name.
    Provider,
    /// Name (case-insensitive).
    #[default]
    Name,
    /// Last settings change.
    Updated,
    /// Last check time; never-checked first in ascending order.
    LastChecked,
}

/// A list request: one page, sorted and filtered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct IntegrationQuery {
    /// 1-based page number (0 is treated as 1).
    pub page: u32,
    /// Rows per page, 1–100 (0 means the default, 10).
    pub per_page: u32,
    /// Sort column.
    pub sort: SortKey,
    /// Descending order.
    pub desc: bool,
    /// Only this project.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// Only this provider.
    #[ts(optional)]
    pub provider: Option<String>,
    /// Only this health status.
    #[ts(optional)]
    pub status: Option<HealthStatus>,
    /// Only active (true) or inactive (false) integrations.
    #[ts(optional)]
    pub active: Option<bool>,
    /// Case-insensitive substring of the name or provider.
    #[ts(optional)]
    pub search: Option<String>,
}

/// Default rows per page.
pub const DEFAULT_PER_PAGE: u32 = 10;
/// Most rows per page.
pub const MAX_PER_PAGE: u32 = 100;
/// Default seconds between scheduled checks.
pub const DEFAULT_CHECK_INTERVAL_S: i64 = 300;
/// Shortest allowed check interval, s.
pub const MIN_CHECK_INTERVAL_S: i64 = 30;
/// Longest allowed check interval, s (one day).
pub const MAX_CHECK_INTERVAL_S: i64 = 86_400;
/// Longest integration name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Page<T> {
    /// Rows of this page.
    pub items: Vec<T>,
    /// Rows matching the filters, over all pages.
    #[ts(type = "number")]
    pub total: i64,
    /// This page's number, 1-based.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

impl IntegrationQuery {
    /// Page and page size with defaults applied.
    ///
    /// # Errors
    /// [`Error::Validation`] on `per_page` above [`MAX_PER_PAGE`].
    pub fn paging(&self) -> Result<(u32, u32)> {
        paging(self.page, self.per_page)
    }
}

/// Page (0 → 1) and rows per page (0 → [`DEFAULT_PER_PAGE`]) of any list request.
///
/// # Errors
/// [`Error::Validation`] on `per_page` above [`MAX_PER_PAGE`].
pub fn paging(page: u32, per_page: u32) -> Result<(u32, u32)> {
    let per_page = if per_page == 0 {
        DEFAULT_PER_PAGE
    } else {
        per_page
    };
    if per_page > MAX_PER_PAGE {
        return Err(Error::validation(
            "per_page",
            format!("must be 1 to {MAX_PER_PAGE}, got {per_page}"),
        ));
    }
    Ok((page.max(1), per_page))
}

const SELECT: &str =
    "SELECT i.id, i.project_id, p.name, i.provider, i.name, i.active, i.check_interval_s,
        i.config, i.secret_fields, i.status, i.last_checked_at, i.last_latency_ms, i.last_detail,
        i.last_error_kind, i.created_at, i.updated_at
    FROM integrations i JOIN projects p ON p.id = i.project_id";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Integration> {
    let json_error = |index: usize, error: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    };
    let config: String = row.get(7)?;
    let secrets: String = row.get(8)?;
    let status: String = row.get(9)?;
    Ok(Integration {
        id: row.get(0)?,
        project_id: row.get(1)?,
        project_name: row.get(2)?,
        provider: row.get(3)?,
        name: row.get(4)?,
        active: row.get(5)?,
        check_interval_s: row.get(6)?,
        config: serde_json::from_str(&config).map_err(|e| json_error(7, e))?,
        secrets_set: serde_json::from_str(&secrets).map_err(|e| json_error(8, e))?,
        status: HealthStatus::parse(&status).unwrap_or(HealthStatus::Unknown),
        last_checked_at: row.get(10)?,
        last_latency_ms: row.get(11)?,
        last_detail: row.get(12)?,
        last_error_kind: row.get(13)?,
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
    })
}

/// Every integration of project `project_id`, by name.
///
/// # Errors
/// [`Error::Store`].
pub(crate) fn in_project(connection: &Connection, project_id: i64) -> Result<Vec<Integration>> {
    let mut statement = connection.prepare(&format!(
        "{SELECT} WHERE i.project_id = ?1 ORDER BY i.name, i.id"
    ))?;
    let found = statement
        .query_map([project_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

pub(crate) fn load(connection: &Connection, id: i64) -> Result<Integration> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} WHERE i.id = ?1"));
    connection
        .prepare_cached(&SQL)?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "integration",
            id: id.to_string(),
        })
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::Internal(error.to_string()))
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
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
    Ok(name.to_owned())
}

fn check_interval(interval_s: i64) -> Result<i64> {
    if (MIN_CHECK_INTERVAL_S..=MAX_CHECK_INTERVAL_S).contains(&interval_s) {
        Ok(interval_s)
    } else {
        Err(Error::validation(
            "check_interval_s",
            format!("must be {MIN_CHECK_INTERVAL_S} to {MAX_CHECK_INTERVAL_S} seconds, got {interval_s}"),
        ))
    }
}

/// Checks one secret field name and value against the provider.
fn check_secret(
    provider: &dyn Provider,
    spec: &ProviderSpec,
    name: &str,
    value: &SecretString,
) -> Result<()> {
    use secrecy::ExposeSecret;
    let field = spec
        .field(name)
        .filter(|field| field.secret)
        .ok_or_else(|| {
            let secret: Vec<_> = spec.secret_fields().collect();
            Error::validation(
                name,
                format!(
                    "is not a secret field of {}; secret fields: {}",
                    spec.id,
                    secret.join(", ")
                ),
            )
        })?;
    validate::check_secret(field, value.expose_secret())?;
    provider
        .validate_secret(name, value.expose_secret())
        .map_err(|message| Error::validation(name, message))
}

fn resolve_project(connection: &Connection, project_id: Option<i64>) -> Result<i64> {
    let found = match project_id {
        Some(id) => connection
            .query_row("SELECT id FROM projects WHERE id = ?1", [id], |r| r.get(0))
            .optional()?,
        None => connection
            .query_row("SELECT MIN(id) FROM projects", [], |r| r.get(0))
            .optional()?,
    };
    found.ok_or_else(|| {
        Error::validation(
            "project_id",
            format!("project {} does not exist", project_id.unwrap_or(0)),
        )
    })
}

fn check_unique_name(
    connection: &Connection,
    project_id: i64,
    name: &str,
    except: i64,
) -> Result<()> {
    let existing: Option<i64> = connection
        .query_row(
            "SELECT id FROM integrations WHERE project_id = ?1 AND name = ?2 AND id != ?3",
            params![project_id, name, except],
            |row| row.get(0),
        )
        .optional()?;
    match existing {
        Some(other) => Err(Error::Conflict {
            field: "name".into(),
            message: format!("integration {other} in this project is already named `{name}`"),
        }),
        None => Ok(()),
    }
}

/// Queues an audit event about `integration` (non-secret fields only) in the change's transaction.
pub(crate) fn audit(
    transaction: &rusqlite::Transaction<'_>,
    event_type: &str,
    integration: &Integration,
) -> Result<()> {
    let data = serde_json::json!({
        "integration": {
            "id": integration.id,
            "name": integration.name,
            "provider": integration.provider,
            "active": integration.active,
            "config": integration.config,
            "status": integration.status,
            "last_detail": integration.last_detail,
        }
    });
    crate::outbox::enqueue(
        transaction,
        event_type,
        Some((integration.project_id, integration.project_name.clone())),
        data,
    )?;
    Ok(())
}

/// Whether [`Patchbay::insert_integration`] insists on every required secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretsRequired {
    /// Create and edit: a required secret must be given.
    Yes,
    /// Import without its secrets bundle: the integration arrives inactive, its secrets to be entered.
    No,
}

/// The `WHERE` clause (with a leading space, or empty) and its parameters for a query's filters.
pub(crate) fn filter_clause(query: &IntegrationQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let mut filters: Vec<&str> = Vec::new();
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(project_id) = query.project_id {
        filters.push("i.project_id = ?");
        values.push(Box::new(project_id));
    }
    if let Some(provider) = &query.provider {
        filters.push("i.provider = ?");
        values.push(Box::new(provider.clone()));
    }
    if let Some(status) = query.status {
        filters.push("i.status = ?");
        values.push(Box::new(status.as_str()));
    }
    if let Some(active) = query.active {
        filters.push("i.active = ?");
        values.push(Box::new(active));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() >= 3 {
            // The trigram index (migration 0009) answers substring searches of 3+ characters.
            filters.push(
                "i.id IN (SELECT rowid FROM integrations_search WHERE integrations_search MATCH ?)",
            );
            values.push(Box::new(format!("\"{}\"", search.replace('"', "\"\""))));
        } else {
            // Shorter terms scan: case-insensitive in any script (`casefold`, see `store.rs`).
            filters.push("(instr(casefold(i.name), ?) > 0 OR instr(casefold(i.provider), ?) > 0)");
            let folded = search.to_lowercase();
            values.push(Box::new(folded.clone()));
            values.push(Box::new(folded));
        }
    }
    let clause = if filters.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filters.join(" AND "))
    };
    (clause, values)
}

/// Every keychain account an integration `id` of any provider could have: what a creation reserves
/// before it knows the provider is valid.
pub(crate) fn any_secret_accounts(id: i64) -> Vec<String> {
    let mut fields: Vec<&'static str> = providers::catalog()
        .iter()
        .flat_map(|spec| spec.secret_fields().collect::<Vec<_>>())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    fields.into_iter().map(|field| account(id, field)).collect()
}

impl Patchbay {
    /// Creates an integration: validates everything, then inserts the row and writes its secrets to the
    /// keychain as one unit.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field (unknown provider, empty required field, bad URL, port out
    /// of range …); [`Error::Conflict`] when the project already has an integration of that name;
    /// [`Error::Keychain`] when the keychain is locked or absent (nothing is written);
    /// [`Error::Store`] when SQLite fails.
    pub fn create_integration(&self, input: NewIntegration) -> Result<Integration> {
        let ids = keychain_journal::NewIds {
            table: "integrations",
            count: 1,
            accounts_of: &any_secret_accounts,
        };
        keychain_journal::create(
            &mut self.store.lock(),
            &self.credentials,
            &[ids],
            |transaction, undo| {
                self.insert_integration(transaction, input, undo, SecretsRequired::Yes)
            },
        )
    }

    /// Validates `input` and inserts it inside `transaction`, writing its secrets through `undo`; the
    /// caller commits, or rolls `undo` back on any error. With [`SecretsRequired::No`] a required secret
    /// may be missing (an import without its secrets bundle).
    ///
    /// # Errors
    /// As [`Patchbay::create_integration`].
    pub(crate) fn insert_integration(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        input: NewIntegration,
        undo: &mut KeychainUndo<'_>,
        required: SecretsRequired,
    ) -> Result<Integration> {
        let provider = providers::get(input.provider.trim())?;
        let spec = provider.spec();
        let name = check_name(&input.name)?;
        let interval_s =
            check_interval(input.check_interval_s.unwrap_or(DEFAULT_CHECK_INTERVAL_S))?;
        let config = validate::normalize_config(&spec, &input.config)?;
        for (field, value) in &input.secrets {
            check_secret(provider, &spec, field, value)?;
        }
        if let Some(missing) = spec.fields.iter().find(|f| {
            required == SecretsRequired::Yes
                && f.secret
                && f.required
                && !input.secrets.contains_key(f.name)
        }) {
            return Err(Error::validation(missing.name, "is required"));
        }
        let secrets_set: Vec<&str> = spec
            .secret_fields()
            .filter(|f| input.secrets.contains_key(*f))
            .collect();
        if required == SecretsRequired::Yes {
            provider.validate(&config, &secrets_set)?;
        }

        let project_id = resolve_project(transaction, input.project_id)?;
        check_unique_name(transaction, project_id, &name, 0)?;
        let now = now_ms();
        transaction.execute(
            "INSERT INTO integrations (project_id, provider, name, config, secret_fields, active,
                 check_interval_s, created_at, updated_at, next_check_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)",
            params![
                project_id,
                spec.id,
                name,
                to_json(&config)?,
                to_json(&secrets_set)?,
                input.active.unwrap_or(true),
                interval_s,
                now
            ],
        )?;
        let id = transaction.last_insert_rowid();
        // Only the secrets given are written: a creation without secrets needs no keychain. An entry
        // left under this id by a creation killed before its commit keeps the tombstone that creation
        // committed (`reserve` releases only the tombstones it added), so the sweep removes it; until
        // then a field missing from `secret_fields` is neither read by checks nor revealed.
        for (field, value) in &input.secrets {
            undo.set_new(transaction, account(id, field), Some(value))?;
        }
        let created = load(transaction, id)?;
        audit(transaction, "integration_created", &created)?;
        Ok(created)
    }

    /// Applies `update` to integration `id`; SQLite and keychain change together or not at all.
    ///
    /// # Errors
    /// As [`Patchbay::create_integration`], plus [`Error::NotFound`] for an unknown id and
    /// [`Error::Validation`] when clearing a required secret.
    pub fn update_integration(&self, id: i64, update: IntegrationUpdate) -> Result<Integration> {
        let mut connection = self.store.lock();
        let current = load(&connection, id)?;
        let provider = providers::get(&current.provider)?;
        let spec = provider.spec();
        let name = match &update.name {
            Some(name) => check_name(name)?,
            None => current.name.clone(),
        };
        let interval_s =
            check_interval(update.check_interval_s.unwrap_or(current.check_interval_s))?;
        let config =
            validate::normalize_config(&spec, update.config.as_ref().unwrap_or(&current.config))?;
        let mut secrets_set: Vec<&str> = spec
            .secret_fields()
            .filter(|f| current.secrets_set.iter().any(|s| s == f))
            .collect();
        for (field, value) in &update.secrets {
            match value {
                Some(value) => check_secret(provider, &spec, field, value)?,
                None => {
                    let known = spec.field(field).filter(|f| f.secret).ok_or_else(|| {
                        Error::validation(
                            field.as_str(),
                            format!("is not a secret field of {}", spec.id),
                        )
                    })?;
                    if known.required {
                        return Err(Error::validation(
                            field.as_str(),
                            "is required and cannot be cleared",
                        ));
                    }
                }
            }
        }
        secrets_set.retain(|f| !matches!(update.secrets.get(*f), Some(None)));
        for field in spec.secret_fields() {
            if matches!(update.secrets.get(field), Some(Some(_))) && !secrets_set.contains(&field) {
                secrets_set.push(field);
            }
        }
        provider.validate(&config, &secrets_set)?;

        let transaction = connection.transaction()?;
        let project_id = match update.project_id {
            Some(project_id) => resolve_project(&transaction, Some(project_id))?,
            None => current.project_id,
        };
        check_unique_name(&transaction, project_id, &name, id)?;
        transaction.execute(
            "UPDATE integrations SET project_id = ?2, name = ?3, config = ?4, secret_fields = ?5,
                 active = ?6, check_interval_s = ?7, updated_at = ?8,
                 next_check_at = CASE WHEN active = 0 AND ?6 THEN ?8 ELSE next_check_at END
             WHERE id = ?1",
            params![
                id,
                project_id,
                name,
                to_json(&config)?,
                to_json(&secrets_set)?,
                update.active.unwrap_or(current.active),
                interval_s,
                now_ms().max(current.updated_at + 1)
            ],
        )?;
        let mut undo = KeychainUndo::new(&self.credentials);
        for (field, value) in &update.secrets {
            if let Err(error) = undo.set(account(id, field), value.as_ref()) {
                undo.rollback();
                return Err(error);
            }
        }
        let updated = load(&transaction, id).and_then(|updated| {
            audit(&transaction, "integration_updated", &updated)?;
            Ok(updated)
        });
        match updated
            .and_then(|updated| transaction.commit().map(|()| updated).map_err(Error::from))
        {
            Ok(updated) => Ok(updated),
            Err(error) => {
                undo.rollback();
                Err(error)
            }
        }
    }

    /// Deletes integration `id` and its keychain entries. The row and a tombstone per keychain account
    /// are committed together; the entries are then removed (a locked keychain leaves the tombstones
    /// for [`Patchbay::sweep_keychain_tombstones`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id; [`Error::Store`] when SQLite fails.
    pub fn delete_integration(&self, id: i64) -> Result<()> {
        {
            let mut connection = self.store.lock();
            let current = load(&connection, id)?;
            let spec = providers::get(&current.provider)?.spec();
            let transaction = connection.transaction()?;
            let now = now_ms();
            for field in spec.secret_fields() {
                transaction.execute(
                    "INSERT OR IGNORE INTO keychain_tombstones (account, created_at) VALUES (?1, ?2)",
                    params![account(id, field), now],
                )?;
            }
            audit(&transaction, "integration_deleted", &current)?;
            transaction.execute("DELETE FROM integrations WHERE id = ?1", [id])?;
            transaction.commit()?;
        }
        // The integration is gone either way; leftover entries are retried at the next sweep.
        let _ = self.sweep_keychain_tombstones();
        Ok(())
    }

    /// Deletes the keychain entries of deleted integrations that are still pending. Returns how many
    /// accounts were cleaned.
    ///
    /// # Errors
    /// [`Error::Keychain`] when the keychain is unavailable (tombstones stay for the next sweep).
    pub fn sweep_keychain_tombstones(&self) -> Result<usize> {
        keychain_journal::sweep(&mut self.store.lock(), &self.credentials)
    }

    /// Integration `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    pub fn get_integration(&self, id: i64) -> Result<Integration> {
        load(&self.store.lock(), id)
    }

    /// Reads a secret field's value from the keychain: the explicit "reveal" action.
    ///
    /// # Errors
    /// [`Error::Validation`] when `field` is not a secret field of the integration's provider;
    /// [`Error::NotFound`] when no value is set (the field is not in `secrets_set`) or stored;
    /// [`Error::Keychain`] when the keychain fails.
    pub fn reveal_secret(&self, id: i64, field: &str) -> Result<SecretString> {
        let current = self.get_integration(id)?;
        let spec = providers::get(&current.provider)?.spec();
        if spec.field(field).is_none_or(|f| !f.secret) {
            return Err(Error::validation(
                field,
                format!("is not a secret field of {}", spec.id),
            ));
        }
        if !current.secrets_set.iter().any(|set| set == field) {
            return Err(Error::NotFound {
                what: "secret",
                id: account(id, field),
            });
        }
        self.credentials
            .get(&account(id, field))?
            .ok_or_else(|| Error::NotFound {
                what: "secret",
                id: account(id, field),
            })
    }

    /// One page of integrations, sorted and filtered in SQLite.
    ///
    /// # Errors
    /// [`Error::Validation`] on `per_page` out of range; [`Error::Store`] when SQLite fails.
    pub fn list_integrations(&self, query: &IntegrationQuery) -> Result<Page<Integration>> {
        let (page, per_page) = query.paging()?;
        let (where_clause, values) = filter_clause(query);
        let direction = if query.desc { "DESC" } else { "ASC" };
        let order = match query.sort {
            SortKey::Status => {
                format!("i.status_rank {direction}, i.name {direction}, i.id {direction}")
            }
            SortKey::Provider => {
                format!("i.provider {direction}, i.name {direction}, i.id {direction}")
            }
            SortKey::Name => format!("i.name {direction}, i.id {direction}"),
            SortKey::Updated => format!("i.updated_at {direction}, i.id {direction}"),
            SortKey::LastChecked => format!("i.last_checked_at {direction}, i.id {direction}"),
        };
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM integrations i{where_clause}"),
            params_from_iter(values.iter()),
            |row| row.get(0),
        )?;
        let offset = i64::from(page - 1) * i64::from(per_page);
        // Deferred join: sort and page over the narrow index entries first, then read the 25 full rows
        // (with their JSON config) — SQLite's sorter otherwise carries every column of every match.
        let sql = format!(
            "{SELECT} WHERE i.id IN (SELECT i.id FROM integrations i{where_clause} ORDER BY {order} LIMIT {per_page} OFFSET {offset})
             ORDER BY {order}"
        );
        let mut statement = connection.prepare_cached(&sql)?;
        let items = statement
            .query_map(params_from_iter(values.iter()), from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }
}
