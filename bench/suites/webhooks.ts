import { stopAll } from "../../test/helpers/processes.ts";
import { startWorkerStack } from "../../test/helpers/stack.ts";
import { runWebhookOutage } from "../../test/helpers/webhook-outage.ts";
import { WebhookReceiver } from "../../test/helpers/webhook-receiver.ts";
import { percentile } from "../load.ts";
import { formatCheck, round, type Row } from "../report.ts";
import type { BenchContext, Check } from "../run.ts";
import { bookOneAfterAnother, teamToken } from "./calendar-api.ts";
import { LiveClient } from "../../test/helpers/live-client.ts";

const BOOKINGS_PER_ROUND = 40;
const ENDPOINTS = 3;

/**
 * Webhook delivery: a team with 3 endpoints (["*"]) on a real local receiver, and bookings made one
 * after another over REST. For each booking, the time from sending its POST /events until each
 * endpoint's receiver has its `event.created` (3 samples per booking), signatures verified with the
 * standardwebhooks package. Also checks every endpoint got every booking, in seq order, once.
 * For scale, in the same run, the same bookings' receipt on one WebSocket client of the team.
 * Then the minutes-long receiver outage (see outageChecks), on a stack of its own.
 */
export async function webhooksSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: never[]; notes: string[]; checks: Check[] }> {
  const token = await teamToken(ctx, `bench-hooks-${Date.now()}`);
  const receiver = await WebhookReceiver.start();
  const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/hook-${i}`);
  for (const path of paths) {
    const res = await fetch(`${ctx.workerUrl}/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url(path), events: ["*"] }),
    });
    if (res.status !== 201) throw new Error(`registering a webhook answered ${res.status}: ${await res.text()}`);
    receiver.secrets.set(path, ((await res.json()) as { secret: string }).secret);
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const socketLatencies: number[] = [];
  const socket = await LiveClient.open(ctx.workerUrl, token);
  socket.socket.on("message", (data) => {
    const receivedAt = performance.now();
    const change = JSON.parse(String(data)) as { type: string; id?: string };
    const at = change.type === "event.created" && change.id !== undefined ? sentAt.get(change.id) : undefined;
    if (at !== undefined) socketLatencies.push(receivedAt - at);
  });
  receiver.onAccepted = (received) => {
    const at = sentAt.get(String(received.body.data.id));
    if (received.body.type === "event.created" && at !== undefined) latencies.push(received.receivedAt - at);
  };

  const booked = await bookOneAfterAnother(ctx, token, { prefix: "hook", perRound: BOOKINGS_PER_ROUND, year: 2033, onSend: (id) => sentAt.set(id, performance.now()) });
  const deadline = Date.now() + 10_000;
  while (latencies.length < booked * ENDPOINTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await receiver.close();
  socket.close();

  const complete = paths.every((path) => {
    const seqs = receiver.seqs(path);
    return seqs.length === booked && seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);
  });
  const verified = receiver.accepted.every((r) => r.verified);
  latencies.sort((a, b) => a - b);
  socketLatencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const rows: Row[] = [
    { suite: "webhooks", name: `POST /events -> webhook received on ${ENDPOINTS} endpoints`, concurrency: 1, rounds: ctx.rounds, p50_ms: round(p50), p99_ms: round(p99), req_per_s: 0, errors: booked * ENDPOINTS - latencies.length },
    { suite: "webhooks", name: "POST /events -> receipt on 1 WebSocket (same run)", concurrency: 1, rounds: ctx.rounds, p50_ms: round(percentile(socketLatencies, 50)), p99_ms: round(percentile(socketLatencies, 99)), req_per_s: 0, errors: booked - socketLatencies.length },
  ];
  const checks: Check[] = [
    { suite: "webhooks", name: "booking to webhook received, p50", value: round(p50), unit: "ms", target: null, pass: null },
    { suite: "webhooks", name: "booking to webhook received, p99", value: round(p99), unit: "ms", target: null, pass: null },
    { suite: "webhooks", name: "every endpoint got every booking, in seq order, once, signature verified", value: complete && verified ? 1 : 0, unit: "bool", target: "1", pass: complete && verified },
  ];
  const notes = [`${booked} bookings x ${ENDPOINTS} endpoints = ${latencies.length} deliveries measured (${booked * ENDPOINTS} expected)`];
  const outage = await outageChecks();
  checks.push(...outage.checks);
  return { rows, ratios: [], notes: [...notes, outage.note, ...checks.map(formatCheck)], checks };
}

const OUTAGE_ADMIN_SECRET = "bench-outage-admin-secret";

/**
 * A receiver outage of over two minutes on the retry schedule's later attempts (WEBHOOK_RETRY_UNIT
 * 2.5 ms: attempts ~0, 0.01, 0.8, 5, 23, 68 and 158 s into it): 0-10 s refused connections, 10-45 s
 * 503s with the worker SIGKILLed at 15 s and started again, 45-130 s a receiver that never answers,
 * then it recovers; 22 changes made across the phases. Nothing may be lost, nothing delivered out of
 * order, every kind of failure seen, the endpoint never disabled. Its own stack: the worker restarts.
 */
async function outageChecks(): Promise<{ checks: Check[]; note: string }> {
  const stack = await startWorkerStack({ vars: { ADMIN_SECRET: OUTAGE_ADMIN_SECRET } });
  try {
    const plan = { retryUnit: "2.5ms", timeout: "2s", refusedUntilMs: 10_000, crashAtMs: 15_000, failingUntilMs: 45_000, secondHangBatchAtMs: 90_000, hangingUntilMs: 130_000, deliverWithinMs: 90_000 };
    const result = await runWebhookOutage(stack, stack.worker, OUTAGE_ADMIN_SECRET, "bench-outage", plan);
    const distinct = [...new Set(result.seen)];
    const kept = result.lost === 0 && result.inOrder && distinct.every((seq, i) => seq === result.expected[i]) && result.verified && result.acceptedDuringOutage === 0;
    const kinds = (["refused", "503", "timeout"] as const).every((kind) => result.failureKinds.has(kind));
    const goals = result.goals.join(",") === "og-1,og-2";
    const checks: Check[] = [
      { suite: "webhooks", name: "outage: changes lost", value: result.lost, unit: "changes", target: "0", pass: result.lost === 0 },
      { suite: "webhooks", name: "outage: every change delivered once or more, in seq order, signature verified, none during the outage", value: kept ? 1 : 0, unit: "bool", target: "1", pass: kept },
      { suite: "webhooks", name: "outage: refused, 503 and timeout attempts all seen, endpoint not disabled, goal endpoint got og-1, og-2", value: kinds && goals && result.endpointDuring.disabled === null ? 1 : 0, unit: "bool", target: "1", pass: kinds && goals && result.endpointDuring.disabled === null },
      { suite: "webhooks", name: "outage: backlog delivered after the receiver recovered", value: result.backlogMs / 1000, unit: "s", target: null, pass: null },
    ];
    const note = `outage: ${result.delivered}/${result.expected.length} changes delivered (${result.seen.length} deliveries in all, duplicates included), ${result.lost} lost, over a ${(result.outageMs / 1000).toFixed(0)} s outage with ${result.endpointDuring.failed_attempts} failed attempts (${[...result.failureKinds].join(", ")}), worker SIGKILLed once`;
    return { checks, note };
  } finally {
    await stopAll();
  }
}

