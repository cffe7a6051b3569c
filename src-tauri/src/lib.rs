//! Patchbay's Tauri layer.
/// Starts the app.
pub fn run() {}
