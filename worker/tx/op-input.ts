import type { z } from "zod";
import type { TxOpInput } from "../../shared/tx.ts";
import type { FieldProblem } from "../request.ts";
import { describeIssues, invalid } from "../request.ts";

/** Validates an op's `data` with the plain route's schema, naming fields as they sit in the body. */
export function validateData<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw invalid(describeIssues(result.error.issues).map((p) => ({ field: p.field === "body" ? "data" : `data.${p.field}`, message: p.message })));
  return result.data;
}

/** The id an update or delete op names; a 400 naming `id` without it. */
export function requireTarget(input: TxOpInput): string {
  if (input.id === undefined) throw invalid([{ field: "id", message: `is required for ${input.type}` }]);
  return input.id;
}

/** A record built from op data, or the 400 naming the fields (under `data.`) that made it fail. */
export function builtFromData<T>(record: T | FieldProblem[]): T {
  if (Array.isArray(record)) throw invalid(record.map((p) => ({ field: `data.${p.field}`, message: p.message })));
  return record;
}
