//! Build script: generates Tauri's context and one permission per app command; the capabilities in
//! `src-tauri/capabilities/` grant exactly those.
fn main() {
    let commands = &[
        "list_providers",
        "list_projects",
        "create_project",
        "list_integrations",
        "get_integration",
        "create_integration",
        "update_integration",
        "delete_integration",
        "reveal_secret",
        "test_integration",
        "check_all",
        "health_history",
        "get_settings",
        "save_settings",
        "list_runs",
        "run_detail",
        "app_info",
        "list_templates",
        "get_template",
        "create_template",
        "update_template",
        "delete_template",
        "preview_template",
        "send_test_email",
        "export_eml",
        "list_routes",
        "add_route",
        "update_route",
        "delete_route",
        "trigger_route",
        "trigger_batch",
        "list_workflows",
        "set_workflow_active",
        "start_sync",
        "cancel_sync",
        "list_records",
        "list_bridges",
        "save_bridge",
        "delete_bridge",
        "run_bridge",
        "get_sync_schedule",
        "set_sync_schedule",
        "check_for_updates",
        "download_update",
        "install_update",
        "get_autostart",
        "set_autostart",
    ];
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {error:#}");
    }
}
