//! `crm_records`: synced records and the id map, with idempotent upserts and a paginated browser.

use rusqlite::{params, OptionalExtension, Transaction};
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

/// Upserts records inside `transaction`; identical data counts as unchanged.
///
/// A record is looked up by its key, then touched (`last_sync`, same data), updated by id (other
/// data) or inserted. Records of one sync come in runs (a first sync is all new, a re-sync mostly
/// known), so after a new record the next one is inserted straight away (`ON CONFLICT DO NOTHING`),
/// one probe of the unique key instead of two, and looked up only if it turns out to exist.
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
    let mut insert = transaction.prepare_cached(
        "INSERT INTO crm_records (integration_id, system, entity_type, external_id, name, data, remote_updated_at, last_sync, sync_status, pipeline, stage, amount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'synced', ?9, ?10, ?11)
         ON CONFLICT (integration_id, entity_type, external_id) DO NOTHING",
    )?;
    let mut stored = transaction.prepare_cached(
        "SELECT id, data FROM crm_records WHERE integration_id = ?1 AND entity_type = ?2 AND external_id = ?3",
    )?;
    let mut update = transaction.prepare_cached(
        "UPDATE crm_records SET system = ?2, name = ?3, data = ?4, remote_updated_at = ?5, last_sync = ?6, sync_status = 'synced',
             pipeline = ?7, stage = ?8, amount = ?9
         WHERE id = ?1",
    )?;
    let mut touch =
        transaction.prepare_cached("UPDATE crm_records SET last_sync = ?2 WHERE id = ?1")?;
    let mut data = Vec::with_capacity(1024);
    let mut expect_new = false;
    for record in records {
        data.clear();
        serde_json::to_writer(&mut data, &record.data)
            .map_err(|error| Error::Internal(error.to_string()))?;
        // serde_json writes UTF-8 only.
        let data =
            std::str::from_utf8(&data).map_err(|error| Error::Internal(error.to_string()))?;
        let mut insert = || {
            insert.execute(params![
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
            ])
        };
        if expect_new && insert()? == 1 {
            counts.created += 1;
            continue;
        }
        let found: Option<(i64, bool)> = stored
            .query_row(
                params![integration_id, record.entity_type, record.external_id],
                |row| Ok((row.get(0)?, row.get_ref(1)?.as_str()? == data)),
            )
            .optional()?;
        expect_new = found.is_none();
        match found {
            None => {
                insert()?;
                counts.created += 1;
            }
            Some((id, true)) => {
                touch.execute(params![id, now_ms])?;
                counts.unchanged += 1;
            }
            Some((id, false)) => {
                update.execute(params![
                    id,
                    system,
                    record.name,
                    data,
                    record.remote_updated_at,
                    now_ms,
                    record.pipeline,
                    record.stage,
                    record.amount
                ])?;
                counts.updated += 1;
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
    /// Deal amount, in `currency` when that is known.
    pub amount: Option<f64>,
    /// The amount's currency code as the CRM names it (ISO 4217 such as `EUR`): a Bitrix24 deal's
    /// `CURRENCY_ID`; for a Kommo lead the account's currency as the last sync read it. `None` when
    /// unknown (a Kommo account not synced since schema 12) and for records other than deals.
    pub currency: Option<String>,
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

/// A record's pipeline (`p`) and stage (`s`), each a synced record of the same integration.
const PIPELINE_JOIN: &str = "LEFT JOIN crm_records p ON p.integration_id = r.integration_id AND p.entity_type = 'pipeline' AND p.external_id = r.pipeline";
const STAGE_JOIN: &str = "LEFT JOIN crm_records s ON s.integration_id = r.integration_id AND s.entity_type = 'stage' AND s.external_id = r.stage";

impl Patchbay {
    /// Records the currency a CRM account's amounts are in (`code`, e.g. `RUB`), as a sync read it.
    ///
    /// # Errors
    /// [`Error::Store`], e.g. when the integration no longer exists.
    pub fn save_crm_currency(&self, integration_id: i64, code: &str) -> Result<()> {
        self.store.lock().execute(
            "INSERT INTO crm_accounts (integration_id, currency, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (integration_id) DO UPDATE SET currency = excluded.currency, updated_at = excluded.updated_at",
            params![integration_id, code, crate::store::now_ms()],
        )?;
        Ok(())
    }

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
            conditions.push("(instr(casefold(r.name), ?) > 0 OR r.external_id = ?)".to_owned());
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
        // The page's ids first, joined only with what the sort needs; then those rows with their
        // pipeline and stage names. Joining before the LIMIT looked up the pipeline and stage of every
        // matching record: 2 × 100,000 probes for a page of 25 deals sorted by amount.
        let sort_join = if query.sort == RecordSort::Stage {
            STAGE_JOIN
        } else {
            ""
        };
        let mut statement = connection.prepare_cached(&format!(
            "SELECT r.id, r.system, r.entity_type, r.external_id, r.name, r.pipeline, p.name, r.stage, s.name,
                    r.amount, r.remote_updated_at, r.last_sync, r.sync_status,
                    CASE WHEN r.entity_type <> 'deal' THEN NULL
                         WHEN r.system = 'bitrix24' THEN CAST(json_extract(r.data, '$.CURRENCY_ID') AS TEXT)
                         ELSE (SELECT a.currency FROM crm_accounts a WHERE a.integration_id = r.integration_id) END
             FROM (SELECT r.id FROM crm_records r {sort_join} WHERE {filter}
                   ORDER BY {order} {direction}, r.id {direction} LIMIT ? OFFSET ?) page
             JOIN crm_records r ON r.id = page.id {PIPELINE_JOIN} {STAGE_JOIN}
             ORDER BY {order} {direction}, r.id {direction}"
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
                    currency: row.get(13)?,
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
