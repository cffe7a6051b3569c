//! The main window is created hidden and shown once its page has loaded.
//!
//! Shown at once, the window asks WebKit for its first frame before the web process has the page: on
//! Linux the UI thread then waits up to 500 ms for that frame (WebKit's drawing-area proxy), while the
//! page it waits for is served by custom-protocol handlers on that same thread — a start took ≈ 500 ms
//! longer about half of the time (both in Patchbay and in a minimal Tauri app; `strace` showed the main
//! thread in a 500 ms timed wait). Shown after the page has loaded, the first frame follows at once,
//! and no empty window flashes before it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::webview::{PageLoadEvent, PageLoadPayload};
use tauri::{AppHandle, Manager, Runtime, Webview};

/// Set once the window has been revealed (or must stay hidden: launched at login into the tray).
static SETTLED: AtomicBool = AtomicBool::new(false);

/// If the page has not loaded after this long (it failed, or the machine is very slow), the window is
/// shown anyway, so the user always gets one.
pub const FALLBACK: Duration = Duration::from_secs(3);

/// Keeps the window hidden for this run (launched at login: the tray is enough).
pub fn stay_hidden() {
    SETTLED.store(true, Ordering::SeqCst);
}

/// Builder hook: shows the main window when its page has finished loading.
pub fn on_page_load<R: Runtime>(webview: &Webview<R>, payload: &PageLoadPayload<'_>) {
    if payload.event() == PageLoadEvent::Finished && webview.label() == "main" {
        reveal(webview.app_handle());
    }
}

/// Shows the main window after [`FALLBACK`] unless the page did first.
pub fn fallback<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FALLBACK).await;
        reveal(&app);
    });
}

fn reveal<R: Runtime>(app: &AppHandle<R>) {
    if SETTLED.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
}
