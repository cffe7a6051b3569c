//! Runs: persisted units of work (check all, n8n triggers, CRM syncs, bridge transfers, test e-mails)
//! with status, progress, timing, log lines and a resumable cursor. A run records the process that runs it
//! (its `owner`, see [`crate::owners`]), and that process refreshes its `heartbeat_at` (every progress
//! update, or [`Patchbay::run_heartbeat`]). A run whose process has ended — its owner's lock is free, or,
//! for runs with no owner that can be checked, its heartbeat is older than [`STALE_AFTER_MS`] — is marked
//! `interrupted` when a store opens and, in the app, by [`sweep_stale_runs`] while it runs, so it is never
//! stuck "running" (kinds that can resume pick it up from its cursor). A live process's run is never
//! marked, however old its heartbeat (the machine slept).

use rusqlite::{params, params_from_iter, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::integrations::Page;
use crate::owners::OwnerState;
use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// How often [`keep_alive`] writes a run's heartbeat while the run waits (on a CRM portal, an n8n
/// execution, an SMTP server, slow health checks): well inside [`STALE_AFTER_MS`], so that no other
/// process takes the run for dead and marks it interrupted — or resumes it beside this one.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Writes run `run_id`'s heartbeat every `every` until the returned handle is dropped. Needs a Tokio
/// runtime; a failed write is retried at the next tick.
pub(crate) fn keep_alive(
    core: &std::sync::Arc<Patchbay>,
    run_id: i64,
    every: std::time::Duration,
) -> KeepAlive {
    let core = std::sync::Arc::clone(core);
    KeepAlive(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let _ = crate::blocking(&core, move |core| core.run_heartbeat(run_id)).await;
        }
    }))
}

/// The heartbeat task of [`keep_alive`], stopped when dropped — however the run ends.
pub(crate) struct KeepAlive(tokio::task::JoinHandle<()>);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Marks the runs of processes that died while this one runs (a killed CLI sync, a crashed second
/// window) as `interrupted` every `every`, and publishes each on `publish` so that the UI shows it.
/// Runs until the task is dropped; a failed sweep is logged and retried at the next tick.
///
/// After the machine slept (the wall clock moved on by more than [`woke_from_sleep`] allows while this
/// task waited), one round is skipped: every process slept, so every heartbeat looks old, and the live
/// processes of runs whose owner cannot be checked get a tick of their own ([`HEARTBEAT_EVERY`]) to write
/// theirs first.
pub async fn sweep_stale_runs(
    core: std::sync::Arc<Patchbay>,
    every: std::time::Duration,
    publish: tokio::sync::broadcast::Sender<Run>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    ticks.tick().await;
    let mut last = now_ms();
    loop {
        ticks.tick().await;
        let now = now_ms();
        let gap_ms = now - std::mem::replace(&mut last, now);
        if woke_from_sleep(gap_ms, every) {
            log::info!("the clock moved {gap_ms} ms in one sweep interval (the machine slept): the next sweep decides");
            continue;
        }
        match crate::blocking(&core, |core| core.interrupt_stale_runs(now_ms())).await {
            Ok(interrupted) => {
                for run in interrupted {
                    log::warn!(
                        "run {} ({:?}) marked interrupted: its process stopped",
                        run.id,
                        run.kind
                    );
                    let _ = publish.send(run);
                }
            }
            Err(error) => log::warn!("cannot sweep stale runs: {error}"),
        }
    }
}

/// Whether `gap_ms` of wall-clock time between two sweeps `every` apart means the machine slept: the wall
/// clock moves on by the time asleep, whatever the timers did, so more than twice the interval.
pub fn woke_from_sleep(gap_ms: i64, every: std::time::Duration) -> bool {
    gap_ms > 2 * i64::try_from(every.as_millis()).unwrap_or(i64::MAX / 2)
}

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunKind {
    /// "Check all" over a set of integrations.
    HealthCheckAll,
    /// An n8n webhook trigger and its execution.
    N8nTrigger,
    /// A CRM sync.
    CrmSync,
    /// A Bitrix24 portal-to-portal transfer.
    BridgeTransfer,
    /// A test e-mail.
    TestEmail,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunStatus {
    /// Waiting to start.
    Queued,
    /// In progress.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by the user.
    Cancelled,
    /// The app stopped while it ran (crash, kill, shutdown).
    Interrupted,
}

/// A running run whose heartbeat is older than this (ms) belongs to a process that is gone — for runs whose
/// owner cannot be checked ([`OwnerState::Unknown`], or recorded before owners existed).
pub const STALE_AFTER_MS: i64 = 30_000;

fn to_sql_text<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn from_sql_text<T: for<'de> Deserialize<'de>>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Run {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// What it does.
    pub kind: RunKind,
    /// Where it stands.
    pub status: RunStatus,
    /// One line saying what it works on ("Check all — Acme").
    pub title: String,
    /// Project, when the run is about one: "Check all" over a project, or the project its integration
    /// was in when the run started.
    #[ts(type = "number | null")]
    pub project_id: Option<i64>,
    /// Integration, when the run is about one.
    #[ts(type = "number | null")]
    pub integration_id: Option<i64>,
    /// That integration's name as it is now; `None` without one, or once it is deleted.
    pub integration_name: Option<String>,
    /// Items done.
    #[ts(type = "number")]
    pub progress_done: i64,
    /// Items in all, when known.
    #[ts(type = "number | null")]
    pub progress_total: Option<i64>,
    /// One-line result.
    pub summary: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Creation time, unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Start time, unix ms.
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// End time, unix ms.
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
    /// `finished_at - started_at`, ms.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
}

impl Run {
    /// The status as a word (`succeeded`, `failed` …).
    pub fn status_text(&self) -> String {
        to_sql_text(self.status)
    }
}

/// One log line of a run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunLog {
    /// Time, unix ms.
    #[ts(type = "number")]
    pub at: i64,
    /// `info`, `warn` or `error`.
    pub level: String,
    /// The line (never contains secrets).
    pub message: String,
}

/// A run with its log.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunDetail {
    /// The run.
    pub run: Run,
    /// Its log lines, oldest first (the newest 500).
    pub logs: Vec<RunLog>,
}

/// Column a run list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RunSort {
    /// Start time (queued runs last when ascending).
    #[default]
    Started,
    /// Kind.
    Kind,
    /// Status.
    Status,
    /// Duration.
    Duration,
}

/// A run list request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct RunQuery {
    /// 1-based page.
    pub page: u32,
    /// Rows per page, 1–100 (0 = 10).
    pub per_page: u32,
    /// Sort column.
    pub sort: RunSort,
    /// Descending (newest first is `sort: started, desc: true`).
    pub desc: bool,
    /// Only this project.
    #[ts(optional, type = "number")]
    pub project_id: Option<i64>,
    /// Only this kind.
    #[ts(optional)]
    pub kind: Option<RunKind>,
    /// Only this status.
    #[ts(optional)]
    pub status: Option<RunStatus>,
    /// Only runs about this integration (its syncs, triggers, bridge transfers, test e-mails).
    #[ts(optional, type = "number")]
    pub integration_id: Option<i64>,
}

const SELECT: &str =
    "SELECT id, kind, status, title, project_id, integration_id, progress_done, progress_total,
    summary, error, created_at, started_at, finished_at, duration_ms,
    (SELECT i.name FROM integrations i WHERE i.id = runs.integration_id) FROM runs";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: row.get(0)?,
        kind: from_sql_text(&row.get::<_, String>(1)?)?,
        status: from_sql_text(&row.get::<_, String>(2)?)?,
        title: row.get(3)?,
        project_id: row.get(4)?,
        integration_id: row.get(5)?,
        progress_done: row.get(6)?,
        progress_total: row.get(7)?,
        summary: row.get(8)?,
        error: row.get(9)?,
        created_at: row.get(10)?,
        started_at: row.get(11)?,
        finished_at: row.get(12)?,
        duration_ms: row.get(13)?,
        integration_name: row.get(14)?,
    })
}

impl Patchbay {
    /// Records a new run that starts now. A run about an integration belongs to that integration's
    /// project unless `project_id` says otherwise.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn start_run(
        &self,
        kind: RunKind,
        title: &str,
        project_id: Option<i64>,
        integration_id: Option<i64>,
        total: Option<i64>,
    ) -> Result<Run> {
        let now = now_ms();
        let connection = self.store.lock();
        connection.execute(
            "INSERT INTO runs (kind, status, title, project_id, integration_id, progress_total, created_at, started_at, heartbeat_at, owner)
             VALUES (?1, 'running', ?2, COALESCE(?3, (SELECT project_id FROM integrations WHERE id = ?4)), ?4, ?5, ?6, ?6, ?6, ?7)",
            params![to_sql_text(kind), title, project_id, integration_id, total, now, self.owner_token()],
        )?;
        let id = connection.last_insert_rowid();
        Ok(connection.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?)
    }

    /// Updates a running run's progress and, when given, its cursor (JSON).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn run_progress(
        &self,
        id: i64,
        done: i64,
        total: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<()> {
        self.store.lock().execute(
            "UPDATE runs SET progress_done = ?2, progress_total = COALESCE(?3, progress_total), cursor = COALESCE(?4, cursor),
                 heartbeat_at = ?5
             WHERE id = ?1 AND status = 'running'",
            params![id, done, total, cursor, now_ms()],
        )?;
        Ok(())
    }

    /// Tells other processes that run `id` is still alive.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn run_heartbeat(&self, id: i64) -> Result<()> {
        self.store.lock().execute(
            "UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'running'",
            params![id, now_ms()],
        )?;
        Ok(())
    }

    /// Appends a log line to a run.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn run_log(&self, id: i64, level: &str, message: &str) -> Result<()> {
        self.store.lock().execute(
            "INSERT INTO run_logs (run_id, at, level, message) VALUES (?1, ?2, ?3, ?4)",
            params![id, now_ms(), level, message],
        )?;
        Ok(())
    }

    /// Ends a run with `status` (succeeded, failed, cancelled), a summary and an error.
    ///
    /// # Errors
    /// [`Error::Store`]; [`Error::NotFound`] for an unknown id.
    pub fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<Run> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        transaction.execute(
            "UPDATE runs SET status = ?2, summary = ?3, error = ?4, finished_at = MAX(?5, started_at) WHERE id = ?1",
            params![id, to_sql_text(status), summary, error, now_ms()],
        )?;
        let run = transaction
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "run",
                id: id.to_string(),
            })?;
        let project = match run.project_id {
            Some(project_id) => crate::projects::get(&transaction, project_id)
                .ok()
                .map(|p| (p.id, p.name)),
            None => None,
        };
        let data =
            serde_json::to_value(&run).map_err(|error| Error::Internal(error.to_string()))?;
        crate::outbox::enqueue(
            &transaction,
            "run_finished",
            project,
            serde_json::json!({ "run": data }),
        )?;
        transaction.commit()?;
        Ok(run)
    }

    /// This process's token ([`crate::owners`]), recorded in the runs it starts or resumes; none for
    /// in-memory stores.
    pub(crate) fn owner_token(&self) -> Option<&str> {
        self.store.owner().map(crate::owners::OwnerLock::token)
    }

    /// Whether the process of a run recorded with `owner` and `heartbeat_at` (ms) still runs it at
    /// `now_ms`: its owner is this process or holds its lock; or, where that cannot be told, the heartbeat
    /// is less than [`STALE_AFTER_MS`] old.
    fn run_is_live(&self, owner: Option<&str>, heartbeat_at: i64, now_ms: i64) -> bool {
        let state = match (self.store.owner(), owner) {
            (Some(lock), Some(token)) => lock.owner_state(token),
            _ => OwnerState::Unknown,
        };
        match state {
            OwnerState::This | OwnerState::Alive => true,
            OwnerState::Gone => false,
            OwnerState::Unknown => heartbeat_at >= now_ms - STALE_AFTER_MS,
        }
    }

    /// The newest run of `kind` for `integration_id` that is `running` in a live process at `now_ms`
    /// (as [`Patchbay::interrupt_stale_runs`] judges it), if any — another window or command may own it.
    /// Returns its id and the age of its heartbeat, ms.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn live_run_of(
        &self,
        kind: RunKind,
        integration_id: i64,
        now_ms: i64,
    ) -> Result<Option<(i64, i64)>> {
        let running: Vec<(i64, i64, Option<String>)> = self
            .store
            .lock()
            .prepare(
                "SELECT id, COALESCE(heartbeat_at, created_at), owner FROM runs
                 WHERE kind = ?1 AND integration_id = ?2 AND status = 'running' ORDER BY id DESC",
            )?
            .query_map(params![to_sql_text(kind), integration_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(running
            .into_iter()
            .find(|(_, heartbeat_at, owner)| {
                self.run_is_live(owner.as_deref(), *heartbeat_at, now_ms)
            })
            .map(|(id, heartbeat_at, _)| (id, now_ms - heartbeat_at)))
    }

    /// Marks the runs whose process has ended as `interrupted` and returns them: a run whose owner's lock
    /// is free at once, one whose owner cannot be checked once its heartbeat is [`STALE_AFTER_MS`] old at
    /// `now_ms`. Runs of live processes (the app while the CLI opens the store, this process) are left
    /// alone, whatever their heartbeat.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn interrupt_stale_runs(&self, now_ms: i64) -> Result<Vec<Run>> {
        let mut connection = self.store.lock();
        let transaction = connection.transaction()?;
        let running: Vec<(i64, i64, Option<String>)> = transaction
            .prepare(
                "SELECT id, COALESCE(heartbeat_at, created_at), owner FROM runs WHERE status IN ('running', 'queued')",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut runs = Vec::new();
        for (id, heartbeat_at, owner) in running {
            if self.run_is_live(owner.as_deref(), heartbeat_at, now_ms) {
                continue;
            }
            transaction.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = MAX(COALESCE(heartbeat_at, started_at, created_at), COALESCE(started_at, created_at)),
                     error = COALESCE(error, 'Patchbay stopped while this run was in progress')
                 WHERE id = ?1",
                [id],
            )?;
            runs.push(transaction.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?);
        }
        transaction.commit()?;
        Ok(runs)
    }

    /// One page of runs.
    ///
    /// # Errors
    /// [`Error::Validation`] on `per_page` above 100; [`Error::Store`].
    pub fn list_runs(&self, query: &RunQuery) -> Result<Page<Run>> {
        let (page, per_page) = crate::integrations::paging(query.page, query.per_page)?;
        let mut filters = Vec::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(project_id) = query.project_id {
            filters.push("project_id = ?");
            values.push(Box::new(project_id));
        }
        if let Some(kind) = query.kind {
            filters.push("kind = ?");
            values.push(Box::new(to_sql_text(kind)));
        }
        if let Some(status) = query.status {
            filters.push("status = ?");
            values.push(Box::new(to_sql_text(status)));
        }
        if let Some(integration_id) = query.integration_id {
            filters.push("integration_id = ?");
            values.push(Box::new(integration_id));
        }
        let clause = if filters.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", filters.join(" AND "))
        };
        let direction = if query.desc { "DESC" } else { "ASC" };
        let order = match query.sort {
            RunSort::Started => format!("started_at {direction}, id {direction}"),
            RunSort::Kind => format!("kind {direction}, started_at {direction}, id {direction}"),
            RunSort::Status => {
                format!("status {direction}, started_at {direction}, id {direction}")
            }
            RunSort::Duration => format!("duration_ms {direction}, id {direction}"),
        };
        let connection = self.store.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM runs{clause}"),
            params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let offset = i64::from(page - 1) * i64::from(per_page);
        let mut statement = connection.prepare(&format!(
            "{SELECT}{clause} ORDER BY {order} LIMIT {per_page} OFFSET {offset}"
        ))?;
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

    /// A run with its newest 500 log lines.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Store`].
    pub fn run_detail(&self, id: i64) -> Result<RunDetail> {
        let connection = self.store.lock();
        let run = connection
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "run",
                id: id.to_string(),
            })?;
        let mut statement = connection.prepare(
            "SELECT at, level, message FROM (SELECT id, at, level, message FROM run_logs WHERE run_id = ?1 ORDER BY id DESC LIMIT 500) ORDER BY id",
        )?;
        let logs = statement
            .query_map([id], |row| {
                Ok(RunLog {
                    at: row.get(0)?,
                    level: row.get(1)?,
                    message: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(RunDetail { run, logs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{Credentials, MemoryBackend};
    use crate::store::Store;

    fn core() -> Patchbay {
        Patchbay::with_parts(
            Store::open_in_memory().unwrap(),
            Credentials::new(Box::new(MemoryBackend::default())),
        )
    }

    /// An HTTP integration named "Billing API" in the default project.
    fn billing_api(core: &Patchbay) -> crate::Integration {
        core.create_integration(crate::integrations::NewIntegration {
            project_id: None,
            provider: "http".into(),
            name: "Billing API".into(),
            active: None,
            check_interval_s: None,
            config: [("url".to_owned(), "http://127.0.0.1:9/".to_owned())].into(),
            secrets: Default::default(),
        })
        .unwrap()
    }

    #[test]
    fn run_lifecycle_records_progress_logs_and_duration() {
        let core = core();
        let run = core
            .start_run(RunKind::HealthCheckAll, "Check all", None, None, Some(3))
            .unwrap();
        assert_eq!(run.status, RunStatus::Running);
        core.run_progress(run.id, 2, None, Some("{\"page\":2}"))
            .unwrap();
        core.run_log(run.id, "warn", "Billing API: HTTP 503")
            .unwrap();
        let finished = core
            .finish_run(
                run.id,
                RunStatus::Succeeded,
                Some("2 healthy, 1 unhealthy"),
                None,
            )
            .unwrap();
        assert_eq!(finished.progress_done, 2);
        assert_eq!(finished.progress_total, Some(3));
        assert!(finished.duration_ms.is_some_and(|d| d >= 0));
        let detail = core.run_detail(run.id).unwrap();
        assert_eq!(detail.logs.len(), 1);
        assert_eq!(detail.logs[0].message, "Billing API: HTTP 503");
    }

    #[test]
    fn stale_running_runs_become_interrupted_never_stuck() {
        let core = core();
        let run = core
            .start_run(RunKind::CrmSync, "Sync", None, None, None)
            .unwrap();
        assert_eq!(
            core.interrupt_stale_runs(now_ms()).unwrap(),
            vec![],
            "a live run must not be interrupted"
        );
        let interrupted = core
            .interrupt_stale_runs(now_ms() + STALE_AFTER_MS + 1)
            .unwrap();
        assert_eq!(
            interrupted
                .iter()
                .map(|r| (r.id, r.status))
                .collect::<Vec<_>>(),
            vec![(run.id, RunStatus::Interrupted)]
        );
        let after = core.run_detail(run.id).unwrap().run;
        assert_eq!(after.status, RunStatus::Interrupted);
        assert!(after.error.unwrap().contains("stopped"));
    }

    /// Two stores on one data dir stand for two processes (each holds its own lock). A live owner's run is
    /// kept however old its heartbeat; once the owner is gone its run is interrupted at once.
    #[test]
    fn a_run_is_interrupted_when_its_owner_ends_not_when_its_heartbeat_ages() {
        let dir = tempfile::tempdir().unwrap();
        let open = || {
            Patchbay::with_parts(
                Store::open(dir.path()).unwrap(),
                Credentials::new(Box::new(MemoryBackend::default())),
            )
        };
        let (app, cli) = (open(), open());
        let integration = billing_api(&app);
        let run = app
            .start_run(RunKind::CrmSync, "Sync", None, Some(integration.id), None)
            .unwrap();
        // The machine slept for an hour: every heartbeat looks old.
        let woke = now_ms() + 3_600_000;
        assert_eq!(cli.interrupt_stale_runs(woke).unwrap(), vec![]);
        assert_eq!(app.interrupt_stale_runs(woke).unwrap(), vec![], "its own");
        assert_eq!(
            cli.live_run_of(RunKind::CrmSync, integration.id, woke)
                .unwrap()
                .map(|(id, _)| id),
            Some(run.id)
        );
        drop(app);
        assert_eq!(
            cli.live_run_of(RunKind::CrmSync, integration.id, now_ms())
                .unwrap(),
            None,
            "its process ended"
        );
        let interrupted = cli.interrupt_stale_runs(now_ms()).unwrap();
        assert_eq!(
            interrupted
                .iter()
                .map(|r| (r.id, r.status))
                .collect::<Vec<_>>(),
            vec![(run.id, RunStatus::Interrupted)],
            "at once, with a fresh heartbeat"
        );
    }

    #[test]
    fn a_run_names_its_integration_as_it_is_now_and_belongs_to_its_project() {
        let core = core();
        let integration = billing_api(&core);
        let run = core
            .start_run(RunKind::CrmSync, "Sync", None, Some(integration.id), None)
            .unwrap();
        let unrelated = core
            .start_run(RunKind::HealthCheckAll, "Check all", None, None, None)
            .unwrap();
        assert_eq!(run.integration_name.as_deref(), Some("Billing API"));
        assert_eq!(unrelated.integration_name, None);
        // The run belongs to its integration's project: that project's Runs list shows it.
        assert_eq!(run.project_id, Some(integration.project_id));
        let of_project = core
            .list_runs(&RunQuery {
                project_id: Some(integration.project_id),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            of_project.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![run.id]
        );
        core.update_integration(
            integration.id,
            crate::integrations::IntegrationUpdate {
                name: Some("Billing API (old)".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let listed = core.list_runs(&RunQuery::default()).unwrap();
        let names: Vec<_> = listed
            .items
            .iter()
            .map(|r| (r.id, r.integration_name.as_deref()))
            .collect();
        assert!(
            names.contains(&(run.id, Some("Billing API (old)"))),
            "{names:?}"
        );
        assert!(names.contains(&(unrelated.id, None)), "{names:?}");
        // Its runs alone, however many runs of other integrations came after.
        for _ in 0..3 {
            core.start_run(RunKind::HealthCheckAll, "Check all", None, None, None)
                .unwrap();
        }
        let latest = core
            .list_runs(&RunQuery {
                integration_id: Some(integration.id),
                per_page: 1,
                desc: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (latest.total, latest.items[0].id),
            (1, run.id),
            "the integration's newest run"
        );
        core.delete_integration(integration.id).unwrap();
        let after = core.run_detail(run.id).unwrap().run;
        assert_eq!((after.integration_id, after.integration_name), (None, None));
    }

    /// Makes run `id` look as if its process died long ago (heartbeat at unix 0).
    fn backdate_heartbeat(core: &Patchbay, id: i64) {
        core.store
            .lock()
            .execute("UPDATE runs SET heartbeat_at = 0 WHERE id = ?1", [id])
            .unwrap();
    }

    /// The ticker keeps a waiting run's heartbeat fresh, and stops when its handle is dropped.
    #[tokio::test]
    async fn keep_alive_writes_the_heartbeat_until_dropped() {
        let core = std::sync::Arc::new(core());
        let run = core
            .start_run(RunKind::TestEmail, "Test e-mail", None, None, None)
            .unwrap();
        let heartbeat = |core: &Patchbay| -> i64 {
            core.store
                .lock()
                .query_row(
                    "SELECT heartbeat_at FROM runs WHERE id = ?1",
                    [run.id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let backdate = |core: &Patchbay| backdate_heartbeat(core, run.id);
        backdate(&core);
        let ticker = keep_alive(&core, run.id, std::time::Duration::from_millis(50));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            now_ms() - heartbeat(&core) < 1_000,
            "the ticker wrote the heartbeat"
        );
        drop(ticker);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        backdate(&core);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(heartbeat(&core), 0, "a dropped ticker writes no more");
    }

    /// While the app runs, a run whose process died (here: its heartbeat 0) becomes `interrupted` and is
    /// published; a live run is left alone.
    #[tokio::test]
    async fn the_sweep_interrupts_and_publishes_only_dead_runs() {
        let core = std::sync::Arc::new(core());
        let dead = core
            .start_run(RunKind::CrmSync, "Sync", None, None, None)
            .unwrap();
        let live = core
            .start_run(RunKind::N8nTrigger, "Trigger", None, None, None)
            .unwrap();
        backdate_heartbeat(&core, dead.id);
        let (publish, mut published) = tokio::sync::broadcast::channel(8);
        let sweep = tokio::spawn(sweep_stale_runs(
            std::sync::Arc::clone(&core),
            std::time::Duration::from_millis(50),
            publish,
        ));
        let run = tokio::time::timeout(std::time::Duration::from_secs(5), published.recv())
            .await
            .expect("the sweep published the dead run")
            .unwrap();
        assert_eq!((run.id, run.status), (dead.id, RunStatus::Interrupted));
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        sweep.abort();
        assert!(published.try_recv().is_err(), "nothing else was published");
        assert_eq!(
            core.run_detail(live.id).unwrap().run.status,
            RunStatus::Running
        );
    }

    #[test]
    fn a_sweep_after_the_machine_slept_waits_a_round() {
        let every = std::time::Duration::from_secs(15);
        assert!(!woke_from_sleep(15_000, every), "an ordinary round");
        assert!(
            !woke_from_sleep(29_000, every),
            "a late round on a busy machine"
        );
        assert!(woke_from_sleep(15_000 + 3_600_000, every), "an hour asleep");
    }

    #[test]
    fn runs_sort_and_filter() {
        let core = core();
        let a = core
            .start_run(RunKind::HealthCheckAll, "a", None, None, None)
            .unwrap();
        let b = core
            .start_run(RunKind::N8nTrigger, "b", None, None, None)
            .unwrap();
        core.finish_run(a.id, RunStatus::Failed, None, Some("boom"))
            .unwrap();
        let newest = core
            .list_runs(&RunQuery {
                desc: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            newest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![b.id, a.id]
        );
        let failed = core
            .list_runs(&RunQuery {
                status: Some(RunStatus::Failed),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (failed.total, failed.items[0].error.as_deref()),
            (1, Some("boom"))
        );
        let by_kind = core
            .list_runs(&RunQuery {
                sort: RunSort::Kind,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_kind.items[0].kind, RunKind::HealthCheckAll);
    }
}
