//! A minimal Tauri app: one window whose page calls one command, `ready`, after its first paint; the
//! command prints `ready` on stdout, which the desktop benchmark (`tests/bench/desktop.mjs`) waits for.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::Write;

/// Called by the page after its first paint; prints `ready` on stdout.
#[tauri::command]
fn ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
}

fn main() {
    if let Err(error) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
    {
        eprintln!("patchbay-minimal: {error}");
        std::process::exit(1);
    }
}
