//! Commands for exporting and importing a project (see `patchbay_core::bundle`). The export is written
//! by Rust to the user's Downloads folder; the webview never sees a secret, only the path.

use std::path::PathBuf;
use std::sync::Mutex;

use patchbay_core::bundle::{self, ExportSummary, ImportOptions, ImportReport};
use patchbay_core::{ErrorKind, ErrorPayload, SecretString};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;

use crate::commands::{blocking, AppState, CommandResult};

/// The file the last export wrote, for "Show in folder" (the webview cannot name a path to reveal).
#[derive(Default)]
pub struct LastExport(pub Mutex<Option<PathBuf>>);

fn failure(message: String) -> ErrorPayload {
    ErrorPayload {
        kind: ErrorKind::Internal,
        message,
        field: None,
    }
}

/// `patchbay-<project>-<yyyy-mm-dd>.json` in `dir`, with `-2`, `-3` … when taken. The name keeps
/// letters, digits and `-` of the project name.
fn export_path(dir: &std::path::Path, project: &str) -> PathBuf {
    let slug: String = project
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let date = time::OffsetDateTime::now_utc().date();
    let stem = format!(
        "patchbay-{}-{date}",
        if slug.is_empty() { "project" } else { &slug }
    );
    (1..)
        .map(|n| {
            dir.join(if n == 1 {
                format!("{stem}.json")
            } else {
                format!("{stem}-{n}.json")
            })
        })
        .find(|path| !path.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.json")))
}

/// Exports project `project_id` to the Downloads folder and returns the file's path. With a
/// passphrase the secrets are included, encrypted.
#[tauri::command]
pub async fn export_project(
    app: AppHandle,
    state: State<'_, AppState>,
    last: State<'_, LastExport>,
    project_id: i64,
    passphrase: Option<String>,
) -> CommandResult<String> {
    let passphrase = passphrase.map(SecretString::from);
    let text = blocking(state.clone(), move |core| {
        core.export_project(project_id, passphrase)
    })
    .await?;
    let project = bundle::parse(&text)
        .map_err(|error| error.to_payload())?
        .project;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|home| home.join("Downloads")))
        .map_err(|error| failure(format!("no Downloads folder: {error}")))?;
    std::fs::create_dir_all(&dir)
        .map_err(|error| failure(format!("cannot create {}: {error}", dir.display())))?;
    let path = export_path(&dir, &project);
    let partial = path.with_extension("partial");
    std::fs::write(&partial, format!("{text}\n"))
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&partial);
            failure(format!("cannot write {}: {error}", path.display()))
        })?;
    log::info!("exported project {project} to {}", path.display());
    *last.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.clone());
    Ok(path.to_string_lossy().into_owned())
}

/// Shows the last exported file in the system file manager.
#[tauri::command]
pub async fn reveal_export(app: AppHandle, last: State<'_, LastExport>) -> CommandResult<()> {
    let path = last
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| failure("nothing exported yet".into()))?;
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|error| failure(format!("cannot show {}: {error}", path.display())))
}

/// Checks a file's envelope and summarizes it for the import dialog.
#[tauri::command]
pub async fn inspect_import(text: String) -> CommandResult<ExportSummary> {
    bundle::summarize(&text).map_err(|error| error.to_payload())
}

/// Imports a file's text; nothing is written on any error.
#[tauri::command]
pub async fn import_project(
    state: State<'_, AppState>,
    text: String,
    options: ImportOptions,
) -> CommandResult<ImportReport> {
    let report = blocking(state, move |core| core.import_project(&text, options)).await?;
    log::info!(
        "imported {} integrations, {} templates into project {}",
        report.integrations,
        report.templates,
        report.project_name
    );
    Ok(report)
}
