//! Patchbay's Tauri layer: window, state and the commands in [`commands`]. Product logic lives in
//! `patchbay-core`; this crate only adapts it to the webview.

pub mod commands;

use std::sync::Arc;

use patchbay_core::Patchbay;

/// Opens the core in the data dir (`PATCHBAY_DATA_DIR` or the OS app-data dir).
fn open_core() -> commands::CoreState {
    let opened = patchbay_core::default_data_dir()
        .and_then(|dir| Patchbay::open(&dir))
        .map(Arc::new)
        .map_err(|error| {
            eprintln!("patchbay: cannot open the database: {error}");
            error.to_payload()
        });
    commands::CoreState(opened)
}

/// Builds and runs the app until the last window closes.
///
/// # Panics
/// When the webview runtime cannot start (no display, missing WebKitGTK): nothing useful can run then.
pub fn run() {
    let result = tauri::Builder::default()
        .manage(open_core())
        .invoke_handler(tauri::generate_handler![
            commands::list_providers,
            commands::list_projects,
            commands::create_project,
            commands::list_integrations,
            commands::get_integration,
            commands::create_integration,
            commands::update_integration,
            commands::delete_integration,
            commands::reveal_secret,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("patchbay: the app failed to start: {error}");
        std::process::exit(1);
    }
}
