//! `crm_records`: synced records and the id map, with idempotent upserts and a paginated browser.

use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::integrations::Page;
use crate::{Error, Patchbay, Result};

/// A record fetched from a CRM.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// `pipeline`, `stage`, `deal` or `contact`.
    pub entity_type: &'static str,
    /// The CRM's id.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// The CRM's update time, unix s.
    pub remote_updated_at: Option<i64>,
    /// The record as returned.
    pub data: serde_json::Value,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Counts {
    /// Records received.
    pub fetched: u64,
    /// New records.
    pub created: u64,
    /// Records whose data changed.
    pub updated: u64,
    /// Records already up to date.
    pub unchanged: u64,
    /// Records that could not be stored.
    pub failed: u64,
}

impl Counts {
    /// Adds another page's counts.
    pub fn add(&mut self, other: Counts) {
        self.fetched += other.fetched;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.failed += other.failed;
    }

    /// "120 fetched: 100 created, 15 updated, 5 unchanged, 0 failed".
    pub fn describe(&self) -> String {
        format!(
            "{} fetched: {} created, {} updated, {} unchanged, {} failed",
            self.fetched, self.created, self.updated, self.unchanged, self.failed
        )
    }
}

/// Upserts records inside `transaction`; identical data counts as unchanged.
///
/// # Errors
/// [`Error::Store`].
pub fn upsert(
    transaction: &Transaction<'_>,
    integration_id: i64,
    system: &str,
    records: &[Fetched],
    now_ms: i64,
) -> Result<Counts> {
    let mut counts = Counts {
        fetched: records.len() as u64,
        ..Counts::default()
    };
    let mut select = transaction.prepare_cached("SELECT data FROM crm_records WHERE integration_id = ?1 AND entity_type = ?2 AND external_id = ?3")?;
    let mut insert = transaction.prepare_cached(
        "INSERT INTO crm_records (integration_id, system, entity_type, external_id, name, data, remote_updated_at, last_sync, sync_status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'synced')
         ON CONFLICT (integration_id, entity_type, external_id) DO UPDATE SET
             name = excluded.name, data = excluded.data, remote_updated_at = excluded.remote_updated_at,
             last_sync = excluded.last_sync, sync_status = 'synced'",
    )?;
    let mut touch = transaction.prepare_cached("UPDATE crm_records SET last_sync = ?4 WHERE integration_id = ?1 AND entity_type = ?2 AND external_id = ?3")?;
    for record in records {
        let data = serde_json::to_string(&record.data)
            .map_err(|error| Error::Internal(error.to_string()))?;
        let existing: Option<String> = select
            .query_row(
                params![integration_id, record.entity_type, record.external_id],
                |row| row.get(0),
            )
            .map(Some)
            .or_else(|error| {
                if matches!(error, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(error)
                }
            })?;
        match existing {
            Some(old) if old == data => {
                touch.execute(params![
                    integration_id,
                    record.entity_type,
                    record.external_id,
                    now_ms
                ])?;
                counts.unchanged += 1;
            }
            found => {
                insert.execute(params![
                    integration_id,
                    system,
                    record.entity_type,
                    record.external_id,
                    record.name,
                    data,
                    record.remote_updated_at,
                    now_ms
                ])?;
                if found.is_some() {
                    counts.updated += 1
                } else {
                    counts.created += 1
                }
            }
        }
    }
    Ok(counts)
}

/// A stored record, for the records browser.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CrmRecord {
    /// Internal id (the id map's `internal_id`).
    #[ts(type = "number")]
    pub id: i64,
    /// `kommo` or `bitrix24`.
    pub system: String,
    /// Entity type.
    pub entity_type: String,
    /// The CRM's id.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// The CRM's update time, unix s.
    #[ts(type = "number | null")]
    pub remote_updated_at: Option<i64>,
    /// Last sync, unix ms.
    #[ts(type = "number")]
    pub last_sync: i64,
    /// `synced` or `failed`.
    pub sync_status: String,
}

impl Patchbay {
    /// One page of an integration's synced records of `entity_type` (all types when `None`), by name.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn list_records(
        &self,
        integration_id: i64,
        entity_type: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Page<CrmRecord>> {
        let (page, per_page) = (page.max(1), per_page.clamp(1, 100));
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            "SELECT COUNT(*) FROM crm_records WHERE integration_id = ?1 AND (?2 IS NULL OR entity_type = ?2)",
            params![integration_id, entity_type],
            |r| r.get(0),
        )?;
        let mut statement = connection.prepare_cached(
            "SELECT id, system, entity_type, external_id, name, remote_updated_at, last_sync, sync_status FROM crm_records
             WHERE integration_id = ?1 AND (?2 IS NULL OR entity_type = ?2) ORDER BY entity_type, name, id LIMIT ?3 OFFSET ?4",
        )?;
        let items = statement
            .query_map(
                params![
                    integration_id,
                    entity_type,
                    per_page,
                    i64::from(page - 1) * i64::from(per_page)
                ],
                |row| {
                    Ok(CrmRecord {
                        id: row.get(0)?,
                        system: row.get(1)?,
                        entity_type: row.get(2)?,
                        external_id: row.get(3)?,
                        name: row.get(4)?,
                        remote_updated_at: row.get(5)?,
                        last_sync: row.get(6)?,
                        sync_status: row.get(7)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }
}
