import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAuth } from "../store/auth";
import { ApiError, api, describeError } from "./client";

const user = { id: "7", username: "alice", role: "trader", disabled: false, created_at: "2026-01-01T00:00:00Z" };

function tokens(access: string, refresh: string) {
  return { access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: 900, user };
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const expired = () => reply(401, { success: false, data: null, error: { code: "TOKEN_EXPIRED", message: "the access token has expired" }, request_id: "r1" });

describe("the API client", () => {
  let calls: { url: string; auth: string | null; body: string | null }[];
  beforeEach(() => {
    calls = [];
    useAuth.getState().signIn(tokens("old-access", "refresh-1"));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    useAuth.getState().signOut();
  });

  function serve(handler: (url: string, auth: string | null, body: string | null) => Response | Promise<Response>) {
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      const auth = headers.Authorization ?? null;
      const body = typeof init.body === "string" ? init.body : null;
      calls.push({ url, auth, body });
      return handler(url, auth, body);
    });
  }

  it("unwraps the envelope and sends the access token", async () => {
    serve(() => reply(200, { success: true, data: [{ asset: "USD" }] }));
    await expect(api("/balances")).resolves.toEqual([{ asset: "USD" }]);
    expect(calls[0]).toMatchObject({ url: "/api/v1/balances", auth: "Bearer old-access" });
  });

  it("turns the error envelope into an ApiError with the venue's words", async () => {
    serve(() => reply(422, { success: false, data: null, error: { code: "INVALID_TICK", message: "the price is not a multiple of the tick size" }, request_id: "abc" }));
    const error = await api("/orders", { method: "POST", body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: "INVALID_TICK", requestId: "abc" });
    expect(describeError(error)).toBe("the price is not a multiple of the tick size (INVALID_TICK)");
    expect(useAuth.getState().session).not.toBeNull();
  });

  it("refreshes an expired token once for all callers and retries", async () => {
    let refreshes = 0;
    // The refresh answers only once all three callers have been told their token
    // expired, so all three are waiting on it together.
    let expiredSeen = 0;
    let allExpired: () => void = () => undefined;
    const allWaiting = new Promise<void>((resolve) => {
      allExpired = resolve;
    });
    serve(async (url, auth) => {
      if (url === "/api/v1/auth/refresh") {
        refreshes += 1;
        await allWaiting;
        return reply(200, { success: true, data: tokens("new-access", "refresh-2") });
      }
      if (auth === "Bearer new-access") return reply(200, { success: true, data: url });
      expiredSeen += 1;
      if (expiredSeen === 3) allExpired();
      return expired();
    });
    const results = await Promise.all([api("/balances"), api("/orders"), api("/me")]);
    expect(results).toEqual(["/api/v1/balances", "/api/v1/orders", "/api/v1/me"]);
    expect(refreshes).toBe(1);
    expect(calls.find((c) => c.url === "/api/v1/auth/refresh")?.body).toBe(JSON.stringify({ refresh_token: "refresh-1" }));
    expect(useAuth.getState().session).toMatchObject({ accessToken: "new-access", refreshToken: "refresh-2" });
  });

  it("signs out when the refresh token is refused", async () => {
    serve((url) => (url === "/api/v1/auth/refresh" ? reply(401, { success: false, data: null, error: { code: "TOKEN_REUSED", message: "reused" } }) : expired()));
    const error = await api("/balances").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "TOKEN_EXPIRED" });
    expect(useAuth.getState().session).toBeNull();
  });

  it("says plainly when the venue cannot be reached", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("fetch failed");
    });
    const error = await api("/instruments", { auth: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: "NETWORK" });
    expect(describeError(error)).toMatch(/cannot be reached/);
  });
});
