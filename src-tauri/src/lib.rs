//! Patchbay's Tauri layer: window, tray, state, the commands in [`commands`] and the event/toast
//! forwarding in [`notifications`]. Product logic lives in `patchbay-core`; this crate only adapts it.

pub mod autostart;
pub mod bundle;
pub mod commands;
pub mod logs;
pub mod navigation;
pub mod notifications;
pub mod rendering;
pub mod reveal;
pub mod tray;
pub mod updates;

use std::sync::Arc;

use patchbay_core::health::service::HealthService;
use patchbay_core::Patchbay;
use tauri::{Manager, WindowEvent};
use tauri_plugin_window_state::StateFlags;

use commands::{AppState, Services};

/// Opens the core in the data dir (`PATCHBAY_DATA_DIR` or the OS app-data dir) and its health service.
fn open_services() -> Result<Services, patchbay_core::ErrorPayload> {
    let opened = patchbay_core::default_data_dir()
        .and_then(|dir| Patchbay::open(&dir))
        .map(Arc::new)
        .and_then(|core| {
            let health = HealthService::new(Arc::clone(&core))?;
            health.apply_settings(&core.settings().unwrap_or_default());
            let sync = Arc::new(
                patchbay_core::crm::sync::Sync::new(Arc::clone(&core))?
                    .with_progress(health.run_events()),
            );
            let transfer = Arc::new(patchbay_core::crm::bridge::Transfer::new(Arc::clone(
                &core,
            ))?);
            Ok(Services {
                core,
                health,
                sync,
                transfer,
            })
        })
        .map_err(|error| {
            eprintln!("patchbay: cannot open the database: {error}");
            error.to_payload()
        });
    opened
}

/// Health and sync schedulers, the sweep of dead processes' runs, the outbox worker and the event
/// forwarders, once the database is open.
fn start_background_work(handle: &tauri::AppHandle) {
    let Ok(services) = handle.state::<AppState>().services() else {
        return;
    };
    tauri::async_runtime::spawn(notifications::forward(
        handle.clone(),
        services.health.subscribe(),
    ));
    tauri::async_runtime::spawn(notifications::forward_runs(
        handle.clone(),
        services.health.subscribe_runs(),
    ));
    tauri::async_runtime::spawn(Arc::clone(&services.health).run_scheduler());
    // A CLI sync killed while the app is open would stay "running" until the next start.
    tauri::async_runtime::spawn(patchbay_core::runs::sweep_stale_runs(
        services.core.clone(),
        std::time::Duration::from_millis(patchbay_core::runs::STALE_AFTER_MS.unsigned_abs() / 2),
        services.health.run_events(),
    ));
    tauri::async_runtime::spawn(Arc::clone(&services.sync).run_scheduler());
    match patchbay_core::outbox::Deliverer::new() {
        Ok(deliverer) => {
            tauri::async_runtime::spawn(
                deliverer.run(services.core.clone(), std::time::Duration::from_secs(1)),
            );
        }
        Err(error) => log::warn!("audit webhooks disabled: {error}"),
    }
}

/// Builds and runs the app until it is quit from the tray (closing the window only hides it).
pub fn run() {
    commands::mark_process_start();
    let compositing = rendering::choose();
    let result = tauri::Builder::default()
        // A second launch focuses the running window instead of starting another scheduler.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app)
        }))
        .plugin(navigation::guard())
        // Size, position and maximised state; whether the window shows is `reveal`'s choice.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(logs::plugin())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(autostart::plugin())
        .manage(AppState::default())
        .manage(updates::PendingUpdate::default())
        .manage(bundle::LastExport::default())
        .manage(commands::PreviewCache::default())
        .setup(move |app| {
            let handle = app.handle().clone();
            log::info!(
                "Patchbay {} started (data in {})",
                app.package_info().version,
                patchbay_core::default_data_dir()
                    .map(|dir| dir.display().to_string())
                    .unwrap_or_default()
            );
            log::info!("webview drawing: {compositing:?}");
            if std::env::args().any(|arg| arg == autostart::HIDDEN_ARG) {
                // Launched at login: stay in the tray.
                reveal::stay_hidden();
            } else {
                reveal::fallback(&handle);
            }
            // Release builds check for updates in the background (tests and benchmarks never reach out).
            if cfg!(not(debug_assertions)) && std::env::var_os("PATCHBAY_NO_UPDATE_CHECK").is_none()
            {
                tauri::async_runtime::spawn(updates::check_periodically(handle.clone()));
            }
            // The database (migrations, keychain sweep) opens while the window loads; commands wait
            // for it. Then the background work starts; the tray follows the first paint.
            let opener = handle.clone();
            std::thread::Builder::new()
                .name("open-database".into())
                .spawn(move || {
                    log::info!("setup after {} ms", commands::since_start_ms());
                    // A panic must still settle the state, or every command would wait for it forever.
                    let opened = std::panic::catch_unwind(open_services).unwrap_or_else(|_| {
                        Err(patchbay_core::ErrorPayload {
                            kind: patchbay_core::ErrorKind::Internal,
                            message: "opening the database failed unexpectedly: see the log file, then restart Patchbay".into(),
                            field: None,
                        })
                    });
                    opener.state::<AppState>().set(opened);
                    log::info!("database open after {} ms", commands::since_start_ms());
                    start_background_work(&opener);
                })?;
            let later = handle.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                tray::build_once(&later);
            });
            Ok(())
        })
        .on_page_load(reveal::on_page_load)
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Keep checking from the tray; "Quit Patchbay" in the tray menu ends the app.
                if window.app_handle().tray_by_id("main").is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
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
            commands::test_integration,
            commands::check_all,
            commands::health_history,
            commands::get_settings,
            commands::save_settings,
            commands::list_runs,
            commands::run_detail,
            commands::app_info,
            commands::list_templates,
            commands::get_template,
            commands::create_template,
            commands::update_template,
            commands::delete_template,
            commands::preview_template,
            commands::send_test_email,
            commands::export_eml,
            commands::list_routes,
            commands::add_route,
            commands::update_route,
            commands::delete_route,
            commands::trigger_route,
            commands::trigger_batch,
            commands::list_workflows,
            commands::set_workflow_active,
            commands::start_sync,
            commands::cancel_sync,
            commands::list_records,
            commands::list_bridges,
            commands::save_bridge,
            commands::delete_bridge,
            commands::run_bridge,
            commands::get_sync_schedule,
            commands::set_sync_schedule,
            commands::list_endpoints,
            commands::add_endpoint,
            commands::update_endpoint,
            commands::set_endpoint_active,
            commands::delete_endpoint,
            commands::list_deliveries,
            commands::redeliver,
            updates::check_for_updates,
            updates::download_update,
            updates::install_update,
            autostart::get_autostart,
            autostart::set_autostart,
            logs::open_logs_folder,
            commands::ui_ready,
            bundle::export_project,
            bundle::reveal_export,
            bundle::inspect_import,
            bundle::import_project,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("patchbay: the app failed to start: {error}");
        std::process::exit(1);
    }
}
