//! Sync runs: persisted `crm_sync` jobs over pipelines, deals and contacts. The cursor (entity, next page,
//! `since`, counters) is saved with every page in the page's own transaction; a run that was interrupted
//! (crash, kill, restart) or failed is resumed by the next `start` for the same integration, from its
//! cursor. Incremental by default (since the last successful run, with a minute of overlap), full on
//! request; cancellable between pages.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use ts_rs::TS;

use super::records::{upsert, Counts, Fetched};
use super::{bitrix24, kommo};
use super::{Claim, InProgress};
use crate::health::{CheckContext, CheckTarget, Verdict};
use crate::runs::{Run, RunKind, RunStatus};
use crate::store::now_ms;
use crate::{blocking, Error, Patchbay, Result};

/// What to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Entity {
    /// Kommo pipelines with their statuses; Bitrix24 deal categories with their stages.
    Pipelines,
    /// Kommo leads; Bitrix24 deals.
    Deals,
    /// Contacts.
    Contacts,
}

impl Entity {
    /// Parses `pipelines`, `deals`, `contacts`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `entities`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "pipelines" => Ok(Self::Pipelines),
            "deals" | "leads" => Ok(Self::Deals),
            "contacts" => Ok(Self::Contacts),
            other => Err(Error::validation(
                "entities",
                format!("unknown entity `{other}`; expected pipelines, deals or contacts"),
            )),
        }
    }
}

/// One page from a CRM.
pub struct PageResult {
    /// Records of the page.
    pub records: Vec<Fetched>,
    /// Position of the next page, when there is one.
    pub next: Option<u64>,
    /// The account's currency (ISO 4217 code as the CRM names it), when this page learnt it: Kommo's
    /// first page of leads also asks `GET /api/v4/account`, whose `currency` every lead's `price` is in.
    pub currency: Option<String>,
}

/// A run's resumable position and counters (stored as JSON in `runs.cursor`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncCursor {
    /// Entities of the run, in order.
    pub entities: Vec<Entity>,
    /// Index of the entity in progress.
    pub index: usize,
    /// Next page (Kommo page number, Bitrix24 `start`); `None` = first page.
    pub position: Option<u64>,
    /// Only records changed since this unix time (s); `None` = full sync.
    pub since: Option<i64>,
    /// Counters so far.
    pub counts: Counts,
}

enum Source {
    Kommo(kommo::Client),
    Bitrix(bitrix24::Client),
}

impl Source {
    fn system(&self) -> &'static str {
        match self {
            Self::Kommo(_) => "kommo",
            Self::Bitrix(_) => "bitrix24",
        }
    }

    fn first(&self) -> u64 {
        match self {
            Self::Kommo(_) => 1,
            Self::Bitrix(_) => 0,
        }
    }

    async fn page(
        &self,
        context: &CheckContext,
        entity: Entity,
        position: u64,
        since: Option<i64>,
    ) -> std::result::Result<PageResult, Verdict> {
        match self {
            Self::Kommo(client) => client.page(context, entity, position, since).await,
            Self::Bitrix(client) => client.page(context, entity, position, since).await,
        }
    }
}

impl Patchbay {
    /// Stores one page and the run's new cursor in one transaction, so a crash after it loses nothing
    /// and a crash before it redoes only this page (the upsert makes that idempotent).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn commit_sync_page(
        &self,
        run_id: i64,
        integration_id: i64,
        system: &str,
        records: &[Fetched],
        cursor: &SyncCursor,
    ) -> Result<Counts> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let counts = upsert(&transaction, integration_id, system, records, now_ms())?;
        let mut cursor = cursor.clone();
        cursor.counts.add(counts);
        let json =
            serde_json::to_string(&cursor).map_err(|error| Error::Internal(error.to_string()))?;
        transaction.execute(
            "UPDATE runs SET cursor = ?2, progress_done = ?3, heartbeat_at = ?4, summary = ?5 WHERE id = ?1",
            params![run_id, json, i64::try_from(cursor.counts.fetched).unwrap_or(i64::MAX), now_ms(), cursor.counts.describe()],
        )?;
        transaction.commit()?;
        Ok(counts)
    }

    /// The latest `crm_sync` run of an integration if it was interrupted or failed (resumable).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn resumable_sync(&self, integration_id: i64) -> Result<Option<(i64, SyncCursor)>> {
        let row: Option<(i64, String, Option<String>)> = self
            .store
            .lock()
            .query_row(
                "SELECT id, status, cursor FROM runs WHERE kind = 'crm_sync' AND integration_id = ?1 ORDER BY id DESC LIMIT 1",
                [integration_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(|(id, status, cursor)| {
            let cursor: SyncCursor = serde_json::from_str(cursor.as_deref()?).ok()?;
            matches!(status.as_str(), "interrupted" | "failed").then_some((id, cursor))
        }))
    }

    /// Start time (unix s) of the integration's last successful sync of exactly `entities`.
    fn last_successful_sync(&self, integration_id: i64) -> Result<Option<i64>> {
        Ok(self
            .store
            .lock()
            .query_row(
                "SELECT MAX(started_at) FROM runs WHERE kind = 'crm_sync' AND integration_id = ?1 AND status = 'succeeded'",
                [integration_id],
                |row| row.get::<_, Option<i64>>(0),
            )?
            .map(|ms| ms / 1000))
    }

    /// Puts an interrupted or failed run back to `running` to resume it.
    fn reopen_run(&self, run_id: i64) -> Result<Run> {
        let connection = self.store.lock();
        connection.execute(
            "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, heartbeat_at = ?2, owner = ?3 WHERE id = ?1",
            params![run_id, now_ms(), self.owner_token()],
        )?;
        drop(connection);
        Ok(self.run_detail(run_id)?.run)
    }

    fn save_cursor(&self, run_id: i64, cursor: &SyncCursor) -> Result<()> {
        let json =
            serde_json::to_string(cursor).map_err(|error| Error::Internal(error.to_string()))?;
        self.store.lock().execute(
            "UPDATE runs SET cursor = ?2, heartbeat_at = ?3 WHERE id = ?1",
            params![run_id, json, now_ms()],
        )?;
        Ok(())
    }
}

/// Runs CRM syncs.
pub struct Sync {
    core: Arc<Patchbay>,
    context: CheckContext,
    progress: Option<broadcast::Sender<Run>>,
    cancelled: Mutex<HashSet<i64>>,
    /// Integrations with a sync in progress in this process, and its run once recorded.
    active: InProgress<Option<i64>>,
    backoff: Option<std::time::Duration>,
    /// How often a run in progress tells other processes it is alive, besides every saved page.
    heartbeat_every: std::time::Duration,
}

/// A sync whose run is recorded and marked running (from [`Sync::begin`]), to be [`Sync::drive`]n. While it
/// exists, the integration counts as syncing in this process.
pub struct StartedSync {
    /// The run, as recorded when it started.
    pub run: Run,
    cursor: SyncCursor,
    source: Source,
    integration_id: i64,
    _active: Claim<Option<i64>>,
}

/// Overlap of incremental syncs, seconds (clock skew between us and the CRM).
const OVERLAP_S: i64 = 60;

impl Sync {
    /// A sync service (30 s per request).
    ///
    /// # Errors
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(core: Arc<Patchbay>) -> Result<Self> {
        let context = super::request_context()?;
        Ok(Self {
            core,
            context,
            progress: None,
            cancelled: Mutex::new(HashSet::new()),
            active: InProgress::default(),
            backoff: None,
            heartbeat_every: crate::runs::HEARTBEAT_EVERY,
        })
    }

    /// Publishes run progress on `sender`.
    pub fn with_progress(mut self, sender: broadcast::Sender<Run>) -> Self {
        self.progress = Some(sender);
        self
    }

    /// Uses `context` (timeouts, body limit) for every request instead of the 30 s default.
    pub fn with_context(mut self, context: crate::health::CheckContext) -> Self {
        self.context = context;
        self
    }

    /// Writes the heartbeat of a run in progress every `every` instead of [`crate::runs::HEARTBEAT_EVERY`] (tests).
    pub fn with_heartbeat_every(mut self, every: std::time::Duration) -> Self {
        self.heartbeat_every = every;
        self
    }

    /// Shortens retry backoff (tests).
    pub fn with_backoff(mut self, base: std::time::Duration) -> Self {
        self.backoff = Some(base);
        self
    }

    /// Asks run `run_id` to stop after its current page.
    ///
    /// # Errors
    /// [`Error::Busy`] when the run is not in progress in this process: it has ended, or another
    /// Patchbay window or command runs it (only that one can stop it).
    pub fn cancel(&self, run_id: i64) -> Result<()> {
        let ours = self.active.any(|run| *run == Some(run_id));
        if !ours {
            return Err(Error::Busy(format!("run {run_id} is not running in this window: it has ended, or another Patchbay window or command runs it — stop it there")));
        }
        self.cancelled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(run_id);
        Ok(())
    }

    fn publish(&self, run: &Run) {
        if let Some(sender) = &self.progress {
            let _ = sender.send(run.clone());
        }
    }

    fn source(&self, target: &CheckTarget) -> Result<Source> {
        let source = match target.provider.as_str() {
            "kommo" => Source::Kommo(kommo::Client::new(target)),
            "bitrix24" => Source::Bitrix(bitrix24::Client::new(target)),
            other => {
                return Err(Error::validation(
                    "integration_id",
                    format!("{other} integrations cannot be synced; use kommo or bitrix24"),
                ))
            }
        };
        Ok(match (source, self.backoff) {
            (Source::Kommo(client), Some(base)) => Source::Kommo(client.with_backoff(base)),
            (Source::Bitrix(client), Some(base)) => Source::Bitrix(client.with_backoff(base)),
            (source, None) => source,
        })
    }

    /// Syncs `entities` of integration `integration_id` to the end and returns the finished run. Resumes
    /// the integration's interrupted or failed run, unless `full`. [`Sync::begin`] then [`Sync::drive`].
    ///
    /// # Errors
    /// As [`Sync::begin`] and [`Sync::drive`]. CRM failures end the run as `failed` (resumable), they are not errors.
    pub async fn run(&self, integration_id: i64, entities: Vec<Entity>, full: bool) -> Result<Run> {
        let started = self.begin(integration_id, entities, full).await?;
        self.drive(started).await
    }

    /// Starts the sync — a new run, or the integration's interrupted or failed one resumed unless `full` —
    /// and returns as soon as the run is recorded, so that a caller can answer at once and
    /// [`Sync::drive`] the rest in the background.
    ///
    /// # Errors
    /// [`Error::Validation`] for an integration that is not a CRM or an empty entity list;
    /// [`Error::NotFound`]; [`Error::Busy`] while a sync of the integration runs, in this process or,
    /// by its run's heartbeat, in another; [`Error::Store`].
    pub async fn begin(
        &self,
        integration_id: i64,
        entities: Vec<Entity>,
        full: bool,
    ) -> Result<StartedSync> {
        if entities.is_empty() {
            return Err(Error::validation(
                "entities",
                "choose at least one of pipelines, deals, contacts",
            ));
        }
        let Some(_active) = self.active.claim(integration_id, None) else {
            return Err(Error::Busy(
                "a sync of this integration is already running; cancel it or wait".into(),
            ));
        };
        // Another Patchbay process (the app and the CLI, two windows) could run the same sync: the upsert
        // makes that harmless for the data, but it doubles the CRM's requests and the runs list.
        if let Some((other, age_ms)) = blocking(&self.core, move |core| {
            core.live_run_of(RunKind::CrmSync, integration_id, now_ms())
        })
        .await?
        {
            return Err(Error::Busy(format!(
                    "a sync of this integration is already running in another Patchbay window or command (run {other}, last sign of life {} s ago): wait for it to finish — once that process ends, its run is marked interrupted and can be resumed",
                    age_ms / 1000,
                )));
        }
        let target = blocking(&self.core, move |core| core.check_target(integration_id)).await?;
        let source = self.source(&target)?;
        let resumable = if full {
            None
        } else {
            blocking(&self.core, move |core| core.resumable_sync(integration_id)).await?
        };
        let (run, cursor) = match resumable {
            Some((run_id, cursor)) => {
                let run = blocking(&self.core, move |core| core.reopen_run(run_id)).await?;
                let _ = blocking(&self.core, move |core| {
                    core.run_log(run_id, "info", "resumed from the saved cursor")
                })
                .await;
                (run, cursor)
            }
            None => {
                let since = if full {
                    None
                } else {
                    blocking(&self.core, move |core| {
                        core.last_successful_sync(integration_id)
                    })
                    .await?
                    .map(|s| s - OVERLAP_S)
                };
                let names: Vec<&str> = entities
                    .iter()
                    .map(|e| match e {
                        Entity::Pipelines => "pipelines",
                        Entity::Deals => "deals",
                        Entity::Contacts => "contacts",
                    })
                    .collect();
                let title = format!(
                    "{} sync: {}{}",
                    crate::providers::get(&target.provider)?.spec().label,
                    names.join(", "),
                    if since.is_some() {
                        " (incremental)"
                    } else {
                        " (full)"
                    }
                );
                let cursor = SyncCursor {
                    entities,
                    index: 0,
                    position: None,
                    since,
                    counts: Counts::default(),
                };
                let saved = cursor.clone();
                let run = blocking(&self.core, move |core| {
                    let run =
                        core.start_run(RunKind::CrmSync, &title, None, Some(integration_id), None)?;
                    core.save_cursor(run.id, &saved)?;
                    Ok(run)
                })
                .await?;
                (run, cursor)
            }
        };
        self.active.set(integration_id, Some(run.id));
        self.publish(&run);
        Ok(StartedSync {
            run,
            cursor,
            source,
            integration_id,
            _active,
        })
    }

    /// Fetches and saves the started sync's pages to the end and returns the finished run.
    ///
    /// # Errors
    /// [`Error::Store`] when the run's end cannot be recorded. CRM failures and pages that cannot be saved
    /// end the run as `failed` (resumable), they are not errors.
    pub async fn drive(&self, started: StartedSync) -> Result<Run> {
        let StartedSync {
            run,
            mut cursor,
            source,
            integration_id,
            _active,
        } = started;
        let run_id = run.id;
        // Pages save the heartbeat too, but one page can wait on the CRM for longer than 30 s.
        let _heartbeat = crate::runs::keep_alive(&self.core, run_id, self.heartbeat_every);
        while cursor.index < cursor.entities.len() {
            if self
                .cancelled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&run_id)
            {
                return self
                    .finish(
                        run_id,
                        RunStatus::Cancelled,
                        &cursor,
                        Some("cancelled by the user".into()),
                    )
                    .await;
            }
            let entity = cursor.entities[cursor.index];
            let position = cursor.position.unwrap_or_else(|| source.first());
            match source
                .page(&self.context, entity, position, cursor.since)
                .await
            {
                Err(verdict) => {
                    let kind = verdict
                        .error_kind
                        .map_or("error", crate::health::CheckErrorKind::as_str);
                    return self
                        .finish(
                            run_id,
                            RunStatus::Failed,
                            &cursor,
                            Some(format!(
                                "{} ({kind}); run it again to resume",
                                verdict.detail
                            )),
                        )
                        .await;
                }
                Ok(page) if page.next.is_some_and(|next| next <= position) => {
                    return self
                        .finish(
                            run_id,
                            RunStatus::Failed,
                            &cursor,
                            Some(format!(
                                "the CRM sent page {position} again instead of moving on (bad_response)"
                            )),
                        )
                        .await;
                }
                Ok(page) => {
                    let mut next_cursor = cursor.clone();
                    match page.next {
                        Some(next) => next_cursor.position = Some(next),
                        None => {
                            next_cursor.index += 1;
                            next_cursor.position = None;
                        }
                    }
                    let (system, records, saved, currency) = (
                        source.system(),
                        page.records,
                        next_cursor.clone(),
                        page.currency,
                    );
                    let counts = match blocking(&self.core, move |core| {
                        if let Some(currency) = currency.as_deref() {
                            core.save_crm_currency(integration_id, currency)?;
                        }
                        core.commit_sync_page(run_id, integration_id, system, &records, &saved)
                    })
                    .await
                    {
                        Ok(counts) => counts,
                        // The page's transaction rolled back: the run ends failed at its last saved page,
                        // resumable, instead of staying "running" until its heartbeat goes stale.
                        Err(error) => {
                            return self
                                .finish(
                                    run_id,
                                    RunStatus::Failed,
                                    &cursor,
                                    Some(format!(
                                        "saving the fetched page failed: {error}; run it again to resume"
                                    )),
                                )
                                .await
                        }
                    };
                    next_cursor.counts.add(counts);
                    cursor = next_cursor;
                    if let Ok(detail) =
                        blocking(&self.core, move |core| core.run_detail(run_id)).await
                    {
                        self.publish(&detail.run);
                    }
                }
            }
        }
        self.finish(run_id, RunStatus::Succeeded, &cursor, None)
            .await
    }

    /// Starts the scheduled syncs when they are due (checked every 30 s), as incremental runs; a
    /// schedule whose integration is still syncing is skipped until its next time. Never returns.
    pub async fn run_scheduler(self: Arc<Self>) {
        loop {
            let now = now_ms();
            match blocking(&self.core, move |core| core.claim_due_syncs(now)).await {
                Ok(due) => {
                    for (integration_id, entities) in due {
                        let sync = Arc::clone(&self);
                        tokio::spawn(async move {
                            if let Err(error) = sync.run(integration_id, entities, false).await {
                                log::warn!(
                                    "scheduled sync of integration {integration_id}: {error}"
                                );
                            }
                        });
                    }
                }
                Err(error) => log::warn!("sync scheduler: {error}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    }

    async fn finish(
        &self,
        run_id: i64,
        status: RunStatus,
        cursor: &SyncCursor,
        error: Option<String>,
    ) -> Result<Run> {
        let summary = cursor.counts.describe();
        let level = if error.is_some() { "error" } else { "info" };
        let line = error.clone().unwrap_or_else(|| summary.clone());
        let run = blocking(&self.core, move |core| {
            core.run_log(run_id, level, &line)?;
            core.finish_run(run_id, status, Some(&summary), error.as_deref())
        })
        .await?;
        self.publish(&run);
        Ok(run)
    }
}
