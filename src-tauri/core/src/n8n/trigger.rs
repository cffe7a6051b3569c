//! Triggering a route: `METHOD {base}/webhook/{path}` with a JSON payload, optionally signed
//! (`X-Patchbay-Signature`, see [`crate::signing`]), recorded as an `n8n_trigger` run. With an API key
//! the execution the trigger started is followed until it ends. n8n's answers are mapped: 404 → the
//! workflow is not active or the path is wrong; 500 → the workflow failed, with n8n's message.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use super::api::{Client, Execution};
use super::routes::Route;
use crate::health::{self, CheckContext, CheckErrorKind, CheckTarget};
use crate::runs::{Run, RunKind, RunStatus};
use crate::store::now_ms;
use crate::{blocking, signing, Error, Patchbay, Result};

/// Most response bytes kept in the run.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024;
/// How long to look for and follow the execution.
pub const FOLLOW_FOR: Duration = Duration::from_secs(120);

/// Outcome of a trigger.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TriggerOutcome {
    /// The recorded run (final state).
    pub run: Run,
    /// HTTP status of the webhook call, when there was an answer.
    pub http_status: Option<u16>,
    /// The webhook's answer (at most 16 KB).
    pub response: String,
    /// The execution, when followed.
    pub execution: Option<Execution>,
    /// One line for the toast.
    pub message: String,
}

/// Result of one item of a batch.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BatchItem {
    /// Position in the input.
    pub index: u32,
    /// Whether n8n accepted it (2xx).
    pub ok: bool,
    /// HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// n8n's message or the error.
    pub message: String,
}

/// Outcome of a batch.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BatchOutcome {
    /// The recorded run.
    pub run: Run,
    /// Per-item results, in input order.
    pub items: Vec<BatchItem>,
}

/// Triggers routes and follows executions.
pub struct Trigger {
    core: Arc<Patchbay>,
    context: CheckContext,
    progress: Option<broadcast::Sender<Run>>,
}

fn n8n_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| {
            json.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| health::preview(body))
}

/// Parses a batch file: a JSON array of payloads, or NDJSON (one JSON value per line).
///
/// # Errors
/// [`Error::Validation`] on `data` naming the line that is not JSON.
pub fn parse_batch(text: &str) -> Result<Vec<serde_json::Value>> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text)
            .map_err(|error| Error::validation("data", format!("not a JSON array: {error}")));
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|error| Error::validation("data", format!("line {}: {error}", index + 1)))
        })
        .collect()
}

impl Trigger {
    /// A trigger with default timeouts (10 s per request).
    ///
    /// # Errors
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(core: Arc<Patchbay>) -> Result<Self> {
        Ok(Self {
            core,
            context: CheckContext::with_defaults().map_err(Error::Internal)?,
            progress: None,
        })
    }

    /// Uses `context` (timeouts, body limit) for every request instead of the 10 s default.
    pub fn with_context(mut self, context: CheckContext) -> Self {
        self.context = context;
        self
    }

    /// Publishes run progress on `sender` (the app forwards it to the UI).
    pub fn with_progress(mut self, sender: broadcast::Sender<Run>) -> Self {
        self.progress = Some(sender);
        self
    }

    fn publish(&self, run: &Run) {
        if let Some(sender) = &self.progress {
            let _ = sender.send(run.clone());
        }
    }

    async fn load(&self, integration_id: i64, action_key: &str) -> Result<(CheckTarget, Route)> {
        let key = action_key.to_owned();
        let (target, route) = blocking(&self.core, move |core| {
            Ok((
                core.check_target(integration_id)?,
                core.route_by_key(integration_id, &key)?,
            ))
        })
        .await?;
        if target.provider != "n8n" {
            return Err(Error::validation(
                "integration_id",
                format!("integration {integration_id} is not n8n"),
            ));
        }
        Ok((target, route))
    }

    /// POSTs (or the route's method) `payload` to the route's webhook. Returns status and body.
    async fn call_webhook(
        &self,
        target: &CheckTarget,
        route: &Route,
        payload: &serde_json::Value,
        run_id: i64,
    ) -> std::result::Result<(u16, Vec<u8>), health::Verdict> {
        let body = serde_json::to_vec(payload).unwrap_or_default();
        let url = format!(
            "{}/webhook/{}",
            target.setting("base_url").trim_end_matches('/'),
            route.webhook_path
        );
        let method =
            reqwest::Method::from_bytes(route.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut request = self
            .context
            .http
            .request(method.clone(), url)
            .header("X-Patchbay-Run-Id", run_id.to_string());
        if method != reqwest::Method::GET {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        if let Some(secret) = target.secret("signing_secret") {
            request = request.header(
                signing::SIGNATURE_HEADER,
                signing::sign(secret.as_bytes(), now_ms() / 1000, &body),
            );
        }
        let reply = health::send(&self.context, request).await?;
        Ok((reply.status, reply.body))
    }

    /// Triggers `action_key` of integration `integration_id` with `payload` (the route's default payload,
    /// else `{}`, when `None`). With `follow` and an API key, waits for the execution to end.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown route; [`Error::Validation`] for a non-n8n integration or bad
    /// default payload. Failures of n8n itself are results (a failed run), not errors.
    pub async fn trigger(
        &self,
        integration_id: i64,
        action_key: &str,
        payload: Option<serde_json::Value>,
        follow: bool,
    ) -> Result<TriggerOutcome> {
        let (target, route) = self.load(integration_id, action_key).await?;
        let payload = match payload {
            Some(payload) => payload,
            None => match &route.default_payload {
                Some(text) => serde_json::from_str(text)
                    .map_err(|error| Error::validation("default_payload", error.to_string()))?,
                None => serde_json::json!({}),
            },
        };
        let client = Client::new(&target, &self.context);
        // Executions that exist before the trigger are not ours.
        let workflow_id = if follow && client.has_key() {
            self.workflow_for(&client, &route).await
        } else {
            None
        };
        let before: HashSet<String> = match &workflow_id {
            Some(id) => client
                .executions(id, 20)
                .await
                .map(|list| list.into_iter().map(|e| e.id).collect())
                .unwrap_or_default(),
            None => HashSet::new(),
        };
        let title = format!("{} → {}", route.action_key, route.webhook_path);
        let run = blocking(&self.core, move |core| {
            core.start_run(
                RunKind::N8nTrigger,
                &title,
                None,
                Some(integration_id),
                None,
            )
        })
        .await?;
        self.publish(&run);
        // Other processes take a run silent for 30 s for dead; the webhook call and the execution may take longer.
        let _heartbeat = crate::runs::keep_alive(&self.core, run.id, crate::runs::HEARTBEAT_EVERY);
        let log = |level: &'static str, message: String| {
            let run_id = run.id;
            blocking(&self.core, move |core| {
                core.run_log(run_id, level, &message)
            })
        };
        let started = Instant::now();
        let (http_status, response, mut failure) = match self
            .call_webhook(&target, &route, &payload, run.id)
            .await
        {
            Ok((status, body)) => {
                let text = String::from_utf8_lossy(&body[..body.len().min(MAX_RESPONSE_BYTES)])
                    .into_owned();
                let failure = match status {
                    200..=299 => None,
                    404 => Some(format!(
                        "n8n has no active webhook `{}` ({}): the workflow is not active or the path is wrong",
                        route.webhook_path,
                        n8n_message(&body)
                    )),
                    500 => Some(format!("the workflow failed: {}", n8n_message(&body))),
                    other => Some(format!("n8n answered HTTP {other}: {}", n8n_message(&body))),
                };
                (Some(status), text, failure)
            }
            Err(verdict) => (
                None,
                String::new(),
                Some(format!(
                    "{} ({})",
                    verdict.detail,
                    verdict.error_kind.map_or("error", CheckErrorKind::as_str)
                )),
            ),
        };
        let _ = log(
            if failure.is_some() { "error" } else { "info" },
            match (&failure, http_status) {
                (Some(message), _) => message.clone(),
                (None, Some(status)) => format!(
                    "webhook accepted the payload (HTTP {status}) in {} ms",
                    started.elapsed().as_millis()
                ),
                (None, None) => "webhook called".into(),
            },
        )
        .await;

        let mut execution = None;
        if failure.is_none() {
            if let Some(workflow_id) = &workflow_id {
                execution = self.follow(&client, workflow_id, &before, run.id).await;
                match &execution {
                    Some(found) => {
                        let _ = log(
                            "info",
                            format!(
                                "execution {} ended: {} (last node: {})",
                                found.id,
                                found.status,
                                found.last_node.as_deref().unwrap_or("—")
                            ),
                        )
                        .await;
                        if found.status != "success" {
                            failure = Some(format!(
                                "execution {} {}: {}",
                                found.id,
                                found.status,
                                found.error.as_deref().unwrap_or("no error message")
                            ));
                        }
                    }
                    None => {
                        let _ = log(
                            "warn",
                            format!(
                                "no finished execution appeared within {} s",
                                FOLLOW_FOR.as_secs()
                            ),
                        )
                        .await;
                    }
                }
            } else if follow && !client.has_key() {
                let _ = log(
                    "warn",
                    "no API key: the execution cannot be followed".into(),
                )
                .await;
            }
        }
        let message = failure.clone().unwrap_or_else(|| match &execution {
            Some(found) => format!("execution {} succeeded", found.id),
            None => format!("triggered (HTTP {})", http_status.unwrap_or(0)),
        });
        let (run_id, summary, error) = (run.id, message.clone(), failure.clone());
        let finished = blocking(&self.core, move |core| {
            core.run_progress(run_id, 1, Some(1), None)?;
            match error {
                Some(error) => core.finish_run(run_id, RunStatus::Failed, None, Some(&error)),
                None => core.finish_run(run_id, RunStatus::Succeeded, Some(&summary), None),
            }
        })
        .await?;
        self.publish(&finished);
        Ok(TriggerOutcome {
            run: finished,
            http_status,
            response,
            execution,
            message,
        })
    }

    /// The workflow serving `route`: remembered, or found by its Webhook node's path (then remembered).
    async fn workflow_for(&self, client: &Client<'_>, route: &Route) -> Option<String> {
        if let Some(id) = &route.workflow_id {
            return Some(id.clone());
        }
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let page = client
                .workflows(super::api::MAX_PAGE, cursor.as_deref())
                .await
                .ok()?;
            if let Some(found) = page.items.iter().find(|w| {
                w.webhooks
                    .iter()
                    .any(|hook| hook.path == route.webhook_path)
            }) {
                let (route_id, workflow_id) = (route.id, found.id.clone());
                let _ = blocking(&self.core, move |core| {
                    core.set_route_workflow(route_id, &workflow_id)
                })
                .await;
                return Some(found.id.clone());
            }
            cursor = Some(page.next_cursor?);
        }
        None
    }

    /// Polls the workflow's executions until a new one (not in `before`) has ended, or [`FOLLOW_FOR`].
    async fn follow(
        &self,
        client: &Client<'_>,
        workflow_id: &str,
        before: &HashSet<String>,
        run_id: i64,
    ) -> Option<Execution> {
        let deadline = Instant::now() + FOLLOW_FOR;
        let mut delay = Duration::from_millis(300);
        while Instant::now() < deadline {
            if let Ok(list) = client.executions(workflow_id, 20).await {
                if let Some(found) = list.into_iter().find(|e| !before.contains(&e.id)) {
                    let mut current = found;
                    while !current.finished() && Instant::now() < deadline {
                        let _ = blocking(&self.core, move |core| core.run_heartbeat(run_id)).await;
                        tokio::time::sleep(delay).await;
                        current = client
                            .execution_detail(&current.id)
                            .await
                            .unwrap_or(current);
                    }
                    return Some(
                        client
                            .execution_detail(&current.id)
                            .await
                            .unwrap_or(current),
                    );
                }
            }
            let _ = blocking(&self.core, move |core| core.run_heartbeat(run_id)).await;
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(3));
        }
        None
    }

    /// Triggers `action_key` once per payload with at most `concurrency` calls at a time; one run with a
    /// per-item result.
    ///
    /// # Errors
    /// As [`Trigger::trigger`].
    pub async fn batch(
        &self,
        integration_id: i64,
        action_key: &str,
        payloads: Vec<serde_json::Value>,
        concurrency: usize,
    ) -> Result<BatchOutcome> {
        let (target, route) = self.load(integration_id, action_key).await?;
        let total = i64::try_from(payloads.len()).unwrap_or(i64::MAX);
        let title = format!(
            "{} → {} (batch of {total})",
            route.action_key, route.webhook_path
        );
        let run = blocking(&self.core, move |core| {
            core.start_run(
                RunKind::N8nTrigger,
                &title,
                None,
                Some(integration_id),
                Some(total),
            )
        })
        .await?;
        self.publish(&run);
        let _heartbeat = crate::runs::keep_alive(&self.core, run.id, crate::runs::HEARTBEAT_EVERY);
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.clamp(1, 32)));
        let mut items: Vec<BatchItem> = Vec::with_capacity(payloads.len());
        let mut pending: futures::stream::FuturesUnordered<_> = payloads
            .into_iter()
            .enumerate()
            .map(|(index, payload)| {
                let permits = Arc::clone(&permits);
                let (target, route) = (&target, &route);
                async move {
                    let _permit = permits.acquire().await.ok();
                    let result = self.call_webhook(target, route, &payload, run.id).await;
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    match result {
                        Ok((status, body)) => BatchItem {
                            index,
                            ok: (200..300).contains(&status),
                            http_status: Some(status),
                            message: n8n_message(&body),
                        },
                        Err(verdict) => BatchItem {
                            index,
                            ok: false,
                            http_status: None,
                            message: verdict.detail,
                        },
                    }
                }
            })
            .collect();
        while let Some(item) = pending.next().await {
            items.push(item);
            let (run_id, done) = (run.id, i64::try_from(items.len()).unwrap_or(i64::MAX));
            let _ = blocking(&self.core, move |core| {
                core.run_progress(run_id, done, None, None)
            })
            .await;
        }
        items.sort_by_key(|item| item.index);
        let failed = items.iter().filter(|item| !item.ok).count();
        let (run_id, summary) = (
            run.id,
            format!("{} accepted, {failed} failed", items.len() - failed),
        );
        let finished = blocking(&self.core, move |core| {
            if failed == 0 {
                core.finish_run(run_id, RunStatus::Succeeded, Some(&summary), None)
            } else {
                core.finish_run(run_id, RunStatus::Failed, Some(&summary), Some(&summary))
            }
        })
        .await?;
        self.publish(&finished);
        Ok(BatchOutcome {
            run: finished,
            items,
        })
    }
}
