import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { Api } from "../../dashboard/public/lib/api.js";

/** The dashboard's API client with a fetch that plays the worker's answers in order and records what was sent. */
function apiWith(answers: Array<{ status: number; body: unknown } | "network">) {
  const sent: Array<{ method: string; headers: Record<string, string> }> = [];
  const fetch = async (_url: unknown, init?: RequestInit) => {
    sent.push({ method: String(init?.method), headers: init?.headers as Record<string, string> });
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
    if (answer === "network") throw new TypeError("Failed to fetch");
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json" } });
  };
  return { api: new Api({ baseUrl: "http://127.0.0.1:8787", getToken: () => null, fetch }), sent };
}

const unknown = { status: 503, body: { error: { code: "outcome_unknown", message: "may or may not" } } };

describe("dashboard Api: Idempotency-Key", () => {
  it("retries a booking whose outcome is unknown (or that got no answer) with the same key, and shows the answer", async () => {
    const { api, sent } = apiWith(["network", unknown, { status: 201, body: { id: "e1" } }]);
    const result = await api.request("POST", "/events", { body: { title: "x" }, retry: true, retryDelayMs: 1 });
    expect(result).toMatchObject({ ok: true, status: 201, data: { id: "e1" } });
    expect(sent).toHaveLength(3);
    const keys = sent.map((s) => s.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it("a new operation has a new key; a refusal is not retried; without retry nothing is sent twice", async () => {
    const { api, sent } = apiWith([{ status: 409, body: { error: { code: "time_slot_taken", message: "taken" } } }]);
    expect((await api.request("POST", "/goals", { body: {}, retry: true, retryDelayMs: 1 })).ok).toBe(false);
    expect((await api.request("POST", "/goals", { body: {}, retry: true, retryDelayMs: 1 })).ok).toBe(false);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.headers["idempotency-key"]).not.toBe(sent[1]!.headers["idempotency-key"]);
    const plain = apiWith([unknown]);
    expect((await plain.api.request("POST", "/pomo/skip", {})).ok).toBe(false);
    expect(plain.sent).toHaveLength(1);
    expect(plain.sent[0]!.headers["idempotency-key"]).toBeUndefined();
  });
});
