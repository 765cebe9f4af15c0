import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { jsonApi } from "./http.ts";
import type { WorkerStack } from "./stack.ts";
import { createTeamToken } from "./teams.ts";
import { WebhookReceiver } from "./webhook-receiver.ts";

/**
 * A receiver outage with the worker SIGKILLed in the middle of it, shared by the integration test
 * (short, phases end as soon as each has been seen) and the bench (`BENCH_SUITES=webhooks`, minutes
 * long, phases end at fixed times as well). One endpoint for every change, one for goal.created.
 *
 * Phases: nothing listens on the receiver's port (refused connections), then it answers 503 (the
 * worker is SIGKILLed and started again), then it takes requests and never answers (timeouts),
 * then it recovers; changes are made in each phase (after the crash, with no time set for the 503
 * phase, they meet the hanging receiver already). A phase ends once the endpoint's
 * delivery log shows one failed attempt of its kind and, when the plan says so, not before its time.
 */
export interface OutagePlan {
  /** WEBHOOK_RETRY_UNIT and WEBHOOK_TIMEOUT of the worker during the outage. */
  retryUnit: string;
  timeout: string;
  /** The earliest end of each phase and the crash, in ms into the outage (0: as soon as seen). */
  refusedUntilMs?: number;
  crashAtMs?: number;
  failingUntilMs?: number;
  /** A second batch of changes is made in the hanging phase at this time, which ends at hangingUntilMs. */
  secondHangBatchAtMs?: number;
  hangingUntilMs?: number;
  /** How long to wait for the backlog once the receiver is back. */
  deliverWithinMs: number;
}

export type FailureKind = "refused" | "503" | "timeout";

export interface OutageResult {
  expected: number[];
  /** Every seq the receiver accepted on the all-changes endpoint, in arrival order (duplicates possible: at least once). */
  seen: number[];
  delivered: number;
  lost: number;
  inOrder: boolean;
  /** The goal.created endpoint's goal ids, in arrival order. */
  goals: string[];
  verified: boolean;
  /** Accepted by the receiver before it recovered (must be none). */
  acceptedDuringOutage: number;
  /** The endpoint as GET /webhooks/{id} showed it just before the receiver recovered. */
  endpointDuring: { disabled: unknown; next_seq: number; failed_attempts: number };
  firstSeq: number;
  failureKinds: Set<FailureKind>;
  /** The failed attempts, oldest first, as the log showed them before the receiver recovered. */
  failures: FailureKind[];
  outageMs: number;
  /** From the receiver's recovery to the whole backlog delivered. */
  backlogMs: number;
  worker: RunningWorker;
}

/** Runs the outage on a new team `team`; `running` (the stack's worker now) is SIGKILLed first, to start with the plan's settings. */
export async function runWebhookOutage(stack: WorkerStack, running: RunningWorker, adminSecret: string, team: string, plan: OutagePlan): Promise<OutageResult> {
  const settings = { WEBHOOK_RETRY_UNIT: plan.retryUnit, WEBHOOK_TIMEOUT: plan.timeout };
  let worker = running;
  worker.process.signal("SIGKILL");
  await worker.process.exited;
  worker = await stack.startWorker(settings);
  const token = await createTeamToken(worker.url, adminSecret, team);
  const api = jsonApi(() => worker.url, () => token);
  const to = await WebhookReceiver.start();
  try {
    const register = async (path: string, events: string[]) => {
      const res = await api("POST", "/webhooks", { url: to.url(path), events });
      if (res.status !== 201) throw new Error(`registering a webhook answered ${res.status}: ${JSON.stringify(res.json)}`);
      to.secrets.set(path, res.json.secret);
      return res.json as { id: string; next_seq: number };
    };
    const all = await register("/all", ["*"]);
    await register("/goals", ["goal.created"]);
    let day = 10;
    let changes = 0;
    const bookFive = async () => {
      for (let i = 0; i < 5; i++, day++, changes++) {
        const start = Date.UTC(2031, 0, 1) + day * 86_400_000;
        const res = await api("POST", "/events", { id: `o-${day}`, title: `o-${day}`, starts_at: new Date(start).toISOString(), ends_at: new Date(start + 3_600_000).toISOString() });
        if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${JSON.stringify(res.json)}`);
      }
    };
    const goal = async (id: string, title: string) => {
      const res = await api("POST", "/goals", { id, title });
      if (res.status !== 201) throw new Error(`creating a goal answered ${res.status}: ${JSON.stringify(res.json)}`);
      changes++;
    };
    /** The failed attempts in the endpoint's delivery log, oldest first. */
    const failures = async (): Promise<FailureKind[]> => {
      const res = await api("GET", `/webhooks/${all.id}/deliveries`);
      const failed = (res.status === 200 ? [...res.json.deliveries].reverse() : []).filter((d: { outcome: string }) => d.outcome === "retrying");
      return failed.map((d: { status: number | null; error: string | null }) => (d.status === 503 ? "503" : (d.error ?? "").startsWith("no answer") ? "timeout" : "refused"));
    };
    const failuresSeen = async () => new Set(await failures());
    const outageStart = Date.now();
    const since = () => Date.now() - outageStart;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const until = async (atMs = 0) => {
      if (since() < atMs) await sleep(atMs - since());
    };
    /** Until the log shows a failure of `kind` and `atMs` is reached; an attempt lost to the schedule fails the run here, not later. */
    const phaseEnds = async (kind: FailureKind, atMs = 0, withinMs = 120_000) => {
      const giveUp = Date.now() + withinMs + atMs;
      while (!(await failuresSeen()).has(kind)) {
        if (Date.now() > giveUp) throw new Error(`no ${kind} attempt in the delivery log ${Math.round(since() / 1000)} s into the outage`);
        await sleep(100);
      }
      await until(atMs);
    };

    // One change, then the receiver answers 503 once the log shows the refused attempts: the first
    // ones come within 0.1 s of each other at the test's unit, so the slower bookings wait for then.
    await to.setMode("down");
    await goal("og-1", "Before the crash");
    await phaseEnds("refused", plan.refusedUntilMs);
    await to.setMode("fail");
    await bookFive();
    await phaseEnds("503", plan.crashAtMs);
    // Every change still owed: the outbox's tables and alarm must carry them over.
    worker.process.signal("SIGKILL");
    await worker.process.exited;
    // Without a time for it, the 503 phase ends here: the attempt due while the worker was down, made
    // once it is back, then already meets the hanging receiver and spends no more of the schedule.
    if (plan.failingUntilMs === undefined) await to.setMode("hang");
    worker = await stack.startWorker(settings);
    await bookFive();
    await goal("og-2", "After the crash");
    await until(plan.failingUntilMs);
    await to.setMode("hang");
    await bookFive();
    await until(plan.secondHangBatchAtMs);
    await bookFive();
    // The receiver recovers as soon as a timeout has been seen, so the next attempt delivers.
    await phaseEnds("timeout", plan.hangingUntilMs);
    const acceptedDuringOutage = to.accepted.length;
    const endpointDuring = (await api("GET", `/webhooks/${all.id}`)).json;
    const failed = await failures();
    const outageMs = since();
    await to.setMode("ok");

    // The next scheduled attempt delivers the backlog, in order.
    const expected = Array.from({ length: changes }, (_, i) => all.next_seq + i);
    const deadline = Date.now() + plan.deliverWithinMs;
    const goalsDone = () => to.accepted.filter((r) => r.path === "/goals").length >= 2;
    while ((new Set(to.seqs("/all")).size < expected.length || !goalsDone()) && Date.now() < deadline) await sleep(100);
    const backlogMs = since() - outageMs;
    const seen = to.seqs("/all");
    const delivered = expected.filter((seq) => seen.includes(seq)).length;
    return {
      expected,
      seen,
      delivered,
      lost: expected.length - delivered,
      inOrder: seen.every((seq, i) => i === 0 || seq >= seen[i - 1]!),
      goals: to.accepted.filter((r) => r.path === "/goals").map((r) => String(r.body.data.id)),
      verified: to.accepted.every((r) => r.verified),
      acceptedDuringOutage,
      endpointDuring,
      firstSeq: all.next_seq,
      failureKinds: new Set(failed),
      failures: failed,
      outageMs,
      backlogMs,
      worker,
    };
  } finally {
    await to.close();
  }
}
