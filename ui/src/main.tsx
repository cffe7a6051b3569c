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

/** The longest the first render waits for the first screen's data, ms. */
const FIRST_DATA_WAIT_MS = 250;

// The first screen's data is asked for before anything renders, and the first render waits for it
// (up to FIRST_DATA_WAIT_MS): a "loading" frame painted meanwhile would cost WebKit about as much as
// the list's own frame and delay it.
const firstData = Promise.race([
  Promise.all([prefetchFirstPage(queryClient), queryClient.prefetchQuery({ queryKey: ["projects"], queryFn: api.listProjects })]),
  new Promise((resolve) => setTimeout(resolve, FIRST_DATA_WAIT_MS)),
]);

const root = document.getElementById("root");
if (root) {
  void firstData.then(() =>
    createRoot(root).render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <ToastProvider>
            <App />
          </ToastProvider>
        </QueryClientProvider>
      </StrictMode>,
    ),
  );
}
