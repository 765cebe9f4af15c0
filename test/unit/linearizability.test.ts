import { describe, expect, it } from "vitest";
import { checkLinearizable, recordModel, type Model, type Operation, type RecordInput, type RecordOutput } from "../helpers/linearizability.ts";

type Op = Operation<RecordInput, RecordOutput>;
const op = (invokedAt: number, answeredAt: number, input: RecordInput, output?: RecordOutput): Op => ({ invokedAt, answeredAt, input, output });
const check = (history: Op[]) => checkLinearizable(recordModel, history);

describe("checkLinearizable over one versioned record", () => {
  it("accepts overlapping writes read in an order real time allows", () => {
    const history = [
      op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }),
      op(20, 40, { kind: "update", value: "b" }, { result: "ok", version: 2 }),
      op(25, 45, { kind: "update", value: "c" }, { result: "ok", version: 3 }),
      // Concurrent with both updates: sees the first one, before the second landed.
      op(30, 35, { kind: "read" }, { result: "read", version: 2, value: "b" }),
      op(50, 60, { kind: "read" }, { result: "read", version: 3, value: "c" }),
    ];
    const verdict = check(history);
    expect(verdict.linearizable).toBe(true);
  });

  it("refuses a stale read after a write was acknowledged", () => {
    const history = [
      op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }),
      op(20, 30, { kind: "update", value: "b" }, { result: "ok", version: 2 }),
      op(40, 50, { kind: "read" }, { result: "read", version: 1, value: "a" }),
    ];
    const verdict = check(history);
    expect(verdict.linearizable).toBe(false);
    expect(verdict.linearizable || verdict.undecided).toBe(false);
  });

  it("refuses an acknowledged create that is gone at the end (a lost write)", () => {
    expect(check([op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }), op(20, 30, { kind: "read" }, { result: "missing" })]).linearizable).toBe(false);
  });

  it("refuses a value that only a refused write could have made", () => {
    const history = [
      op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }),
      op(20, 30, { kind: "update", value: "b", ifMatch: 7 }, { result: "stale" }),
      op(40, 50, { kind: "read" }, { result: "read", version: 2, value: "b" }),
    ];
    expect(check(history).linearizable).toBe(false);
  });

  it("lets an indeterminate write take effect late, or never, but not half", () => {
    const create = op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 });
    const lost = op(20, Infinity, { kind: "update", value: "b", ifMatch: 1 });
    expect(check([create, lost, op(30, 40, { kind: "read" }, { result: "read", version: 1, value: "a" }), op(50, 60, { kind: "read" }, { result: "read", version: 2, value: "b" })]).linearizable).toBe(true);
    expect(check([create, lost, op(50, 60, { kind: "read" }, { result: "read", version: 1, value: "a" })]).linearizable).toBe(true);
    // Took effect, then was undone: impossible.
    expect(check([create, lost, op(30, 40, { kind: "read" }, { result: "read", version: 2, value: "b" }), op(50, 60, { kind: "read" }, { result: "read", version: 1, value: "a" })]).linearizable).toBe(false);
  });

  it("tells a record created again (version 1 again) apart by its created_at: the old If-Match cannot apply to it", () => {
    const first = op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1, created: "T1" });
    const removed = op(20, 30, { kind: "delete" }, { result: "ok" });
    const again = op(40, 50, { kind: "create", value: "b" }, { result: "ok", version: 1, created: "T2" });
    const withOldTag = (output: RecordOutput) => op(60, 70, { kind: "update", value: "c", ifMatch: 1, ifMatchCreated: "T1" }, output);
    expect(check([first, removed, again, withOldTag({ result: "stale" })]).linearizable).toBe(true);
    expect(check([first, removed, again, withOldTag({ result: "ok", version: 2, created: "T2" })]).linearizable).toBe(false);
    // A read that shows another created_at than the create's answer is another record.
    expect(check([again, op(60, 70, { kind: "read" }, { result: "read", version: 1, value: "b", created: "T1" })]).linearizable).toBe(false);
    // Made by a transaction (created unknown), the same version may or may not be the tag's record.
    const unknown = op(40, 50, { kind: "create", value: "b" }, { result: "ok", version: 1 });
    expect(check([first, removed, unknown, withOldTag({ result: "stale" })]).linearizable).toBe(true);
    expect(check([first, removed, unknown, withOldTag({ result: "ok", version: 2 })]).linearizable).toBe(true);
  });

  it("refuses two If-Match writes of one version that both succeeded (a lost update)", () => {
    const history = [
      op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }),
      op(20, 40, { kind: "update", value: "b", ifMatch: 1 }, { result: "ok", version: 2 }),
      op(20, 40, { kind: "update", value: "c", ifMatch: 1 }, { result: "ok", version: 2 }),
    ];
    expect(check(history).linearizable).toBe(false);
  });

  it("merges a patch into the value, so a patch that lost a field shows", () => {
    const create = op(0, 10, { kind: "create", value: '{"at":"10:00","title":"a"}' }, { result: "ok", version: 1 });
    const patch = op(20, 30, { kind: "update", value: '{"title":"b"}', patch: true }, { result: "ok", version: 2 });
    expect(check([create, patch, op(40, 50, { kind: "read" }, { result: "read", version: 2, value: '{"at":"10:00","title":"b"}' })]).linearizable).toBe(true);
    expect(check([create, patch, op(40, 50, { kind: "read" }, { result: "read", version: 2, value: '{"title":"b"}' })]).linearizable).toBe(false);
  });

  it("accepts delete and re-create, with the version starting again at 1", () => {
    const history = [
      op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }),
      op(20, 30, { kind: "delete", ifMatch: 1 }, { result: "ok" }),
      op(25, 35, { kind: "create", value: "z" }, { result: "exists" }),
      op(40, 50, { kind: "create", value: "b" }, { result: "ok", version: 1 }),
      op(60, 70, { kind: "read" }, { result: "read", version: 1, value: "b" }),
    ];
    expect(check(history).linearizable).toBe(true);
  });
});

describe("checkLinearizable with another model", () => {
  // A counter that answers its new value: the checker is generic over the model.
  const counter: Model<number, "inc", number> = { initial: 0, key: String, step: (n, _input, output) => (output === undefined || output === n + 1 ? n + 1 : undefined) };
  const inc = (invokedAt: number, answeredAt: number, output?: number): Operation<"inc", number> => ({ invokedAt, answeredAt, input: "inc", output });

  it("orders concurrent increments by their answers", () => {
    expect(checkLinearizable(counter, [inc(0, 10, 2), inc(1, 9, 1)]).linearizable).toBe(true);
  });

  it("refuses an increment that answered before the other began but saw its effect", () => {
    expect(checkLinearizable(counter, [inc(0, 10, 2), inc(20, 30, 1)]).linearizable).toBe(false);
  });
});

describe("checkLinearizable's budget", () => {
  it("says undecided, not linearizable, when the step budget runs out", () => {
    // 12 concurrent writes then a read of a value none wrote: refuting it means trying many orders.
    const writes = Array.from({ length: 12 }, (_, i) => op(20, 100, { kind: "update", value: `v${i}` }, { result: "ok" }));
    const history = [op(0, 10, { kind: "create", value: "a" }, { result: "ok", version: 1 }), ...writes, op(200, 210, { kind: "read" }, { result: "read", version: 13, value: "nope" })];
    expect(checkLinearizable(recordModel, history, { maxSteps: 50 })).toMatchObject({ linearizable: false, undecided: true });
    expect(checkLinearizable(recordModel, history)).toMatchObject({ linearizable: false, undecided: false });
  });
});
