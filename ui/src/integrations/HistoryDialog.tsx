// The health history of one integration: newest results first, with trigger, latency and detail.
import { useQuery } from "@tanstack/react-query";
import { api, type Integration } from "../api";
import { Dialog } from "../shared/Dialog";

export function HistoryDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const history = useQuery({ queryKey: ["history", integration.id], queryFn: () => api.healthHistory(integration.id, 50) });
  return (
    <Dialog title={`Health history — ${integration.name}`} onClose={onClose} wide>
      {history.error && <div className="banner">{(history.error as Error).message}</div>}
      {history.data && history.data.length === 0 && <p className="muted">No checks yet. Press “Test” to run one.</p>}
      {history.data && history.data.length > 0 && (
        <table className="grid" aria-label="Health history">
          <thead>
            <tr>
              <th>Time</th>
              <th>Result</th>
              <th>Latency</th>
              <th>Trigger</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((record) => (
              <tr key={record.id}>
                <td>{new Date(record.checked_at).toLocaleString()}</td>
                <td>
                  <span className={`badge`}>{record.status}</span>
                  {record.error_kind && <span className="muted"> {record.error_kind}</span>}
                </td>
                <td>{record.latency_ms} ms</td>
                <td>{record.trigger.replace("_", " ")}</td>
                <td>{record.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
