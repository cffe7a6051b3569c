//! The system tray: overall status (icon and tooltip) and a menu to open the window, check all now,
//! pause scheduled checks, and quit. Closing the window hides it; checks go on from the tray.

use patchbay_core::health::history::StatusCounts;
use patchbay_core::IntegrationQuery;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

use crate::commands::AppState;

const TRAY_ID: &str = "main";
const ICON_OK: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_UNHEALTHY: &[u8] = include_bytes!("../../icons/tray-unhealthy.png");

/// The tray's pause item, kept to reflect the current state.
pub struct PauseItem(pub CheckMenuItem<Wry>);

/// Builds the tray once, on the main thread: called after the UI's first paint (and by a timer in
/// case the window is hidden), so creating it never delays the window.
pub fn build_once(app: &AppHandle) {
    static BUILT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if BUILT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    // The menu reads the services: wait for the database off the main thread, then build there.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let _ = handle.state::<AppState>().services();
        let builder = handle.clone();
        let _ = handle.run_on_main_thread(move || {
            if let Err(error) = build(&builder) {
                log::warn!("no system tray ({error}); closing the window will quit");
            }
        });
    });
}

/// Builds the tray.
///
/// # Errors
/// When the platform has no tray (the app still runs; the window stays the way in).
pub fn build(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let open = MenuItem::with_id(app, "open", "Open Patchbay", true, None::<&str>)?;
    let check_all = MenuItem::with_id(app, "check_all", "Check all now", true, None::<&str>)?;
    let paused = app
        .state::<AppState>()
        .services()
        .map(|services| services.health.is_paused())
        .unwrap_or(false);
    let pause = CheckMenuItem::with_id(app, "pause", "Pause checks", true, paused, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Patchbay", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &check_all, &pause, &separator, &quit])?;
    app.manage(PauseItem(pause));
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(ICON_OK)?)
        .tooltip("Patchbay")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "check_all" => {
                if let Ok(services) = app.state::<AppState>().services() {
                    tauri::async_runtime::spawn(async move {
                        let _ = services.health.check_all(IntegrationQuery::default()).await;
                    });
                }
            }
            "pause" => toggle_pause(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    refresh(app);
    Ok(tray)
}

fn toggle_pause(app: &AppHandle) {
    let Ok(services) = app.state::<AppState>().services() else {
        return;
    };
    let paused = !services.health.is_paused();
    services.health.set_paused(paused);
    if let Some(item) = app.try_state::<PauseItem>() {
        let _ = item.0.set_checked(paused);
    }
    tauri::async_runtime::spawn_blocking(move || {
        if let Ok(mut settings) = services.core.settings() {
            settings.checks_paused = paused;
            let _ = services.core.save_settings(&settings);
        }
    });
}

/// Shows and focuses the main window.
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Tooltip for the given counts.
pub fn describe(counts: &StatusCounts) -> String {
    let total = counts.healthy + counts.degraded + counts.unhealthy + counts.unknown;
    if total == 0 {
        "Patchbay — no active integrations".into()
    } else if counts.unhealthy > 0 {
        format!("Patchbay — {} of {total} unhealthy", counts.unhealthy)
    } else if counts.degraded > 0 {
        format!("Patchbay — {} of {total} degraded", counts.degraded)
    } else {
        format!(
            "Patchbay — {} healthy, {} not checked yet",
            counts.healthy, counts.unknown
        )
    }
}

/// Updates the tray's icon and tooltip from the store.
pub fn refresh(app: &AppHandle) {
    let Ok(services) = app.state::<AppState>().services() else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = services.core.clone();
        let Ok(Ok(counts)) =
            tauri::async_runtime::spawn_blocking(move || core.status_counts()).await
        else {
            return;
        };
        if let Some(tray) = app.tray_by_id(TRAY_ID) {
            let icon = if counts.unhealthy > 0 {
                ICON_UNHEALTHY
            } else {
                ICON_OK
            };
            if let Ok(image) = Image::from_bytes(icon) {
                let _ = tray.set_icon(Some(image));
            }
            let _ = tray.set_tooltip(Some(describe(&counts)));
        }
    });
}
