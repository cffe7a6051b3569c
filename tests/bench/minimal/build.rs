//! Generates the Tauri context and the permission of the one command.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["ready"])),
    )
    .unwrap_or_else(|error| panic!("tauri build: {error}"));
}
