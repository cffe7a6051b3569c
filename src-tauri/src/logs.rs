//! The app's log: `patchbay.log` in the OS log dir (Linux `~/.local/share/app.patchbay.desktop/logs`,
//! macOS `~/Library/Logs/app.patchbay.desktop`, Windows `%LOCALAPPDATA%\app.patchbay.desktop\logs`),
//! rotated at 2 MB with 5 files kept, and stderr. Every line passes through
//! [`patchbay_core::redact::redact`] before it is written anywhere.

use patchbay_core::{ErrorKind, ErrorPayload};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
use tauri_plugin_opener::OpenerExt;

/// Largest log file before it rotates, bytes.
pub const MAX_FILE_BYTES: u128 = 2 * 1024 * 1024;

/// The logging plugin: info and above from Patchbay, warnings from dependencies.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::LogDir {
                file_name: Some("patchbay".into()),
            }),
            Target::new(TargetKind::Stderr),
        ])
        .level(log::LevelFilter::Warn)
        .level_for("patchbay_core", log::LevelFilter::Info)
        .level_for("patchbay_app", log::LevelFilter::Info)
        .max_file_size(MAX_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .format(|out, message, record| {
            let line = message.to_string();
            out.finish(format_args!(
                "{} {:<5} {} {}",
                time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                record.level(),
                record.target(),
                patchbay_core::redact::redact(&line)
            ))
        })
        .build()
}

/// Opens the log folder in the system file manager.
#[tauri::command]
pub async fn open_logs_folder(app: AppHandle) -> Result<String, ErrorPayload> {
    let failure = |message: String| ErrorPayload {
        kind: ErrorKind::Internal,
        message,
        field: None,
    };
    let dir = app
        .path()
        .app_log_dir()
        .map_err(|error| failure(format!("no log folder: {error}")))?;
    std::fs::create_dir_all(&dir)
        .map_err(|error| failure(format!("cannot create {}: {error}", dir.display())))?;
    app.opener()
        .open_path(dir.to_string_lossy(), None::<&str>)
        .map_err(|error| failure(format!("cannot open {}: {error}", dir.display())))?;
    Ok(dir.to_string_lossy().into_owned())
}
