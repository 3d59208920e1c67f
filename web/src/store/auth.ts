// The signed-in session: tokens and user, kept in localStorage so a reload stays
// signed in. The access token is short-lived; the API client refreshes it.

import { create } from "zustand";
import type { TokenResponse, User } from "../api/types";

const KEY = "bourse.session";

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

interface AuthState {
  session: Session | null;
  signIn: (tokens: TokenResponse) => void;
  setTokens: (tokens: TokenResponse) => void;
  signOut: () => void;
}

function load(): Session | null {
  try {
    const text = localStorage.getItem(KEY);
    return text ? (JSON.parse(text) as Session) : null;
  } catch {
    return null;
  }
}

function save(session: Session | null): void {
  try {
    if (session) localStorage.setItem(KEY, JSON.stringify(session));
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode: the session lasts until the tab closes.
  }
}

function fromTokens(tokens: TokenResponse): Session {
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, user: tokens.user };
}

export const useAuth = create<AuthState>((set) => ({
  session: typeof localStorage === "undefined" ? null : load(),
  signIn: (tokens) => {
    const session = fromTokens(tokens);
    save(session);
    set({ session });
  },
  setTokens: (tokens) => {
    const session = fromTokens(tokens);
    save(session);
    set({ session });
  },
  signOut: () => {
    save(null);
    set({ session: null });
  },
}));
