//! The app's commands: each takes the shared core and a request, runs the core call on a blocking
//! thread (SQLite and the keychain block), and maps the error to the `{kind, message, field}` payload the
//! UI's one `invoke` wrapper understands.

use std::sync::{Arc, Mutex};

use patchbay_core::crm::bridge::{Bridge, BridgeInput, TransferReport};
use patchbay_core::crm::schedule::SyncSchedule;
use patchbay_core::health::history::HealthRecord;
use patchbay_core::health::service::{CheckAllSummary, HealthService, TestOutcome};
use patchbay_core::n8n::api::{Client as N8nClient, Workflow, WorkflowPage};
use patchbay_core::n8n::routes::{Route, RouteInput};
use patchbay_core::n8n::trigger::{parse_batch, BatchOutcome, Trigger, TriggerOutcome};
use patchbay_core::outbox::{Delivery, DeliveryQuery, Endpoint, EndpointInput, EndpointUpdate};
use patchbay_core::providers::ProviderSpec;
use patchbay_core::runs::{Run, RunDetail, RunQuery};
use patchbay_core::settings::Settings;
use patchbay_core::templates::delta::{text_delta, TextDelta};
use patchbay_core::templates::render::{
    self as template_render, RenderError, Rendered, TemplateSource,
};
use patchbay_core::templates::send::SendOutcome;
use patchbay_core::templates::store::{Template, TemplateInput, TemplateQuery};
use patchbay_core::{
    ErrorKind, ErrorPayload, ExposeSecret, Integration, IntegrationQuery, IntegrationUpdate,
    NewIntegration, Page, Patchbay, Project,
};
use tauri::State;

/// The app's state: the core and its health service, or the error that kept the database from opening
/// (every command then reports it instead of the app crashing at start-up). The database opens on a
/// background thread while the window loads; commands wait for it.
#[derive(Default)]
pub struct AppState(std::sync::OnceLock<Result<Services, ErrorPayload>>);

/// The core and the services built on it.
#[derive(Clone)]
pub struct Services {
    /// Database and keychain.
    pub core: Arc<Patchbay>,
    /// Health checks and the scheduler.
    pub health: Arc<HealthService>,
    /// CRM sync runs.
    pub sync: Arc<patchbay_core::crm::sync::Sync>,
    /// Bitrix24 bridge runs.
    pub transfer: Arc<patchbay_core::crm::bridge::Transfer>,
}

impl AppState {
    /// Stores the outcome of opening the database (the first call wins).
    pub fn set(&self, opened: Result<Services, ErrorPayload>) {
        let _ = self.0.set(opened);
    }

    /// The services, waiting until the database has been opened.
    ///
    /// # Errors
    /// The error that kept the database from opening.
    pub fn services(&self) -> CommandResult<Services> {
        self.0.wait().clone()
    }
}

pub(crate) type CommandResult<T> = Result<T, ErrorPayload>;

pub(crate) async fn blocking<T, F>(state: State<'_, AppState>, call: F) -> CommandResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Patchbay) -> patchbay_core::Result<T> + Send + 'static,
{
    let core = state.services()?.core;
    tauri::async_runtime::spawn_blocking(move || call(&core).map_err(|error| error.to_payload()))
        .await
        .map_err(|error| ErrorPayload {
            kind: ErrorKind::Internal,
            message: error.to_string(),
            field: None,
        })?
}

static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
static UI_READY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Remembers when `run()` began, for the startup time logged by [`ui_ready`].
pub fn mark_process_start() {
    PROCESS_START.get_or_init(std::time::Instant::now);
}

/// Milliseconds since the process started (since [`mark_process_start`]).
pub fn since_start_ms() -> u128 {
    PROCESS_START
        .get()
        .map_or(0, |start| start.elapsed().as_millis())
}

/// Where the page's time went, in ms since the page started loading (`performance.now()`); a mark the
/// page did not take is `null` (the tray and the log line must not depend on every mark being there).
#[derive(serde::Deserialize, Default, ts_rs::TS)]
#[ts(export)]
pub struct PageMarks {
    /// The UI's script started running.
    pub script: Option<f64>,
    /// The first page of integrations was asked for.
    pub request: Option<f64>,
    /// The first page of integrations arrived over IPC.
    pub data: Option<f64>,
    /// The first render that shows it was committed to the DOM (before style, layout and paint).
    pub committed: Option<f64>,
    /// The frame that shows it was painted: the mark sent with `ui_ready`.
    pub painted: Option<f64>,
}

/// A page mark for the startup log: whole ms, or `?` when the page did not take it.
fn mark(ms: Option<f64>) -> String {
    ms.map_or_else(|| "?".to_owned(), |ms| format!("{ms:.0}"))
}

/// Called by the UI once, after the first page of integrations was painted; logs the startup time
/// (`UI ready after N ms`, also what the desktop benchmark waits for on stderr) with the page's own
/// marks, and builds the tray.
#[tauri::command]
pub fn ui_ready(app: tauri::AppHandle, marks: Option<PageMarks>) {
    if !UI_READY.swap(true, std::sync::atomic::Ordering::SeqCst) {
        let elapsed = since_start_ms();
        let marks = marks.unwrap_or_default();
        log::info!(
            "UI ready after {elapsed} ms (page: script at {} ms, list asked at {} ms, first data at {} ms, committed at {} ms, painted at {} ms)",
            mark(marks.script),
            mark(marks.request),
            mark(marks.data),
            mark(marks.committed),
            mark(marks.painted)
        );
        crate::tray::build_once(&app);
    }
}

/// Every provider's declaration (fields, help, setup steps).
#[tauri::command]
pub async fn list_providers(state: State<'_, AppState>) -> CommandResult<Vec<ProviderSpec>> {
    blocking(state, |core| Ok(core.providers())).await
}

/// Every project.
#[tauri::command]
pub async fn list_projects(state: State<'_, AppState>) -> CommandResult<Vec<Project>> {
    blocking(state, Patchbay::list_projects).await
}

/// Creates a project.
#[tauri::command]
pub async fn create_project(state: State<'_, AppState>, name: String) -> CommandResult<Project> {
    blocking(state, move |core| core.create_project(&name)).await
}

/// One page of integrations.
#[tauri::command]
pub async fn list_integrations(
    state: State<'_, AppState>,
    query: IntegrationQuery,
) -> CommandResult<Page<Integration>> {
    blocking(state, move |core| core.list_integrations(&query)).await
}

/// One integration.
#[tauri::command]
pub async fn get_integration(state: State<'_, AppState>, id: i64) -> CommandResult<Integration> {
    blocking(state, move |core| core.get_integration(id)).await
}

/// Creates an integration.
#[tauri::command]
pub async fn create_integration(
    state: State<'_, AppState>,
    input: NewIntegration,
) -> CommandResult<Integration> {
    let health = state.services()?.health;
    let created = blocking(state, move |core| core.create_integration(input)).await?;
    health.reschedule();
    Ok(created)
}

/// Updates an integration.
#[tauri::command]
pub async fn update_integration(
    state: State<'_, AppState>,
    id: i64,
    update: IntegrationUpdate,
) -> CommandResult<Integration> {
    let health = state.services()?.health;
    let updated = blocking(state, move |core| core.update_integration(id, update)).await?;
    health.reschedule();
    Ok(updated)
}

/// Deletes an integration and its keychain entries.
#[tauri::command]
pub async fn delete_integration(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_integration(id)).await
}

/// The explicit "reveal" action: the only command that sends a secret to the webview.
#[tauri::command]
pub async fn reveal_secret(
    state: State<'_, AppState>,
    id: i64,
    field: String,
) -> CommandResult<String> {
    blocking(state, move |core| {
        core.reveal_secret(id, &field)
            .map(|secret| secret.expose_secret().to_owned())
    })
    .await
}

/// The "Test" action: a cached result younger than 60 s unless `force`; rate limited per integration.
#[tauri::command]
pub async fn test_integration(
    state: State<'_, AppState>,
    id: i64,
    force: bool,
) -> CommandResult<TestOutcome> {
    let health = state.services()?.health;
    health
        .test(id, force)
        .await
        .map_err(|error| error.to_payload())
}

/// "Check all": every active integration matching the list's filters (pagination ignored).
#[tauri::command]
pub async fn check_all(
    state: State<'_, AppState>,
    query: IntegrationQuery,
) -> CommandResult<CheckAllSummary> {
    let health = state.services()?.health;
    health
        .check_all(query)
        .await
        .map_err(|error| error.to_payload())
}

/// The newest health results of one integration.
#[tauri::command]
pub async fn health_history(
    state: State<'_, AppState>,
    id: i64,
    limit: u32,
) -> CommandResult<Vec<HealthRecord>> {
    blocking(state, move |core| {
        core.health_history(id, limit.clamp(1, 200))
    })
    .await
}

/// The user's preferences.
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    blocking(state, Patchbay::settings).await
}

/// Saves the preferences and applies them (pausing or resuming scheduled checks).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    let health = state.services()?.health;
    let saved = blocking(state, move |core| core.save_settings(&settings)).await?;
    health.apply_settings(&saved);
    Ok(saved)
}

/// Version and where data lives, for Settings.
#[derive(serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// Data directory.
    pub data_dir: String,
    /// Database file.
    pub database: String,
}

/// Version and data locations.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    let core = state.services()?.core;
    let database = core.store().path().display().to_string();
    let data_dir = core
        .store()
        .path()
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir,
        database,
    })
}

/// One page of runs.
#[tauri::command]
pub async fn list_runs(state: State<'_, AppState>, query: RunQuery) -> CommandResult<Page<Run>> {
    blocking(state, move |core| core.list_runs(&query)).await
}

/// A run with its log lines.
#[tauri::command]
pub async fn run_detail(state: State<'_, AppState>, id: i64) -> CommandResult<RunDetail> {
    blocking(state, move |core| core.run_detail(id)).await
}

/// One page of templates.
#[tauri::command]
pub async fn list_templates(
    state: State<'_, AppState>,
    query: TemplateQuery,
) -> CommandResult<Page<Template>> {
    blocking(state, move |core| core.list_templates(&query)).await
}

/// One template.
#[tauri::command]
pub async fn get_template(state: State<'_, AppState>, id: i64) -> CommandResult<Template> {
    blocking(state, move |core| core.get_template(id)).await
}

/// Creates a template.
#[tauri::command]
pub async fn create_template(
    state: State<'_, AppState>,
    input: TemplateInput,
) -> CommandResult<Template> {
    blocking(state, move |core| core.create_template(&input)).await
}

/// Saves a template.
#[tauri::command]
pub async fn update_template(
    state: State<'_, AppState>,
    id: i64,
    input: TemplateInput,
) -> CommandResult<Template> {
    blocking(state, move |core| core.update_template(id, &input)).await
}

/// Deletes a template.
#[tauri::command]
pub async fn delete_template(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_template(id)).await
}

/// A live preview: either the rendered message or the error (with part, line and column), plus the
/// variables the template uses and sample data for them. Rendering errors are results, not failures.
#[derive(serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PreviewResponse {
    /// The rendered message, when rendering succeeded.
    pub rendered: Option<Rendered>,
    /// Why rendering failed.
    pub error: Option<RenderError>,
    /// Variables the template uses.
    pub variables: Vec<String>,
    /// Sample data for those variables (JSON text), for "generate sample data".
    pub suggested_data: String,
    /// Id of this render's HTML, to pass as `base` with the next preview.
    #[ts(type = "number | null")]
    pub html_id: Option<u64>,
    /// When set, `rendered.html` is empty: the HTML is the `base` HTML changed by this delta.
    pub html_delta: Option<TextDelta>,
}

/// The HTML of the last preview sent to the webview, by id: the next preview sends only what changed
/// (MJML output is ~10× its source; typing changes a few characters of it).
#[derive(Default)]
pub struct PreviewCache(Arc<Mutex<Option<(u64, String)>>>);

impl PreviewCache {
    /// Gives `rendered` an id and, when the webview holds the last HTML as `base`, replaces its HTML by
    /// the delta from it. Returns the id and the delta.
    fn encode(&self, rendered: &mut Rendered, base: Option<u64>) -> (u64, Option<TextDelta>) {
        let mut last = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = last.as_ref().map_or(1, |(id, _)| id + 1);
        let delta = match (last.as_ref(), base) {
            (Some((last_id, html)), Some(base)) if *last_id == base => {
                text_delta(base, html, &rendered.html)
            }
            _ => None,
        };
        let html = if delta.is_some() {
            std::mem::take(&mut rendered.html)
        } else {
            rendered.html.clone()
        };
        *last = Some((id, html));
        (id, delta)
    }
}

/// Renders a template offline for the preview. `data` is the sample data as JSON text. With `complete`
/// false only what the HTML tab shows is rendered (fast); true adds the text part and the MIME message.
/// `base` is the `html_id` of the last preview the webview holds: the HTML then comes as a delta from it.
#[tauri::command]
pub async fn preview_template(
    cache: State<'_, PreviewCache>,
    source: TemplateSource,
    data: String,
    strict: bool,
    complete: bool,
    base: Option<u64>,
) -> CommandResult<PreviewResponse> {
    let cache = PreviewCache(Arc::clone(&cache.0));
    tauri::async_runtime::spawn_blocking(move || {
        let variables = template_render::variables(&source);
        let suggested_data =
            serde_json::to_string_pretty(&template_render::sample_data(&variables))
                .unwrap_or_default();
        let parsed: Result<serde_json::Value, _> =
            serde_json::from_str(if data.trim().is_empty() { "{}" } else { &data });
        let result = match parsed {
            Ok(values) if complete => template_render::render(
                &source,
                &values,
                strict,
                &template_render::Envelope::default(),
            ),
            Ok(values) => template_render::render_preview(&source, &values, strict),
            Err(error) => Err(RenderError {
                part: template_render::TemplatePart::Data,
                kind: template_render::RenderErrorKind::Data,
                message: format!("sample data is not valid JSON: {error}"),
                variable: None,
                line: u32::try_from(error.line()).ok(),
                column: u32::try_from(error.column()).ok(),
            }),
        };
        let (rendered, error, html_id, html_delta) = match result {
            Ok(mut rendered) => {
                let (id, delta) = cache.encode(&mut rendered, base);
                (Some(rendered), None, Some(id), delta)
            }
            Err(error) => (None, Some(error), None, None),
        };
        PreviewResponse {
            rendered,
            error,
            variables,
            suggested_data,
            html_id,
            html_delta,
        }
    })
    .await
    .map_err(|error| ErrorPayload {
        kind: ErrorKind::Internal,
        message: error.to_string(),
        field: None,
    })
}

/// Sends the template with its sample data through an SMTP integration to `to`; recorded as a run.
#[tauri::command]
pub async fn send_test_email(
    state: State<'_, AppState>,
    source: TemplateSource,
    data: String,
    integration_id: i64,
    to: String,
) -> CommandResult<SendOutcome> {
    let core = state.services()?.core;
    let values: serde_json::Value =
        serde_json::from_str(if data.trim().is_empty() { "{}" } else { &data }).map_err(
            |error| {
                patchbay_core::Error::validation(
                    "sample_data",
                    format!("is not valid JSON: {error}"),
                )
                .to_payload()
            },
        )?;
    patchbay_core::templates::send::send_test_email(&core, source, values, integration_id, &to)
        .await
        .map_err(|error| error.to_payload())
}

/// Writes the rendered message as an `.eml` file into the user's Downloads folder; returns its path.
#[tauri::command]
pub async fn export_eml(name: String, eml: String) -> CommandResult<String> {
    tauri::async_runtime::spawn_blocking(move || {
        let dir = dirs::download_dir()
            .or_else(dirs::home_dir)
            .ok_or_else(|| patchbay_core::Error::Store("no Downloads folder".into()))?;
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!(
            "{}.eml",
            if safe.is_empty() {
                "template".into()
            } else {
                safe
            }
        ));
        std::fs::write(&path, eml).map_err(|error| {
            patchbay_core::Error::Store(format!("cannot write {}: {error}", path.display()))
        })?;
        Ok::<_, patchbay_core::Error>(path.display().to_string())
    })
    .await
    .map_err(|error| ErrorPayload {
        kind: ErrorKind::Internal,
        message: error.to_string(),
        field: None,
    })?
    .map_err(|error| error.to_payload())
}

/// Routes of an n8n integration.
#[tauri::command]
pub async fn list_routes(
    state: State<'_, AppState>,
    integration_id: i64,
) -> CommandResult<Vec<Route>> {
    blocking(state, move |core| core.list_routes(integration_id)).await
}

/// Adds a route.
#[tauri::command]
pub async fn add_route(
    state: State<'_, AppState>,
    integration_id: i64,
    input: RouteInput,
) -> CommandResult<Route> {
    blocking(state, move |core| core.add_route(integration_id, &input)).await
}

/// Changes a route.
#[tauri::command]
pub async fn update_route(
    state: State<'_, AppState>,
    id: i64,
    input: RouteInput,
) -> CommandResult<Route> {
    blocking(state, move |core| core.update_route(id, &input)).await
}

/// Deletes a route.
#[tauri::command]
pub async fn delete_route(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_route(id)).await
}

fn trigger(services: &Services) -> CommandResult<Trigger> {
    Ok(Trigger::new(services.core.clone())
        .map_err(|error| error.to_payload())?
        .with_progress(services.health.run_events()))
}

/// Triggers a route with `payload` (JSON text; the route's default when empty); with `follow`, waits for
/// the n8n execution. Progress arrives as `run_progress` events.
#[tauri::command]
pub async fn trigger_route(
    state: State<'_, AppState>,
    integration_id: i64,
    action_key: String,
    payload: String,
    follow: bool,
) -> CommandResult<TriggerOutcome> {
    let services = state.services()?;
    let payload = match payload.trim() {
        "" => None,
        text => Some(serde_json::from_str(text).map_err(|error| {
            patchbay_core::Error::validation("payload", format!("is not valid JSON: {error}"))
                .to_payload()
        })?),
    };
    trigger(&services)?
        .trigger(integration_id, &action_key, payload, follow)
        .await
        .map_err(|error| error.to_payload())
}

/// Triggers a route once per payload of `data` (a JSON array or NDJSON), at most `concurrency` at a time.
#[tauri::command]
pub async fn trigger_batch(
    state: State<'_, AppState>,
    integration_id: i64,
    action_key: String,
    data: String,
    concurrency: u32,
) -> CommandResult<BatchOutcome> {
    let services = state.services()?;
    let payloads = parse_batch(&data).map_err(|error| error.to_payload())?;
    trigger(&services)?
        .batch(
            integration_id,
            &action_key,
            payloads,
            usize::try_from(concurrency).unwrap_or(4),
        )
        .await
        .map_err(|error| error.to_payload())
}

/// What an n8n API call needs: the integration's settings and secrets, and an HTTP context.
async fn n8n_api(
    state: State<'_, AppState>,
    integration_id: i64,
) -> CommandResult<(
    patchbay_core::health::CheckTarget,
    patchbay_core::health::CheckContext,
)> {
    let target = blocking(state, move |core| core.check_target(integration_id)).await?;
    let context =
        patchbay_core::health::CheckContext::with_defaults().map_err(|message| ErrorPayload {
            kind: ErrorKind::Internal,
            message,
            field: None,
        })?;
    Ok((target, context))
}

/// One page of the instance's workflows.
#[tauri::command]
pub async fn list_workflows(
    state: State<'_, AppState>,
    integration_id: i64,
    cursor: Option<String>,
) -> CommandResult<WorkflowPage> {
    let (target, context) = n8n_api(state, integration_id).await?;
    N8nClient::new(&target, &context)
        .workflows(100, cursor.as_deref())
        .await
        .map_err(|error| error.to_payload())
}

/// Activates or deactivates a workflow.
#[tauri::command]
pub async fn set_workflow_active(
    state: State<'_, AppState>,
    integration_id: i64,
    workflow_id: String,
    active: bool,
) -> CommandResult<Workflow> {
    let (target, context) = n8n_api(state, integration_id).await?;
    N8nClient::new(&target, &context)
        .set_active(&workflow_id, active)
        .await
        .map_err(|error| error.to_payload())
}

/// Starts a CRM sync (resuming an interrupted or failed run unless `full`) and returns its run once it is
/// recorded; the pages are fetched in the background, progress arrives as `run_progress` events and the run
/// appears on the Runs page. A sync that cannot start (one already running here or in another Patchbay
/// window or command, no entities) is this command's error, for the UI to show.
#[tauri::command]
pub async fn start_sync(
    state: State<'_, AppState>,
    integration_id: i64,
    entities: Vec<patchbay_core::crm::sync::Entity>,
    full: bool,
) -> CommandResult<Run> {
    let services = state.services()?;
    let provider = blocking(state, move |core| core.get_integration(integration_id))
        .await?
        .provider;
    if provider != "kommo" && provider != "bitrix24" {
        return Err(patchbay_core::Error::validation(
            "integration_id",
            format!("{provider} integrations cannot be synced"),
        )
        .to_payload());
    }
    let started = services
        .sync
        .begin(integration_id, entities, full)
        .await
        .map_err(|error| error.to_payload())?;
    let run = started.run.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(error) = services.sync.drive(started).await {
            log::warn!("sync of integration {integration_id} could not record its end: {error}");
        }
    });
    Ok(run)
}

/// Asks a running sync to stop after its current page; an error when this window does not run it (it has
/// ended, or another Patchbay window or command runs it).
#[tauri::command]
pub async fn cancel_sync(state: State<'_, AppState>, run_id: i64) -> CommandResult<()> {
    state
        .services()?
        .sync
        .cancel(run_id)
        .map_err(|error| error.to_payload())
}

/// One page of an integration's synced records, filtered and sorted.
#[tauri::command]
pub async fn list_records(
    state: State<'_, AppState>,
    query: patchbay_core::crm::records::RecordQuery,
) -> CommandResult<Page<patchbay_core::crm::records::CrmRecord>> {
    blocking(state, move |core| core.list_records(&query)).await
}

/// All bridges.
#[tauri::command]
pub async fn list_bridges(state: State<'_, AppState>) -> CommandResult<Vec<Bridge>> {
    blocking(state, |core| core.list_bridges()).await
}

/// Creates (`id` null) or replaces a bridge; validated as a whole before anything is written.
#[tauri::command]
pub async fn save_bridge(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: BridgeInput,
) -> CommandResult<Bridge> {
    blocking(state, move |core| core.save_bridge(id, &input)).await
}

/// Deletes a bridge and its id map; deals already in the target portal stay.
#[tauri::command]
pub async fn delete_bridge(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_bridge(id)).await
}

/// Runs a bridge (or, with `dry_run`, reports what it would create) and returns the report.
#[tauri::command]
pub async fn run_bridge(
    state: State<'_, AppState>,
    id: i64,
    dry_run: bool,
) -> CommandResult<TransferReport> {
    let services = state.services()?;
    services
        .transfer
        .run(id, dry_run)
        .await
        .map_err(|error| error.to_payload())
}

/// The periodic sync of a CRM integration, if any.
#[tauri::command]
pub async fn get_sync_schedule(
    state: State<'_, AppState>,
    integration_id: i64,
) -> CommandResult<Option<SyncSchedule>> {
    blocking(state, move |core| core.sync_schedule(integration_id)).await
}

/// Sets or (with null) removes the periodic sync of a CRM integration.
#[tauri::command]
pub async fn set_sync_schedule(
    state: State<'_, AppState>,
    integration_id: i64,
    schedule: Option<SyncSchedule>,
) -> CommandResult<Option<SyncSchedule>> {
    blocking(state, move |core| {
        core.set_sync_schedule(integration_id, schedule.as_ref())
    })
    .await
}

/// Audit-webhook endpoints, by name.
#[tauri::command]
pub async fn list_endpoints(state: State<'_, AppState>) -> CommandResult<Vec<Endpoint>> {
    blocking(state, |core| core.list_endpoints()).await
}

/// Adds an audit-webhook endpoint (its signing secret goes to the keychain).
#[tauri::command]
pub async fn add_endpoint(
    state: State<'_, AppState>,
    input: EndpointInput,
) -> CommandResult<Endpoint> {
    blocking(state, move |core| core.add_endpoint(&input)).await
}

/// Changes an audit-webhook endpoint in place, keeping its delivery log (the secret: see
/// [`EndpointUpdate`]).
#[tauri::command]
pub async fn update_endpoint(
    state: State<'_, AppState>,
    id: i64,
    update: EndpointUpdate,
) -> CommandResult<Endpoint> {
    blocking(state, move |core| core.update_endpoint(id, &update)).await
}

/// Turns an endpoint on or off.
#[tauri::command]
pub async fn set_endpoint_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> CommandResult<Endpoint> {
    blocking(state, move |core| core.set_endpoint_active(id, active)).await
}

/// Deletes an endpoint, its delivery log and its signing secret.
#[tauri::command]
pub async fn delete_endpoint(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.delete_endpoint(id)).await
}

/// One page of the delivery log.
#[tauri::command]
pub async fn list_deliveries(
    state: State<'_, AppState>,
    query: DeliveryQuery,
) -> CommandResult<Page<Delivery>> {
    blocking(state, move |core| core.list_deliveries(&query)).await
}

/// Queues a delivered or dead event for delivery again.
#[tauri::command]
pub async fn redeliver(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    blocking(state, move |core| core.redeliver(id)).await
}

#[cfg(test)]
mod tests {
    use super::{mark, PageMarks};

    #[test]
    fn page_marks_the_page_did_not_take_arrive_as_null_and_log_as_a_question_mark() {
        // `performance.now()` marks the page never took are sent as `null` (JSON has no NaN).
        let marks: PageMarks = serde_json::from_str(
            r#"{"script": 23.6, "request": null, "data": null, "committed": 55.2, "painted": 87.9}"#,
        )
        .expect("marks with nulls deserialize");
        assert_eq!(mark(marks.script), "24");
        assert_eq!(mark(marks.request), "?");
        assert_eq!(mark(marks.data), "?");
        assert_eq!(mark(marks.painted), "88");
    }
}
