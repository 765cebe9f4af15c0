import type { Redis } from "@upstash/redis/cloudflare";
import { GoalPatch, GoalWrite } from "../../shared/goals.ts";
import type { ChangeSink } from "../live/changes.ts";
import { ResourceParticipant } from "../tx/resource-participant.ts";
import { builtFromData, requireTarget, validateData } from "../tx/op-input.ts";
import { prepareOutcome, type OpRequest, type PreparedOp, type PrepareOutcome } from "../tx/participant.ts";
import { quotaArg } from "../limits/quota-lua.ts";
import { buildGoal, patchedFields, storedGoal } from "./goal-record.ts";
import { GOALS_CHANNEL, goalKeys } from "./keys.ts";
import { applyGoalLocksScript, prepareGoalScript, releaseGoalLocksScript } from "./scripts.ts";

/** What the goals participant locks for one prepared op. */
interface GoalLock {
  kind: "create" | "update" | "delete";
  goalId: string;
  goal?: string;
  createdMs: number;
  expectedVersion?: number;
}

/** Goals as a transaction participant: an op locks its goal, which blocks every other writer. */
export class GoalsParticipant extends ResourceParticipant<ReturnType<typeof goalKeys>> {
  readonly name = "goals" as const;
  readonly noun = "goal";

  readonly #quota: number | null;

  /** `quota`: how many goals the team may have (null: no limit), checked when a create is prepared. */
  constructor(store: Redis, team: string, changes: ChangeSink, quota: number | null = null) {
    super(store, team, changes, goalKeys(team), "goal.");
    this.#quota = quota;
  }

  prepare(op: OpRequest): PreparedOp {
    const { input, tx, n, leaseEnd } = op;
    const now = new Date(op.now).toISOString();
    if (input.type === "goal.create") {
      const data = validateData(GoalWrite, input.data);
      const id = input.id ?? data.id ?? crypto.randomUUID();
      const goal = builtFromData(buildGoal(data, { id, owner: op.member, created_by: op.member, created_at: now, updated_at: now, version: 1 }));
      return { id, attempt: () => this.#lock(tx, n, { kind: "create", goalId: id, goal: JSON.stringify(goal), createdMs: Date.parse(now) }, leaseEnd, op.earlierCreates) };
    }
    const id = requireTarget(input);
    const patch = input.type === "goal.update" ? validateData(GoalPatch, input.data) : undefined;
    // As for events: each attempt reads the goal as it is now.
    const attempt = async (): Promise<PrepareOutcome> => {
      const raw = await this.store.get<string>(this.keys.goal(id));
      if (raw === null) return { kind: "missing" };
      const current = storedGoal(raw);
      const goal =
        patch === undefined
          ? undefined
          : builtFromData(buildGoal(patchedFields(current, patch), { id, owner: current.owner, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 }));
      const kind = patch === undefined ? ("delete" as const) : ("update" as const);
      return this.#lock(tx, n, { kind, goalId: id, goal: goal && JSON.stringify(goal), createdMs: Date.parse(current.created_at), expectedVersion: current.version }, leaseEnd, op.earlierCreates);
    };
    return { id, attempt };
  }

  async #lock(tx: string, n: number, lock: GoalLock, leaseEnd: number, earlierCreates: number): Promise<PrepareOutcome> {
    const k = this.keys;
    const change = lock.kind === "create" ? "created" : lock.kind === "update" ? "updated" : "deleted";
    const record = { tx, n, kind: lock.kind, change, goal_id: lock.goalId, goal: lock.goal, created_ms: lock.createdMs };
    const reply = (await prepareGoalScript.runAfter(
      this.store,
      this.announce(leaseEnd),
      [k.goal(lock.goalId), k.lock(lock.goalId), k.txHolds(tx), k.leases, k.index],
      [lock.kind, JSON.stringify(record), tx, leaseEnd, lock.expectedVersion ?? "", quotaArg(this.#quota), earlierCreates],
    )) as string[];
    return prepareOutcome(reply);
  }

  async apply(tx: string, by: string, now: number): Promise<void> {
    const k = this.keys;
    await this.overHolds(tx, async (lockKeys) => {
      const reply = (await applyGoalLocksScript.run(
        this.store,
        [k.txHolds(tx), k.leases, k.index, ...lockKeys.flatMap((lock) => [lock, k.goal(k.lockedGoal(lock)), k.checkIns(k.lockedGoal(lock))]), ...this.changes.feedKeys()],
        [tx, GOALS_CHANNEL, this.team, by, new Date(now).toISOString(), this.changes.inlineFlag("goals")],
      )) as unknown[];
      await this.changes.settle("goals", reply.slice(2));
      return Number(reply[1]);
    });
  }

  async release(tx: string): Promise<void> {
    await this.overHolds(tx, async (lockKeys) => {
      const reply = (await releaseGoalLocksScript.run(this.store, [this.keys.txHolds(tx), this.keys.leases, ...lockKeys], [tx])) as number[];
      return Number(reply[1]);
    });
  }
}
