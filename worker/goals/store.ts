import type { Redis } from "@upstash/redis/cloudflare";
import type { CheckIn, Goal } from "../../shared/goals.ts";
import type { ChangeSink } from "../live/changes.ts";
import { isAfter, type Cursor } from "../storage/cursor.ts";
import { idemArgs, idemKeys, type Idempotency } from "../idempotency/idempotency.ts";
import { outcomeOf, type CreateIdempotency, type CreateOutcome, type DeleteOutcome, type RecordStore, type UpdateOutcome } from "../records/outcomes.ts";
import { idempotencyKeys } from "../idempotency/keys.ts";
import { quotaArg } from "../limits/quota-lua.ts";
import { GOALS_CHANNEL, goalKeys } from "./keys.ts";
import { checkInGoalScript, deleteGoalScript, putGoalScript } from "./scripts.ts";
import { storedGoal } from "./goal-record.ts";

/** What a check-in's write can answer: what a delete can, and an Idempotency-Key's replay or reuse. */
export type CheckInOutcome = DeleteOutcome | { kind: "replay"; record: string } | { kind: "key_reused" };

export type GoalChange = "goal.created" | "goal.updated" | "goal.deleted";

/** One team's goals in Redis. */
export class GoalStore implements RecordStore<Goal> {
  readonly #redis: Redis;
  readonly #team: string;
  readonly #keys: ReturnType<typeof goalKeys>;
  readonly #changes: ChangeSink;
  readonly #quota: number | null;

  /** `quota`: how many goals the team may have (null: no limit). */
  constructor(redis: Redis, team: string, changes: ChangeSink, quota: number | null = null) {
    this.#redis = redis;
    this.#team = team;
    this.#keys = goalKeys(team);
    this.#changes = changes;
    this.#quota = quota;
  }

  async get(id: string): Promise<Goal | null> {
    const raw = await this.#redis.get<string>(this.#keys.goal(id));
    return raw === null ? null : storedGoal(raw);
  }

  /** The goal and the transaction that locks it, if any, in one round trip. */
  async getWithLock(id: string): Promise<{ record: Goal | null; lockedBy: string | null }> {
    const [raw, lock] = await this.#redis.mget<(string | null)[]>(this.#keys.goal(id), this.#keys.lock(id));
    return { record: raw ? storedGoal(raw) : null, lockedBy: lock ? (JSON.parse(lock) as { tx: string }).tx : null };
  }

  /** With `idem`, the key's record is checked first and `answer` stored with the write, in the same step. */
  create(goal: Goal, by: string, idem?: CreateIdempotency): Promise<CreateOutcome> {
    return this.#put(goal, undefined, by, idem, ["ok", "exists", "locked", "quota_exceeded", "replay", "key_reused"]);
  }

  /** `goal` the very `previous` (the write changed nothing: goal-record.ts unlessUnchanged) is kept as it is, no version spent, nothing published. */
  async update(goal: Goal, previous: Goal, by: string): Promise<UpdateOutcome> {
    if (goal === previous) return { kind: "ok" };
    return this.#put(goal, previous, by, undefined, ["ok", "missing", "stale", "locked"]);
  }

  /** Creates (previous undefined) or replaces `previous`, compare-and-set on its version. */
  async #put<K extends (CreateOutcome | UpdateOutcome)["kind"]>(goal: Goal, previous: Goal | undefined, by: string, idem: CreateIdempotency | undefined, allowed: readonly K[]) {
    const change: GoalChange = previous === undefined ? "goal.created" : "goal.updated";
    const message = this.#message(change, goal.id, by, goal);
    const reply = (await putGoalScript.run(
      this.#redis,
      [this.#keys.goal(goal.id), this.#keys.index, this.#keys.lock(goal.id), ...idemKeys(idem?.key, idempotencyKeys.memberPlaceholder(this.#team)), ...this.#changes.feedKeys()],
      [
        goal.id,
        JSON.stringify(goal),
        Date.parse(goal.created_at),
        previous === undefined ? "create" : "update",
        previous?.version ?? "",
        GOALS_CHANNEL,
        message,
        ...idemArgs(idem?.key, idem?.answer),
        quotaArg(this.#quota),
        this.#changes.inlineFlag("goals"),
      ],
    )) as string[];
    if (reply[0] === "ok") await this.#changes.settle("goals", reply.slice(1), [message]);
    return outcomeOf(reply, allowed, "put_goal");
  }

  async delete(goal: Goal, by: string): Promise<DeleteOutcome> {
    const message = this.#message("goal.deleted", goal.id, by);
    const reply = (await deleteGoalScript.run(
      this.#redis,
      [this.#keys.goal(goal.id), this.#keys.index, this.#keys.lock(goal.id), this.#keys.checkIns(goal.id), ...this.#changes.feedKeys()],
      [goal.id, goal.version, GOALS_CHANNEL, message, this.#changes.inlineFlag("goals")],
    )) as string[];
    if (reply[0] === "ok") await this.#changes.settle("goals", reply.slice(1), [message]);
    return outcomeOf(reply, ["ok", "missing", "stale", "locked"], "delete_goal");
  }

  /**
   * Writes `goal` (the next version of `previous`) and appends `checkIn` to its list, in one step.
   * With `idem`, the key's record is checked first and `answer` stored with the write.
   */
  async checkIn(goal: Goal, previous: Goal, checkIn: CheckIn, by: string, idem?: CreateIdempotency): Promise<CheckInOutcome> {
    const message = this.#message("goal.updated", goal.id, by, goal);
    const reply = (await checkInGoalScript.run(
      this.#redis,
      [this.#keys.goal(goal.id), this.#keys.lock(goal.id), this.#keys.checkIns(goal.id), ...idemKeys(idem?.key, idempotencyKeys.memberPlaceholder(this.#team)), ...this.#changes.feedKeys()],
      [previous.version, JSON.stringify(goal), JSON.stringify(checkIn), GOALS_CHANNEL, message, ...idemArgs(idem?.key, idem?.answer), this.#changes.inlineFlag("goals")],
    )) as string[];
    if (reply[0] === "ok") {
      await this.#changes.settle("goals", reply.slice(2), [message]);
      return { kind: "ok" };
    }
    return outcomeOf(reply, ["missing", "stale", "locked", "replay", "key_reused"], "check_in_goal");
  }

  /**
   * The stored answer to this very request (same key and fingerprint), if it was given: a retry of a
   * check-in whose If-Match named the version before it is answered from it, not refused as stale.
   */
  async answered(idem: Idempotency): Promise<string | null> {
    const raw = await this.#redis.get<string>(idem.key);
    if (raw === null) return null;
    const record = JSON.parse(raw) as { fingerprint?: string; status?: number };
    return record.fingerprint === idem.fingerprint && record.status !== undefined ? raw : null;
  }

  /**
   * A goal's check-ins, newest first: `limit` of them, starting `before` the given position (the
   * list only grows, so a position stays the same check-in). `next`: where the next page starts.
   */
  async checkIns(id: string, limit: number, before?: number): Promise<{ checkIns: CheckIn[]; next: number | null }> {
    const end = (before ?? (await this.#redis.llen(this.#keys.checkIns(id)))) - 1;
    if (end < 0) return { checkIns: [], next: null };
    const start = Math.max(0, end - limit + 1);
    const raws = await this.#redis.lrange<string>(this.#keys.checkIns(id), start, end);
    // A cursor past the end (no next_cursor ever named it) has nothing before it worth paging through.
    if (raws.length === 0) return { checkIns: [], next: null };
    const checkIns = raws.map((raw) => JSON.parse(raw) as CheckIn).reverse();
    return { checkIns, next: start > 0 ? start : null };
  }

  /** Goals in creation order, `limit` at a time after `cursor`. */
  async list(limit: number, cursor?: Cursor): Promise<{ goals: Goal[]; next: Cursor | null }> {
    const goals: Goal[] = [];
    let offset = 0;
    const batch = limit + 10;
    for (;;) {
      const page = (await this.#redis.zrange(this.#keys.index, cursor?.score ?? 0, "+inf", { byScore: true, offset, count: batch, withScores: true })) as string[];
      offset += page.length / 2;
      const ids: string[] = [];
      for (let i = 0; i < page.length; i += 2) if (isAfter(Number(page[i + 1]), page[i]!, cursor)) ids.push(page[i]!);
      if (ids.length > 0) {
        const raws = await this.#redis.mget<(string | null)[]>(...ids.map((id) => this.#keys.goal(id)));
        for (const raw of raws) if (raw !== null && goals.length <= limit) goals.push(storedGoal(raw));
      }
      if (goals.length > limit || page.length < batch * 2) break;
    }
    const pageGoals = goals.slice(0, limit);
    const last = pageGoals[pageGoals.length - 1];
    return { goals: pageGoals, next: goals.length > limit && last ? { score: Date.parse(last.created_at), id: last.id } : null };
  }

  #message(type: GoalChange, id: string, by: string, goal?: Goal): string {
    return JSON.stringify({ type, team: this.#team, id, by, at: new Date().toISOString(), ...(goal ? { goal } : {}) });
  }
}
