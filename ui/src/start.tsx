import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./App";
import { firstScreen } from "./firstScreen";
import { ToastProvider } from "./shared/toasts";
import "./shared/styles.css";

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

/** The longest the first render waits for the first screen's data, ms. */
const FIRST_DATA_WAIT_MS = 250;

// The first screen's data was asked for before this module was evaluated (src/firstScreen.ts); the first
// render waits for it (up to FIRST_DATA_WAIT_MS): a "loading" frame painted meanwhile would cost WebKit
// about as much as the list's own frame and delay it.
const firstData = Promise.race([
  Promise.all([
    queryClient.prefetchQuery({ queryKey: ["integrations", firstScreen.query], queryFn: () => firstScreen.page }),
    queryClient.prefetchQuery({ queryKey: ["integrations", firstScreen.activeQuery], queryFn: () => firstScreen.activeCount }),
    queryClient.prefetchQuery({ queryKey: ["projects"], queryFn: () => firstScreen.projects }),
    queryClient.prefetchQuery({ queryKey: ["providers"], queryFn: () => firstScreen.providers }),
  ]),
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
