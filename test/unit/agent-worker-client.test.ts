import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerClient, WorkerError } from "../../agent/worker-client.ts";

/**
 * The agent's REST client against a real HTTP server that plays the worker's answers in order
 * (what is under test is the client's retries, not the worker's replays: those have worker tests).
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function worker(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>) {
  const seen: IncomingMessage[] = [];
  server = createServer((req, res) => {
    seen.push(req);
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    req.resume();
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const client = new WorkerClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retryDelayMs: () => 1 });
  return { client, seen };
}

const unknown = { status: 503, body: { error: { code: "outcome_unknown", message: "may or may not", details: { outcome: "unknown" } } } };

describe("WorkerClient: Idempotency-Key", () => {
  it("retries a POST whose outcome is unknown with the same key, and returns the answer", async () => {
    const { client, seen } = await worker([unknown, { status: 409, body: { error: { code: "idempotency_key_in_use", message: "busy" } }, headers: { "retry-after": "0" } }, { status: 200, body: { tx_id: "tx_1" } }]);
    expect(await client.request("POST", "/tx/tx_1/commit", {})).toEqual({ tx_id: "tx_1" });
    expect(seen).toHaveLength(3);
    const keys = seen.map((req) => req.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it("uses a new key for each operation, and none on a GET", async () => {
    const { client, seen } = await worker([{ status: 200, body: {} }]);
    await client.request("POST", "/tx", {});
    await client.request("POST", "/tx", {});
    await client.request("GET", "/tx/tx_1");
    expect(seen[0]!.headers["idempotency-key"]).not.toBe(seen[1]!.headers["idempotency-key"]);
    expect(seen[2]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("does not retry a refusal, and gives up after its attempts", async () => {
    const refused = await worker([{ status: 409, body: { error: { code: "time_slot_taken", message: "taken" } } }]);
    await expect(refused.client.request("POST", "/tx", {})).rejects.toMatchObject({ code: "time_slot_taken" });
    expect(refused.seen).toHaveLength(1);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const down = await worker([unknown]);
    await expect(down.client.request("POST", "/tx", {})).rejects.toBeInstanceOf(WorkerError);
    expect(down.seen).toHaveLength(4);
  });
});
