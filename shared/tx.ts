import { z } from "zod";
import { ResourceId } from "./fields.ts";

/** Transaction ids as POST /tx makes them: "tx_" and a random part. */
export const TX_ID_PATTERN = /^tx_[A-Za-z0-9_-]{10,64}$/;
export const TxId = z.string().regex(TX_ID_PATTERN, { error: 'must be a transaction id as POST /tx answers it ("tx_" then 10-64 letters, digits, "-" or "_")' });

export const TxOpType = z.enum(["calendar.create", "calendar.update", "calendar.update_occurrence", "calendar.cancel_occurrence", "calendar.delete", "goal.create", "goal.update", "goal.delete"]);
export type TxOpType = z.infer<typeof TxOpType>;

/**
 * POST /tx/{id}/ops: `data` is the body the plain route would take (POST for create, PATCH for
 * update; for an occurrence of a series, its occurrence_start with the PATCH body, or alone to cancel it).
 */
export const TxOpInput = z.strictObject({
  type: TxOpType,
  id: ResourceId.optional().meta({ description: "The target's id: required for update and delete, optional for create." }),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type TxOpInput = z.infer<typeof TxOpInput>;

/** POST /tx: empty to open a transaction, or the one-shot form `{"ops": [...], "commit": true}`. */
export const TxBegin = z.strictObject({
  ops: z.array(TxOpInput).max(50, { error: "at most 50 operations per transaction" }).optional(),
  commit: z.boolean().optional(),
});

export const TxState = z.enum(["open", "committed", "aborted"]);
export const TxReason = z.enum(["time_slot_taken", "lock_conflict", "participant_unavailable", "timeout", "client_abort", "not_found", "exists", "quota_exceeded", "beyond_series_horizon"]);
export type TxReason = z.infer<typeof TxReason>;

export const TxView = z.object({
  tx_id: z.string(),
  state: TxState,
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable().meta({ description: "When an idle open transaction will be aborted." }),
  ops: z.array(z.object({ type: TxOpType, id: z.string(), result: z.unknown().optional() })),
  outcome: z
    .object({ result: z.enum(["committed", "aborted"]), reason: TxReason.optional(), detail: z.unknown().optional(), pending: z.array(z.string()).optional() })
    .nullable(),
});
export type TxView = z.infer<typeof TxView>;
