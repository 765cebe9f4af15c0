/**
 * A small linearizability checker in the style of Wing & Gong (with the memo of Lowe's WGL /
 * Knossos): is there one order of the operations, consistent with real time, in which a sequential
 * model explains every answer?
 *
 * An operation that was answered (ok or a definite refusal) must appear in the order, somewhere
 * between its invocation and its answer. An indeterminate one (5xx, timeout, reset) has no answer:
 * it may appear anywhere after its invocation, taking effect as if it had succeeded, or not at all.
 */

/** A sequential model. `step` answers the state after `input` given the observed `output`, or
 * undefined when that output is impossible in `state`. `output` undefined: the operation's answer
 * is unknown, and the step is its effect had it succeeded (undefined if it could not have). */
export interface Model<S, I, O> {
  initial: S;
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string equal for equal states, for the memo. */
  key(state: S): string;
}

export interface Operation<I, O> {
  input: I;
  /** undefined: indeterminate. */
  output?: O;
  invokedAt: number;
  /** Infinity when indeterminate. */
  answeredAt: number;
}

export type Verdict<I, O> =
  | { linearizable: true; order: Array<Operation<I, O>> }
  | { linearizable: false; undecided: boolean; /** the longest prefix any search found: where explaining stopped */ longest: Array<Operation<I, O>> };

/** Searches every real-time-consistent order, depth first, skipping (linearized set, state) pairs seen before. */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: Array<Operation<I, O>>, options: { maxSteps?: number } = {}): Verdict<I, O> {
  const ops = history.map((op) => (op.output === undefined ? { ...op, answeredAt: Infinity } : op));
  const maxSteps = options.maxSteps ?? 2_000_000;
  const done = new Array<boolean>(ops.length).fill(false);
  const order: number[] = [];
  let longest: number[] = [];
  const seen = new Set<string>();
  let steps = 0;

  const remainingDefinite = () => ops.some((op, i) => !done[i] && op.output !== undefined);
  const search = (state: S): boolean => {
    if (!remainingDefinite()) return true;
    if (++steps > maxSteps) return false;
    const memo = `${done.map((d) => (d ? 1 : 0)).join("")}|${model.key(state)}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    // An operation may come next only if no other pending one was answered before it began.
    let horizon = Infinity;
    for (const [i, op] of ops.entries()) if (!done[i] && op.answeredAt < horizon) horizon = op.answeredAt;
    for (const [i, op] of ops.entries()) {
      if (done[i] || op.invokedAt > horizon) continue;
      const next = model.step(state, op.input, op.output);
      if (next === undefined) continue;
      done[i] = true;
      order.push(i);
      if (order.length > longest.length) longest = [...order];
      if (search(next)) return true;
      order.pop();
      done[i] = false;
    }
    return false;
  };

  if (search(model.initial)) return { linearizable: true, order: order.map((i) => ops[i]!) };
  return { linearizable: false, undecided: steps > maxSteps, longest: longest.map((i) => ops[i]!) };
}

/**
 * One record (an event or a goal) as a versioned register: absent, or a version and a value. The
 * server numbers versions 1, 2, 3…, so every acknowledged write names the version it made. A value
 * is any string; an update with `patch` holds a JSON object whose fields replace those of the
 * current value (also a JSON object), as PATCH does.
 *
 * A record deleted and created again starts at version 1 again; its ETag tells the two apart by
 * when it was created (`created`, once an answer showed it), so an If-Match may name a version and
 * that created_at (`ifMatchCreated`): it matches only the same record at that version. While the
 * state's created is unknown (made by a transaction, or an unanswered create), either is possible.
 */
export type RecordState = { version: number; value: string; created?: string } | null;
export type RecordInput =
  | { kind: "create"; value: string }
  | { kind: "update"; value: string; ifMatch?: number; ifMatchCreated?: string; patch?: boolean }
  | { kind: "delete"; ifMatch?: number; ifMatchCreated?: string }
  | { kind: "read" };
export type RecordOutput =
  | { result: "ok"; version?: number; created?: string }
  | { result: "read"; version: number; value: string; created?: string }
  | { result: "missing" } // 404, or a read of nothing
  | { result: "exists" } // 409 *_exists on a create
  | { result: "stale" } // 412: If-Match names another version
  | { result: "no_effect" }; // refused for a reason outside this record (a slot taken, a lock): changes nothing

export const recordModel: Model<RecordState, RecordInput, RecordOutput> = {
  initial: null,
  key: (state) => (state === null ? "-" : `${state.version}:${state.created ?? "?"}:${state.value}`),
  step(state, input, output) {
    if (output?.result === "no_effect") return state;
    const sameRecord = (created: string | undefined) => created === undefined || state?.created === undefined || created === state.created;
    const mayMatch = (i: { ifMatch?: number; ifMatchCreated?: string }) => state !== null && (i.ifMatch === undefined || (i.ifMatch === state.version && sameRecord(i.ifMatchCreated)));
    const mayNotMatch = (i: { ifMatch?: number; ifMatchCreated?: string }) =>
      state !== null && i.ifMatch !== undefined && (i.ifMatch !== state.version || (i.ifMatchCreated !== undefined && (state.created === undefined || i.ifMatchCreated !== state.created)));
    const madeVersion = (version: number | undefined, expected: number) => version === undefined || version === expected;
    switch (input.kind) {
      case "read":
        if (output?.result === "missing") return state === null ? state : undefined;
        if (output?.result === "read") {
          if (state === null || state.version !== output.version || state.value !== output.value || !sameRecord(output.created)) return undefined;
          return { ...state, created: state.created ?? output.created };
        }
        return undefined;
      case "create":
        if (output === undefined || output.result === "ok") return state === null && madeVersion(output?.version, 1) ? { version: 1, value: input.value, created: output?.created } : undefined;
        if (output.result === "exists") return state !== null ? state : undefined;
        return undefined;
      case "update":
        if (output === undefined || output.result === "ok") {
          if (!mayMatch(input) || !madeVersion(output?.version, state!.version + 1) || !sameRecord(output?.created)) return undefined;
          return { version: state!.version + 1, value: input.patch ? patched(state!.value, input.value) : input.value, created: state!.created ?? output?.created };
        }
        if (output.result === "missing") return state === null ? state : undefined;
        if (output.result === "stale") return mayNotMatch(input) ? state : undefined;
        return undefined;
      case "delete":
        if (output === undefined || output.result === "ok") return mayMatch(input) ? null : undefined;
        if (output.result === "missing") return state === null ? state : undefined;
        if (output.result === "stale") return mayNotMatch(input) ? state : undefined;
        return undefined;
      default: {
        const never: never = input;
        return never;
      }
    }
  },
};

/** The fields of `patch` over those of `value`, both JSON objects, in a canonical (sorted) form. */
export function patched(value: string, patch: string): string {
  return canonicalJson({ ...JSON.parse(value), ...JSON.parse(patch) });
}

export function canonicalJson(fields: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** A history as lines a person can follow: invocation and answer times, input, output. */
export function describeHistory<I, O>(ops: Array<Operation<I, O>>, origin = 0): string {
  return [...ops]
    .sort((a, b) => a.invokedAt - b.invokedAt)
    .map((op) => `[${(op.invokedAt - origin).toFixed(0)}..${Number.isFinite(op.answeredAt) ? (op.answeredAt - origin).toFixed(0) : "?"}] ${JSON.stringify(op.input)} -> ${op.output === undefined ? "indeterminate" : JSON.stringify(op.output)}`)
    .join("\n");
}
