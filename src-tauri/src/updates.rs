//! Updates through tauri-plugin-updater: the endpoints and the release public key come from
//! `tauri.conf.json` (`plugins.updater`); every bundle is checked against its minisign signature before
//! it is installed. "Check for updates" in Settings, a background check at most every 12 hours, and a
//! restart prompt once an update is installed.
//!
//! Debug builds (tests) may point at another server and key with `PATCHBAY_UPDATE_ENDPOINT` and
//! `PATCHBAY_UPDATE_PUBKEY`; release builds ignore both.

use std::sync::Mutex;
use std::time::Duration;

use patchbay_core::{ErrorKind, ErrorPayload};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_updater::{Update, UpdaterExt};
use ts_rs::TS;

/// Between two background checks.
pub const CHECK_EVERY: Duration = Duration::from_secs(12 * 60 * 60);

/// An update the endpoint announced.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UpdateInfo {
    /// The running version.
    pub current_version: String,
    /// The announced version.
    pub version: String,
    /// Release notes.
    pub notes: Option<String>,
    /// Publication date (RFC 3339).
    pub date: Option<String>,
}

/// The update found by the last check, and its verified bundle once downloaded.
#[derive(Default)]
pub struct PendingUpdate(Mutex<(Option<Update>, Option<Vec<u8>>)>);

fn failure(message: impl Into<String>) -> ErrorPayload {
    ErrorPayload {
        kind: ErrorKind::Network,
        message: message.into(),
        field: None,
    }
}

fn describe(error: &tauri_plugin_updater::Error) -> String {
    match error {
        tauri_plugin_updater::Error::Minisign(_)
        | tauri_plugin_updater::Error::SignedVersionMismatch { .. }
        | tauri_plugin_updater::Error::MissingSignedVersion => format!(
            "the update's signature does not match Patchbay's release key, so it was not installed ({error})"
        ),
        other => format!("update check failed: {other}"),
    }
}

async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<Option<Update>, ErrorPayload> {
    #[allow(unused_mut)]
    let mut builder = app.updater_builder().timeout(Duration::from_secs(30));
    #[cfg(debug_assertions)]
    {
        if let Ok(endpoint) = std::env::var("PATCHBAY_UPDATE_ENDPOINT") {
            let url = endpoint.parse().map_err(|_| {
                failure(format!("PATCHBAY_UPDATE_ENDPOINT is not a URL: {endpoint}"))
            })?;
            builder = builder
                .endpoints(vec![url])
                .map_err(|error| failure(describe(&error)))?;
        }
        if let Ok(pubkey) = std::env::var("PATCHBAY_UPDATE_PUBKEY") {
            builder = builder.pubkey(pubkey);
        }
    }
    builder
        .build()
        .map_err(|error| failure(describe(&error)))?
        .check()
        .await
        .map_err(|error| failure(describe(&error)))
}

fn info(update: &Update) -> UpdateInfo {
    UpdateInfo {
        current_version: update.current_version.clone(),
        version: update.version.clone(),
        notes: update.body.clone(),
        date: update.date.and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
    }
}

/// Asks the update endpoint for a newer version; `null` when this one is the latest.
#[tauri::command]
pub async fn check_for_updates(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<Option<UpdateInfo>, ErrorPayload> {
    let update = check(&app).await?;
    let found = update.as_ref().map(info);
    *pending.0.lock().unwrap_or_else(|e| e.into_inner()) = (update, None);
    Ok(found)
}

/// Downloads the update found by the last check and verifies its signature; returns its size in bytes.
/// Nothing is installed yet.
#[tauri::command]
pub async fn download_update(pending: State<'_, PendingUpdate>) -> Result<u64, ErrorPayload> {
    let update = pending
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .0
        .clone()
        .ok_or_else(|| failure("check for updates first"))?;
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(|error| failure(describe(&error)))?;
    let size = bytes.len() as u64;
    pending.0.lock().unwrap_or_else(|e| e.into_inner()).1 = Some(bytes);
    Ok(size)
}

/// Installs the downloaded, verified update and restarts Patchbay.
#[tauri::command]
pub async fn install_update(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<(), ErrorPayload> {
    let (update, bytes) = {
        let guard = pending.0.lock().unwrap_or_else(|e| e.into_inner());
        (guard.0.clone(), guard.1.clone())
    };
    let (Some(update), Some(bytes)) = (update, bytes) else {
        return Err(failure("download the update first"));
    };
    update
        .install(bytes)
        .map_err(|error| failure(describe(&error)))?;
    app.restart();
}

/// Checks in the background a minute after start and then every [`CHECK_EVERY`]; a newer version is
/// announced to the UI as an `update_available` event. Failures (offline) are only logged.
pub async fn check_periodically(app: AppHandle) {
    tokio::time::sleep(Duration::from_secs(60)).await;
    loop {
        match check(&app).await {
            Ok(Some(update)) => {
                let _ = app.emit("update_available", info(&update));
                if let Some(pending) = app.try_state::<PendingUpdate>() {
                    *pending.0.lock().unwrap_or_else(|e| e.into_inner()) = (Some(update), None);
                }
            }
            Ok(None) => {}
            Err(error) => log::warn!("{}", error.message),
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}
