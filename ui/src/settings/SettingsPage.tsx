// Settings: desktop notifications and scheduled checks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Settings } from "../api";
import { useToast } from "../shared/toasts";

export function SettingsPage() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings });
  const save = useMutation({
    mutationFn: (next: Settings) => api.saveSettings(next),
    onSuccess: (saved) => {
      queryClient.setQueryData(["settings"], saved);
      toast({ kind: "success", title: "Settings saved" });
    },
    onError: (error) => toast({ kind: "error", title: "Could not save settings", message: (error as Error).message }),
  });
  if (settings.error) return <div className="banner">{(settings.error as Error).message}</div>;
  if (!settings.data) return null;
  const current = settings.data;
  return (
    <section className="form" aria-label="Settings" style={{ maxWidth: 560 }}>
      <h2 style={{ margin: 0, fontSize: 16 }}>Health checks</h2>
      <label>
        <input
          type="checkbox"
          checked={current.checks_paused}
          onChange={(e) => save.mutate({ ...current, checks_paused: e.target.checked })}
        />{" "}
        Pause scheduled checks <span className="muted">(“Test” and “Check all” still work)</span>
      </label>
      <h2 style={{ margin: "12px 0 0", fontSize: 16 }}>Notifications</h2>
      <label>
        <input
          type="checkbox"
          checked={current.notifications_muted}
          onChange={(e) => save.mutate({ ...current, notifications_muted: e.target.checked })}
        />{" "}
        Mute desktop notifications when an integration breaks or recovers
      </label>
    </section>
  );
}
