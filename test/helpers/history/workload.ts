/**
 * The history's clients: seeded random creates, updates (PATCH and PUT, often with If-Match),
 * deletes and reads of a few events and goals, and transactions mixing both stores, each recorded
 * as operations on the records it touches (see linearizability.ts) with real-time bounds.
 */
import { randomInt } from "../../../agent/core/seeded-random.ts";
import { canonicalJson, type Operation, type RecordInput, type RecordOutput } from "../linearizability.ts";
import { attempt, type Classified, type Sender } from "./attempts.ts";

export type RecordOp = Operation<RecordInput, RecordOutput>;

export const CALENDARS = ["team", "room-a"] as const;
/** Every booking falls in these days, so a few listings see them all. */
export const WINDOW = { from: Date.UTC(2030, 0, 1), to: Date.UTC(2030, 0, 6) };
const HOUR = 3_600_000;

export interface TxEntry {
  /** The transaction's ops on records, each applied at its commit (or never). */
  ops: Array<{ record: string; input: RecordInput }>;
  /** The event and the goal only this transaction creates: both exist at the end, or neither. */
  fresh: { event: string; goal: string };
  result: Classified;
  txId?: string;
  /** When its commit was sent: no op takes effect before. */
  commitAt: number;
}

export interface HistoryLog {
  records: Map<string, RecordOp[]>;
  txs: TxEntry[];
  /** Listings that showed two overlapping events on one calendar. */
  overlaps: string[];
  counts: { ok: number; refused: number; indeterminate: number };
}

export function newLog(): HistoryLog {
  return { records: new Map(), txs: [], overlaps: [], counts: { ok: 0, refused: 0, indeterminate: 0 } };
}

export const eventRecord = (id: string) => `event:${id}`;
export const goalRecord = (id: string) => `goal:${id}`;

export function addRecordOp(log: HistoryLog, record: string, op: RecordOp): void {
  const list = log.records.get(record) ?? [];
  list.push(op);
  log.records.set(record, list);
}

/** The fields the history follows, as a record's value: an event's title and slot, a goal's title. */
const TRACKED = { event: ["title", "calendar", "starts_at", "ends_at"], goal: ["title"] };

export function trackedValue(record: string, fields: Record<string, unknown>): string {
  const kind = record.startsWith("event:") ? "event" : "goal";
  return canonicalJson(Object.fromEntries(TRACKED[kind].filter((name) => name in fields).map((name) => [name, fields[name]])));
}

/** What an answer means for the one record it is about. Undefined: it may have happened; "drop": it says nothing (a read that failed). */
export function recordOutput(record: string, input: RecordInput, result: Classified): RecordOutput | undefined | "drop" {
  if (result.outcome === "indeterminate") return input.kind === "read" ? "drop" : undefined;
  if (result.outcome === "ok") {
    const created: string | undefined = result.json?.created_at;
    if (input.kind === "read") return { result: "read", version: result.json.version, value: trackedValue(record, result.json), created };
    return input.kind === "delete" ? { result: "ok" } : { result: "ok", version: result.json.version, created };
  }
  if (result.status === 404) return { result: "missing" };
  if (result.status === 412) return { result: "stale" };
  if (result.status === 409 && /_exists$/.test(result.code ?? "")) return { result: "exists" };
  return { result: "no_effect" };
}

function recordAnswer(log: HistoryLog, record: string, input: RecordInput, result: Classified): void {
  log.counts[result.outcome]++;
  const output = recordOutput(record, input, result);
  if (output === "drop") return;
  const answeredAt = result.outcome === "indeterminate" ? Infinity : result.answeredAt;
  addRecordOp(log, record, { input, output, invokedAt: result.invokedAt, answeredAt });
}

export interface ClientSettings {
  send: Sender;
  random: () => number;
  name: string;
  eventIds: string[];
  goalIds: string[];
  /** Last version (and created_at, the rest of its ETag) seen per record, shared by the clients: If-Match is then mostly current, sometimes stale. */
  versions: Map<string, { version: number; created: string }>;
  log: HistoryLog;
  until: () => boolean;
}

/** One client: random operations until `until()` says stop. */
export async function runClient(s: ClientSettings): Promise<void> {
  let seq = 0;
  const pick = <T>(items: readonly T[]): T => items[randomInt(s.random, 0, items.length - 1)]!;
  const chance = (p: number) => s.random() < p;
  const slot = () => {
    const start = WINDOW.from + randomInt(s.random, 0, 5 * 24 - 3) * HOUR;
    return { starts_at: new Date(start).toISOString(), ends_at: new Date(start + randomInt(s.random, 1, 2) * HOUR).toISOString(), calendar: pick(CALENDARS) };
  };
  const key = () => ({ "Idempotency-Key": `${s.name}-${seq}-${Math.floor(s.random() * 1e9)}` });
  const ifMatch = (record: string): { ifMatch?: number; ifMatchCreated?: string; headers: Record<string, string> } => {
    const known = s.versions.get(record);
    if (known === undefined || chance(0.3)) return { headers: {} };
    const version = chance(0.8) ? known.version : Math.max(1, known.version + randomInt(s.random, -1, 1));
    // The record's ETag, as README documents it: version@created_at.
    return { ifMatch: version, ifMatchCreated: known.created, headers: { "If-Match": `"${version}@${known.created}"` } };
  };
  const note = (record: string, result: Classified) => {
    if (result.outcome === "ok" && typeof result.json?.version === "number") s.versions.set(record, { version: result.json.version, created: result.json.created_at });
  };
  const once = { retries: 3, backoffMs: 300, keyed: false };
  // Events and goals differ only in their ids and extra fields: an event needs a slot, a PUT of a goal may set progress.
  const kinds = {
    events: { ids: s.eventIds, record: eventRecord, created: () => slot(), put: () => slot(), patched: () => (chance(0.5) ? slot() : {}) },
    goals: { ids: s.goalIds, record: goalRecord, created: () => ({}), put: () => ({ progress: randomInt(s.random, 0, 100) }), patched: () => ({}) },
  };
  const create = async (kind: keyof typeof kinds, title: string) => {
    const id = pick(kinds[kind].ids);
    const keyed = chance(0.6);
    const body = { title, ...kinds[kind].created() };
    const result = await attempt(s.send, ["POST", `/${kind}`, { id, ...body }, keyed ? key() : {}], { ...once, keyed });
    note(kinds[kind].record(id), result);
    recordAnswer(s.log, kinds[kind].record(id), { kind: "create", value: trackedValue(kinds[kind].record(id), body) }, result);
  };
  const update = async (kind: keyof typeof kinds, title: string) => {
    const id = pick(kinds[kind].ids);
    const { headers, ...tag } = ifMatch(kinds[kind].record(id));
    const put = chance(0.3);
    const body = { title, ...(put ? kinds[kind].put() : kinds[kind].patched()) };
    const result = await attempt(s.send, [put ? "PUT" : "PATCH", `/${kind}/${id}`, body, headers], once);
    note(kinds[kind].record(id), result);
    recordAnswer(s.log, kinds[kind].record(id), { kind: "update", value: trackedValue(kinds[kind].record(id), body), ...tag, patch: !put }, result);
  };
  const remove = async (kind: keyof typeof kinds) => {
    const id = pick(kinds[kind].ids);
    const { headers, ...tag } = ifMatch(kinds[kind].record(id));
    recordAnswer(s.log, kinds[kind].record(id), { kind: "delete", ...tag }, await attempt(s.send, ["DELETE", `/${kind}/${id}`, undefined, headers], once));
  };

  while (!s.until()) {
    seq++;
    const title = `${s.name}-${seq}`;
    const roll = s.random();
    if (roll < 0.12) {
      const kind = chance(0.5) ? "events" : "goals";
      const id = pick(kinds[kind].ids);
      const record = kinds[kind].record(id);
      const result = await attempt(s.send, ["GET", `/${kind}/${id}`], once);
      note(record, result);
      recordAnswer(s.log, record, { kind: "read" }, result);
    } else if (roll < 0.27) await create("events", title);
    else if (roll < 0.42) await update("events", title);
    else if (roll < 0.49) await remove("events");
    else if (roll < 0.57) await create("goals", title);
    else if (roll < 0.7) await update("goals", title);
    else if (roll < 0.75) await remove("goals");
    else if (roll < 0.8) {
      await listAndCheck(s.send, pick(CALENDARS), s.log);
    } else {
      await runTransaction(s, title, slot, key, pick);
    }
  }
}

/** A listing of one calendar: its events must not overlap (the calendar's promise, at every read). */
async function listAndCheck(send: Sender, calendar: string, log: HistoryLog): Promise<void> {
  const answer = await send("GET", `/events?calendar=${calendar}&from=${new Date(WINDOW.from).toISOString()}&to=${new Date(WINDOW.to).toISOString()}&limit=500`);
  if (answer.kind !== "answered" || answer.status !== 200) return;
  log.overlaps.push(...overlapsIn(answer.json.events));
}

/** Pairs of events (sorted by start) that overlap, described. */
export function overlapsIn(events: Array<{ id: string; calendar: string; starts_at: string; ends_at: string }>): string[] {
  const sorted = [...events].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  const found: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.calendar === b.calendar && Date.parse(b.starts_at) < Date.parse(a.ends_at)) found.push(`${a.calendar}: ${a.id} [${a.starts_at}, ${a.ends_at}) overlaps ${b.id} [${b.starts_at}, ${b.ends_at})`);
  }
  return found;
}

/**
 * A transaction: a fresh event and a fresh goal (so all-or-nothing can be seen at the end), plus
 * up to two changes of shared records; one-shot or step by step, every POST with its own key.
 */
async function runTransaction(s: ClientSettings, title: string, slot: () => Record<string, string>, key: () => Record<string, string>, pick: <T>(items: readonly T[]) => T): Promise<void> {
  const fresh = { event: `${title}-e`, goal: `${title}-g` };
  const booking = { title, ...slot() };
  const ops: Array<Record<string, unknown>> = [
    { type: "calendar.create", id: fresh.event, data: booking },
    { type: "goal.create", id: fresh.goal, data: { title } },
  ];
  const onRecords: TxEntry["ops"] = [
    { record: eventRecord(fresh.event), input: { kind: "create", value: trackedValue(eventRecord(fresh.event), booking) } },
    { record: goalRecord(fresh.goal), input: { kind: "create", value: trackedValue(goalRecord(fresh.goal), { title }) } },
  ];
  for (let i = randomInt(s.random, 0, 2); i > 0; i--) {
    const [type, id, record] = s.random() < 0.5 ? ((id) => ["calendar", id, eventRecord(id)] as const)(pick(s.eventIds)) : ((id) => ["goal", id, goalRecord(id)] as const)(pick(s.goalIds));
    if (onRecords.some((op) => op.record === record)) continue;
    if (s.random() < 0.75) {
      ops.push({ type: `${type}.update`, id, data: { title } });
      onRecords.push({ record, input: { kind: "update", value: trackedValue(record, { title }), patch: true } });
    } else {
      ops.push({ type: `${type}.delete`, id });
      onRecords.push({ record, input: { kind: "delete" } });
    }
  }
  const keyed = { retries: 3, backoffMs: 300, keyed: true };
  const entry = (result: Classified, commitAt: number, txId?: string): TxEntry => ({ ops: onRecords, fresh, result, commitAt, txId });
  let result: Classified;
  if (s.random() < 0.5) {
    result = await attempt(s.send, ["POST", "/tx", { ops, commit: true }, key()], keyed);
    s.log.txs.push(entry(result, result.invokedAt, result.outcome === "indeterminate" ? undefined : (result.json?.tx_id ?? result.json?.error?.details?.tx_id)));
  } else {
    const begun = await attempt(s.send, ["POST", "/tx", undefined, key()], keyed);
    if (begun.outcome !== "ok") return; // nothing was asked of any record yet (or an empty transaction, which holds nothing)
    const txId: string = begun.json.tx_id;
    for (const op of ops) {
      const added = await attempt(s.send, ["POST", `/tx/${txId}/ops`, op, key()], keyed);
      if (added.outcome !== "ok") {
        s.log.txs.push(entry(added, added.invokedAt, txId));
        s.log.counts[added.outcome]++;
        return;
      }
    }
    result = await attempt(s.send, ["POST", `/tx/${txId}/commit`, {}, key()], keyed);
    s.log.txs.push(entry(result, result.invokedAt, txId));
  }
  s.log.counts[result.outcome]++;
}
