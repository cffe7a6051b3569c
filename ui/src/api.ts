// The UI's one front door to Rust: typed wrappers around `invoke`, using the types generated from Rust
// (src/bindings, by ts-rs). Components never call `invoke` with a string themselves.
import { invoke } from "@tauri-apps/api/core";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { Integration } from "./bindings/Integration";
import type { IntegrationQuery } from "./bindings/IntegrationQuery";
import type { IntegrationUpdate } from "./bindings/IntegrationUpdate";
import type { NewIntegration } from "./bindings/NewIntegration";
import type { Page } from "./bindings/Page";
import type { PageMarks } from "./bindings/PageMarks";
import type { Project } from "./bindings/Project";
import type { ProviderSpec } from "./bindings/ProviderSpec";
import type { CheckAllSummary } from "./bindings/CheckAllSummary";
import type { HealthRecord } from "./bindings/HealthRecord";
import type { HealthBatch } from "./bindings/HealthBatch";
import type { HealthUpdate } from "./bindings/HealthUpdate";
import type { Settings } from "./bindings/Settings";
import type { TestOutcome } from "./bindings/TestOutcome";
import type { AppInfo } from "./bindings/AppInfo";
import type { CrmRecord } from "./bindings/CrmRecord";
import type { RecordQuery } from "./bindings/RecordQuery";
import type { Bridge } from "./bindings/Bridge";
import type { BridgeInput } from "./bindings/BridgeInput";
import type { TransferReport } from "./bindings/TransferReport";
import type { SyncSchedule } from "./bindings/SyncSchedule";
import type { UpdateInfo } from "./bindings/UpdateInfo";
import type { Delivery } from "./bindings/Delivery";
import type { DeliveryQuery } from "./bindings/DeliveryQuery";
import type { Endpoint } from "./bindings/Endpoint";
import type { EndpointInput } from "./bindings/EndpointInput";
import type { EndpointUpdate } from "./bindings/EndpointUpdate";
import type { Entity } from "./bindings/Entity";
import type { BatchOutcome } from "./bindings/BatchOutcome";
import type { Route } from "./bindings/Route";
import type { RouteInput } from "./bindings/RouteInput";
import type { TriggerOutcome } from "./bindings/TriggerOutcome";
import type { Workflow } from "./bindings/Workflow";
import type { WorkflowPage } from "./bindings/WorkflowPage";
import type { PreviewResponse } from "./bindings/PreviewResponse";
import { PreviewHtml } from "./templates/previewHtml";
import type { SendOutcome } from "./bindings/SendOutcome";
import type { Template } from "./bindings/Template";
import type { TemplateInput } from "./bindings/TemplateInput";
import type { TemplateQuery } from "./bindings/TemplateQuery";
import type { TemplateSource } from "./bindings/TemplateSource";
import type { Run } from "./bindings/Run";
import type { RunDetail } from "./bindings/RunDetail";
import type { RunQuery } from "./bindings/RunQuery";
import type { ExportSummary } from "./bindings/ExportSummary";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportReport } from "./bindings/ImportReport";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

/** An error from a command, with the backend's kind and, for validation, the field it is about. */
export class ApiError extends Error {
  readonly kind: ErrorPayload["kind"];
  readonly field?: string;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "ApiError";
    this.kind = payload.kind;
    this.field = payload.field;
  }
}

function isPayload(value: unknown): value is ErrorPayload {
  return typeof value === "object" && value !== null && "kind" in value && "message" in value;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    if (isPayload(error)) throw new ApiError(error);
    throw new ApiError({ kind: "internal", message: String(error) });
  }
}

/** The preview HTML of the last renders, which later previews are sent as deltas of. */
const previewHtml = new PreviewHtml();

export const api = {
  listProviders: () => call<ProviderSpec[]>("list_providers"),
  listProjects: () => call<Project[]>("list_projects"),
  createProject: (name: string) => call<Project>("create_project", { name }),
  listIntegrations: (query: IntegrationQuery) => call<Page<Integration>>("list_integrations", { query }),
  getIntegration: (id: number) => call<Integration>("get_integration", { id }),
  createIntegration: (input: NewIntegration) => call<Integration>("create_integration", { input }),
  updateIntegration: (id: number, update: IntegrationUpdate) =>
    call<Integration>("update_integration", { id, update }),
  deleteIntegration: (id: number) => call<null>("delete_integration", { id }),
  /** The explicit "reveal" action: the only way a stored secret reaches the webview. */
  revealSecret: (id: number, field: string) => call<string>("reveal_secret", { id, field }),
  testIntegration: (id: number, force: boolean) => call<TestOutcome>("test_integration", { id, force }),
  checkAll: (query: IntegrationQuery) => call<CheckAllSummary>("check_all", { query }),
  healthHistory: (id: number, limit: number) => call<HealthRecord[]>("health_history", { id, limit }),
  getSettings: () => call<Settings>("get_settings"),
  saveSettings: (settings: Settings) => call<Settings>("save_settings", { settings }),
  listRuns: (query: RunQuery) => call<Page<Run>>("list_runs", { query }),
  runDetail: (id: number) => call<RunDetail>("run_detail", { id }),
  appInfo: () => call<AppInfo>("app_info"),
  listTemplates: (query: TemplateQuery) => call<Page<Template>>("list_templates", { query }),
  createTemplate: (input: TemplateInput) => call<Template>("create_template", { input }),
  updateTemplate: (id: number, input: TemplateInput) => call<Template>("update_template", { id, input }),
  deleteTemplate: (id: number) => call<null>("delete_template", { id }),
  /** Renders offline; rendering errors come back in the response, not as a rejection. */
  previewTemplate: async (source: TemplateSource, data: string, strict: boolean, complete: boolean) => {
    const ask = (base: number | null) => call<PreviewResponse>("preview_template", { source, data, strict, complete, base });
    try {
      return previewHtml.resolve(await ask(previewHtml.base()));
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // The delta's base was dropped (responses far out of order): ask for the whole HTML.
      previewHtml.clear();
      return previewHtml.resolve(await ask(null));
    }
  },
  sendTestEmail: (source: TemplateSource, data: string, integrationId: number, to: string) =>
    call<SendOutcome>("send_test_email", { source, data, integrationId, to }),
  exportEml: (name: string, eml: string) => call<string>("export_eml", { name, eml }),
  listRoutes: (integrationId: number) => call<Route[]>("list_routes", { integrationId }),
  addRoute: (integrationId: number, input: RouteInput) => call<Route>("add_route", { integrationId, input }),
  updateRoute: (id: number, input: RouteInput) => call<Route>("update_route", { id, input }),
  deleteRoute: (id: number) => call<null>("delete_route", { id }),
  triggerRoute: (integrationId: number, actionKey: string, payload: string, follow: boolean) =>
    call<TriggerOutcome>("trigger_route", { integrationId, actionKey, payload, follow }),
  triggerBatch: (integrationId: number, actionKey: string, data: string, concurrency: number) =>
    call<BatchOutcome>("trigger_batch", { integrationId, actionKey, data, concurrency }),
  listWorkflows: (integrationId: number, cursor: string | null) => call<WorkflowPage>("list_workflows", { integrationId, cursor }),
  setWorkflowActive: (integrationId: number, workflowId: string, active: boolean) =>
    call<Workflow>("set_workflow_active", { integrationId, workflowId, active }),
  startSync: (integrationId: number, entities: Entity[], full: boolean) => call<Run>("start_sync", { integrationId, entities, full }),
  cancelSync: (runId: number) => call<null>("cancel_sync", { runId }),
  listRecords: (query: RecordQuery) => call<Page<CrmRecord>>("list_records", { query }),
  getSyncSchedule: (integrationId: number) => call<SyncSchedule | null>("get_sync_schedule", { integrationId }),
  setSyncSchedule: (integrationId: number, schedule: SyncSchedule | null) =>
    call<SyncSchedule | null>("set_sync_schedule", { integrationId, schedule }),
  listEndpoints: () => call<Endpoint[]>("list_endpoints"),
  addEndpoint: (input: EndpointInput) => call<Endpoint>("add_endpoint", { input }),
  updateEndpoint: (id: number, update: EndpointUpdate) => call<Endpoint>("update_endpoint", { id, update }),
  setEndpointActive: (id: number, active: boolean) => call<Endpoint>("set_endpoint_active", { id, active }),
  deleteEndpoint: (id: number) => call<null>("delete_endpoint", { id }),
  listDeliveries: (query: DeliveryQuery) => call<Page<Delivery>>("list_deliveries", { query }),
  redeliver: (id: number) => call<null>("redeliver", { id }),
  openLogsFolder: () => call<string>("open_logs_folder"),
  uiReady: (marks: PageMarks) => call<null>("ui_ready", { marks }),
  exportProject: (projectId: number, passphrase: string | null) => call<string>("export_project", { projectId, passphrase }),
  revealExport: () => call<null>("reveal_export"),
  inspectImport: (text: string) => call<ExportSummary>("inspect_import", { text }),
  importProject: (text: string, options: ImportOptions) => call<ImportReport>("import_project", { text, options }),
  checkForUpdates: () => call<UpdateInfo | null>("check_for_updates"),
  downloadUpdate: () => call<number>("download_update"),
  installUpdate: () => call<null>("install_update"),
  getAutostart: () => call<boolean>("get_autostart"),
  setAutostart: (enabled: boolean) => call<boolean>("set_autostart", { enabled }),
  listBridges: () => call<Bridge[]>("list_bridges"),
  saveBridge: (id: number | null, input: BridgeInput) => call<Bridge>("save_bridge", { id, input }),
  deleteBridge: (id: number) => call<null>("delete_bridge", { id }),
  runBridge: (id: number, dryRun: boolean) => call<TransferReport>("run_bridge", { id, dryRun }),
};

/** Calls `handler` with each run progress update (throttled by the backend). */
/** Calls `handler` when the background check finds a newer version. */
export function onUpdateAvailable(handler: (update: UpdateInfo) => void): Promise<UnlistenFn> {
  return listen<UpdateInfo>("update_available", (event) => handler(event.payload));
}

export function onRunProgress(handler: (run: Run) => void): Promise<UnlistenFn> {
  return listen<Run>("run_progress", (event) => handler(event.payload));
}

/** Backend events: health results, batched by the backend (a change of status within a second, results that change nothing every 30 s). */
export const HEALTH_EVENTS = ["integration_batch_update", "integration_health_changed"] as const;

/** Calls `handler` with every batch of health results; returns a function that stops listening. */
export async function onHealthUpdates(handler: (batch: HealthBatch) => void): Promise<UnlistenFn> {
  const stops = await Promise.all(HEALTH_EVENTS.map((name) => listen<HealthBatch>(name, (event) => handler(event.payload))));
  return () => stops.forEach((stop) => stop());
}

export type {
  CheckAllSummary, ErrorPayload, HealthBatch, HealthRecord, HealthUpdate, Integration, IntegrationQuery, IntegrationUpdate, NewIntegration, Page, Project,
  ProviderSpec, Settings, TestOutcome,
};
