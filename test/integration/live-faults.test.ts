import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { waitUntil } from "../helpers/agents.ts";
import { stopAll, type TestRedis } from "../helpers/processes.ts";
import { startWorkerStack, type WorkerStack } from "../helpers/stack.ts";
import { createTeamToken } from "../helpers/teams.ts";

/**
 * The live feed when things die: the worker (and with it the team's hub) SIGKILLed while sockets are
 * open, and Redis SIGKILLed between changes. Acknowledged changes must still reach every client,
 * once and in order, through reconnects with last_seq.
 */
const ADMIN_SECRET = "live-faults-admin-secret-0123456789";
let stack: WorkerStack;
let redis: TestRedis;
let worker: RunningWorker;
let token: string;

let slot = 0;
async function book(title: string): Promise<{ status: number; id: string }> {
  const start = Date.UTC(2033, 0, 1) + slot++ * 3_600_000;
  const res = await fetch(`${worker.url}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title, starts_at: new Date(start).toISOString() }),
  });
  const json = (await res.json()) as { id: string };
  return { status: res.status, id: json.id };
}

/** A client that reconnects with its last seq whenever its socket closes, as the dashboard does. */
class FollowingClient {
  readonly seqs: number[] = [];
  readonly titles: string[] = [];
  reloads = 0;
  #socket: WebSocket | null = null;
  #closed = false;

  open(): Promise<void> {
    const last = this.seqs.at(-1);
    const url = `${worker.url.replace("http", "ws")}/ws?token=${token}${last === undefined ? "" : `&last_seq=${last}`}`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "reload") this.reloads++;
      if (message.type === "event.created") {
        this.seqs.push(message.seq);
        this.titles.push(message.event.title);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (!this.#closed) setTimeout(() => void this.open().catch(() => {}), 200);
    });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close();
  }
}

beforeAll(async () => {
  stack = await startWorkerStack({ vars: { ADMIN_SECRET } });
  ({ redis, worker } = stack);
  token = await createTeamToken(worker.url, ADMIN_SECRET, "live-faults");
});

afterAll(stopAll);

describe("the live feed through failures", () => {
  it("clients get every acknowledged booking once and in order across a worker SIGKILL and a Redis SIGKILL", async () => {
    const clients = [new FollowingClient(), new FollowingClient(), new FollowingClient()];
    await Promise.all(clients.map((c) => c.open()));
    const acknowledged: string[] = [];
    const bookRecording = async (title: string) => {
      const res = await book(title);
      if (res.status === 201) acknowledged.push(title);
      return res.status;
    };
    for (let i = 0; i < 5; i++) expect(await bookRecording(`before-${i}`)).toBe(201);

    // The worker dies with the hub inside it; the sockets drop and keep trying.
    worker.process.signal("SIGKILL");
    await worker.process.exited;
    worker = await stack.startWorker();
    for (let i = 0; i < 5; i++) expect(await bookRecording(`after-worker-${i}`)).toBe(201);

    // Redis dies between changes: writes answer 503 meanwhile, and the feed's numbering survives (AOF).
    redis.process.signal("SIGKILL");
    await redis.process.exited;
    expect(await bookRecording("while-redis-down")).toBe(503);
    redis = await redis.restart();
    await waitUntil(async () => (await bookRecording("after-redis-0")) === 201, 15_000, "bookings to work again", 200);
    for (let i = 1; i < 5; i++) expect(await bookRecording(`after-redis-${i}`)).toBe(201);

    await waitUntil(() => clients.every((c) => c.titles.length >= acknowledged.length), 15_000, `every client to see all ${acknowledged.length} bookings`, 50);
    for (const client of clients) {
      expect(client.titles).toEqual(acknowledged);
      expect(client.seqs).toEqual(client.seqs.map((_, i) => client.seqs[0]! + i));
      expect(client.reloads).toBe(0);
    }
    for (const client of clients) client.close();
  });
});
