//! Health results → the UI and the desktop.
//!
//! Results from the health service are collected for up to one second and sent to the webview as one
//! `integration_batch_update` event (or `integration_health_changed` when a single status changed), so a
//! "check all" over 1,000 integrations is a handful of events, not 1,000; results that change no status
//! are gathered for 30 s and sent as ids only ([`HealthBatch`]). Status changes in the same
//! window become one grouped native toast ("3 integrations unhealthy: …") and one recovery toast.
//! Toasts are shown off the async runtime with a timeout: a missing or hung notification server never
//! blocks checks.

use std::time::Duration;

use patchbay_core::health::history::HealthUpdate;
use patchbay_core::{HealthStatus, APP_IDENTIFIER};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast;

use crate::commands::AppState;

/// Longest time results wait before being sent to the UI.
const BATCH_WINDOW: Duration = Duration::from_secs(1);
/// How long results without a change of status are gathered before they are sent.
const QUIET_WINDOW: Duration = Duration::from_secs(30);
/// Names listed in a grouped toast before "and N more".
const NAMES_IN_TOAST: usize = 5;

/// Event payload of `integration_batch_update` and `integration_health_changed`: the health results
/// recorded in one window. Only the results that changed a status travel in full; quiet results travel as
/// ids, which is all the UI needs to decide which of its lists to refetch (in full they were ≈ 0.5 KB each,
/// ≈ 54 KB for the ≈ 100 of a 30 s window at 1,000 integrations; docs/performance.md, session 12).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HealthBatch {
    /// Results that changed their integration's status, with the integration as now stored.
    pub changed: Vec<HealthUpdate>,
    /// Ids of the integrations whose results changed nothing but the time and details of the last check.
    #[ts(type = "number[]")]
    pub checked: Vec<i64>,
}

impl HealthBatch {
    /// Splits one window's results into status changes and quiet results.
    pub fn of(updates: &[HealthUpdate]) -> Self {
        let (changed, quiet): (Vec<&HealthUpdate>, Vec<&HealthUpdate>) =
            updates.iter().partition(|update| update.changed());
        Self {
            changed: changed.into_iter().cloned().collect(),
            checked: quiet.iter().map(|update| update.integration.id).collect(),
        }
    }
}

/// A grouped desktop toast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Title line.
    pub summary: String,
    /// Body: the names.
    pub body: String,
}

/// Groups the status changes of one window into at most two toasts: newly unhealthy, and recovered.
pub fn group_toasts(updates: &[HealthUpdate]) -> Vec<Toast> {
    let changed = updates.iter().filter(|update| update.changed());
    let (mut failing, mut recovered) = (Vec::new(), Vec::new());
    for update in changed {
        match (update.previous_status, update.integration.status) {
            (_, HealthStatus::Unhealthy) => failing.push(update),
            (HealthStatus::Unhealthy, HealthStatus::Healthy | HealthStatus::Degraded) => {
                recovered.push(update)
            }
            _ => {}
        }
    }
    let names = |group: &[&HealthUpdate]| {
        let mut listed: Vec<String> = group
            .iter()
            .take(NAMES_IN_TOAST)
            .map(|u| u.integration.name.clone())
            .collect();
        if group.len() > NAMES_IN_TOAST {
            listed.push(format!("and {} more", group.len() - NAMES_IN_TOAST));
        }
        listed.join(", ")
    };
    let mut toasts = Vec::new();
    if let [only] = failing.as_slice() {
        toasts.push(Toast {
            summary: format!("{} is unhealthy", only.integration.name),
            body: only.result.detail.clone(),
        });
    } else if !failing.is_empty() {
        toasts.push(Toast {
            summary: format!("{} integrations unhealthy", failing.len()),
            body: names(&failing),
        });
    }
    if let [only] = recovered.as_slice() {
        toasts.push(Toast {
            summary: format!("{} recovered", only.integration.name),
            body: only.result.detail.clone(),
        });
    } else if !recovered.is_empty() {
        toasts.push(Toast {
            summary: format!("{} integrations recovered", recovered.len()),
            body: names(&recovered),
        });
    }
    toasts
}

/// Shows a native toast on a blocking thread, giving up after 5 s.
pub async fn show(toast: Toast) {
    let shown = tauri::async_runtime::spawn_blocking(move || {
        let mut notification = notify_rust::Notification::new();
        notification
            .summary(&toast.summary)
            .body(&toast.body)
            .appname("Patchbay");
        #[cfg(target_os = "windows")]
        notification.app_id(APP_IDENTIFIER);
        notification.show().map(|_| ())
    });
    match tokio::time::timeout(Duration::from_secs(5), shown).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(error))) => log::warn!("desktop notification failed: {error}"),
        Ok(Err(error)) => log::warn!("desktop notification task failed: {error}"),
        Err(_) => log::warn!("the notification server did not answer within 5 s"),
    }
}

/// Forwards health results to the webview and the desktop until the service is dropped.
pub async fn forward(app: AppHandle, mut updates: broadcast::Receiver<HealthUpdate>) {
    #[cfg(target_os = "macos")]
    let _ = notify_rust::set_application(APP_IDENTIFIER);
    let _ = APP_IDENTIFIER;
    loop {
        let first = match updates.recv().await {
            Ok(update) => update,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        // A change of status goes out within BATCH_WINDOW; results that change nothing but the time of
        // the last check are gathered for QUIET_WINDOW (fewer wake-ups of the webview when all is well).
        let mut changed = first.changed();
        let mut batch = vec![first];
        let started = tokio::time::Instant::now();
        loop {
            let window = if changed { BATCH_WINDOW } else { QUIET_WINDOW };
            match tokio::time::timeout_at(started + window, updates.recv()).await {
                Ok(Ok(update)) => {
                    changed |= update.changed();
                    batch.push(update);
                }
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
            }
        }
        let event = if batch.len() == 1 && batch[0].changed() {
            "integration_health_changed"
        } else {
            "integration_batch_update"
        };
        let toasts = group_toasts(&batch);
        if let Err(error) = app.emit(event, HealthBatch::of(&batch)) {
            log::warn!("cannot emit {event}: {error}");
        }
        if changed {
            crate::tray::refresh(&app);
        }
        let muted = match app.state::<AppState>().services() {
            Ok(services) => {
                let core = services.core.clone();
                tauri::async_runtime::spawn_blocking(move || {
                    core.settings()
                        .map(|s| s.notifications_muted)
                        .unwrap_or(false)
                })
                .await
                .unwrap_or(false)
            }
            Err(_) => true,
        };
        if !muted {
            for toast in toasts {
                tauri::async_runtime::spawn(show(toast));
            }
        }
    }
}

/// Forwards run progress to the webview as `run_progress` events (the service already throttles them).
pub async fn forward_runs(app: AppHandle, mut runs: broadcast::Receiver<patchbay_core::runs::Run>) {
    loop {
        match runs.recv().await {
            Ok(run) => {
                if let Err(error) = app.emit("run_progress", run) {
                    log::warn!("cannot emit run_progress: {error}");
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchbay_core::health::CheckResult;
    use patchbay_core::Integration;

    fn update(name: &str, previous: HealthStatus, now: HealthStatus) -> HealthUpdate {
        HealthUpdate {
            integration: Integration {
                id: 1,
                project_id: 1,
                project_name: "Default".into(),
                provider: "http".into(),
                name: name.into(),
                active: true,
                check_interval_s: 300,
                config: Default::default(),
                secrets_set: vec![],
                status: now,
                last_checked_at: None,
                last_latency_ms: None,
                last_detail: None,
                last_error_kind: None,
                created_at: 0,
                updated_at: 0,
            },
            result: CheckResult {
                status: now,
                latency_ms: 1,
                detail: format!("{name} detail"),
                error_kind: None,
                checked_at: 0,
            },
            previous_status: previous,
        }
    }

    #[test]
    fn twenty_failures_in_one_window_are_one_toast() {
        let mut updates: Vec<_> = (0..20)
            .map(|i| {
                update(
                    &format!("svc{i}"),
                    HealthStatus::Healthy,
                    HealthStatus::Unhealthy,
                )
            })
            .collect();
        updates.push(update(
            "steady",
            HealthStatus::Healthy,
            HealthStatus::Healthy,
        ));
        let toasts = group_toasts(&updates);
        assert_eq!(toasts.len(), 1);
        assert_eq!(toasts[0].summary, "20 integrations unhealthy");
        assert_eq!(toasts[0].body, "svc0, svc1, svc2, svc3, svc4, and 15 more");
    }

    #[test]
    fn a_batch_carries_status_changes_in_full_and_quiet_results_as_ids() {
        let mut steady = update("steady", HealthStatus::Healthy, HealthStatus::Healthy);
        steady.integration.id = 7;
        let mut failing = update("mail", HealthStatus::Healthy, HealthStatus::Unhealthy);
        failing.integration.id = 8;
        let batch = HealthBatch::of(&[steady, failing.clone()]);
        assert_eq!(batch.changed, vec![failing]);
        assert_eq!(batch.checked, vec![7]);
    }

    #[test]
    fn recoveries_get_their_own_toast_and_a_single_change_names_it() {
        let toasts = group_toasts(&[
            update("mail", HealthStatus::Healthy, HealthStatus::Unhealthy),
            update("crm", HealthStatus::Unhealthy, HealthStatus::Healthy),
            update("new", HealthStatus::Unknown, HealthStatus::Healthy),
        ]);
        assert_eq!(
            toasts,
            vec![
                Toast {
                    summary: "mail is unhealthy".into(),
                    body: "mail detail".into()
                },
                Toast {
                    summary: "crm recovered".into(),
                    body: "crm detail".into()
                },
            ]
        );
    }
}
