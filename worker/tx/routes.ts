import { Hono, type Context } from "hono";
import { TxBegin, TxId, TxOpInput } from "../../shared/tx.ts";
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

/**
 * Each POST takes an Idempotency-Key. A transaction's work is several steps, not one script, so
 * the key is held by an in-progress marker while it runs (a duplicate meanwhile: 409
 * idempotency_key_in_use) and then keeps the answer (see guarded).
 */
async function once(c: Context<AppEnv>, work: () => Promise<Response>): Promise<Response> {
  return guarded(mainStore(c.env), await idempotencyOf(c, c.get("member")), c, work);
}

txRoutes.post("/", async (c) => {
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
});

txRoutes.get("/:id", async (c) => {
  const record = await answerErrors(() => coordinator(c).load(readId(c, TxId), c.get("member").member));
  return c.json(viewOf(record));
});

txRoutes.post("/:id/ops", async (c) => {
  const tx = coordinator(c);
  // With a key the body is read first: the key's fingerprint covers it.
  const early = c.req.header("Idempotency-Key") === undefined ? undefined : await readBody(c, TxOpInput);
  return once(c, async () => {
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    const op = early ?? (await readBody(c, TxOpInput));
    const next = await answerErrors(() => tx.addOp(record, op), record);
    return c.json(viewOf(next));
  });
});

txRoutes.post("/:id/commit", (c) =>
  once(c, async () => {
    const tx = coordinator(c);
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    return c.json(viewOf(await answerErrors(() => tx.commit(record), record)));
  }),
);

txRoutes.post("/:id/abort", (c) =>
  once(c, async () => {
    const tx = coordinator(c);
    const record = await answerErrors(() => tx.load(readId(c, TxId), c.get("member").member));
    return c.json(viewOf(await answerErrors(() => tx.abort(record), record)));
  }),
);

/** Runs coordinator work; what it throws is answered as txAnswer says. */
async function answerErrors<T>(work: () => Promise<T>, record?: TxRecord): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw txAnswer(error, record);
  }
}
