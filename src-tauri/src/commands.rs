//! The app's commands: each takes the shared core and a request, runs the core call on a blocking
//! thread (SQLite and the keychain block), and maps the error to the `{kind, message, field}` payload the
//! UI's one `invoke` wrapper understands.

use std::sync::Arc;

use patchbay_core::providers::ProviderSpec;
use patchbay_core::{
    ErrorKind, ErrorPayload, ExposeSecret, Integration, IntegrationQuery, IntegrationUpdate, NewIntegration,
    Page, Patchbay, Project,
};
use tauri::State;

/// The core as app state: `Err` when the database could not be opened, so every command reports why
/// instead of the app crashing at start-up.
pub struct CoreState(pub Result<Arc<Patchbay>, ErrorPayload>);

type CommandResult<T> = Result<T, ErrorPayload>;

async fn blocking<T, F>(state: State<'_, CoreState>, call: F) -> CommandResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Patchbay) -> patchbay_core::Result<T> + Send + 'static,
{
    let core = state.0.clone()?;
    tauri::async_runtime::spawn_blocking(move || call(&core).map_err(|error| error.to_payload()))
        .await
        .map_err(|error| ErrorPayload { kind: ErrorKind::Internal, message: error.to_string(), field: None })?
}

/// Every provider's declaration (fields, help, setup steps).
#[tauri::command]
pub async fn list_providers(state: State<'_, CoreState>) -> CommandResult<Vec<ProviderSpec>> {
    blocking(state, |core| Ok(core.providers())).await
}

/// Every project.
#[tauri::command]
pub async fn list_projects(state: State<'_, CoreState>) -> CommandResult<Vec<Project>> {
    blocking(state, Patchbay::list_projects).await
}

/// Creates a project.
#[tauri::command]
pub async fn create_project(state: State<'_, CoreState>, name: String) -> CommandResult<Project> {
    blocking(state, move |core| core.create_project(&name)).await
}

/// One page of integrations.
#[tauri::command]
pub async fn list_integrations(
    state: State<'_, CoreState>,
    query: IntegrationQuery,
) -> CommandResult<Page<Integration>> {
    blocking(state, move |core| core.list_integrations(&query)).await
}

/// One integration.
#[tauri::command]
pub async fn get_integration(state: State<'_, CoreState>, id: i64) -> CommandResult<Integration> {
    blocking(state, move |core| core.get_integration(id)).await
}

/// Creates an integration.
#[tauri::command]
pub async fn create_integration(
    state: State<'_, CoreState>,
    input: NewIntegration,
) -> CommandResult<Integration> {
    blocking(state, move |core| core.create_integration(input)).await
}

/// Updates an integration.
#[tauri::command]
pub async fn update_integration(
    state: State<'_, CoreState>,
    id: i64,
    update: IntegrationUpdate,
) -> CommandResult<Integration> {
    blocking(state, move |core| core.update_integration(id, update)).await
}

/// Deletes an integration and its keychain entries.
#[tauri::command]
pub async fn delete_integration(state: State<'_, CoreState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_integration(id)).await
}

/// The explicit "reveal" action: the only command that sends a secret to the webview.
#[tauri::command]
pub async fn reveal_secret(state: State<'_, CoreState>, id: i64, field: String) -> CommandResult<String> {
    blocking(state, move |core| core.reveal_secret(id, &field).map(|secret| secret.expose_secret().to_owned()))
        .await
}
