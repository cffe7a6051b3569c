// Bitrix24 portal-to-portal bridges whose source is one integration: list, edit the field mapping and
// stage trigger, dry run (what would be created), run (with confirmation), delete (with confirmation).
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, type Integration } from "../api";
import { syncedOptions } from "./options";
import type { Bridge } from "../bindings/Bridge";
import type { BridgeInput } from "../bindings/BridgeInput";
import type { FieldRule } from "../bindings/FieldRule";
import type { Transform } from "../bindings/Transform";
import type { TransferReport } from "../bindings/TransferReport";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { relativeTime, fieldSentence, errorText } from "../shared/format";
import { LocalTime } from "../shared/LocalTime";
import { useToast } from "../shared/toasts";

const TRANSFORMS: Transform[] = ["none", "trim", "uppercase", "lowercase", "number"];

function blank(source: Integration): BridgeInput {
  return {
    name: `${source.name} → `,
    source_integration_id: source.id,
    target_integration_id: 0,
    trigger_stage: "",
    mapping: {
      fields: [
        { target: "TITLE", source: { kind: "field", field: "TITLE" }, transform: "none" },
        { target: "OPPORTUNITY", source: { kind: "field", field: "OPPORTUNITY" }, transform: "number" },
        { target: "CURRENCY_ID", source: { kind: "field", field: "CURRENCY_ID" }, transform: "none" },
      ],
      stages: {},
      target_category: null,
    },
    on_rerun: "skip",
  };
}

/** Stages synced for an integration, for the stage pickers (free text still allowed). */
function useStages(integrationId: number) {
  return useQuery({
    queryKey: ["records-options", integrationId, "stage"],
    enabled: integrationId > 0,
    queryFn: () => syncedOptions(integrationId, "stage"),
  });
}

export function BridgesDialog({ source, portals, onClose }: { source: Integration; portals: Integration[]; onClose: () => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const bridges = useQuery({ queryKey: ["bridges"], queryFn: api.listBridges });
  const [editing, setEditing] = useState<{ id: number | null; input: BridgeInput } | null>(null);
  const [report, setReport] = useState<{ bridge: Bridge; report: TransferReport } | null>(null);
  const [confirm, setConfirm] = useState<{ bridge: Bridge; action: "run" | "delete" } | null>(null);
  const mine = (bridges.data ?? []).filter((b) => b.source_integration_id === source.id);
  const name = (id: number) => portals.find((p) => p.id === id)?.name ?? `#${id}`;
  const run = useMutation({
    mutationFn: ({ bridge, dryRun }: { bridge: Bridge; dryRun: boolean }) => api.runBridge(bridge.id, dryRun).then((r) => ({ bridge, report: r })),
    onSuccess: (result) => {
      setReport(result);
      setConfirm(null);
      void queryClient.invalidateQueries({ queryKey: ["bridges"] });
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      if (!result.report.dry_run) {
        const r = result.report;
        toast({
          kind: r.failed ? "error" : "success",
          title: `Bridge ${result.bridge.name}`,
          message: `${r.created} created, ${r.updated} updated, ${r.skipped} skipped, ${r.failed} failed`,
        });
      }
    },
    onError: (error) => (setConfirm(null), toast({ kind: "error", title: "The bridge did not run", message: errorText(error) })),
  });
  const remove = useMutation({
    mutationFn: (bridge: Bridge) => api.deleteBridge(bridge.id),
    onSuccess: () => (setConfirm(null), void queryClient.invalidateQueries({ queryKey: ["bridges"] })),
    onError: (error) => toast({ kind: "error", title: "Cannot delete the bridge", message: errorText(error) }),
  });
  if (editing) {
    return (
      <BridgeEditor
        initial={editing.input}
        id={editing.id}
        portals={portals.filter((p) => p.id !== source.id)}
        onClose={() => setEditing(null)}
        onSaved={() => (setEditing(null), void queryClient.invalidateQueries({ queryKey: ["bridges"] }))}
      />
    );
  }
  return (
    <Dialog title={`Bridges from ${source.name}`} onClose={onClose} wide>
      <p className="muted">
        A bridge copies the deals that reach a stage of this portal into another Bitrix24 portal, through a field mapping, 50 per batch call. Each
        deal is transferred once: reruns skip (or update) what was copied before.
      </p>
      {bridges.isError && <p className="error">Cannot load the bridges: {(bridges.error as Error).message}</p>}
      {bridges.data && mine.length === 0 ? (
        <p className="muted">No bridge from this portal yet.</p>
      ) : (
        <table className="grid" aria-label="Bridges">
          <thead>
            <tr>
              <th>Name</th>
              <th>Target portal</th>
              <th>Trigger stage</th>
              <th>Transferred</th>
              <th>Changed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mine.map((bridge) => (
              <tr key={bridge.id}>
                <td>{bridge.name}</td>
                <td>{name(bridge.target_integration_id)}</td>
                <td>
                  <code>{bridge.trigger_stage}</code>
                </td>
                <td>{bridge.transferred}</td>
                <td>
                  <LocalTime at={bridge.updated_at}>{relativeTime(bridge.updated_at)}</LocalTime>
                </td>
                <td className="actions">
                  <button className="btn small" disabled={run.isPending} onClick={() => run.mutate({ bridge, dryRun: true })}>
                    Dry run
                  </button>{" "}
                  <button className="btn small primary" disabled={run.isPending} onClick={() => setConfirm({ bridge, action: "run" })}>
                    Run…
                  </button>{" "}
                  <button className="btn small" onClick={() => setEditing({ id: bridge.id, input: { ...bridge } })}>
                    Edit
                  </button>{" "}
                  <button className="btn small" onClick={() => setConfirm({ bridge, action: "delete" })}>
                    Delete…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run.isPending && <p aria-live="polite">Working… large portals take a while (2 requests per second).</p>}
      {report && <ReportView bridge={report.bridge} report={report.report} />}
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Close
        </button>
        <button className="btn primary" onClick={() => setEditing({ id: null, input: blank(source) })} disabled={portals.length < 2}
          title={portals.length < 2 ? "Add a second Bitrix24 integration to bridge to" : undefined}>
          New bridge
        </button>
      </div>
      {confirm && (
        <ConfirmDialog
          title={confirm.action === "run" ? `Run ${confirm.bridge.name}?` : `Delete ${confirm.bridge.name}?`}
          message={
            confirm.action === "run"
              ? `Deals in ${confirm.bridge.trigger_stage} that were not transferred yet are created in ${name(confirm.bridge.target_integration_id)}. Use Dry run first to see them.`
              : "The bridge and its id map are deleted; deals already created in the target portal stay."
          }
          confirmLabel={confirm.action === "run" ? "Run bridge" : "Delete bridge"}
          busy={run.isPending || remove.isPending}
          onConfirm={() => (confirm.action === "run" ? run.mutate({ bridge: confirm.bridge, dryRun: false }) : remove.mutate(confirm.bridge))}
          onCancel={() => setConfirm(null)}
        />
      )}
    </Dialog>
  );
}

/** "TITLE: Deal 7 · OPPORTUNITY: 70 · STAGE_ID: NEW" (the id-map stamps left out). */
function describeFields(fields: Record<string, unknown>) {
  return Object.entries(fields)
    .filter(([key]) => key !== "ORIGINATOR_ID" && key !== "ORIGIN_ID")
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" · ");
}

function ReportView({ bridge, report }: { bridge: Bridge; report: TransferReport }) {
  return (
    <div className="facts-box" aria-label="Bridge report">
      <strong>
        {report.dry_run ? "Dry run" : "Run"} of {bridge.name}:
      </strong>{" "}
      {report.found} deals in {bridge.trigger_stage} — {report.created} {report.dry_run ? "would be created" : "created"}, {report.updated}{" "}
      {report.dry_run ? "would be updated" : "updated"}, {report.skipped} already transferred, {report.failed} failed.
      {report.items.length > 0 && (
        <table className="grid" aria-label="Bridge items">
          <thead>
            <tr>
              <th>Source deal</th>
              <th>Action</th>
              <th>Target deal</th>
              <th>Fields / error</th>
            </tr>
          </thead>
          <tbody>
            {report.items.slice(0, 50).map((item) => (
              <tr key={item.source_id}>
                <td>
                  <code>{item.source_id}</code>
                </td>
                <td>{item.action}</td>
                <td>{item.target_id ?? "—"}</td>
                <td className="wrap">{item.error ? <span className="error">{item.error}</span> : item.fields ? describeFields(item.fields) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The editor's fields a refusal is shown under, by the name the core's errors give them. */
const BRIDGE_LABELS = {
  name: "Name",
  target_integration_id: "The target portal",
  trigger_stage: "The trigger stage",
  "mapping.stages": "The target stage",
  "mapping.target_category": "The target pipeline",
};

function BridgeEditor(props: { id: number | null; initial: BridgeInput; portals: Integration[]; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [input, setInput] = useState<BridgeInput>(props.initial);
  const [error, setError] = useState<ApiError | null>(null);
  const sourceStages = useStages(input.source_integration_id);
  const targetStages = useStages(input.target_integration_id);
  const targetStage = input.mapping.stages[input.trigger_stage] ?? "";
  const save = useMutation({
    mutationFn: () => api.saveBridge(props.id, input),
    onSuccess: (bridge) => (toast({ kind: "success", title: `Bridge ${bridge.name} saved` }), props.onSaved()),
    onError: (e) => setError(e instanceof ApiError ? e : new ApiError({ kind: "internal", message: String(e) })),
  });
  const setRule = (index: number, rule: FieldRule) =>
    setInput((i) => ({ ...i, mapping: { ...i.mapping, fields: i.mapping.fields.map((r, n) => (n === index ? rule : r)) } }));
  const fieldError = (field: keyof typeof BRIDGE_LABELS) => (error?.field === field ? <div className="error">{fieldSentence(BRIDGE_LABELS[field], error.message)}</div> : null);
  const stageList = (id: string, options: { external_id: string; name: string; pipeline_name: string | null }[]) => (
    <datalist id={id}>
      {options.map((s) => (
        <option key={s.external_id} value={s.external_id}>
          {s.pipeline_name ? `${s.pipeline_name} · ${s.name}` : s.name}
        </option>
      ))}
    </datalist>
  );
  const ruleErrors = useMemo(() => (error?.field?.startsWith("mapping.fields") ? error.field : null), [error]);
  return (
    <Dialog title={props.id ? "Edit bridge" : "New bridge"} onClose={props.onClose} wide>
      <form
        className="form stacked"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          save.mutate();
        }}
      >
        <label>
          Name
          <input className="input" value={input.name} onChange={(e) => setInput({ ...input, name: e.target.value })} data-autofocus />
        </label>
        {fieldError("name")}
        <label>
          Target portal
          <select className="input" value={input.target_integration_id} onChange={(e) => setInput({ ...input, target_integration_id: Number(e.target.value) })}>
            <option value={0}>Choose a Bitrix24 integration…</option>
            {props.portals.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.project_name})
              </option>
            ))}
          </select>
        </label>
        {fieldError("target_integration_id")}
        <label>
          Trigger stage in the source (STAGE_ID)
          <input
            className="input"
            list="source-stages"
            placeholder="e.g. C2:WON — sync pipelines first to pick from a list"
            value={input.trigger_stage}
            onChange={(e) => {
              const trigger = e.target.value;
              setInput((i) => ({ ...i, trigger_stage: trigger, mapping: { ...i.mapping, stages: targetStage ? { [trigger]: targetStage } : {} } }));
            }}
          />
          {stageList("source-stages", sourceStages.data ?? [])}
        </label>
        {fieldError("trigger_stage")}
        <label>
          Stage of the created deals in the target (STAGE_ID)
          <input
            className="input"
            list="target-stages"
            placeholder="e.g. C4:NEW"
            value={targetStage}
            onChange={(e) => setInput((i) => ({ ...i, mapping: { ...i.mapping, stages: { [i.trigger_stage]: e.target.value } } }))}
          />
          {stageList("target-stages", targetStages.data ?? [])}
        </label>
        {fieldError("mapping.stages")}
        <label>
          Target pipeline (CATEGORY_ID, empty = the portal's default)
          <input
            className="input"
            inputMode="numeric"
            value={input.mapping.target_category ?? ""}
            onChange={(e) => setInput((i) => ({ ...i, mapping: { ...i.mapping, target_category: e.target.value.trim() || null } }))}
          />
        </label>
        {fieldError("mapping.target_category")}
        <fieldset>
          <legend>Field mapping</legend>
          <table className="grid" aria-label="Field mapping">
            <thead>
              <tr>
                <th>Target field</th>
                <th>From</th>
                <th>Source field or value</th>
                <th>Transform</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {input.mapping.fields.map((rule, index) => (
                <tr key={index} className={ruleErrors?.startsWith(`mapping.fields[${index}]`) ? "invalid" : undefined}>
                  <td>
                    <input className="input" aria-label={`Target field ${index + 1}`} value={rule.target} onChange={(e) => setRule(index, { ...rule, target: e.target.value })} />
                  </td>
                  <td>
                    <select
                      className="input"
                      aria-label={`Source kind ${index + 1}`}
                      value={rule.source.kind}
                      onChange={(e) => setRule(index, { ...rule, source: e.target.value === "field" ? { kind: "field", field: "" } : { kind: "constant", value: "" } })}
                    >
                      <option value="field">Source field</option>
                      <option value="constant">Constant</option>
                    </select>
                  </td>
                  <td>
                    <input
                      className="input"
                      aria-label={`Source ${index + 1}`}
                      value={rule.source.kind === "field" ? rule.source.field : rule.source.value}
                      onChange={(e) =>
                        setRule(index, { ...rule, source: rule.source.kind === "field" ? { kind: "field", field: e.target.value } : { kind: "constant", value: e.target.value } })
                      }
                    />
                  </td>
                  <td>
                    <select className="input" aria-label={`Transform ${index + 1}`} value={rule.transform} onChange={(e) => setRule(index, { ...rule, transform: e.target.value as Transform })}>
                      {TRANSFORMS.map((t) => (
                        <option key={t}>{t}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn"
                      aria-label={`Remove rule ${index + 1}`}
                      onClick={() => setInput((i) => ({ ...i, mapping: { ...i.mapping, fields: i.mapping.fields.filter((_, n) => n !== index) } }))}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            className="btn"
            onClick={() =>
              setInput((i) => ({ ...i, mapping: { ...i.mapping, fields: [...i.mapping.fields, { target: "", source: { kind: "field", field: "" }, transform: "none" }] } }))
            }
          >
            Add field
          </button>
          {ruleErrors && error && <div className="error">{fieldSentence("The field", error.message)}</div>}
        </fieldset>
        <label>
          On rerun, deals transferred before are
          <select className="input" value={input.on_rerun} onChange={(e) => setInput({ ...input, on_rerun: e.target.value as BridgeInput["on_rerun"] })}>
            <option value="skip">left alone</option>
            <option value="update">updated from the source</option>
          </select>
        </label>
        {error && !ruleErrors && !(error.field && error.field in BRIDGE_LABELS) && (
          <div className="error" role="alert">
            {errorText(error, { source_integration_id: "The source portal" })}
          </div>
        )}
        <div className="buttons">
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button className="btn primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save bridge"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
