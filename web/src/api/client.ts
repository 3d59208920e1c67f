// Calls the venue's REST API: unwraps the `{success, data}` envelope, turns the error
// envelope into an ApiError with the venue's code and words, and refreshes an expired
// access token once (all concurrent callers share one refresh).

import { useAuth } from "../store/auth";
import type { TokenResponse } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Words for a person: the venue's message, with its code when that helps. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    return `${error.message} (${error.code})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

interface Envelope<T> {
  success: boolean;
  data: T;
  error?: { code: string; message: string } | null;
  request_id?: string;
}

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const session = useAuth.getState().session;
  if (!session) return false;
  refreshing ??= (async () => {
    try {
      const response = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
      if (!response.ok) {
        useAuth.getState().signOut();
        return false;
      }
      const body = (await response.json()) as Envelope<TokenResponse>;
      useAuth.getState().setTokens(body.data);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  auth?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const token = useAuth.getState().session?.accessToken;
    if (options.auth !== false && token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(`/api/v1${path}`, {
        method: options.method ?? "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(0, "NETWORK", "The venue cannot be reached. Check that it is running.");
    }
  };
  let response = await send();
  if (response.status === 401 && options.auth !== false && useAuth.getState().session) {
    const body = (await response.clone().json().catch(() => null)) as Envelope<unknown> | null;
    if (body?.error?.code === "TOKEN_EXPIRED" && (await refreshTokens())) {
      response = await send();
    }
  }
  const body = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!response.ok || !body || body.success === false) {
    const error = body?.error;
    if (response.status === 401 && options.auth !== false) useAuth.getState().signOut();
    throw new ApiError(
      response.status,
      error?.code ?? "HTTP_" + response.status,
      error?.message ?? `The venue answered ${response.status}.`,
      body?.request_id,
    );
  }
  return body.data;
}
