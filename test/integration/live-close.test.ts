import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack } from "../helpers/stack.ts";
import { createTeamToken } from "../helpers/teams.ts";

/**
 * The WebSocket close handshake against the real worker under `wrangler dev`, with a real client
 * (RFC 6455 section 5.5.1): when the client sends a Close frame, the hub answers with one, so the
 * client sees a clean close with its own code at once, not 1006 after the client gives up waiting.
 */
const ADMIN_SECRET = "live-close-admin-secret-0123456789";
let worker: RunningWorker;
let token: string;

beforeAll(async () => {
  ({ worker } = await startWorkerStack({ vars: { ADMIN_SECRET } }));
  token = await createTeamToken(worker.url, ADMIN_SECRET, "live-close");
});

afterAll(stopAll);

/** Opens /ws and resolves once the hub said hello. */
async function open(query = ""): Promise<WebSocket> {
  const socket = new WebSocket(`${worker.url.replace("http", "ws")}/ws?token=${token}${query}`);
  await new Promise<void>((resolve, reject) => {
    socket.on("message", (data) => {
      if (JSON.parse(String(data)).type === "hello") resolve();
    });
    socket.once("error", reject);
  });
  return socket;
}

/** Closes from the client's side; resolves with what the client saw and how long it took. */
function closeFromClient(socket: WebSocket, code?: number, reason?: string): Promise<{ code: number; reason: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    socket.once("close", (closeCode, closeReason) => resolve({ code: closeCode, reason: String(closeReason), ms: Date.now() - started }));
    socket.close(code, reason);
  });
}

describe("closing /ws from the client", () => {
  it("completes the handshake with the client's code and reason within a second", async () => {
    for (const [code, reason] of [[1000, "done"], [4001, "leaving the dashboard"], [1001, ""]] as const) {
      const closed = await closeFromClient(await open(), code, reason);
      expect(closed, `close(${code}, ${JSON.stringify(reason)})`).toMatchObject({ code, reason });
      expect(closed.ms).toBeLessThan(1000);
    }
  });

  it("answers a Close frame without a code with a clean close too", async () => {
    const closed = await closeFromClient(await open("&client=agent"));
    expect(closed.code).toBe(1005); // "no status received": the client sent none, so none comes back
    expect(closed.ms).toBeLessThan(1000);
  });

  it("the hub goes on serving the sockets that stay open", async () => {
    const stays = await open();
    const messages: string[] = [];
    stays.on("message", (data) => messages.push(JSON.parse(String(data)).type));
    await closeFromClient(await open(), 1000, "bye");
    const booked = await fetch(`${worker.url}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "After a close", starts_at: "2034-01-01T10:00:00Z" }),
    });
    expect(booked.status).toBe(201);
    await expect.poll(() => messages.includes("event.created"), { timeout: 5000 }).toBe(true);
    expect((await closeFromClient(stays, 1000)).code).toBe(1000);
  });
});
