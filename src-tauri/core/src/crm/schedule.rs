//! Scheduled CRM syncs: an optional interval per Kommo/Bitrix24 integration (`sync_schedules`), claimed
//! when due by the app's scheduler, which starts an incremental sync run of the chosen entities.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::sync::Entity;
use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// Shortest interval, minutes.
pub const MIN_INTERVAL_MINUTES: u32 = 5;
/// Longest interval, minutes (a week).
pub const MAX_INTERVAL_MINUTES: u32 = 10_080;

/// A periodic sync of one integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncSchedule {
    /// Minutes between runs, 5 to 10,080.
    pub interval_minutes: u32,
    /// What each run syncs.
    pub entities: Vec<Entity>,
    /// Next run, unix ms (ignored when saving).
    #[ts(type = "number")]
    #[serde(default)]
    pub next_run_at: i64,
}

impl Patchbay {
    /// Sets (or with `None` removes) the periodic sync of a CRM integration; the first run is one
    /// interval from now.
    ///
    /// # Errors
    /// [`Error::Validation`] for a non-CRM integration, an interval outside 5–10,080 minutes or no
    /// entity; [`Error::NotFound`].
    pub fn set_sync_schedule(
        &self,
        integration_id: i64,
        schedule: Option<&SyncSchedule>,
    ) -> Result<Option<SyncSchedule>> {
        let integration = self.get_integration(integration_id)?;
        let Some(schedule) = schedule else {
            self.store.lock().execute(
                "DELETE FROM sync_schedules WHERE integration_id = ?1",
                [integration_id],
            )?;
            return Ok(None);
        };
        if !matches!(integration.provider.as_str(), "kommo" | "bitrix24") {
            return Err(Error::validation(
                "integration_id",
                format!("{} integrations cannot be synced", integration.provider),
            ));
        }
        if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&schedule.interval_minutes) {
            return Err(Error::validation(
                "interval_minutes",
                format!(
                    "must be {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES} minutes, got {}",
                    schedule.interval_minutes
                ),
            ));
        }
        if schedule.entities.is_empty() {
            return Err(Error::validation(
                "entities",
                "choose at least one of pipelines, deals, contacts",
            ));
        }
        let entities = serde_json::to_string(&schedule.entities)
            .map_err(|error| Error::Internal(error.to_string()))?;
        let next = now_ms() + i64::from(schedule.interval_minutes) * 60_000;
        self.store.lock().execute(
            "INSERT INTO sync_schedules (integration_id, interval_minutes, entities, next_run_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (integration_id) DO UPDATE SET interval_minutes = excluded.interval_minutes,
                 entities = excluded.entities, next_run_at = excluded.next_run_at",
            params![integration_id, schedule.interval_minutes, entities, next],
        )?;
        self.sync_schedule(integration_id)
    }

    /// The periodic sync of an integration, if any.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn sync_schedule(&self, integration_id: i64) -> Result<Option<SyncSchedule>> {
        let row: Option<(u32, String, i64)> = self
            .store
            .lock()
            .query_row(
                "SELECT interval_minutes, entities, next_run_at FROM sync_schedules WHERE integration_id = ?1",
                [integration_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        Ok(
            row.map(|(interval_minutes, entities, next_run_at)| SyncSchedule {
                interval_minutes,
                entities: serde_json::from_str(&entities).unwrap_or_default(),
                next_run_at,
            }),
        )
    }

    /// Claims the schedules due at `now` (unix ms) of active integrations, moving each to its next
    /// time; returns (integration id, entities) to sync.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn claim_due_syncs(&self, now: i64) -> Result<Vec<(i64, Vec<Entity>)>> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let due = {
            let mut statement = transaction.prepare_cached(
                "SELECT s.integration_id, s.entities FROM sync_schedules s JOIN integrations i ON i.id = s.integration_id
                 WHERE s.next_run_at <= ?1 AND i.active = 1 ORDER BY s.next_run_at",
            )?;
            let rows = statement
                .query_map([now], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        transaction.execute(
            "UPDATE sync_schedules SET next_run_at = ?1 + interval_minutes * 60000 WHERE next_run_at <= ?1",
            [now],
        )?;
        transaction.commit()?;
        Ok(due
            .into_iter()
            .map(|(id, entities)| (id, serde_json::from_str(&entities).unwrap_or_default()))
            .collect())
    }
}
