//! Health results in SQLite: the bounded history per integration, the integration's current status
//! (with N consecutive failures before `unhealthy`), and the scheduler's due times.

use std::collections::BTreeMap;

use rusqlite::{params, params_from_iter, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{CheckErrorKind, CheckResult, CheckTarget};
use crate::integrations::{filter_clause, load, HealthStatus, Integration, IntegrationQuery};
use crate::secrets::account;
use crate::{providers, Patchbay, Result};

/// Results kept per integration; older ones are pruned.
pub const HISTORY_LIMIT: i64 = 200;

/// What started a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckTrigger {
    /// The user pressed "Test" (or `patchbay check ID`): applied at once, no retries.
    Manual,
    /// The scheduler.
    Scheduled,
    /// "Check all".
    CheckAll,
}

impl CheckTrigger {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scheduled => "scheduled",
            Self::CheckAll => "check_all",
        }
    }
}

/// One stored result.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HealthRecord {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The result.
    #[serde(flatten)]
    pub result: CheckResult,
    /// What started it.
    pub trigger: CheckTrigger,
}

/// An integration after a result was recorded, and whether its status changed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HealthUpdate {
    /// The integration as now stored.
    pub integration: Integration,
    /// The result just recorded.
    pub result: CheckResult,
    /// Status before this result.
    pub previous_status: HealthStatus,
}

impl HealthUpdate {
    /// Whether the status changed.
    pub fn changed(&self) -> bool {
        self.previous_status != self.integration.status
    }
}

fn parse_kind(value: Option<String>) -> Option<CheckErrorKind> {
    value.and_then(|kind| serde_json::from_value(serde_json::Value::String(kind)).ok())
}

impl Patchbay {
    /// Loads what a probe needs, secrets included (blocking keychain reads).
    ///
    /// # Errors
    /// [`crate::Error::NotFound`]; [`crate::Error::Keychain`] when the keychain is locked.
    pub fn check_target(&self, id: i64) -> Result<CheckTarget> {
        let integration = self.get_integration(id)?;
        let mut secrets = BTreeMap::new();
        for field in &integration.secrets_set {
            if let Some(value) = self.credentials.get(&account(id, field))? {
                secrets.insert(field.clone(), value);
            }
        }
        Ok(CheckTarget {
            id,
            provider: integration.provider,
            config: integration.config,
            secrets,
        })
    }

    /// Stores `result` in the history and updates the integration's status. Scheduled and check-all
    /// results turn a healthy or degraded integration `unhealthy` only after `failures_before_unhealthy`
    /// consecutive failures; manual results, and failures of never-checked integrations, apply at once. A manual
    /// or check-all result moves the next scheduled check to one interval after it; a scheduled one keeps the
    /// due time its claim set.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] when the integration was deleted meanwhile; [`crate::Error::Store`].
    pub fn record_check(
        &self,
        id: i64,
        result: &CheckResult,
        trigger: CheckTrigger,
        failures_before_unhealthy: u32,
    ) -> Result<HealthUpdate> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let update = record_in(&transaction, id, result, trigger, failures_before_unhealthy)?;
        transaction.commit()?;
        Ok(update)
    }

    /// Stores several results as [`Patchbay::record_check`] does, in one transaction: the scheduler's
    /// results that finish together cost one commit instead of one each. Returns one outcome per result,
    /// in order; an integration deleted meanwhile is [`crate::Error::NotFound`] and the others are stored.
    ///
    /// # Errors
    /// [`crate::Error::Store`]: then none of the results is stored.
    pub fn record_checks(
        &self,
        results: &[(i64, CheckResult)],
        trigger: CheckTrigger,
        failures_before_unhealthy: u32,
    ) -> Result<Vec<Result<HealthUpdate>>> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let mut outcomes = Vec::with_capacity(results.len());
        for (id, result) in results {
            match record_in(
                &transaction,
                *id,
                result,
                trigger,
                failures_before_unhealthy,
            ) {
                // Nothing of this result was written: `load` fails before any write.
                Err(error @ crate::Error::NotFound { .. }) => outcomes.push(Err(error)),
                Err(error) => return Err(error),
                Ok(update) => outcomes.push(Ok(update)),
            }
        }
        transaction.commit()?;
        Ok(outcomes)
    }

    /// The newest results of integration `id`, newest first.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn health_history(&self, id: i64, limit: u32) -> Result<Vec<HealthRecord>> {
        let connection = self.store.lock();
        let mut statement = connection.prepare_cached(
            "SELECT id, status, latency_ms, detail, error_kind, trigger, checked_at FROM health_checks
             WHERE integration_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![id, limit], |row| {
            let status: String = row.get(1)?;
            let trigger: String = row.get(5)?;
            Ok(HealthRecord {
                id: row.get(0)?,
                result: CheckResult {
                    status: HealthStatus::parse(&status).unwrap_or(HealthStatus::Unknown),
                    latency_ms: row.get(2)?,
                    detail: row.get(3)?,
                    error_kind: parse_kind(row.get(4)?),
                    checked_at: row.get(6)?,
                },
                trigger: match trigger.as_str() {
                    "manual" => CheckTrigger::Manual,
                    "check_all" => CheckTrigger::CheckAll,
                    _ => CheckTrigger::Scheduled,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest result of `id` if it is at most `max_age_ms` old.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn recent_result(
        &self,
        id: i64,
        max_age_ms: i64,
        now_ms: i64,
    ) -> Result<Option<CheckResult>> {
        Ok(self
            .health_history(id, 1)?
            .into_iter()
            .next()
            .map(|record| record.result)
            .filter(|result| now_ms - result.checked_at <= max_age_ms))
    }

    /// Ids of the active integrations matching `query`'s filters (pagination ignored), by id.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn active_integration_ids(&self, query: &IntegrationQuery) -> Result<Vec<i64>> {
        let (clause, values) = filter_clause(&IntegrationQuery {
            active: Some(true),
            ..query.clone()
        });
        let connection = self.store.lock();
        let mut statement = connection.prepare(&format!(
            "SELECT i.id FROM integrations i{clause} ORDER BY i.id"
        ))?;
        let ids = statement.query_map(params_from_iter(values.iter()), |row| row.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Claims up to `limit` active integrations due at `now_ms`: returns their ids and moves their next
    /// check one interval ahead, so a slow check is never dispatched twice.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn claim_due(&self, now_ms: i64, limit: u32) -> Result<Vec<i64>> {
        let connection = self.store.lock();
        let mut statement = connection.prepare_cached(&claim_sql(limit))?;
        let ids = statement.query_map([now_ms], |row| row.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest next-check time among active integrations.
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn next_due_at(&self) -> Result<Option<i64>> {
        let connection = self.store.lock();
        let mut statement = connection
            .prepare_cached("SELECT MIN(next_check_at) FROM integrations WHERE active = 1")?;
        Ok(statement
            .query_row([], |row| row.get(0))
            .optional()?
            .flatten())
    }

    /// Spreads every overdue (or never scheduled) active integration over the next `window_ms`, so
    /// start-up or waking from sleep does not fire every check at once. `offset` maps an integration id
    /// to its delay in `0..window_ms` (the scheduler passes random jitter).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn spread_overdue(&self, now_ms: i64, offset: &mut dyn FnMut(i64) -> i64) -> Result<usize> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let ids: Vec<i64> = {
            let mut statement = transaction.prepare(
                "SELECT id FROM integrations WHERE active = 1 AND (next_check_at IS NULL OR next_check_at <= ?1)",
            )?;
            let ids = statement.query_map([now_ms], |row| row.get(0))?;
            ids.collect::<rusqlite::Result<_>>()?
        };
        for id in &ids {
            transaction.execute(
                "UPDATE integrations SET next_check_at = ?2 WHERE id = ?1",
                params![id, now_ms + offset(*id)],
            )?;
        }
        transaction.commit()?;
        Ok(ids.len())
    }

    /// Provider label for messages ("Kommo (amoCRM)").
    pub fn provider_label(provider: &str) -> String {
        providers::get(provider)
            .map(|p| p.spec().label.to_owned())
            .unwrap_or_else(|_| provider.to_owned())
    }
}

/// One result of [`Patchbay::record_check`] inside the caller's transaction. Reads the integration
/// before writing anything, so [`crate::Error::NotFound`] leaves no partial write.
fn record_in(
    connection: &rusqlite::Transaction<'_>,
    id: i64,
    result: &CheckResult,
    trigger: CheckTrigger,
    failures_before_unhealthy: u32,
) -> Result<HealthUpdate> {
    let current = load(connection, id)?;
    // Cached statements: the scheduler records several checks a second.
    let failures: i64 = connection
        .prepare_cached("SELECT consecutive_failures FROM integrations WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    let failures = if result.status == HealthStatus::Unhealthy {
        failures + 1
    } else {
        0
    };
    // Retries only shield a known-good state from a blip; a never-checked integration shows its
    // first failure at once.
    let shielded = matches!(
        current.status,
        HealthStatus::Healthy | HealthStatus::Degraded
    );
    let status = match result.status {
        HealthStatus::Unhealthy
            if shielded
                && trigger != CheckTrigger::Manual
                && failures < i64::from(failures_before_unhealthy.max(1)) =>
        {
            current.status
        }
        status => status,
    };
    // Each UPDATE touches only the columns that change: SQLite rewrites the entries of every index over a
    // column an UPDATE sets, changed value or not (docs/performance.md, sessions 11–12). So `status` (two
    // status-sorted indexes) is set only when it changed, and a scheduled check leaves `next_check_at` (the
    // due-time index) as [`Patchbay::claim_due`] already moved it one interval ahead.
    let error_kind = result.error_kind.map(CheckErrorKind::as_str);
    connection
        .prepare_cached(
            "UPDATE integrations SET last_checked_at = ?2, last_latency_ms = ?3, last_detail = ?4,
                 last_error_kind = ?5, consecutive_failures = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            result.checked_at,
            result.latency_ms,
            result.detail,
            error_kind,
            failures
        ])?;
    if trigger != CheckTrigger::Scheduled {
        connection
            .prepare_cached(
                "UPDATE integrations SET next_check_at = ?2 + check_interval_s * 1000 WHERE id = ?1",
            )?
            .execute(params![id, result.checked_at])?;
    }
    if status != current.status {
        connection
            .prepare_cached("UPDATE integrations SET status = ?2 WHERE id = ?1")?
            .execute(params![id, status.as_str()])?;
    }
    connection.prepare_cached(
        "INSERT INTO health_checks (integration_id, status, latency_ms, detail, error_kind, trigger, checked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(
        params![id, result.status.as_str(), result.latency_ms, result.detail,
            error_kind, trigger.as_str(), result.checked_at],
    )?;
    connection
        .prepare_cached(
            "DELETE FROM health_checks WHERE integration_id = ?1 AND id <= (
             SELECT id FROM health_checks WHERE integration_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )?
        .execute(params![id, HISTORY_LIMIT])?;
    let integration = load(connection, id)?;
    if integration.status != current.status {
        crate::integrations::audit(connection, "integration_health_changed", &integration)?;
    }
    Ok(HealthUpdate {
        integration,
        result: result.clone(),
        previous_status: current.status,
    })
}

/// The claim statement of [`Patchbay::claim_due`]. The limit is part of the text, not a bound parameter:
/// SQLite recompiles a statement whose `LIMIT` is a parameter every time it is bound again (its planner
/// reads the bound value), which cost the idle scheduler a parse and plan every second (docs/performance.md,
/// session 12). A `u32` cannot inject SQL.
fn claim_sql(limit: u32) -> String {
    format!(
        "UPDATE integrations SET next_check_at = ?1 + check_interval_s * 1000
         WHERE id IN (SELECT id FROM integrations WHERE active = 1 AND next_check_at <= ?1
                      ORDER BY next_check_at LIMIT {limit})
         RETURNING id"
    )
}

/// How many active integrations are in each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StatusCounts {
    /// Healthy.
    pub healthy: u32,
    /// Degraded.
    pub degraded: u32,
    /// Unhealthy.
    pub unhealthy: u32,
    /// Never checked.
    pub unknown: u32,
}

impl Patchbay {
    /// Counts of active integrations by status (the tray's overall status).
    ///
    /// # Errors
    /// [`crate::Error::Store`].
    pub fn status_counts(&self) -> Result<StatusCounts> {
        let connection = self.store.lock();
        let mut statement = connection.prepare_cached(
            "SELECT status, COUNT(*) FROM integrations WHERE active = 1 GROUP BY status",
        )?;
        let mut counts = StatusCounts::default();
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?))
        })?;
        for row in rows {
            let (status, count) = row?;
            match status.as_str() {
                "healthy" => counts.healthy = count,
                "degraded" => counts.degraded = count,
                "unhealthy" => counts.unhealthy = count,
                _ => counts.unknown = count,
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{Credentials, MemoryBackend};
    use crate::store::Store;

    fn core_with_due(count: i64) -> Patchbay {
        let core = Patchbay::with_parts(
            Store::open_in_memory().unwrap(),
            Credentials::new(Box::new(MemoryBackend::default())),
        );
        for i in 0..count {
            core.store
                .lock()
                .execute(
                    "INSERT INTO integrations (project_id, provider, name, config, created_at, updated_at,
                     next_check_at) VALUES (1, 'http', ?1, '{}', 0, 0, ?2)",
                    params![format!("Service {i}"), i * 1_000],
                )
                .unwrap();
        }
        core
    }

    #[test]
    fn claiming_due_checks_every_second_reuses_one_compiled_statement() {
        let core = core_with_due(10);
        let mut claimed = Vec::new();
        for second in 0..10 {
            claimed.extend(core.claim_due(second * 1_000, 256).unwrap());
        }
        assert_eq!(
            claimed,
            (1..=10).collect::<Vec<i64>>(),
            "each due integration once"
        );
        let connection = core.store.lock();
        let statement = connection.prepare_cached(&claim_sql(256)).unwrap();
        assert_eq!(
            statement.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "re-binding the claim's time must not recompile it"
        );
        assert!(statement.get_status(rusqlite::StatementStatus::VmStep) > 0);
    }
}
