import { z } from "zod";

/** One dependency the worker checked while answering `GET /health`. */
export const DependencyCheck = z.object({
  ok: z.boolean(),
  latency_ms: z.number().nonnegative(),
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

/** `GET /health`: 200 when every dependency is ok, 503 otherwise. */
export const HealthReport = z.object({
  status: z.enum(["ok", "unavailable"]),
  version: z.string(),
  time: z.string(),
  checks: z.record(z.string(), DependencyCheck),
});
export type HealthReport = z.infer<typeof HealthReport>;
