//! The Bitrix24 portal-to-portal bridge (seed 003): deals that reach a trigger stage in a source portal
//! are created in a target portal through a field mapping, in `batch` calls of at most 50 `crm.deal.add`
//! (<https://apidocs.bitrix24.com/api-reference/crm/deals/crm-deal-add.html>), deduplicated through the
//! bridge's id map (`bridge_links`).
//!
//! Each created deal carries `ORIGINATOR_ID = patchbay-bridge-<id>` and `ORIGIN_ID = <source deal id>`
//! (the fields Bitrix24 keeps for records that come from an external system), so a run killed between
//! the target's answer and the id-map write recovers those links from the target instead of creating
//! the deals again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use super::bitrix24::{self, text, MAX_BATCH};
use crate::health::{CheckContext, CheckErrorKind};
use crate::runs::{Run, RunKind, RunStatus};
use crate::store::now_ms;
use crate::{blocking, Error, Patchbay, Result};

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RuleSource {
    /// A field of the source deal (`TITLE`, `OPPORTUNITY`, `UF_CRM_…`).
    Field {
        /// Source field code.
        field: String,
    },
    /// A fixed value.
    Constant {
        /// The value.
        value: String,
    },
}

/// A simple transform applied to a mapped value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Transform {
    /// The value as it is.
    #[default]
    None,
    /// Leading and trailing whitespace removed.
    Trim,
    /// Upper case.
    Uppercase,
    /// Lower case.
    Lowercase,
    /// A number (`"1 500,50"` → `1500.50`); a deal whose value is not a number fails.
    Number,
}

/// One target field and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldRule {
    /// Target field code.
    pub target: String,
    /// Source of the value.
    pub source: RuleSource,
    /// Transform of the value.
    #[serde(default)]
    pub transform: Transform,
}

/// A bridge's mapping: field rules and the stage the created deals start in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Mapping {
    /// Field rules, in order.
    pub fields: Vec<FieldRule>,
    /// Source `STAGE_ID` → target `STAGE_ID`.
    pub stages: BTreeMap<String, String>,
    /// Target `CATEGORY_ID` (pipeline) of created deals; the portal's default when `None`.
    pub target_category: Option<String>,
}

/// What a rerun does with a deal it transferred before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OnRerun {
    /// Leave it.
    #[default]
    Skip,
    /// Update the target deal with the mapped fields (`crm.deal.update`).
    Update,
}

/// A bridge as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Bridge {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Source Bitrix24 integration.
    #[ts(type = "number")]
    pub source_integration_id: i64,
    /// Target Bitrix24 integration.
    #[ts(type = "number")]
    pub target_integration_id: i64,
    /// Source `STAGE_ID` whose deals are transferred.
    pub trigger_stage: String,
    /// Field and stage mapping.
    pub mapping: Mapping,
    /// Rerun behaviour.
    pub on_rerun: OnRerun,
    /// Deals transferred so far (id-map rows).
    #[ts(type = "number")]
    pub transferred: i64,
    /// Unix ms.
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// A bridge to create or replace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BridgeInput {
    /// Name.
    pub name: String,
    /// Source Bitrix24 integration.
    #[ts(type = "number")]
    pub source_integration_id: i64,
    /// Target Bitrix24 integration.
    #[ts(type = "number")]
    pub target_integration_id: i64,
    /// Source `STAGE_ID` whose deals are transferred.
    pub trigger_stage: String,
    /// Field and stage mapping.
    pub mapping: Mapping,
    /// Rerun behaviour.
    #[serde(default)]
    pub on_rerun: OnRerun,
}

/// One deal a bridge run created, updated, would create, or could not transfer.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TransferItem {
    /// Source deal id.
    pub source_id: String,
    /// Target deal id, once created.
    pub target_id: Option<String>,
    /// `create`, `update`, `skip` or `failed`.
    pub action: String,
    /// The mapped fields sent (or that would be sent).
    #[ts(type = "Record<string, unknown>")]
    pub fields: Value,
    /// Why it failed.
    pub error: Option<String>,
}

/// What a bridge run did (or, dry, would do).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TransferReport {
    /// The recorded run (`None` for a dry run).
    pub run: Option<Run>,
    /// Nothing was written to the target.
    pub dry_run: bool,
    /// Deals found in the trigger stage.
    pub found: u64,
    /// Created in the target.
    pub created: u64,
    /// Updated in the target.
    pub updated: u64,
    /// Transferred before and left alone.
    pub skipped: u64,
    /// Not transferred (mapping or target error).
    pub failed: u64,
    /// The first 200 items, for the UI.
    pub items: Vec<TransferItem>,
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The `ORIGINATOR_ID` a bridge stamps on the deals it creates.
pub fn originator(bridge_id: i64) -> String {
    format!("patchbay-bridge-{bridge_id}")
}

impl Mapping {
    /// Checks the mapping for a bridge triggered by `trigger_stage`.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the rule (`mapping.fields[2].target`).
    pub fn validate(&self, trigger_stage: &str) -> Result<()> {
        if self.fields.is_empty() {
            return Err(Error::validation(
                "mapping.fields",
                "map at least one field (TITLE at least)",
            ));
        }
        let mut seen = HashMap::new();
        for (index, rule) in self.fields.iter().enumerate() {
            let at = format!("mapping.fields[{index}]");
            if !code_ok(&rule.target) {
                return Err(Error::validation(
                    format!("{at}.target"),
                    format!(
                        "`{}` is not a Bitrix24 field code (like TITLE or UF_CRM_1700000000)",
                        rule.target
                    ),
                ));
            }
            if matches!(
                rule.target.as_str(),
                "ID" | "STAGE_ID" | "CATEGORY_ID" | "ORIGINATOR_ID" | "ORIGIN_ID"
            ) {
                return Err(Error::validation(
                    format!("{at}.target"),
                    format!(
                        "{} is set by the bridge itself (stage map, target pipeline, id map)",
                        rule.target
                    ),
                ));
            }
            if let Some(previous) = seen.insert(rule.target.as_str(), index) {
                return Err(Error::validation(
                    format!("{at}.target"),
                    format!("{} is already mapped by rule {}", rule.target, previous + 1),
                ));
            }
            if let RuleSource::Field { field } = &rule.source {
                if !code_ok(field) {
                    return Err(Error::validation(
                        format!("{at}.source"),
                        format!("`{field}` is not a Bitrix24 field code"),
                    ));
                }
            }
        }
        if !seen.contains_key("TITLE") {
            return Err(Error::validation(
                "mapping.fields",
                "map TITLE so the created deals can be recognised in the target portal",
            ));
        }
        if !self.stages.contains_key(trigger_stage.trim()) {
            return Err(Error::validation(
                "mapping.stages",
                format!("map the trigger stage {trigger_stage} to a stage of the target portal"),
            ));
        }
        if let Some((source, _)) = self
            .stages
            .iter()
            .find(|(_, target)| target.trim().is_empty())
        {
            return Err(Error::validation(
                "mapping.stages",
                format!("the target stage for {source} is empty"),
            ));
        }
        if self
            .target_category
            .as_deref()
            .is_some_and(|c| c.parse::<u32>().is_err())
        {
            return Err(Error::validation(
                "mapping.target_category",
                "must be a pipeline (category) id: 0 for the general one, or a number",
            ));
        }
        Ok(())
    }

    /// The target fields for `deal`.
    ///
    /// # Errors
    /// A message naming the field that could not be mapped.
    pub fn apply(&self, deal: &Value) -> std::result::Result<Value, String> {
        let mut fields = serde_json::Map::new();
        for rule in &self.fields {
            let raw = match &rule.source {
                RuleSource::Constant { value } => value.clone(),
                RuleSource::Field { field } => match &deal[field.as_str()] {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            };
            let value = match rule.transform {
                Transform::None => json!(raw),
                Transform::Trim => json!(raw.trim()),
                Transform::Uppercase => json!(raw.to_uppercase()),
                Transform::Lowercase => json!(raw.to_lowercase()),
                Transform::Number => {
                    let cleaned: String = raw
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .map(|c| if c == ',' { '.' } else { c })
                        .collect();
                    if cleaned.is_empty() {
                        json!(0)
                    } else {
                        json!(cleaned
                            .parse::<f64>()
                            .map_err(|_| format!("{}: `{raw}` is not a number", rule.target))?)
                    }
                }
            };
            fields.insert(rule.target.clone(), value);
        }
        let stage = deal["STAGE_ID"].as_str().unwrap_or_default();
        let target_stage = self
            .stages
            .get(stage)
            .ok_or_else(|| format!("stage {stage} has no target stage in the mapping"))?;
        fields.insert("STAGE_ID".into(), json!(target_stage));
        if let Some(category) = &self.target_category {
            fields.insert("CATEGORY_ID".into(), json!(category));
        }
        Ok(Value::Object(fields))
    }
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Bridge> {
    let mapping: String = row.get(5)?;
    let on_rerun: String = row.get(6)?;
    Ok(Bridge {
        id: row.get(0)?,
        name: row.get(1)?,
        source_integration_id: row.get(2)?,
        target_integration_id: row.get(3)?,
        trigger_stage: row.get(4)?,
        mapping: serde_json::from_str(&mapping).unwrap_or_default(),
        on_rerun: if on_rerun == "update" {
            OnRerun::Update
        } else {
            OnRerun::Skip
        },
        transferred: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

const SELECT: &str = "SELECT b.id, b.name, b.source_integration_id, b.target_integration_id, b.trigger_stage,
    b.mapping, b.on_rerun, (SELECT COUNT(*) FROM bridge_links l WHERE l.bridge_id = b.id), b.updated_at FROM bridges b";

fn validate_bridge(connection: &Connection, input: &BridgeInput) -> Result<()> {
    if input.name.trim().is_empty() {
        return Err(Error::validation("name", "give the bridge a name"));
    }
    for (field, id) in [
        ("source_integration_id", input.source_integration_id),
        ("target_integration_id", input.target_integration_id),
    ] {
        let integration = crate::integrations::load(connection, id)
            .map_err(|_| Error::validation(field, format!("integration {id} does not exist")))?;
        if integration.provider != "bitrix24" {
            return Err(Error::validation(
                field,
                format!(
                    "{} is a {} integration; a bridge links two Bitrix24 portals",
                    integration.name, integration.provider
                ),
            ));
        }
    }
    if input.source_integration_id == input.target_integration_id {
        return Err(Error::validation(
            "target_integration_id",
            "the target must be another portal than the source",
        ));
    }
    if input.trigger_stage.trim().is_empty() {
        return Err(Error::validation(
            "trigger_stage",
            "choose the source stage that triggers a transfer",
        ));
    }
    input.mapping.validate(input.trigger_stage.trim())
}

/// Validates `input` and creates (`id` `None`) or replaces a bridge through `connection`.
///
/// # Errors
/// As [`Patchbay::save_bridge`].
pub(crate) fn write_bridge(
    connection: &Connection,
    id: Option<i64>,
    input: &BridgeInput,
) -> Result<Bridge> {
    validate_bridge(connection, input)?;
    let mapping = serde_json::to_string(&input.mapping)
        .map_err(|error| Error::Internal(error.to_string()))?;
    let on_rerun = match input.on_rerun {
        OnRerun::Skip => "skip",
        OnRerun::Update => "update",
    };
    let now = now_ms();
    let id = match id {
        Some(id) => {
            let changed = connection.execute(
                "UPDATE bridges SET name = ?2, source_integration_id = ?3, target_integration_id = ?4, trigger_stage = ?5,
                     mapping = ?6, on_rerun = ?7, updated_at = ?8 WHERE id = ?1",
                params![id, input.name.trim(), input.source_integration_id, input.target_integration_id,
                    input.trigger_stage.trim(), mapping, on_rerun, now],
            )?;
            if changed == 0 {
                return Err(Error::NotFound {
                    what: "bridge",
                    id: id.to_string(),
                });
            }
            id
        }
        None => {
            connection.execute(
                "INSERT INTO bridges (name, source_integration_id, target_integration_id, trigger_stage, mapping, on_rerun, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![input.name.trim(), input.source_integration_id, input.target_integration_id,
                    input.trigger_stage.trim(), mapping, on_rerun, now],
            )?;
            connection.last_insert_rowid()
        }
    };
    Ok(connection.query_row(&format!("{SELECT} WHERE b.id = ?1"), [id], from_row)?)
}

impl Patchbay {
    /// Creates a bridge (`id` `None`) or replaces one; everything is validated before anything is written.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field; [`Error::NotFound`] for an unknown bridge id.
    pub fn save_bridge(&self, id: Option<i64>, input: &BridgeInput) -> Result<Bridge> {
        write_bridge(&self.store.lock(), id, input)
    }

    /// All bridges, by name.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn list_bridges(&self) -> Result<Vec<Bridge>> {
        let connection = self.store.lock();
        let mut statement =
            connection.prepare_cached(&format!("{SELECT} ORDER BY lower(b.name), b.id"))?;
        let bridges = statement
            .query_map([], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(bridges)
    }

    /// One bridge.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn get_bridge(&self, id: i64) -> Result<Bridge> {
        self.store
            .lock()
            .query_row(&format!("{SELECT} WHERE b.id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "bridge",
                id: id.to_string(),
            })
    }

    /// Deletes a bridge and its id map (the deals in the target portal stay).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn delete_bridge(&self, id: i64) -> Result<()> {
        let changed = self
            .store
            .lock()
            .execute("DELETE FROM bridges WHERE id = ?1", [id])?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "bridge",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// The bridge's id map: source deal id → target deal id.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn bridge_links(&self, bridge_id: i64) -> Result<HashMap<String, String>> {
        let connection = self.store.lock();
        let mut statement = connection.prepare_cached(
            "SELECT source_deal_id, target_deal_id FROM bridge_links WHERE bridge_id = ?1",
        )?;
        let links = statement
            .query_map([bridge_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(links)
    }

    /// Writes id-map rows (source → target) in one transaction; existing rows get a new `updated_at`.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn write_bridge_links(&self, bridge_id: i64, links: &[(String, String)]) -> Result<()> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO bridge_links (bridge_id, source_deal_id, target_deal_id, transferred_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT (bridge_id, source_deal_id) DO UPDATE SET updated_at = excluded.updated_at",
            )?;
            let now = now_ms();
            for (source, target) in links {
                insert.execute(params![bridge_id, source, target, now])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }
}

/// Runs bridges.
pub struct Transfer {
    core: Arc<Patchbay>,
    context: CheckContext,
    backoff: Option<std::time::Duration>,
    /// Bridges with a real run in progress in this process: two at once would both find a deal not yet
    /// transferred and create it twice in the target portal.
    active: super::InProgress<()>,
}

/// Items kept in a [`TransferReport`].
const REPORT_ITEMS: usize = 200;

impl Transfer {
    /// A bridge runner (30 s per request).
    ///
    /// # Errors
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(core: Arc<Patchbay>) -> Result<Self> {
        let context = super::request_context()?;
        Ok(Self {
            core,
            context,
            backoff: None,
            active: super::InProgress::default(),
        })
    }

    /// Shortens retry backoff (tests).
    pub fn with_backoff(mut self, base: std::time::Duration) -> Self {
        self.backoff = Some(base);
        self
    }

    fn client(&self, target: &crate::health::CheckTarget) -> bitrix24::Client {
        let client = bitrix24::Client::new(target);
        match self.backoff {
            Some(base) => client.with_backoff(base),
            None => client,
        }
    }

    /// Every item of list `method` matching `filter`.
    async fn list_all(
        &self,
        client: &bitrix24::Client,
        method: &str,
        filter: Value,
    ) -> std::result::Result<Vec<Value>, crate::health::Verdict> {
        let mut items = Vec::new();
        let mut position = 0;
        loop {
            let (page, next) = client
                .list(&self.context, method, &filter, position)
                .await?;
            items.extend(page);
            match next {
                Some(next) if next > position => position = next,
                _ => return Ok(items),
            }
        }
    }

    /// Runs bridge `bridge_id`: finds the source deals in the trigger stage, creates the new ones in
    /// the target (`batch` of ≤ 50 `crm.deal.add`), updates or skips those transferred before, and
    /// writes the id map after every batch. A dry run only reads and reports. A real run is recorded as
    /// a `bridge_transfer` run.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Validation`] for a bridge whose mapping no longer validates;
    /// [`Error::Busy`] for a real run while the bridge's previous one is still going. Portal failures end
    /// the run as `failed` (a rerun continues without duplicates); they are not errors.
    pub async fn run(&self, bridge_id: i64, dry_run: bool) -> Result<TransferReport> {
        let _active = if dry_run {
            None
        } else {
            Some(self.active.claim(bridge_id, ()).ok_or_else(|| {
                Error::Busy(
                    "this bridge is already running: wait for its report, then run it again if needed"
                        .into(),
                )
            })?)
        };
        let bridge = blocking(&self.core, move |core| core.get_bridge(bridge_id)).await?;
        bridge.mapping.validate(&bridge.trigger_stage)?;
        let (source_id, target_id) = (bridge.source_integration_id, bridge.target_integration_id);
        let source_target = blocking(&self.core, move |core| core.check_target(source_id)).await?;
        let target_target = blocking(&self.core, move |core| core.check_target(target_id)).await?;
        let (source, target) = (self.client(&source_target), self.client(&target_target));
        let mut report = TransferReport {
            run: None,
            dry_run,
            found: 0,
            created: 0,
            updated: 0,
            skipped: 0,
            failed: 0,
            items: Vec::new(),
        };
        let run = if dry_run {
            None
        } else {
            let title = format!(
                "Bridge “{}”: deals in stage {}",
                bridge.name, bridge.trigger_stage
            );
            Some(
                blocking(&self.core, move |core| {
                    core.start_run(RunKind::BridgeTransfer, &title, None, Some(source_id), None)
                })
                .await?,
            )
        };
        // Batches save the heartbeat too, but listing a large portal can take longer than 30 s.
        let heartbeat = run
            .as_ref()
            .map(|run| crate::runs::keep_alive(&self.core, run.id, crate::runs::HEARTBEAT_EVERY));
        let outcome = self
            .transfer(
                &bridge,
                &source,
                &target,
                run.as_ref().map(|r| r.id),
                &mut report,
            )
            .await;
        drop(heartbeat);
        if let Some(run) = run {
            let summary = format!(
                "{} found: {} created, {} updated, {} skipped, {} failed",
                report.found, report.created, report.updated, report.skipped, report.failed
            );
            let (status, error) = match outcome {
                Ok(()) if report.failed == 0 => (RunStatus::Succeeded, None),
                Ok(()) => (
                    RunStatus::Failed,
                    Some(format!(
                        "{} deals could not be transferred; see the log",
                        report.failed
                    )),
                ),
                Err(detail) => (
                    RunStatus::Failed,
                    Some(format!(
                        "{detail}; run it again to continue without duplicates"
                    )),
                ),
            };
            let run_id = run.id;
            let finished = blocking(&self.core, move |core| {
                core.run_log(
                    run_id,
                    if error.is_some() { "error" } else { "info" },
                    error.as_deref().unwrap_or(&summary),
                )?;
                core.finish_run(run_id, status, Some(&summary), error.as_deref())
            })
            .await?;
            report.run = Some(finished);
        } else if let Err(detail) = outcome {
            return Err(Error::validation(
                "bridge",
                format!("the dry run stopped: {detail}"),
            ));
        }
        Ok(report)
    }

    async fn transfer(
        &self,
        bridge: &Bridge,
        source: &bitrix24::Client,
        target: &bitrix24::Client,
        run_id: Option<i64>,
        report: &mut TransferReport,
    ) -> std::result::Result<(), String> {
        let describe = |verdict: crate::health::Verdict| {
            let kind = verdict.error_kind.map_or("error", CheckErrorKind::as_str);
            format!("{} ({kind})", verdict.detail)
        };
        let deals = self
            .list_all(
                source,
                "crm.deal.list",
                json!({"STAGE_ID": bridge.trigger_stage}),
            )
            .await
            .map_err(|v| format!("source portal: {}", describe(v)))?;
        report.found = deals.len() as u64;
        let bridge_id = bridge.id;
        let mut links = blocking(&self.core, move |core| core.bridge_links(bridge_id))
            .await
            .map_err(|e| e.to_string())?;
        // Recover links of deals created by a run that stopped before writing its id map.
        let stamped = self
            .list_all(
                target,
                "crm.deal.list",
                json!({"ORIGINATOR_ID": originator(bridge.id)}),
            )
            .await
            .map_err(|v| format!("target portal: {}", describe(v)))?;
        let recovered: Vec<(String, String)> = stamped
            .iter()
            .filter_map(|deal| {
                let origin = text(&deal["ORIGIN_ID"])?;
                let id = text(&deal["ID"])?;
                (!links.contains_key(&origin)).then_some((origin, id))
            })
            .collect();
        if !recovered.is_empty() && run_id.is_some() {
            let saved = recovered.clone();
            blocking(&self.core, move |core| {
                core.write_bridge_links(bridge_id, &saved)
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        links.extend(recovered);
        let mut work: Vec<(String, Option<String>, Value)> = Vec::new();
        for deal in &deals {
            let Some(source_id) = text(&deal["ID"]) else {
                continue;
            };
            let existing = links.get(&source_id).cloned();
            if existing.is_some() && bridge.on_rerun == OnRerun::Skip {
                report.skipped += 1;
                push(
                    report,
                    TransferItem {
                        source_id,
                        target_id: existing,
                        action: "skip".into(),
                        fields: Value::Null,
                        error: None,
                    },
                );
                continue;
            }
            match bridge.mapping.apply(deal) {
                Ok(mut fields) => {
                    if existing.is_none() {
                        fields["ORIGINATOR_ID"] = json!(originator(bridge.id));
                        fields["ORIGIN_ID"] = json!(source_id);
                    }
                    work.push((source_id, existing, fields));
                }
                Err(error) => {
                    report.failed += 1;
                    push(
                        report,
                        TransferItem {
                            source_id,
                            target_id: existing,
                            action: "failed".into(),
                            fields: Value::Null,
                            error: Some(error),
                        },
                    );
                }
            }
        }
        // Deals skipped or refused by the mapping are done before any batch (a rerun may have no batch at all).
        if let Some(run_id) = run_id {
            let (done, total) = report.progress();
            blocking(&self.core, move |core| {
                core.run_progress(run_id, done, Some(total), None)
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        if run_id.is_none() {
            for (source_id, existing, fields) in work {
                if existing.is_some() {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                let action = if existing.is_some() {
                    "update"
                } else {
                    "create"
                };
                push(
                    report,
                    TransferItem {
                        source_id,
                        target_id: existing,
                        action: action.into(),
                        fields,
                        error: None,
                    },
                );
            }
            return Ok(());
        }
        for chunk in work.chunks(MAX_BATCH) {
            let commands: Vec<(&str, Value)> = chunk
                .iter()
                .map(|(_, existing, fields)| match existing {
                    Some(id) => ("crm.deal.update", json!({"id": id, "fields": fields})),
                    None => ("crm.deal.add", json!({"fields": fields})),
                })
                .collect();
            let answers = target
                .batch(&self.context, &commands, false)
                .await
                .map_err(|v| format!("target portal: {}", describe(v)))?;
            let mut written = Vec::new();
            for ((source_id, existing, fields), answer) in chunk.iter().zip(answers) {
                match (answer, existing) {
                    (Ok(_), Some(id)) => {
                        report.updated += 1;
                        written.push((source_id.clone(), id.clone()));
                        push(
                            report,
                            TransferItem {
                                source_id: source_id.clone(),
                                target_id: Some(id.clone()),
                                action: "update".into(),
                                fields: fields.clone(),
                                error: None,
                            },
                        );
                    }
                    (Ok(answer), None) => match text(&answer.result) {
                        Some(id) => {
                            report.created += 1;
                            written.push((source_id.clone(), id.clone()));
                            push(
                                report,
                                TransferItem {
                                    source_id: source_id.clone(),
                                    target_id: Some(id),
                                    action: "create".into(),
                                    fields: fields.clone(),
                                    error: None,
                                },
                            );
                        }
                        None => {
                            report.failed += 1;
                            push(
                                report,
                                TransferItem {
                                    source_id: source_id.clone(),
                                    target_id: None,
                                    action: "failed".into(),
                                    fields: fields.clone(),
                                    error: Some("the target portal returned no deal id".into()),
                                },
                            );
                        }
                    },
                    (Err(verdict), _) => {
                        report.failed += 1;
                        let error = describe(verdict);
                        if let Some(run_id) = run_id {
                            let line = format!("deal {source_id}: {error}");
                            let _ = blocking(&self.core, move |core| {
                                core.run_log(run_id, "error", &line)
                            })
                            .await;
                        }
                        push(
                            report,
                            TransferItem {
                                source_id: source_id.clone(),
                                target_id: existing.clone(),
                                action: "failed".into(),
                                fields: fields.clone(),
                                error: Some(error),
                            },
                        );
                    }
                }
            }
            let (done, total) = report.progress();
            if let Some(run_id) = run_id {
                blocking(&self.core, move |core| {
                    core.write_bridge_links(bridge_id, &written)?;
                    core.run_progress(run_id, done, Some(total), None)
                })
                .await
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

impl TransferReport {
    /// The run's progress: deals done (created, updated, skipped or failed) and deals found.
    fn progress(&self) -> (i64, i64) {
        let done = self.created + self.updated + self.failed + self.skipped;
        (
            i64::try_from(done).unwrap_or(i64::MAX),
            i64::try_from(self.found).unwrap_or(i64::MAX),
        )
    }
}

fn push(report: &mut TransferReport, item: TransferItem) {
    if report.items.len() < REPORT_ITEMS {
        report.items.push(item);
    }
}
