/**
 * Tells an outage of the store apart from a bug. Redis answers errors with an upper-case code;
 * a few codes mean "not available right now" (LOADING right after a restart, BUSY, OOM...). Errors
 * without such a code come from the transport: the network, the gateway ("Redis is unreachable",
 * "did not answer within ..."), Upstash itself, or a proxy's error page. Both kinds are outages:
 * the client should retry later (503). Any other Redis error (ERR, WRONGTYPE, NOSCRIPT...) means
 * the worker sent something wrong, which is a bug (500).
 *
 * An outage also says whether the store may have run the command anyway (`ran`): "no" when it
 * certainly did not (Redis refused it with one of those codes, the gateway had no connection to
 * Redis, the connection was refused, the token was refused), "maybe" otherwise: a timeout or a
 * connection lost after the command was sent may still be carried out (a frozen Redis runs it
 * when it wakes). A write that fails with "maybe" has an unknown outcome (WriteOutcomeUnknown).
 */
const UNAVAILABLE_CODES = new Set(["LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF"]);

export interface Outage {
  reason: string;
  ran: "no" | "maybe";
}

/**
 * A write (a Lua script: every write is one) failed in a way that does not tell whether the store
 * carried it out. The request must not answer as if nothing was written: see handleError.
 */
export class WriteOutcomeUnknown extends Error {
  readonly script: string;
  constructor(script: string, cause: unknown) {
    super(`${script}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "WriteOutcomeUnknown";
    this.script = script;
  }
}

export function dependencyOutage(error: unknown): Outage | null {
  if (error instanceof WriteOutcomeUnknown) {
    const inner = dependencyOutage(error.cause);
    return { reason: inner?.reason ?? "the store did not answer", ran: "maybe" };
  }
  if (!(error instanceof Error)) return null;
  const name = error.name;
  if (name === "UpstashJSONParseError") return { reason: "the store answered something that is not JSON", ran: "maybe" };
  if (/ECONNREFUSED/i.test(error.message)) return { reason: "the store cannot be reached", ran: "no" };
  if (name === "TypeError" && /fetch|network|connect/i.test(error.message)) return { reason: "the store cannot be reached", ran: "maybe" };
  if (/Network connection lost|fetch failed/i.test(error.message)) return { reason: "the store cannot be reached", ran: "maybe" };
  if (name === "TimeoutError" || name === "AbortError") return { reason: "the store did not answer in time", ran: "maybe" };
  if (name !== "UpstashError") return null;
  const reply = error.message.replace(/, command was: [\s\S]*$/, "");
  const code = /^([A-Z]+)[ :]/.exec(reply)?.[1];
  if (code !== undefined && !UNAVAILABLE_CODES.has(code)) return null;
  const reason = `the store is unavailable${publicCause(reply, code)}`;
  // Redis refused the command; or the gateway had no connection to send it on; or the token was refused.
  const refused = code !== undefined || /^Redis at \S+ is unreachable$/.test(reply) || /^Unauthorized/i.test(reply);
  return { reason, ran: refused ? "no" : "maybe" };
}

/**
 * What a client may be told of the store's reply. The reply itself stays in the server's log: the
 * gateway's names Redis's address and user ("Redis at redis://gateway:***@127.0.0.1:6380 ...").
 */
function publicCause(reply: string, code: string | undefined): string {
  if (code !== undefined) return ` (Redis answered ${code})`;
  if (/^Redis at \S+ is unreachable$/.test(reply)) return " (the gateway cannot reach Redis)";
  if (/^Redis is unreachable:/.test(reply)) return " (the gateway lost its connection to Redis)";
  const timeout = /^Redis did not answer within \d+ ms$/.exec(reply);
  if (timeout !== null) return ` (${timeout[0]})`;
  if (/^Unauthorized/i.test(reply)) return " (the gateway refused the worker's credentials)";
  return "";
}

export function dependencyFailure(error: unknown): string | null {
  return dependencyOutage(error)?.reason ?? null;
}
