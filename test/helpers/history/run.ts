/**
 * A Jepsen-style run: the real worker on two stores (calendar and the coordinator on one
 * redis-server, goals on another, each behind its gateway), seeded clients recording every request
 * while faults are injected, then the checks: acknowledged changes are there and refused ones are
 * not (each record's history is linearizable), a transaction is all there or not at all, no two
 * events on a calendar overlap, and no hold or lock outlives the sweep.
 */
import { createClient } from "redis";
import { seededRandom } from "../../../agent/core/seeded-random.ts";
import { freePort } from "../../../dev/ports.ts";
import { checkLinearizable, describeHistory, recordModel } from "../linearizability.ts";
import { tempDir } from "../processes.ts";
import { createTeamToken } from "../teams.ts";
import { startTwoStores, startTwoStoreWorker } from "../two-store-worker.ts";
import { sender, type Sender } from "./attempts.ts";
import { injectFaults, type FaultTargets } from "./faults.ts";
import { addRecordOp, CALENDARS, eventRecord, goalRecord, newLog, overlapsIn, runClient, trackedValue, WINDOW, type ClientSettings, type HistoryLog, type RecordOp } from "./workload.ts";

export interface HistoryOptions {
  seed: number;
  clients: number;
  seconds: number;
  workerKills: number;
  /** Per-record search budget of the linearizability checker. */
  maxSteps?: number;
}

export interface HistoryReport {
  seed: number;
  requests: HistoryLog["counts"];
  transactions: number;
  recordOps: number;
  records: number;
  faults: string[];
  /** Records whose check ran out of budget: neither proved nor refuted. */
  undecided: string[];
  problems: string[];
}

const ADMIN_SECRET = "history-admin-secret-0123456789";
const TEAM = "history";
const IDLE_MS = 4000;
/** Keys that are a transaction's hold, lock or lease, on either store. */
const TX_STATE_KEY = /:(event:hold:|event-lock:|tx-holds:|goal-lock:|tx-locks:|leases$|goal-leases$)/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runHistory(options: HistoryOptions): Promise<HistoryReport> {
  const stores = await startTwoStores({ goalsCommandTimeoutMs: 1000 });
  const placement = { port: await freePort(), persistDir: tempDir("groupsync-wrangler-") };
  const startWorker = () => startTwoStoreWorker(stores, ADMIN_SECRET, { TX_IDLE_TIMEOUT: `${IDLE_MS}ms`, STORE_TIMEOUT_MS: "1500" }, placement);
  const targets: FaultTargets = {
    redis: { main: stores.mainRedis, goals: stores.goalsRedis },
    gateways: { main: stores.mainGateway, goals: stores.goalsGateway },
    worker: await startWorker(),
    restartWorker: startWorker,
  };
  const base = targets.worker.url;
  const token = await createTeamToken(base, ADMIN_SECRET, TEAM);
  const send = sender(base, token, 6000);
  const eventIds = ["e0", "e1", "e2", "e3", "e4", "e5"];
  const goalIds = ["g0", "g1", "g2", "g3"];
  const log = newLog();
  const versions: ClientSettings["versions"] = new Map();

  const deadline = performance.now() + options.seconds * 1000;
  const until = () => performance.now() > deadline;
  const faults = injectFaults(targets, seededRandom(options.seed ^ 0x5bd1e995), until, { workerKills: options.workerKills });
  await Promise.all(
    Array.from({ length: options.clients }, (_, i) =>
      runClient({ send, random: seededRandom(options.seed + i * 7919), name: `c${i}`, eventIds, goalIds, versions, log, until }),
    ),
  );
  const injected = await faults;

  const problems: string[] = [];
  problems.push(...(await sweepUntilNoTransactionState(targets, base)));
  const settledAt = performance.now();
  const finalReads = await readEverything(send, log, [...eventIds.map(eventRecord), ...goalIds.map(goalRecord)]);
  const exists = new Set(finalReads.filter(({ op }) => op.output?.result === "read").map(({ record }) => record));
  problems.push(...resolveTransactions(log, exists, settledAt, await txStates(send, log)));
  for (const { record, op } of finalReads) addRecordOp(log, record, op);
  problems.push(...new Set(log.overlaps));
  for (const calendar of CALENDARS) problems.push(...overlapsIn(await listAll(send, calendar)));

  const undecided: string[] = [];
  for (const [record, ops] of log.records) {
    const verdict = checkLinearizable(recordModel, ops, { maxSteps: options.maxSteps ?? 300_000 });
    if (verdict.linearizable) continue;
    if (verdict.undecided) undecided.push(`${record} (${ops.length} ops)`);
    else problems.push(`${record}: no order of its ${ops.length} operations explains the answers; explained up to ${verdict.longest.length}:\n${describeHistory(ops, ops[0]?.invokedAt)}`);
  }
  return {
    seed: options.seed,
    requests: log.counts,
    transactions: log.txs.length,
    recordOps: [...log.records.values()].reduce((n, ops) => n + ops.length, 0),
    records: log.records.size,
    faults: injected,
    undecided,
    problems,
  };
}

/** Past every lease, the cron sweep runs until neither store holds any transaction state for the team. */
async function sweepUntilNoTransactionState(targets: FaultTargets, base: string): Promise<string[]> {
  await sleep(IDLE_MS + 500);
  const left = async () => {
    const keys: string[] = [];
    for (const redis of [targets.redis.main, targets.redis.goals]) {
      const client = createClient({ url: redis.url });
      await client.connect();
      for await (const batch of client.scanIterator({ MATCH: `gs:{${TEAM}}:*`, COUNT: 1000 })) keys.push(...batch.filter((key) => TX_STATE_KEY.test(key)));
      await client.close();
    }
    return keys;
  };
  let keys: string[] = [];
  for (let i = 0; i < 20; i++) {
    await fetch(`${base}/__scheduled?cron=*+*+*+*+*`).then((res) => res.arrayBuffer()).catch(() => undefined);
    await sleep(500);
    keys = await left();
    if (keys.length === 0) return [];
  }
  return [`transaction state left after ${IDLE_MS} ms and 20 sweeps: ${keys.sort().join(", ")}`];
}

/** A GET that must answer now that every fault is over. */
async function mustGet(send: Sender, path: string): Promise<{ status: number; json: any }> {
  for (let i = 0; i < 20; i++) {
    const answer = await send("GET", path);
    if (answer.kind === "answered" && answer.status < 500) return answer;
    await sleep(500);
  }
  throw new Error(`GET ${path} got no answer after the faults ended`);
}

/** Reads every record once at the end: the last operation of each record's history. */
async function readEverything(send: Sender, log: HistoryLog, pool: string[]): Promise<Array<{ record: string; op: RecordOp }>> {
  const records = new Set([...pool, ...log.records.keys(), ...log.txs.flatMap((tx) => [eventRecord(tx.fresh.event), goalRecord(tx.fresh.goal)])]);
  const reads: Array<{ record: string; op: RecordOp }> = [];
  for (const record of records) {
    const [kind, id] = record.split(":") as ["event" | "goal", string];
    const invokedAt = performance.now();
    const res = await mustGet(send, `/${kind}s/${id}`);
    const output = res.status === 200 ? ({ result: "read", version: res.json.version, value: trackedValue(record, res.json) } as const) : ({ result: "missing" } as const);
    reads.push({ record, op: { input: { kind: "read" }, output, invokedAt, answeredAt: performance.now() } });
  }
  return reads;
}

/** What each transaction with a known id ended as, by GET /tx/{id}. */
async function txStates(send: Sender, log: HistoryLog): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (const tx of log.txs) {
    if (tx.txId === undefined) continue;
    const res = await mustGet(send, `/tx/${tx.txId}`);
    if (res.status === 200) states.set(tx.txId, res.json.state);
  }
  return states;
}

/**
 * All or nothing: an acknowledged transaction's fresh event and goal both exist, a refused one's
 * neither, an indeterminate one's both or neither (and as GET /tx says). The ops of those that took
 * effect then join their records' histories, applied between their commit and its answer.
 */
function resolveTransactions(log: HistoryLog, exists: Set<string>, settledAt: number, states: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const tx of log.txs) {
    const [event, goal] = [exists.has(eventRecord(tx.fresh.event)), exists.has(goalRecord(tx.fresh.goal))];
    const name = `transaction ${tx.txId ?? "(no id)"} creating ${tx.fresh.event} and ${tx.fresh.goal} (${tx.result.outcome})`;
    const state = tx.txId === undefined ? undefined : states.get(tx.txId);
    if (event !== goal) problems.push(`${name}: half applied: event ${event ? "exists" : "missing"}, goal ${goal ? "exists" : "missing"}`);
    else if (tx.result.outcome === "ok" && !event) problems.push(`${name}: acknowledged as committed, but its changes are missing`);
    else if (tx.result.outcome === "refused" && event) problems.push(`${name}: refused (${tx.result.status} ${tx.result.code}), but its changes are there`);
    else if (state !== undefined && state !== "open" && (state === "committed") !== event) problems.push(`${name}: GET /tx says ${state}, but its changes are ${event ? "there" : "missing"}`);
    if (!event && tx.result.outcome !== "ok") continue;
    const answeredAt = tx.result.outcome === "ok" ? tx.result.answeredAt : settledAt;
    for (const op of tx.ops) addRecordOp(log, op.record, { input: op.input, output: { result: "ok" }, invokedAt: tx.commitAt, answeredAt });
  }
  return problems;
}

/** Every event of one calendar in the window, page by page. */
async function listAll(send: Sender, calendar: string): Promise<Array<{ id: string; calendar: string; starts_at: string; ends_at: string }>> {
  const events = [];
  let cursor: string | null = null;
  do {
    const page = await mustGet(send, `/events?calendar=${calendar}&from=${new Date(WINDOW.from).toISOString()}&to=${new Date(WINDOW.to).toISOString()}&limit=500${cursor === null ? "" : `&cursor=${cursor}`}`);
    events.push(...page.json.events);
    cursor = page.json.next_cursor;
  } while (cursor !== null);
  return events;
}
