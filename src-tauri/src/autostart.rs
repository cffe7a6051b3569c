//! Start at login through tauri-plugin-autostart: a LaunchAgent on macOS, the `Run` registry key on
//! Windows, an XDG autostart `.desktop` entry on Linux. Patchbay starts hidden in the tray (`--hidden`)
//! when the OS launches it at login.

use patchbay_core::{ErrorKind, ErrorPayload};
use tauri::AppHandle;
use tauri_plugin_autostart::ManagerExt;

/// The argument the login item passes, so the window stays in the tray.
pub const HIDDEN_ARG: &str = "--hidden";

/// The plugin, launching `patchbay-app --hidden`.
pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::init(
        tauri_plugin_autostart::MacosLauncher::LaunchAgent,
        Some(vec![HIDDEN_ARG]),
    )
}

fn failure(error: impl std::fmt::Display) -> ErrorPayload {
    ErrorPayload {
        kind: ErrorKind::Internal,
        message: format!("start at login: {error}"),
        field: None,
    }
}

/// Whether Patchbay starts at login.
#[tauri::command]
pub async fn get_autostart(app: AppHandle) -> Result<bool, ErrorPayload> {
    app.autolaunch().is_enabled().map_err(failure)
}

/// Turns start at login on or off; returns the new state as the OS reports it.
#[tauri::command]
pub async fn set_autostart(app: AppHandle, enabled: bool) -> Result<bool, ErrorPayload> {
    let manager = app.autolaunch();
    if enabled {
        manager.enable().map_err(failure)?;
    } else {
        manager.disable().map_err(failure)?;
    }
    manager.is_enabled().map_err(failure)
}
