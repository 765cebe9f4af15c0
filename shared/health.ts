import { z } from "zod";

/** One dependency the worker checked while answering `GET /health`. */
export const DependencyCheck = z.object({
  ok: z.boolean(),
  latency_ms: z.number().nonnegative(),
  error: z.string().optional(),
  /** Whether it takes a write (a store at maxmemory answers PING but refuses writes with OOM); absent when it is down. */
  writable: z.boolean().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

/**
 * `GET /health`: 200 when every dependency is ok, or up but refusing writes ("degraded": reads are
 * served, writes answer 503; `reason` says which and why); 503 when any is down.
 */
export const HealthReport = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  reason: z.string().optional(),
  version: z.string(),
  time: z.string(),
  checks: z.record(z.string(), DependencyCheck),
});
export type HealthReport = z.infer<typeof HealthReport>;
