import type { Redis } from "@upstash/redis/cloudflare";
import type { z } from "zod";
import { EventPatch, EventWrite, type Event } from "../../shared/calendar.ts";
import { GoalPatch, GoalWrite, type Goal } from "../../shared/goals.ts";
import { parseInstant } from "../../shared/instant.ts";
import type { TxOpInput, TxReason, TxView } from "../../shared/tx.ts";
import { buildEvent, patchedEventFields } from "../calendar/event-record.ts";
import { calendarKeys } from "../calendar/keys.ts";
import { buildGoal, patchedFields } from "../goals/goal-record.ts";
import { goalKeys } from "../goals/keys.ts";
import { describeIssues, invalid } from "../request.ts";
import { dependencyFailure } from "../storage/dependency-failure.ts";
import type { Participant } from "../storage/stores.ts";
import { RESOLVED_TX_TTL_SECONDS, TX_CHANNEL, txKeys } from "./keys.ts";
import { TxParticipants, type PrepareOutcome } from "./participants.ts";
import { decideScript, putRecordScript } from "./scripts.ts";
import type { ChangeSink } from "../live/changes.ts";
import { unreachable } from "../unreachable.ts";

/** The coordinator's record of a transaction (main store). */
export interface TxRecord {
  id: string;
  team: string;
  member: string;
  state: "open" | "committed" | "aborted";
  version: number;
  created_at: string;
  updated_at: string;
  /** Idle deadline (ms): an open transaction not touched by then is aborted. */
  expires_ms: number;
  ops: Array<{ type: TxOpInput["type"]; id: string; participant: Participant; n: number }>;
  outcome: TxView["outcome"];
}

/** A transaction ended (or could not go on): the reason, for the client and for GET /tx. */
export class TxAborted extends Error {
  readonly reason: TxReason;
  readonly detail: unknown;
  constructor(reason: TxReason, message: string, detail?: unknown) {
    super(message);
    this.reason = reason;
    this.detail = detail;
  }
}

export class TxNotFound extends Error {}
export class TxAlreadyCommitted extends Error {}

/** An op for a transaction that is no longer open: committed or aborted, it takes nothing more. */
export class TxNotOpen extends Error {
  readonly state: "committed" | "aborted";
  readonly reason: TxReason | undefined;
  constructor(record: TxRecord & { state: "committed" | "aborted" }) {
    const why = record.state === "aborted" ? ` (${record.outcome?.reason ?? "timeout"})` : "";
    super(`transaction ${record.id} is already ${record.state}${why} and takes no more ops; begin a new transaction`);
    this.state = record.state;
    this.reason = record.state === "aborted" ? (record.outcome?.reason ?? "timeout") : undefined;
  }
}

/** How often one op is tried (stale reads, transactions in the way resolved) before it gives up. */
const MAX_PREPARE_ATTEMPTS = 8;

/** How long a commit's holds are leased while the decision is recorded and applied. */
const COMMIT_LEASE_MS = 30_000;

/**
 * Two-phase commit across the calendar and goals participants. Holds are taken when an op is
 * added (so conflicts show at once and two open transactions can conflict); commit asks every
 * participant to vote (its holds are all still there), records the decision once, first writer
 * wins, and only then applies it. Abort is presumed: no recorded decision means abort.
 */
export class TxCoordinator {
  readonly #main: Redis;
  readonly #participants: TxParticipants;
  readonly #stores: Record<Participant, Redis>;
  readonly #team: string;
  readonly #idleMs: number;
  /** Fault tests only (never in production): widens the window between decision and apply. */
  readonly #pauseAfterDecisionMs: number;

  readonly #changes: ChangeSink;

  constructor(main: Redis, stores: Record<Participant, Redis>, team: string, changes: ChangeSink, idleMs: number, pauseAfterDecisionMs = 0) {
    this.#main = main;
    this.#stores = stores;
    this.#changes = changes;
    this.#participants = new TxParticipants(stores, team, changes);
    this.#team = team;
    this.#idleMs = idleMs;
    this.#pauseAfterDecisionMs = pauseAfterDecisionMs;
  }

  /**
   * Opens a transaction. `persist: false` (the one-shot form, which commits in the same request)
   * writes the record only once, when it settles: recovery never needs the record, because the
   * holds name the transaction and the decision alone decides.
   */
  async begin(member: string, options: { persist?: boolean } = {}): Promise<TxRecord> {
    const now = Date.now();
    const id = `tx_${randomId()}`;
    const record: TxRecord = {
      id,
      team: this.#team,
      member,
      state: "open",
      version: options.persist === false ? 0 : 1,
      created_at: new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
      expires_ms: now + this.#idleMs,
      ops: [],
      outcome: null,
    };
    if (record.version === 1) await this.#save(record, undefined);
    return record;
  }

  /** The member's own open or resolved transaction; anyone else's is not found. */
  async load(id: string, member: string): Promise<TxRecord> {
    const raw = /^tx_[A-Za-z0-9_-]{10,64}$/.test(id) ? await this.#main.get<string>(txKeys(this.#team, id).record) : null;
    if (raw === null) throw new TxNotFound(`no transaction ${id}`);
    const record = JSON.parse(raw) as TxRecord;
    if (record.member !== member) throw new TxNotFound(`no transaction ${id}`);
    if (record.state === "open" && (record.expires_ms <= Date.now() || (await this.#decision(id)) !== null)) {
      return this.resolve(record);
    }
    return record;
  }

  /**
   * Validates and prepares one op. A validation error leaves the transaction open; an op that
   * cannot be prepared (slot taken, locked, target missing, a participant down) aborts it.
   */
  async addOp(record: TxRecord, input: TxOpInput): Promise<TxRecord> {
    // A decided transaction never grows: an op added after the commit would hold its slot, yet
    // never be applied with the rest (or be applied by recovery behind the client's back).
    if (record.state !== "open") throw new TxNotOpen({ ...record, state: record.state });
    const n = record.ops.length;
    const participant: Participant = input.type.startsWith("calendar.") ? "calendar" : "goals";
    const leaseEnd = Date.now() + this.#idleMs;
    let id: string;
    try {
      id = participant === "calendar" ? await this.#prepareCalendar(record, input, n, leaseEnd) : await this.#prepareGoal(record, input, n, leaseEnd);
    } catch (error) {
      if (error instanceof TxAborted) throw await this.#abortWith(record, error);
      const outage = dependencyFailure(error);
      if (outage !== null) throw await this.#abortWith(record, new TxAborted("participant_unavailable", `the ${participant} store is unavailable; the transaction was aborted`, { participant }));
      throw error;
    }
    const ops = [...record.ops, { type: input.type, id, participant, n }];
    if (record.version === 0) return { ...record, ops, expires_ms: leaseEnd }; // unsaved: the one-shot form
    const next: TxRecord = { ...record, version: record.version + 1, updated_at: new Date().toISOString(), expires_ms: leaseEnd, ops };
    try {
      await this.#save(next, record.version);
    } catch (error) {
      // Another op was added at the same moment: its hold and ours cannot both be recorded, so
      // the transaction aborts rather than commit with a hold it does not know about.
      if (error instanceof TxAborted) throw await this.#abortWith(record, error);
      throw error;
    }
    // Activity keeps the other participant's holds alive too.
    for (const other of involved(next)) if (other !== participant) await this.#participants.extendLease(other, record.id, leaseEnd).catch(() => {});
    return next;
  }

  async commit(record: TxRecord): Promise<TxRecord> {
    if (record.state === "committed") return record;
    assertOpen(record);
    const leaseEnd = Date.now() + COMMIT_LEASE_MS;
    // The participants vote at the same time; any no, or silence, aborts.
    const participants = involved(record);
    const votes = await Promise.allSettled(
      participants.map((participant) => this.#participants.vote(participant, record.id, record.ops.filter((op) => op.participant === participant).length, leaseEnd)),
    );
    for (const [i, vote] of votes.entries()) {
      if (vote.status === "rejected") {
        if (dependencyFailure(vote.reason) === null) throw vote.reason;
        throw await this.#abortWith(record, new TxAborted("participant_unavailable", `the ${participants[i]} store did not answer the vote; the transaction was aborted`, { participant: participants[i] }));
      }
      if (!vote.value) throw await this.#abortWith(record, new TxAborted("timeout", "the transaction's holds expired before it was committed; it was aborted"));
    }
    const recorded = await this.#recordDecision(record.id, "commit");
    if (recorded !== "commit") throw await this.#abortWith(record, new TxAborted("timeout", "the transaction was aborted by recovery before it could commit"));
    if (this.#pauseAfterDecisionMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#pauseAfterDecisionMs));
    return this.#finishCommit(record);
  }

  async abort(record: TxRecord, reason: TxReason = "client_abort"): Promise<TxRecord> {
    if (record.state === "aborted") return record;
    const recorded = await this.#recordDecision(record.id, "abort");
    if (recorded === "commit") throw new TxAlreadyCommitted(`transaction ${record.id} is already committed`);
    return this.#finishAbort(record, reason, undefined);
  }

  /** Recovery: carry out the recorded decision, or record abort if there is none (presumed abort). */
  async resolve(record: TxRecord): Promise<TxRecord> {
    const recorded = await this.#recordDecision(record.id, "abort");
    if (recorded === "commit") return this.#finishCommit(record);
    return this.#finishAbort(record, record.state === "aborted" ? record.outcome?.reason ?? "timeout" : "timeout", undefined);
  }

  /** Resolves a transaction known only by id (met as a hold or lock by another request). */
  async resolveById(id: string): Promise<void> {
    const raw = await this.#main.get<string>(txKeys(this.#team, id).record);
    if (raw !== null) {
      await this.resolve(JSON.parse(raw) as TxRecord);
      return;
    }
    // No record (it expired long ago, or the coordinator died before writing it): the decision decides.
    const recorded = await this.#recordDecision(id, "abort");
    for (const participant of ["calendar", "goals"] as const) {
      await (recorded === "commit" ? this.#participants.apply(participant, id, "recovery") : this.#participants.release(participant, id));
    }
  }

  /**
   * Whether a transaction met as a hold or lock may be resolved now: a decided one always may
   * (finishing a recorded decision is always safe); an undecided one only once its lease ended,
   * when abort is presumed.
   */
  async resolvable(participant: Participant, tx: string): Promise<boolean> {
    if ((await this.#decision(tx)) !== null) return true;
    const end = await this.#participants.leaseEnd(participant, tx);
    return end === null || end <= Date.now();
  }

  async #prepareCalendar(record: TxRecord, input: TxOpInput, n: number, leaseEnd: number): Promise<string> {
    const store = this.#stores.calendar;
    const keys = calendarKeys(this.#team);
    const now = new Date().toISOString();
    if (input.type === "calendar.create") {
      const data = validateData(EventWrite, input.data);
      const id = input.id ?? data.id ?? crypto.randomUUID();
      const event = built(buildEvent(data, { id, created_by: record.member, created_at: now, updated_at: now, version: 1 }));
      await this.#prepared(record.id, () => this.#participants.prepareEvent(record.id, n, holdFor("create", event), leaseEnd), "event", id);
      return id;
    }
    const id = requireTarget(input);
    const patch = input.type === "calendar.update" ? validateData(EventPatch, input.data) : undefined;
    // Every attempt reads the event again: a retry after a stale read, or after resolving the
    // transaction in the way (which may have changed or removed it), must hold what is there now.
    await this.#prepared(
      record.id,
      async () => {
        const raw = await store.get<string>(keys.event(id));
        if (raw === null) throw new TxAborted("not_found", `no event with id ${id}; the transaction was aborted`, { id });
        const current = JSON.parse(raw) as Event;
        const hold =
          patch === undefined
            ? holdFor("delete", current)
            : holdFor(
                "update",
                built(buildEvent(patchedEventFields(current, patch), { id, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 })),
              );
        return this.#participants.prepareEvent(record.id, n, { ...hold, previous: raw, expectedVersion: current.version }, leaseEnd);
      },
      "event",
      id,
    );
    return id;
  }

  async #prepareGoal(record: TxRecord, input: TxOpInput, n: number, leaseEnd: number): Promise<string> {
    const store = this.#stores.goals;
    const now = new Date().toISOString();
    if (input.type === "goal.create") {
      const data = validateData(GoalWrite, input.data);
      const id = input.id ?? data.id ?? crypto.randomUUID();
      const goal = buildGoal(data, { id, owner: record.member, created_by: record.member, created_at: now, updated_at: now, version: 1 });
      await this.#prepared(record.id, () => this.#participants.prepareGoal(record.id, n, { kind: "create", goalId: id, goal: JSON.stringify(goal), createdMs: Date.parse(now) }, leaseEnd), "goal", id);
      return id;
    }
    const id = requireTarget(input);
    const patch = input.type === "goal.update" ? validateData(GoalPatch, input.data) : undefined;
    // As for events: each attempt reads the goal as it is now.
    await this.#prepared(
      record.id,
      async () => {
        const raw = await store.get<string>(goalKeys(this.#team).goal(id));
        if (raw === null) throw new TxAborted("not_found", `no goal with id ${id}; the transaction was aborted`, { id });
        const current = JSON.parse(raw) as Goal;
        const goal =
          patch === undefined
            ? undefined
            : buildGoal(patchedFields(current, patch), { id, owner: current.owner, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 });
        const lock = { kind: patch === undefined ? ("delete" as const) : ("update" as const), goalId: id, goal: goal && JSON.stringify(goal), createdMs: Date.parse(current.created_at), expectedVersion: current.version };
        return this.#participants.prepareGoal(record.id, n, lock, leaseEnd);
      },
      "goal",
      id,
    );
    return id;
  }

  /**
   * Runs `attempt` (which reads what it needs, builds the hold and takes it) until the hold is
   * taken. A stale read is read again; another transaction in the way that may be resolved
   * (decided, or past its lease) is resolved, at most once each, and the op tried again from the
   * read. Anything else aborts, the error naming the reason.
   */
  async #prepared(tx: string, attempt: () => Promise<PrepareOutcome>, kind: "event" | "goal", id: string): Promise<void> {
    const participant: Participant = kind === "event" ? "calendar" : "goals";
    const resolved = new Set<string>();
    for (let i = 0; i < MAX_PREPARE_ATTEMPTS; i++) {
      const outcome = await attempt();
      switch (outcome.kind) {
        case "ok":
          return;
        case "stale":
          continue;
        case "locked":
        case "conflict": {
          const blockers = outcome.kind === "locked" ? [outcome.tx] : outcome.conflicts.map((c) => c.tx).filter((other) => other !== undefined);
          if (await this.#resolveBlockers(participant, blockers.filter((other) => other !== tx), resolved)) continue;
          if (outcome.kind === "locked") throw new TxAborted("lock_conflict", `${kind} ${id} is locked by another transaction; this one was aborted`, { resource: `${kind}:${id}` });
          throw new TxAborted("time_slot_taken", `the slot overlaps ${outcome.conflicts.map((c) => (c.tx ? "a slot held by a transaction" : c.id)).join(", ")}; the transaction was aborted`, {
            conflicts: outcome.conflicts.map(({ tx: holder, ...rest }) => (holder ? { ...rest, id: "(held by a transaction in progress)" } : rest)),
          });
        }
        case "exists":
          throw new TxAborted("exists", `${kind} ${id} already exists; the transaction was aborted`, { id });
        case "missing":
          throw new TxAborted("not_found", `no ${kind} with id ${id}; the transaction was aborted`, { id });
        default:
          return unreachable(outcome, "prepare outcome");
      }
    }
    throw new TxAborted("lock_conflict", `${kind} ${id} is changing too fast to prepare; the transaction was aborted`, { resource: `${kind}:${id}` });
  }

  /** Resolves each of `txs` not yet in `resolved` that may be resolved now; true if any was. */
  async #resolveBlockers(participant: Participant, txs: string[], resolved: Set<string>): Promise<boolean> {
    let cleared = false;
    for (const other of new Set(txs)) {
      if (resolved.has(other) || !(await this.resolvable(participant, other))) continue;
      await this.resolveById(other);
      resolved.add(other);
      cleared = true;
    }
    return cleared;
  }

  async #abortWith(record: TxRecord, error: TxAborted): Promise<TxAborted> {
    const recorded = await this.#recordDecision(record.id, "abort").catch(() => "abort" as const);
    if (recorded === "commit") return new TxAborted(error.reason, error.message, error.detail);
    await this.#finishAbort(record, error.reason, error.detail).catch(() => {});
    return error;
  }

  async #finishAbort(record: TxRecord, reason: TxReason, detail: unknown): Promise<TxRecord> {
    // Release everywhere; a participant that is down keeps its holds until recovery meets them.
    await Promise.all(
      (["calendar", "goals"] as const).map((participant) =>
        this.#participants.release(participant, record.id).catch((error) => {
          if (dependencyFailure(error) === null) throw error;
        }),
      ),
    );
    const outcome = { result: "aborted" as const, reason, ...(detail === undefined ? {} : { detail }) };
    return this.#settle(record, "aborted", outcome);
  }

  async #finishCommit(record: TxRecord): Promise<TxRecord> {
    const pending: string[] = [];
    const applied = await Promise.allSettled((["calendar", "goals"] as const).map((participant) => this.#participants.apply(participant, record.id, record.member)));
    for (const [i, result] of applied.entries()) {
      if (result.status === "fulfilled") continue;
      if (dependencyFailure(result.reason) === null) throw result.reason;
      pending.push(i === 0 ? "calendar" : "goals"); // applied by recovery once the participant is back
    }
    return this.#settle(record, "committed", { result: "committed", ...(pending.length > 0 ? { pending } : {}) });
  }

  async #settle(record: TxRecord, state: TxRecord["state"], outcome: NonNullable<TxView["outcome"]>): Promise<TxRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const next: TxRecord = { ...record, state, outcome, version: record.version + 1, updated_at: new Date().toISOString() };
      const expected = record.version === 0 ? "" : record.version;
      if ((await putRecordScript.run(this.#main, [txKeys(this.#team, record.id).record], [expected, JSON.stringify(next), RESOLVED_TX_TTL_SECONDS])) === "ok") {
        if (record.state !== state) await this.#announce(next);
        return next;
      }
      const raw = await this.#main.get<string>(txKeys(this.#team, record.id).record);
      if (raw === null) return next;
      record = JSON.parse(raw) as TxRecord;
      if (record.state === state && JSON.stringify(record.outcome) === JSON.stringify(outcome)) return record;
    }
    return record;
  }

  async #save(record: TxRecord, expectedVersion: number | undefined): Promise<void> {
    const result = await putRecordScript.run(this.#main, [txKeys(this.#team, record.id).record], [expectedVersion ?? "", JSON.stringify(record), 0]);
    if (result !== "ok") throw new TxAborted("lock_conflict", `transaction ${record.id} was changed by another request at the same time; it was aborted (add ops one at a time)`);
  }

  /**
   * Tells the team a transaction ended (after its ops' own changes). Best effort: the outcome is
   * already recorded, and a client that misses this still sees every change the ops made.
   */
  async #announce(record: TxRecord): Promise<void> {
    const type = record.state === "committed" ? "tx.committed" : "tx.aborted";
    const message = JSON.stringify({ type, team: this.#team, at: record.updated_at, by: record.member, tx: record.id });
    await this.#changes.append([{ channel: TX_CHANNEL, message }]).catch((error: unknown) => {
      if (dependencyFailure(error) === null) throw error;
    });
  }

  /** Records the decision unless one exists, and returns the one that stands. */
  async #recordDecision(id: string, wanted: "commit" | "abort"): Promise<"commit" | "abort"> {
    return (await decideScript.run(this.#main, [txKeys(this.#team, id).decision], [wanted, RESOLVED_TX_TTL_SECONDS * 7])) as "commit" | "abort";
  }

  async #decision(id: string): Promise<string | null> {
    return this.#main.get<string>(txKeys(this.#team, id).decision);
  }
}

export function viewOf(record: TxRecord): TxView {
  return {
    tx_id: record.id,
    state: record.state,
    created_at: record.created_at,
    updated_at: record.updated_at,
    expires_at: record.state === "open" ? new Date(record.expires_ms).toISOString() : null,
    ops: record.ops.map((op) => ({ type: op.type, id: op.id })),
    outcome: record.outcome,
  };
}

function involved(record: TxRecord): Participant[] {
  return [...new Set(record.ops.map((op) => op.participant))];
}

function assertOpen(record: TxRecord): void {
  if (record.state === "aborted") throw new TxAborted(record.outcome?.reason ?? "timeout", `transaction ${record.id} was aborted (${record.outcome?.reason ?? "timeout"})`);
}

/** Validates an op's `data` with the plain route's schema, naming fields as they sit in the body. */
function validateData<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw invalid(describeIssues(result.error.issues).map((p) => ({ field: p.field === "body" ? "data" : `data.${p.field}`, message: p.message })));
  return result.data;
}

function requireTarget(input: TxOpInput): string {
  if (input.id === undefined) throw invalid([{ field: "id", message: `is required for ${input.type}` }]);
  return input.id;
}

function built(event: Event | ReturnType<typeof buildEvent>): Event {
  if (Array.isArray(event)) throw invalid(event.map((p) => ({ field: `data.${p.field}`, message: p.message })));
  return event as Event;
}

function holdFor(kind: "create" | "update" | "delete", event: Event) {
  const startMs = parseInstant(event.starts_at) as number;
  const endMs = parseInstant(event.ends_at) as number;
  return { kind, eventId: event.id, calendar: event.calendar, startMs, endMs, startsAt: event.starts_at, endsAt: event.ends_at, event: kind === "delete" ? undefined : JSON.stringify(event) };
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
