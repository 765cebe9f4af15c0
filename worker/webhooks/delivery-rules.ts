import { MAX_ATTEMPTS, retryDelayMs } from "./retry-schedule.ts";

/** What one attempt came to: the receiver's status, or why no status came. */
export type AttemptResult = { status: number } | { error: string };

/** What happens next for the endpoint after an attempt. */
export type Decision =
  | { kind: "delivered" }
  | { kind: "retry"; atMs: number }
  | { kind: "disable"; reason: string };

/**
 * Any 2xx delivers. 410 Gone means the receiver wants no more: the endpoint is disabled at once.
 * Anything else (other statuses, redirects, which are not followed, timeouts, refused connections)
 * is retried on the schedule; once the schedule is used up the endpoint is disabled, saying why.
 * `failedBefore` counts the earlier failed attempts at this same change.
 */
export function decideAfterAttempt(result: AttemptResult, failedBefore: number, nowMs: number, unitMs: number, random: () => number): Decision {
  if ("status" in result && result.status >= 200 && result.status < 300) return { kind: "delivered" };
  if ("status" in result && result.status === 410) return { kind: "disable", reason: "the receiver answered 410 Gone" };
  const delay = retryDelayMs(failedBefore + 1, unitMs, random);
  if (delay === null) return { kind: "disable", reason: `all ${MAX_ATTEMPTS} attempts at one change failed; the last: ${describeAttempt(result)}` };
  return { kind: "retry", atMs: nowMs + delay };
}

export function describeAttempt(result: AttemptResult): string {
  return "status" in result ? `HTTP ${result.status}` : result.error;
}

/** Changes an endpoint may have waiting; one further behind is disabled instead of holding them all. */
export const MAX_BACKLOG = 10_000;

/** Why an endpoint whose next change is `nextSeq` must be disabled when the feed is at `latestSeq`, or null. */
export function backlogProblem(nextSeq: number, latestSeq: number, max = MAX_BACKLOG): string | null {
  const waiting = latestSeq - nextSeq + 1;
  return waiting > max ? `${waiting} changes were waiting for it (at most ${max} are kept per endpoint)` : null;
}
