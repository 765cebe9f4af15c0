import { Hono, type Context } from "hono";
import { TxBegin, TxId, TxOpInput, TxView } from "../../shared/tx.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import { requireMember } from "../auth/access.ts";
import type { AppEnv } from "../env.ts";
import { readBody, readId } from "../request.ts";
import { viewOf, type TxRecord } from "./coordinator.ts";
import { txAnswer } from "../http-outcomes.ts";
import { coordinatorOf } from "../resources.ts";
import { guarded, idempotencyOf } from "../idempotency/idempotency.ts";
import { mainStore } from "../storage/stores.ts";

/**
 * /tx (mounted there): transactions across calendar and goals. Only the member who began a transaction may see,
 * extend, commit or abort it; for anyone else it does not exist.
 */
export const txRoutes = new Hono<AppEnv>();
txRoutes.use("/", requireMember());
txRoutes.use("/*", requireMember());

const coordinator = coordinatorOf;

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const TX_PARAM = { id: { description: "The transaction's id, as POST /tx answered it", schema: TxId, example: "tx_4kP9wQ2mX7zR1vB8" } };
/** The reasons a transaction is aborted (each answered as its error code) and the other refusals of a write in one. */
const ABORTED = ["time_slot_taken", "lock_conflict", "not_found", "exists", "quota_exceeded", "beyond_series_horizon", "timeout", "tx_not_open", "tx_committed"];
const UNAVAILABLE = { description: "A participant's store was down: the transaction was aborted", codes: ["participant_unavailable"], headers: ["Retry-After" as const] };
const txOperation = (op: Omit<ApiOperation, "tag" | "auth" | "countsAsWrite" | "store">): ApiOperation => ({ ...op, tag: "transactions", auth: "member", countsAsWrite: true, store: "write" });
const NOT_YOURS = { description: "No such transaction of yours", codes: ["not_found"] };
/** A POST on one transaction: its id in the path, an Idempotency-Key held by a marker, 404 when it is not the caller's. */
const onTransaction = (op: Omit<ApiOperation, "tag" | "auth" | "countsAsWrite" | "store" | "params" | "idempotent">): ApiOperation =>
  txOperation({ ...op, params: TX_PARAM, idempotent: "marker", responses: { 404: NOT_YOURS, ...op.responses } });
const opExample = { type: "calendar.create", data: { id: "retro", title: "Retro", starts_at: "2031-06-02T15:00:00Z", ends_at: "2031-06-02T16:00:00Z" } };

const BEGIN = txOperation({
  operationId: "beginTransaction",
  summary: "Begin a transaction across calendar and goals",
  description:
    "Without a body (or with `{}`): a transaction is opened (201), to which ops are added one by one. With `{\"ops\": [...], \"commit\": true}` the whole transaction runs in this one request (200, committed, or refused and nothing applied). Only the member who began a transaction may see or change it.",
  body: { schema: TxBegin, required: false, example: { ops: [opExample, { type: "goal.create", data: { id: "retro-notes", title: "Write up the retro" } }], commit: true } },
  idempotent: "marker",
  responses: {
    201: { description: "Begun (open)", json: TxView, headers: ["Location"] },
    200: { description: "The one-shot form: committed", json: TxView, headers: ["Location"] },
    409: { description: "An op was refused (its reason is the code) and the transaction aborted; or the team has its quota of open transactions", codes: ABORTED },
    503: UNAVAILABLE,
  },
});

const GET_TX = txOperation({
  operationId: "getTransaction",
  summary: "Your transaction: state, ops and outcome",
  description: "The outcome names the reason of an abort. Another member's transaction is a 404.",
  params: TX_PARAM,
  responses: { 200: { description: "The transaction", json: TxView }, 404: NOT_YOURS },
});

const ADD_OP = onTransaction({
  operationId: "addTransactionOp",
  summary: "Add an op; its holds are taken now",
  description:
    "`data` is the body the plain route would take (POST for create, PATCH for update). Invalid input leaves the transaction open (400); a conflict aborts it, naming the reason as the error code; a committed or aborted transaction answers 409 tx_not_open.",
  body: { schema: TxOpInput, required: true, example: opExample },
  responses: {
    200: { description: "Added and held", json: TxView },
    409: { description: "Refused: the transaction was aborted (the reason is the code), or is not open", codes: ABORTED },
    503: UNAVAILABLE,
  },
});

const COMMIT = onTransaction({
  operationId: "commitTransaction",
  summary: "Commit",
  description: "Every participant votes, the decision is recorded once, then applied; outcome.pending lists participants still applying (a store that was down applies when it is back).",
  responses: {
    200: { description: "Committed", json: TxView },
    409: { description: "Aborted instead (the reason is the code), or not open", codes: ABORTED },
    503: UNAVAILABLE,
  },
});

const ABORT = onTransaction({
  operationId: "abortTransaction",
  summary: "Abort and release every hold",
  description: "A committed transaction cannot be aborted (409 tx_committed).",
  responses: {
    200: { description: "Aborted", json: TxView },
    409: { description: "Already committed", codes: ["tx_committed", "tx_not_open"] },
  },
});

/**
 * Each POST takes an Idempotency-Key. A transaction's work is several steps, not one script, so
 * the key is held by an in-progress marker while it runs (a duplicate meanwhile: 409
 * idempotency_key_in_use) and then keeps the answer (see guarded).
 */
async function once(c: Context<AppEnv>, work: () => Promise<Response>): Promise<Response> {
  return guarded(mainStore(c.env), await idempotencyOf(c, c.get("member")), c, work);
}

txRoutes.post("/", documented(BEGIN, async (c) => {
  const body = await readBody(c, TxBegin, { optional: true });
  return once(c, async () => {
    const tx = coordinator(c);
    let record = await answerErrors(() => tx.begin(c.get("member").member, { persist: !body.commit }));
    await answerErrors(async () => {
      for (const op of body.ops ?? []) record = await tx.addOp(record, op);
      if (body.commit) record = await tx.commit(record);
    }, record);
    return c.json(viewOf(record), body.commit ? 200 : 201, { Location: `/tx/${record.id}` });
  });
}));

txRoutes.get("/:id", documented(GET_TX, async (c) => {
  const record = await answerErrors(() => coordinator(c).load(readId(c, TxId), c.get("member").member));
  return c.json(viewOf(record));
}));

txRoutes.post("/:id/ops", documented(ADD_OP, async (c) => {
  const tx = coordinator(c);
  // With a key the body is read first: the key's fingerprint covers it.
  const early = c.req.header("Idempotency-Key") === undefined ? undefined : await readBody(c, TxOpInput);
  return once(c, async () => {
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    const op = early ?? (await readBody(c, TxOpInput));
    const next = await answerErrors(() => tx.addOp(record, op), record);
    return c.json(viewOf(next));
  });
}));

txRoutes.post("/:id/commit", documented(COMMIT, (c) =>
  once(c, async () => {
    const tx = coordinator(c);
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    return c.json(viewOf(await answerErrors(() => tx.commit(record), record)));
  }),
));

txRoutes.post("/:id/abort", documented(ABORT, (c) =>
  once(c, async () => {
    const tx = coordinator(c);
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    return c.json(viewOf(await answerErrors(() => tx.abort(record), record)));
  }),
));

/** Runs coordinator work; what it throws is answered as txAnswer says. */
async function answerErrors<T>(work: () => Promise<T>, record?: TxRecord): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw txAnswer(error, record);
  }
}
