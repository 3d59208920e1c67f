import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider, theme as antTheme } from "antd";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { ApiError } from "./api/client";
import { useAuth } from "./store/auth";
import { useUi } from "./store/ui";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
});

// One user's data never outlives their session in this tab.
useAuth.subscribe((state, previous) => {
  if (previous.session && (!state.session || state.session.user.id !== previous.session.user.id)) {
    queryClient.clear();
  }
});

function Themed() {
  const mode = useUi((s) => s.theme);
  document.documentElement.dataset.theme = mode;
  return (
    <ConfigProvider
      theme={{
        algorithm: mode === "dark" ? antTheme.darkAlgorithm : antTheme.defaultAlgorithm,
        token: { colorPrimary: "#1668dc", borderRadius: 6, fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      }}
    >
      <AntApp>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <Themed />
    </QueryClientProvider>
  </StrictMode>,
);
