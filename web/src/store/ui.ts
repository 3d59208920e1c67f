import { create } from "zustand";

export type ThemeMode = "light" | "dark";
const KEY = "bourse.theme";

function initial(): ThemeMode {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") return saved;
    return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  } catch {
    return "light";
  }
}

interface UiState {
  theme: ThemeMode;
  toggleTheme: () => void;
  wsStatus: "connecting" | "open" | "closed";
  setWsStatus: (status: "connecting" | "open" | "closed") => void;
}

export const useUi = create<UiState>((set, get) => ({
  theme: typeof window === "undefined" ? "light" : initial(),
  toggleTheme: () => {
    const theme = get().theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // not kept
    }
    set({ theme });
  },
  wsStatus: "closed",
  setWsStatus: (wsStatus) => set({ wsStatus }),
}));
