import { expect } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../worker/env.ts";
import worker from "../../worker/index.ts";

export const ADMIN_SECRET = "test-admin-secret-0123456789";

/** A record's ETag as README documents it, built from its body: "version@created_at". */
export function tagOf(record: { version: number; created_at: string }): string {
  return `"${record.version}@${record.created_at}"`;
}

/** Calls the worker inside workerd, as the runtime would, with optional binding overrides. */
export async function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://groupsync.test${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A fresh team (unique per test) and a client that calls the API as one of its members. */
export async function newTeam(members: string[] = ["ana", "bo"]) {
  const team = `t-${crypto.randomUUID().slice(0, 12)}`;
  const res = await call("/admin/teams", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_SECRET}`, "content-type": "application/json" },
    body: JSON.stringify({ team, members }),
  });
  if (res.status !== 201) throw new Error(`creating a team answered ${res.status}: ${await res.text()}`);
  const { tokens } = (await res.json()) as { tokens: Record<string, string> };
  const as = (member: string) => client(tokens[member]!);
  return { team, tokens, as, ...as(members[0]!) };
}

export function client(token: string, overrides: Partial<Env> = {}) {
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await call(
      path,
      {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      overrides,
    );
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as any) : undefined };
  };
  return {
    token,
    get: (path: string, headers?: Record<string, string>) => send("GET", path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => send("POST", path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => send("PUT", path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => send("PATCH", path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => send("DELETE", path, undefined, headers),
  };
}

/** A /ws socket as the member with `token`, and how it closed (once it has). */
export async function openSocket(token: string) {
  const res = await call(`/ws?token=${token}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  ws.addEventListener("message", (e) => {
    messages.push(String(e.data));
  });
  ws.accept();
  const deadline = Date.now() + 5000;
  while (!messages.some((m) => m.includes('"hello"'))) {
    if (Date.now() > deadline) throw new Error("no hello");
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ws, closed, messages };
}
