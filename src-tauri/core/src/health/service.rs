//! Running checks: manual tests (rate limited, cached), "check all" (bounded parallelism), and the
//! scheduler loop. Results are recorded through [`Patchbay::record_check`] and published on a broadcast
//! channel that hosts (the app, the CLI) turn into UI events and desktop toasts.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use tokio::sync::{broadcast, Notify, Semaphore};
use ts_rs::TS;

use super::history::{CheckTrigger, HealthUpdate};
use super::{run_check, CheckContext, CheckResult, CheckTarget};
use crate::integrations::{HealthStatus, IntegrationQuery};
use crate::runs::{Run, RunKind, RunStatus};
use crate::store::now_ms;
use crate::{Error, Patchbay, Result};

/// Manual tests allowed per integration per minute.
pub const MANUAL_TESTS_PER_MINUTE: u32 = 10;
/// A manual test returns a result younger than this from cache unless forced, ms.
pub const CACHE_MS: i64 = 60_000;
/// Checks running at once.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Scheduled results that finish within this time of the first one are stored in one transaction.
pub const ROUND_GATHER: Duration = Duration::from_millis(100);
/// Default consecutive failures before a scheduled check marks an integration unhealthy.
pub const DEFAULT_FAILURES_BEFORE_UNHEALTHY: u32 = 2;

/// Outcome of testing one integration.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TestOutcome {
    /// The integration after the result was applied.
    pub update: HealthUpdate,
    /// True when the result came from the 60 s cache instead of a new probe.
    pub cached: bool,
}

/// Counts from "check all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CheckAllSummary {
    /// Integrations checked.
    pub total: u32,
    /// Healthy.
    pub healthy: u32,
    /// Degraded.
    pub degraded: u32,
    /// Unhealthy.
    pub unhealthy: u32,
    /// Could not be checked at all (keychain locked, deleted meanwhile).
    pub errors: u32,
    /// Wall time, ms.
    #[ts(type = "number")]
    pub elapsed_ms: i64,
}

impl CheckAllSummary {
    /// "10 healthy, 1 degraded, 2 unhealthy, 0 errors".
    pub fn describe(&self) -> String {
        format!(
            "{} healthy, {} degraded, {} unhealthy, {} errors",
            self.healthy, self.degraded, self.unhealthy, self.errors
        )
    }
}

/// Runs checks and publishes their results.
pub struct HealthService {
    core: Arc<Patchbay>,
    context: CheckContext,
    limiter: DefaultKeyedRateLimiter<i64>,
    permits: Arc<Semaphore>,
    events: broadcast::Sender<HealthUpdate>,
    runs: broadcast::Sender<Run>,
    failures_before_unhealthy: AtomicU32,
    paused: AtomicBool,
    wake: Notify,
}

impl HealthService {
    /// A service over `core` with default limits.
    ///
    /// # Errors
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(core: Arc<Patchbay>) -> Result<Arc<Self>> {
        let context = CheckContext::with_defaults().map_err(Error::Internal)?;
        Ok(Self::with_context(core, context, DEFAULT_CONCURRENCY))
    }

    /// A service with an explicit probe context and parallelism (tests use short timeouts).
    pub fn with_context(
        core: Arc<Patchbay>,
        context: CheckContext,
        concurrency: usize,
    ) -> Arc<Self> {
        let per_minute = NonZeroU32::new(MANUAL_TESTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Arc::new(Self {
            core,
            context,
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            events: broadcast::channel(1024).0,
            runs: broadcast::channel(64).0,
            failures_before_unhealthy: AtomicU32::new(DEFAULT_FAILURES_BEFORE_UNHEALTHY),
            paused: AtomicBool::new(false),
            wake: Notify::new(),
        })
    }

    /// Every recorded result, as it happens. Slow receivers lose the oldest (they can refetch).
    pub fn subscribe(&self) -> broadcast::Receiver<HealthUpdate> {
        self.events.subscribe()
    }

    /// The channel run progress is published on, so other services (n8n triggers) share it.
    pub fn run_events(&self) -> broadcast::Sender<Run> {
        self.runs.clone()
    }

    /// Progress of the runs this service starts ("check all"), at most a few updates per second.
    pub fn subscribe_runs(&self) -> broadcast::Receiver<Run> {
        self.runs.subscribe()
    }

    /// The core.
    pub fn core(&self) -> &Arc<Patchbay> {
        &self.core
    }

    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Patchbay) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        crate::blocking(&self.core, call).await
    }

    /// Probes integration `id` once (bounded by the shared parallelism) and records the result.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Keychain`], [`Error::Store`].
    pub async fn check(&self, id: i64, trigger: CheckTrigger) -> Result<HealthUpdate> {
        let target = self.blocking(move |core| core.check_target(id)).await?;
        let result = self.probe(&target).await;
        self.record(id, result, trigger).await
    }

    /// Probes `target` once one of the shared parallelism's permits is free (the semaphore is never
    /// closed, so waiting cannot fail).
    async fn probe(&self, target: &CheckTarget) -> CheckResult {
        let _permit = self.permits.acquire().await;
        run_check(target, &self.context).await
    }

    /// Sends a recorded result to the subscribers; having none is not an error.
    fn publish(&self, update: HealthUpdate) {
        let _ = self.events.send(update);
    }

    async fn record(
        &self,
        id: i64,
        result: CheckResult,
        trigger: CheckTrigger,
    ) -> Result<HealthUpdate> {
        let failures = self.failures_before_unhealthy.load(Ordering::Relaxed);
        let update = self
            .blocking(move |core| core.record_check(id, &result, trigger, failures))
            .await?;
        self.publish(update.clone());
        Ok(update)
    }

    /// Probes the integrations `ids` of one scheduler claim ([`Patchbay::claim_due`]), bounded by the
    /// shared parallelism, and records the results: those that finish within [`ROUND_GATHER`] of each
    /// other are stored in one transaction ([`Patchbay::record_checks`]), so a slow probe never holds back
    /// the others' results. Failures to load or store a check are logged; the integration is checked again
    /// at its next due time.
    pub async fn check_round(self: Arc<Self>, ids: Vec<i64>) {
        let targets = self
            .blocking(move |core| {
                Ok(ids
                    .into_iter()
                    .map(|id| (id, core.check_target(id)))
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap_or_default();
        let mut probes = tokio::task::JoinSet::new();
        for (id, target) in targets {
            match target {
                Ok(target) => {
                    let service = Arc::clone(&self);
                    probes.spawn(async move { (id, service.probe(&target).await) });
                }
                Err(error) => log::debug!("scheduled check of integration {id}: {error}"),
            }
        }
        while let Some(first) = probes.join_next().await {
            let mut finished = vec![first];
            let until = tokio::time::Instant::now() + ROUND_GATHER;
            while let Ok(Some(next)) = tokio::time::timeout_at(until, probes.join_next()).await {
                finished.push(next);
            }
            let results: Vec<(i64, CheckResult)> = finished
                .into_iter()
                .filter_map(|joined| {
                    joined
                        .map_err(|error| log::warn!("scheduled check task failed: {error}"))
                        .ok()
                })
                .collect();
            let failures = self.failures_before_unhealthy.load(Ordering::Relaxed);
            let recorded = self
                .blocking(move |core| {
                    core.record_checks(&results, CheckTrigger::Scheduled, failures)
                })
                .await;
            match recorded {
                Ok(outcomes) => {
                    for outcome in outcomes {
                        match outcome {
                            Ok(update) => self.publish(update),
                            Err(error) => log::debug!("scheduled check not recorded: {error}"),
                        }
                    }
                }
                Err(error) => log::warn!("scheduled check results not recorded: {error}"),
            }
        }
    }

    /// The user's "Test": a result younger than 60 s comes from cache unless `force`; at most
    /// [`MANUAL_TESTS_PER_MINUTE`] probes per integration per minute.
    ///
    /// # Errors
    /// [`Error::RateLimited`] with the seconds to wait; otherwise as [`HealthService::check`].
    pub async fn test(&self, id: i64, force: bool) -> Result<TestOutcome> {
        if !force {
            let now = now_ms();
            if let Some(result) = self
                .blocking(move |core| core.recent_result(id, CACHE_MS, now))
                .await?
            {
                let integration = self.blocking(move |core| core.get_integration(id)).await?;
                let previous_status = integration.status;
                return Ok(TestOutcome {
                    update: HealthUpdate {
                        integration,
                        result,
                        previous_status,
                    },
                    cached: true,
                });
            }
        }
        if let Err(not_until) = self.limiter.check_key(&id) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            return Err(Error::RateLimited {
                what: format!("testing integration {id} ({MANUAL_TESTS_PER_MINUTE} per minute)"),
                retry_after_s: wait.as_secs().max(1),
            });
        }
        let update = self.check(id, CheckTrigger::Manual).await?;
        Ok(TestOutcome {
            update,
            cached: false,
        })
    }

    /// Checks every active integration matching `filter` in parallel (bounded) and counts the results.
    /// The work is recorded as a `health_check_all` run with progress and a log line per failure.
    ///
    /// # Errors
    /// [`Error::Store`] when the list cannot be read; failures of single checks are counted as errors.
    pub async fn check_all(self: &Arc<Self>, filter: IntegrationQuery) -> Result<CheckAllSummary> {
        let started = std::time::Instant::now();
        let project_id = filter.project_id;
        let ids = self
            .blocking(move |core| core.active_integration_ids(&filter))
            .await?;
        let total = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let title = match project_id {
            Some(project) => {
                let name = self
                    .blocking(move |core| crate::projects::get(&core.store.lock(), project))
                    .await
                    .map(|p| p.name);
                format!(
                    "Check all — {}",
                    name.unwrap_or_else(|_| format!("project {project}"))
                )
            }
            None => "Check all — all projects".to_owned(),
        };
        let run = self
            .blocking(move |core| {
                core.start_run(
                    RunKind::HealthCheckAll,
                    &title,
                    project_id,
                    None,
                    Some(total),
                )
            })
            .await?;
        let _ = self.runs.send(run.clone());
        // Progress is saved per result; checks that all wait on their timeouts save none meanwhile.
        let _heartbeat = crate::runs::keep_alive(&self.core, run.id, crate::runs::HEARTBEAT_EVERY);
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let service = Arc::clone(self);
            tasks.spawn(async move { (id, service.check(id, CheckTrigger::CheckAll).await) });
        }
        let mut summary = CheckAllSummary::default();
        let mut last_progress = std::time::Instant::now();
        while let Some(joined) = tasks.join_next().await {
            summary.total += 1;
            let line = match joined {
                Ok((_, Ok(update))) => {
                    match update.result.status {
                        HealthStatus::Healthy => summary.healthy += 1,
                        HealthStatus::Degraded => summary.degraded += 1,
                        _ => summary.unhealthy += 1,
                    }
                    (update.result.status != HealthStatus::Healthy).then(|| {
                        let level = if update.result.status == HealthStatus::Degraded {
                            "warn"
                        } else {
                            "error"
                        };
                        (
                            level,
                            format!("{}: {}", update.integration.name, update.result.detail),
                        )
                    })
                }
                Ok((id, Err(error))) => {
                    summary.errors += 1;
                    Some(("error", format!("integration {id}: {error}")))
                }
                Err(error) => {
                    summary.errors += 1;
                    Some(("error", format!("check task failed: {error}")))
                }
            };
            let done = i64::from(summary.total);
            let throttled = last_progress.elapsed() < Duration::from_millis(250) && done < total;
            let run_id = run.id;
            let progress = self.blocking(move |core| {
                if let Some((level, message)) = line {
                    core.run_log(run_id, level, &message)?;
                }
                if !throttled {
                    core.run_progress(run_id, done, None, None)?;
                }
                Ok(())
            });
            if progress.await.is_ok() && !throttled {
                last_progress = std::time::Instant::now();
                let mut snapshot = run.clone();
                snapshot.progress_done = done;
                let _ = self.runs.send(snapshot);
            }
        }
        summary.elapsed_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let text = summary.describe();
        let (run_id, done) = (run.id, i64::from(summary.total));
        let finished = self
            .blocking(move |core| {
                core.run_progress(run_id, done, None, None)?;
                core.finish_run(run_id, RunStatus::Succeeded, Some(&text), None)
            })
            .await?;
        let _ = self.runs.send(finished);
        Ok(summary)
    }

    /// Applies the user's settings: pause state and consecutive failures before unhealthy.
    pub fn apply_settings(&self, settings: &crate::settings::Settings) {
        self.failures_before_unhealthy
            .store(settings.failures_before_unhealthy.max(1), Ordering::Relaxed);
        self.set_paused(settings.checks_paused);
    }

    /// Pauses or resumes scheduled checks (manual tests and "check all" still work).
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether scheduled checks are paused.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Wakes the scheduler to re-read due times (after an integration was created or changed).
    pub fn reschedule(&self) {
        self.wake.notify_one();
    }

    async fn spread_overdue(&self, window_ms: i64) {
        let now = now_ms();
        let spread = self
            .blocking(move |core| {
                let mut rng = rand::rng();
                core.spread_overdue(now, &mut |_| {
                    rand::Rng::random_range(&mut rng, 0..window_ms)
                })
            })
            .await;
        if let Err(error) = spread {
            log::warn!("{error}");
        }
    }

    /// The scheduler loop; runs until the task is dropped. Sleeps until the next integration is due
    /// (at most 60 s), dispatches due checks in the background, and spreads overdue checks over a
    /// minute at start-up and after the machine wakes from sleep, instead of firing them all at once.
    pub async fn run_scheduler(self: Arc<Self>) {
        const MAX_SLEEP: Duration = Duration::from_secs(60);
        const SPREAD_MS: i64 = 60_000;
        self.spread_overdue(SPREAD_MS).await;
        loop {
            let sleep_started_wall = now_ms();
            let sleep_for = if self.is_paused() {
                MAX_SLEEP
            } else {
                let now = now_ms();
                // One trip to the blocking pool a wake: claim what is due and read the next due time.
                let claimed = self
                    .blocking(move |core| Ok((core.claim_due(now, 256)?, core.next_due_at()?)))
                    .await;
                match claimed {
                    Ok((ids, next)) => {
                        if !ids.is_empty() {
                            let service = Arc::clone(&self);
                            tokio::spawn(async move { service.check_round(ids).await });
                        }
                        // At most one wake a second: checks due within it are claimed together.
                        next.map_or(MAX_SLEEP, |next| {
                            Duration::from_millis(
                                u64::try_from(next - now_ms()).unwrap_or(0).max(1_000),
                            )
                            .min(MAX_SLEEP)
                        })
                    }
                    Err(error) => {
                        log::warn!("{error}");
                        MAX_SLEEP
                    }
                }
            };
            let slept = tokio::time::Instant::now();
            tokio::select! {
                () = tokio::time::sleep(sleep_for) => {}
                () = self.wake.notified() => {}
            }
            // The monotonic clock stops while the machine sleeps; the wall clock does not.
            let wall_elapsed = now_ms() - sleep_started_wall;
            let monotonic_elapsed = i64::try_from(slept.elapsed().as_millis()).unwrap_or(i64::MAX);
            if wall_elapsed - monotonic_elapsed > 30_000 && !self.is_paused() {
                self.spread_overdue(SPREAD_MS).await;
            }
        }
    }
}
