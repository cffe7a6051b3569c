//! `crm_records`: synced records and the id map, with idempotent upserts and a paginated browser.

use std::collections::HashMap;

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
    /// External id of the pipeline (Kommo pipeline, Bitrix24 category) of a deal or stage.
    pub pipeline: Option<String>,
    /// External id of a deal's stage (Kommo status, Bitrix24 `STAGE_ID`).
    pub stage: Option<String>,
    /// A deal's amount (Kommo `price`, Bitrix24 `OPPORTUNITY`), in the deal's currency.
    pub amount: Option<f64>,
    /// The record as returned.
    pub data: serde_json::Value,
}

impl Fetched {
    /// A record without pipeline, stage or amount.
    pub fn new(
        entity_type: &'static str,
        external_id: String,
        name: String,
        remote_updated_at: Option<i64>,
        data: serde_json::Value,
    ) -> Self {
        Self {
            entity_type,
            external_id,
            name,
            remote_updated_at,
            pipeline: None,
            stage: None,
            amount: None,
            data,
        }
    }
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

/// Records looked up per statement (2 parameters each, well under SQLite's 32,766).
const LOOKUP_CHUNK: usize = 500;

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
    // One lookup per page: the stored data of every record of the page that exists already.
    let mut existing: HashMap<(&str, &str), String> = HashMap::with_capacity(records.len());
    for chunk in records.chunks(LOOKUP_CHUNK) {
        let placeholders = vec!["(?, ?)"; chunk.len()].join(", ");
        let mut select = transaction.prepare_cached(&format!(
            "SELECT entity_type, external_id, data FROM crm_records
             WHERE integration_id = ? AND (entity_type, external_id) IN (VALUES {placeholders})"
        ))?;
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&integration_id];
        for record in chunk {
            values.push(&record.entity_type);
            values.push(&record.external_id);
        }
        let mut rows = select.query(values.as_slice())?;
        while let Some(row) = rows.next()? {
            let (kind, id, data): (String, String, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(record) = chunk
                .iter()
                .find(|r| r.entity_type == kind && r.external_id == id)
            {
                existing.insert((record.entity_type, record.external_id.as_str()), data);
            }
        }
    }
    let mut insert = transaction.prepare_cached(
        "INSERT INTO crm_records (integration_id, system, entity_type, external_id, name, data, remote_updated_at, last_sync, sync_status, pipeline, stage, amount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'synced', ?9, ?10, ?11)",
    )?;
    let mut update = transaction.prepare_cached(
        "UPDATE crm_records SET system = ?2, name = ?5, data = ?6, remote_updated_at = ?7, last_sync = ?8, sync_status = 'synced',
             pipeline = ?9, stage = ?10, amount = ?11
         WHERE integration_id = ?1 AND entity_type = ?3 AND external_id = ?4",
    )?;
    let mut touch = transaction.prepare_cached("UPDATE crm_records SET last_sync = ?4 WHERE integration_id = ?1 AND entity_type = ?2 AND external_id = ?3")?;
    for record in records {
        let data = serde_json::to_string(&record.data)
            .map_err(|error| Error::Internal(error.to_string()))?;
        match existing.get(&(record.entity_type, record.external_id.as_str())) {
            Some(old) if *old == data => {
                touch.execute(params![
                    integration_id,
                    record.entity_type,
                    record.external_id,
                    now_ms
                ])?;
                counts.unchanged += 1;
            }
            found => {
                let statement = if found.is_some() {
                    &mut update
                } else {
                    &mut insert
                };
                statement.execute(params![
                    integration_id,
                    system,
                    record.entity_type,
                    record.external_id,
                    record.name,
                    data,
                    record.remote_updated_at,
                    now_ms,
                    record.pipeline,
                    record.stage,
                    record.amount
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
    /// Name or title.
    pub name: String,
    /// Pipeline's external id.
    pub pipeline: Option<String>,
    /// Pipeline's name, when its record is synced.
    pub pipeline_name: Option<String>,
    /// Stage's external id.
    pub stage: Option<String>,
    /// Stage's name, when its record is synced.
    pub stage_name: Option<String>,
    /// Deal amount.
    pub amount: Option<f64>,
    /// The CRM's update time, unix s.
    #[ts(type = "number | null")]
    pub remote_updated_at: Option<i64>,
    /// Last sync, unix ms.
    #[ts(type = "number")]
    pub last_sync: i64,
    /// `synced` or `failed`.
    pub sync_status: String,
}

/// Sort keys of the records browser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RecordSort {
    /// Name or title, case-insensitive.
    #[default]
    Title,
    /// Stage name.
    Stage,
    /// Amount; records without one first in ascending order.
    Amount,
    /// The CRM's update time.
    Updated,
}

/// A records browser request: one page of an integration's records, filtered and sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct RecordQuery {
    /// The CRM integration.
    #[ts(type = "number")]
    pub integration_id: i64,
    /// `pipeline`, `stage`, `deal` or `contact`; all when `None`.
    pub entity_type: Option<String>,
    /// Only records of this pipeline (external id).
    pub pipeline: Option<String>,
    /// Only records in this stage (external id).
    pub stage: Option<String>,
    /// Case-insensitive substring of the name or the external id.
    pub search: Option<String>,
    /// Sort key.
    pub sort: RecordSort,
    /// Descending order.
    pub desc: bool,
    /// 1-based page (0 → 1).
    pub page: u32,
    /// Rows per page (0 → default, at most 100).
    pub per_page: u32,
}

impl RecordQuery {
    /// All records of `integration_id` of `entity_type` (or every type), first page.
    pub fn of(integration_id: i64, entity_type: Option<&str>) -> Self {
        Self {
            integration_id,
            entity_type: entity_type.map(str::to_owned),
            ..Self::default()
        }
    }
}

const RECORD_JOINS: &str = "FROM crm_records r
    LEFT JOIN crm_records p ON p.integration_id = r.integration_id AND p.entity_type = 'pipeline' AND p.external_id = r.pipeline
    LEFT JOIN crm_records s ON s.integration_id = r.integration_id AND s.entity_type = 'stage' AND s.external_id = r.stage";

impl Patchbay {
    /// One page of an integration's synced records, filtered by type, pipeline, stage and a search.
    ///
    /// # Errors
    /// [`Error::Validation`] on a page size above 100; [`Error::Store`].
    pub fn list_records(&self, query: &RecordQuery) -> Result<Page<CrmRecord>> {
        let (page, per_page) = crate::integrations::paging(query.page, query.per_page)?;
        // Only the filters that are set reach the SQL, so SQLite can use the matching index.
        let mut conditions = vec!["r.integration_id = ?".to_owned()];
        let mut values: Vec<rusqlite::types::Value> = vec![query.integration_id.into()];
        for (column, value) in [
            ("r.entity_type", &query.entity_type),
            ("r.pipeline", &query.pipeline),
            ("r.stage", &query.stage),
        ] {
            if let Some(value) = value {
                conditions.push(format!("{column} = ?"));
                values.push(value.clone().into());
            }
        }
        if let Some(search) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            conditions.push("(instr(lower(r.name), ?) > 0 OR r.external_id = ?)".to_owned());
            values.push(search.to_lowercase().into());
            values.push(search.to_owned().into());
        }
        let filter = conditions.join(" AND ");
        let order = match query.sort {
            RecordSort::Title => "lower(r.name)",
            RecordSort::Stage => "lower(s.name)",
            RecordSort::Amount => "r.amount",
            RecordSort::Updated => "r.remote_updated_at",
        };
        let direction = if query.desc { "DESC" } else { "ASC" };
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM crm_records r WHERE {filter}"),
            rusqlite::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let mut statement = connection.prepare_cached(&format!(
            "SELECT r.id, r.system, r.entity_type, r.external_id, r.name, r.pipeline, p.name, r.stage, s.name,
                    r.amount, r.remote_updated_at, r.last_sync, r.sync_status
             {RECORD_JOINS} WHERE {filter} ORDER BY {order} {direction}, r.id {direction} LIMIT ? OFFSET ?"
        ))?;
        values.push(i64::from(per_page).into());
        values.push((i64::from(page - 1) * i64::from(per_page)).into());
        let items = statement
            .query_map(rusqlite::params_from_iter(values.iter()), |row| {
                Ok(CrmRecord {
                    id: row.get(0)?,
                    system: row.get(1)?,
                    entity_type: row.get(2)?,
                    external_id: row.get(3)?,
                    name: row.get(4)?,
                    pipeline: row.get(5)?,
                    pipeline_name: row.get(6)?,
                    stage: row.get(7)?,
                    stage_name: row.get(8)?,
                    amount: row.get(9)?,
                    remote_updated_at: row.get(10)?,
                    last_sync: row.get(11)?,
                    sync_status: row.get(12)?,
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
}
