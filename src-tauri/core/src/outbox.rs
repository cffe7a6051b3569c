//! Audit webhooks through a persisted outbox.
//!
//! Events (`integration_created|updated|deleted|health_changed`, `run_finished`) are inserted into
//! `outbox` inside the transaction of the change that caused them, one row per subscribed endpoint, so an
//! event exists if and only if its change was committed. A worker delivers them in order per endpoint:
//! `POST` the JSON with `X-Patchbay-Event-Id` and `X-Patchbay-Signature` (see [`crate::signing`]); 2xx is
//! delivered; anything else is retried with exponential backoff (5 attempts, 2 s base, ±20 % jitter), then
//! marked dead with its last error. Delivery is at least once: receivers deduplicate by event id.

use std::time::Duration;

use rusqlite::{params, OptionalExtension, Transaction};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::health::{self, CheckContext};
use crate::integrations::Page;
use crate::secrets::KeychainUndo;
use crate::store::now_ms;
use crate::{signing, Error, Patchbay, Result};

/// Attempts before an event is dead.
pub const MAX_ATTEMPTS: i64 = 5;
/// First retry delay, ms; doubles per attempt.
pub const BACKOFF_BASE_MS: i64 = 2_000;
/// Every event type.
pub const EVENT_TYPES: [&str; 5] = [
    "integration_created",
    "integration_updated",
    "integration_deleted",
    "integration_health_changed",
    "run_finished",
];

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Endpoint {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Receiver URL.
    pub url: String,
    /// Extra headers, `Name: value` per line.
    pub headers: String,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// Whether deliveries are signed.
    pub has_secret: bool,
    /// Inactive endpoints receive nothing.
    pub active: bool,
}

/// Input for an endpoint.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct EndpointInput {
    /// Name.
    pub name: String,
    /// Receiver URL (http or https).
    pub url: String,
    /// Extra headers.
    #[serde(default)]
    pub headers: String,
    /// Event types; all when empty.
    #[serde(default)]
    pub events: Vec<String>,
    /// Signing secret (stored in the keychain).
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub secret: Option<SecretString>,
}

/// An endpoint's new settings ([`Patchbay::update_endpoint`]): every field of `input` replaces the
/// stored one, except the signing secret, which is replaced when `input.secret` is given, removed when
/// `remove_secret` is set, and kept otherwise.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct EndpointUpdate {
    /// The endpoint's fields.
    #[serde(flatten)]
    #[ts(flatten)]
    pub input: EndpointInput,
    /// Deletes the signing secret (deliveries go unsigned); refused together with a new secret.
    #[serde(default)]
    pub remove_secret: bool,
}

/// An outbox row, for the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Delivery {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Endpoint.
    #[ts(type = "number")]
    pub endpoint_id: i64,
    /// Endpoint's name.
    pub endpoint_name: String,
    /// Event id (sent as `X-Patchbay-Event-Id`).
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts so far.
    #[ts(type = "number")]
    pub attempts: i64,
    /// HTTP status of the last attempt.
    #[ts(type = "number | null")]
    pub last_status: Option<i64>,
    /// Last error.
    pub last_error: Option<String>,
    /// Created, unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Delivered, unix ms.
    #[ts(type = "number | null")]
    pub delivered_at: Option<i64>,
}

/// Sort keys of the delivery log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliverySort {
    /// Event time.
    #[default]
    Created,
    /// Event type.
    Event,
    /// `pending`, `delivered`, `dead`.
    Status,
    /// Attempts so far.
    Attempts,
    /// Endpoint name.
    Endpoint,
}

/// A delivery log request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct DeliveryQuery {
    /// 1-based page (0 → 1).
    pub page: u32,
    /// Rows per page (0 → default, at most 100).
    pub per_page: u32,
    /// Sort key.
    pub sort: DeliverySort,
    /// Descending.
    pub desc: bool,
    /// Only `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// Only this endpoint.
    #[ts(type = "number | null")]
    pub endpoint_id: Option<i64>,
}

impl Default for DeliveryQuery {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 0,
            sort: DeliverySort::Created,
            desc: true,
            status: None,
            endpoint_id: None,
        }
    }
}

/// An event due for an attempt.
struct Due {
    outbox_id: i64,
    endpoint_id: i64,
    event_id: String,
    payload: String,
    attempts: i64,
}

pub(crate) fn secret_account(endpoint_id: i64) -> String {
    format!("webhook/{endpoint_id}/secret")
}

fn new_event_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// Writes `event_type` with `data` for every active endpoint subscribed to it, inside `transaction`.
///
/// # Errors
/// [`Error::Store`].
pub fn enqueue(
    transaction: &Transaction<'_>,
    event_type: &str,
    project: Option<(i64, String)>,
    data: serde_json::Value,
) -> Result<usize> {
    let endpoints: Vec<(i64, String)> = {
        let mut statement = transaction
            .prepare_cached("SELECT id, events FROM webhook_endpoints WHERE active = 1")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let now = now_ms();
    let mut written = 0;
    for (endpoint_id, events) in endpoints {
        let events: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
        if !events.is_empty() && !events.iter().any(|e| e == event_type) {
            continue;
        }
        let event_id = new_event_id();
        let payload = serde_json::json!({
            "id": event_id,
            "type": event_type,
            "time_ms": now,
            "project": project.as_ref().map(|(id, name)| serde_json::json!({"id": id, "name": name})),
            "data": data,
        });
        transaction.execute(
            "INSERT INTO outbox (endpoint_id, event_id, event_type, payload, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![endpoint_id, event_id, event_type, payload.to_string(), now],
        )?;
        written += 1;
    }
    Ok(written)
}

const ENDPOINT_SELECT: &str =
    "SELECT id, name, url, headers, events, has_secret, active FROM webhook_endpoints";

fn endpoint_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Endpoint> {
    let events: String = row.get(4)?;
    Ok(Endpoint {
        id: row.get(0)?,
        name: row.get(1)?,
        url: row.get(2)?,
        headers: row.get(3)?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        has_secret: row.get(5)?,
        active: row.get(6)?,
    })
}

/// Checks an endpoint's fields; returns its trimmed name and URL.
///
/// # Errors
/// [`Error::Validation`] on `name`, `url`, `events` or `headers`.
fn check_endpoint(input: &EndpointInput) -> Result<(&str, &str)> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "is required"));
    }
    let url = input.url.trim();
    crate::providers::validate::check_url(url)
        .and_then(|url| crate::providers::validate::check_no_credentials(&url))
        .map_err(|message| Error::validation("url", message))?;
    if let Some(unknown) = input
        .events
        .iter()
        .find(|e| !EVENT_TYPES.contains(&e.as_str()))
    {
        return Err(Error::validation(
            "events",
            format!(
                "unknown event `{unknown}`; expected {}",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    crate::providers::validate::check_headers_text(&input.headers)
        .map_err(|message| Error::validation("headers", message))?;
    Ok((name, url))
}

/// The error for a second endpoint named `name` (the names are unique), or `error` as it is.
fn name_taken(error: rusqlite::Error, name: &str) -> Error {
    match error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::Conflict {
                field: "name".into(),
                message: format!("an endpoint named `{name}` exists"),
            }
        }
        other => other.into(),
    }
}

/// Validates `input` and inserts the endpoint inside the caller's transaction, its secret written
/// through `undo`.
///
/// # Errors
/// As [`Patchbay::add_endpoint`].
pub(crate) fn insert_endpoint(
    transaction: &rusqlite::Transaction<'_>,
    input: &EndpointInput,
    undo: &mut KeychainUndo<'_>,
) -> Result<Endpoint> {
    let (name, url) = check_endpoint(input)?;
    let now = now_ms();
    transaction.execute(
        "INSERT INTO webhook_endpoints (name, url, headers, events, has_secret, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![name, url, input.headers, serde_json::to_string(&input.events).unwrap_or_default(), input.secret.is_some(), now],
    )
    .map_err(|error| name_taken(error, name))?;
    let id = transaction.last_insert_rowid();
    if let Some(secret) = &input.secret {
        undo.set_new(transaction, secret_account(id), Some(secret))?;
    }
    Ok(transaction.query_row(
        &format!("{ENDPOINT_SELECT} WHERE id = ?1"),
        [id],
        endpoint_row,
    )?)
}

impl Patchbay {
    /// Adds an endpoint; the secret goes to the keychain.
    ///
    /// # Errors
    /// [`Error::Validation`] on `name`, `url`, `events` or `headers`; [`Error::Keychain`].
    pub fn add_endpoint(&self, input: &EndpointInput) -> Result<Endpoint> {
        let ids = crate::keychain_journal::NewIds {
            table: "webhook_endpoints",
            count: 1,
            accounts_of: &|id| vec![secret_account(id)],
        };
        crate::keychain_journal::create(
            &mut self.store.lock(),
            &self.credentials,
            &[ids],
            |transaction, undo| insert_endpoint(transaction, input, undo),
        )
    }

    /// Changes endpoint `id` in place, keeping its delivery log: pending and retried events go to the new
    /// URL with the new headers and secret. The row and the keychain change together: if either fails,
    /// neither is kept.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] on `name`, `url`, `events`, `headers` or `secret` (a new
    /// secret with `remove_secret`); [`Error::Conflict`] on a name another endpoint has;
    /// [`Error::Keychain`].
    pub fn update_endpoint(&self, id: i64, update: &EndpointUpdate) -> Result<Endpoint> {
        let (name, url) = check_endpoint(&update.input)?;
        if update.remove_secret && update.input.secret.is_some() {
            return Err(Error::validation(
                "secret",
                "cannot be both replaced and removed",
            ));
        }
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let had_secret: bool = transaction
            .query_row(
                "SELECT has_secret FROM webhook_endpoints WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "webhook endpoint",
                id: id.to_string(),
            })?;
        let has_secret = update.input.secret.is_some() || (had_secret && !update.remove_secret);
        transaction
            .execute(
                "UPDATE webhook_endpoints SET name = ?2, url = ?3, headers = ?4, events = ?5, has_secret = ?6, updated_at = ?7
                 WHERE id = ?1",
                params![id, name, url, update.input.headers, serde_json::to_string(&update.input.events).unwrap_or_default(), has_secret, now_ms()],
            )
            .map_err(|error| name_taken(error, name))?;
        let mut undo = KeychainUndo::new(&self.credentials);
        let keychain = if update.input.secret.is_some() || (had_secret && update.remove_secret) {
            undo.set(secret_account(id), update.input.secret.as_ref())
        } else {
            Ok(())
        };
        let updated = keychain
            .and_then(|()| {
                transaction
                    .query_row(
                        &format!("{ENDPOINT_SELECT} WHERE id = ?1"),
                        [id],
                        endpoint_row,
                    )
                    .map_err(Error::from)
            })
            .and_then(|updated| transaction.commit().map(|()| updated).map_err(Error::from));
        if updated.is_err() {
            undo.rollback();
        }
        updated
    }

    /// Every endpoint.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn list_endpoints(&self) -> Result<Vec<Endpoint>> {
        let connection = self.store.lock();
        let mut statement =
            connection.prepare_cached(&format!("{ENDPOINT_SELECT} ORDER BY name"))?;
        let endpoints = statement
            .query_map([], endpoint_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(endpoints)
    }

    /// One page of the delivery log, filtered by status and endpoint, sorted.
    ///
    /// # Errors
    /// [`Error::Validation`] on a page size above 100; [`Error::Store`].
    pub fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Page<Delivery>> {
        let (page, per_page) = crate::integrations::paging(query.page, query.per_page)?;
        let mut conditions = vec!["1 = 1".to_owned()];
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(status) = &query.status {
            conditions.push("o.status = ?".into());
            values.push(status.clone().into());
        }
        if let Some(endpoint_id) = query.endpoint_id {
            conditions.push("o.endpoint_id = ?".into());
            values.push(endpoint_id.into());
        }
        let filter = conditions.join(" AND ");
        let order = match query.sort {
            DeliverySort::Created => "o.created_at",
            DeliverySort::Event => "o.event_type",
            DeliverySort::Status => "o.status",
            DeliverySort::Attempts => "o.attempts",
            DeliverySort::Endpoint => "lower(e.name)",
        };
        let direction = if query.desc { "DESC" } else { "ASC" };
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM outbox o WHERE {filter}"),
            rusqlite::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let mut statement = connection.prepare_cached(&format!(
            "SELECT o.id, o.endpoint_id, e.name, o.event_id, o.event_type, o.status, o.attempts, o.last_status, o.last_error,
                    o.created_at, o.delivered_at
             FROM outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id
             WHERE {filter} ORDER BY {order} {direction}, o.id {direction} LIMIT ? OFFSET ?"
        ))?;
        values.push(i64::from(per_page).into());
        values.push((i64::from(page - 1) * i64::from(per_page)).into());
        let items = statement
            .query_map(rusqlite::params_from_iter(values.iter()), |row| {
                Ok(Delivery {
                    id: row.get(0)?,
                    endpoint_id: row.get(1)?,
                    endpoint_name: row.get(2)?,
                    event_id: row.get(3)?,
                    event_type: row.get(4)?,
                    status: row.get(5)?,
                    attempts: row.get(6)?,
                    last_status: row.get(7)?,
                    last_error: row.get(8)?,
                    created_at: row.get(9)?,
                    delivered_at: row.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Turns an endpoint on or off; an inactive endpoint is sent no new events.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn set_endpoint_active(&self, id: i64, active: bool) -> Result<Endpoint> {
        let connection = self.store.lock();
        let changed = connection.execute(
            "UPDATE webhook_endpoints SET active = ?2 WHERE id = ?1",
            params![id, active],
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "webhook endpoint",
                id: id.to_string(),
            });
        }
        Ok(connection.query_row(
            &format!("{ENDPOINT_SELECT} WHERE id = ?1"),
            [id],
            endpoint_row,
        )?)
    }

    /// Deletes an endpoint, its delivery log and its signing secret.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Keychain`] when the secret cannot be removed (the endpoint is kept).
    pub fn delete_endpoint(&self, id: i64) -> Result<()> {
        let exists: bool = self.store.lock().query_row(
            "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NotFound {
                what: "webhook endpoint",
                id: id.to_string(),
            });
        }
        self.credentials.delete(&secret_account(id))?;
        self.store
            .lock()
            .execute("DELETE FROM webhook_endpoints WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Queues a delivered or dead event again.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn redeliver(&self, outbox_id: i64) -> Result<()> {
        let changed = self.store.lock().execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, last_error = NULL WHERE id = ?1",
            params![outbox_id, now_ms()],
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "delivery",
                id: outbox_id.to_string(),
            });
        }
        Ok(())
    }

    /// The oldest pending event of each endpoint whose next attempt is due (strict order per endpoint:
    /// a newer event never overtakes an older one in backoff).
    fn due_deliveries(&self, now_ms: i64) -> Result<Vec<Due>> {
        let connection = self.store.lock();
        let mut statement = connection.prepare_cached(
            "SELECT o.id, o.endpoint_id, o.event_id, o.payload, o.attempts FROM outbox o
             WHERE o.status = 'pending' AND o.next_attempt_at <= ?1
               AND o.id = (SELECT MIN(id) FROM outbox p WHERE p.endpoint_id = o.endpoint_id AND p.status = 'pending')",
        )?;
        let rows = statement.query_map([now_ms], |row| {
            Ok(Due {
                outbox_id: row.get(0)?,
                endpoint_id: row.get(1)?,
                event_id: row.get(2)?,
                payload: row.get(3)?,
                attempts: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_attempt(
        &self,
        outbox_id: i64,
        attempts: i64,
        delivered: bool,
        status: Option<u16>,
        error: Option<&str>,
        retry_in_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let state = if delivered {
            "delivered"
        } else if attempts >= MAX_ATTEMPTS {
            "dead"
        } else {
            "pending"
        };
        self.store.lock().execute(
            "UPDATE outbox SET status = ?2, attempts = ?3, last_status = ?4, last_error = ?5, next_attempt_at = ?6,
                 delivered_at = CASE WHEN ?2 = 'delivered' THEN ?7 ELSE delivered_at END
             WHERE id = ?1",
            params![outbox_id, state, attempts, status, error, now + retry_in_ms, now],
        )?;
        Ok(())
    }
}

/// Delivers the outbox.
pub struct Deliverer {
    context: CheckContext,
    /// First retry delay, ms (tests shorten it).
    pub backoff_base_ms: i64,
}

impl Deliverer {
    /// A deliverer with a 10 s timeout per attempt.
    ///
    /// # Errors
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new() -> Result<Self> {
        Ok(Self {
            context: CheckContext::new(Duration::from_secs(10), Duration::from_secs(5))
                .map_err(Error::Internal)?,
            backoff_base_ms: BACKOFF_BASE_MS,
        })
    }

    /// Uses `context` (timeouts, body limit) for every attempt instead of the 10 s default.
    pub fn with_context(mut self, context: CheckContext) -> Self {
        self.context = context;
        self
    }

    /// Attempts every due event once; returns how many were attempted.
    ///
    /// # Errors
    /// [`Error::Store`] / [`Error::Keychain`] (the rows stay pending).
    pub async fn deliver_due(&self, core: &std::sync::Arc<Patchbay>) -> Result<usize> {
        let now = now_ms();
        let due = {
            let core = std::sync::Arc::clone(core);
            tokio::task::spawn_blocking(move || core.due_deliveries(now))
                .await
                .map_err(|e| Error::Internal(e.to_string()))??
        };
        if due.is_empty() {
            // The usual idle poll: no endpoint list, no second trip to the blocking pool.
            return Ok(0);
        }
        let endpoints = {
            let core = std::sync::Arc::clone(core);
            tokio::task::spawn_blocking(move || core.list_endpoints())
                .await
                .map_err(|e| Error::Internal(e.to_string()))??
        };
        for Due {
            outbox_id,
            endpoint_id,
            event_id,
            payload,
            attempts,
        } in &due
        {
            let Some(endpoint) = endpoints.iter().find(|e| e.id == *endpoint_id) else {
                continue;
            };
            let secret: Option<SecretString> = if endpoint.has_secret {
                let core = std::sync::Arc::clone(core);
                let account = secret_account(endpoint.id);
                tokio::task::spawn_blocking(move || core.credentials.get(&account))
                    .await
                    .map_err(|e| Error::Internal(e.to_string()))??
            } else {
                None
            };
            let mut request = self
                .context
                .http
                .post(&endpoint.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Patchbay-Event-Id", event_id.as_str())
                .body(payload.clone());
            for line in endpoint.headers.lines() {
                if let Some((name, value)) = line.split_once(':') {
                    request = request.header(name.trim(), value.trim());
                }
            }
            if let Some(secret) = &secret {
                request = request.header(
                    signing::SIGNATURE_HEADER,
                    signing::sign(
                        secret.expose_secret().as_bytes(),
                        now_ms() / 1000,
                        payload.as_bytes(),
                    ),
                );
            }
            let result = health::send(&self.context, request).await;
            let (delivered, status, error) = match &result {
                Ok(reply) if (200..300).contains(&reply.status) => (true, Some(reply.status), None),
                Ok(reply) => (
                    false,
                    Some(reply.status),
                    Some(format!(
                        "HTTP {}: {}",
                        reply.status,
                        health::preview(&reply.body)
                    )),
                ),
                Err(verdict) => (
                    false,
                    None,
                    Some(format!(
                        "{} ({})",
                        verdict.detail,
                        verdict
                            .error_kind
                            .map_or("error", health::CheckErrorKind::as_str)
                    )),
                ),
            };
            let attempts = attempts + 1;
            let jitter = 0.8 + rand::random::<f64>() * 0.4;
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let retry_in = (self.backoff_base_ms as f64
                * 2f64.powi(i32::try_from(attempts - 1).unwrap_or(0))
                * jitter) as i64;
            let core = std::sync::Arc::clone(core);
            let id = *outbox_id;
            tokio::task::spawn_blocking(move || {
                core.record_attempt(id, attempts, delivered, status, error.as_deref(), retry_in)
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))??;
        }
        Ok(due.len())
    }

    /// Delivers forever: checks for due events every `poll`.
    pub async fn run(self, core: std::sync::Arc<Patchbay>, poll: Duration) {
        loop {
            if let Err(error) = self.deliver_due(&core).await {
                log::warn!("{error}");
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// The next-attempt time of the oldest pending event, for tests and the UI.
///
/// # Errors
/// [`Error::Store`].
pub fn next_attempt(core: &Patchbay, outbox_id: i64) -> Result<Option<i64>> {
    Ok(core
        .store
        .lock()
        .query_row(
            "SELECT next_attempt_at FROM outbox WHERE id = ?1",
            [outbox_id],
            |r| r.get(0),
        )
        .optional()?)
}
