import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./App";
import { api } from "./api";
import { prefetchFirstPage } from "./integrations/IntegrationsPage";
import { ToastProvider } from "./shared/toasts";
import "./shared/styles.css";

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

// The first screen's data is asked for now, while React renders the shell.
prefetchFirstPage(queryClient);
void queryClient.prefetchQuery({ queryKey: ["projects"], queryFn: api.listProjects });

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          <App />
        </ToastProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
