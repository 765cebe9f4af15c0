import type { z } from "zod";
import type { TxOpInput } from "../../shared/tx.ts";
import type { FieldProblem } from "../request.ts";
import { describeIssues } from "../request.ts";

/**
 * An op the client sent cannot be prepared as it is: the fields that are wrong, named as they sit
 * in the op's body. The transaction stays open; the edge answers 400 (see txAnswer).
 */
export class InvalidOp extends Error {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join("; "));
    this.name = "InvalidOp";
    this.problems = problems;
  }
}

/** Validates an op's `data` with the plain route's schema, naming fields as they sit in the body. */
export function validateData<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw new InvalidOp(describeIssues(result.error.issues).map((p) => ({ field: p.field === "body" ? "data" : `data.${p.field}`, message: p.message })));
  return result.data;
}

/** The id an update or delete op names; InvalidOp naming `id` without it. */
export function requireTarget(input: TxOpInput): string {
  if (input.id === undefined) throw new InvalidOp([{ field: "id", message: `is required for ${input.type}` }]);
  return input.id;
}

/** A record built from op data, or InvalidOp naming the fields (under `data.`) that made it fail. */
export function builtFromData<T>(record: T | FieldProblem[]): T {
  if (Array.isArray(record)) throw new InvalidOp(record.map((p) => ({ field: `data.${p.field}`, message: p.message })));
  return record;
}
