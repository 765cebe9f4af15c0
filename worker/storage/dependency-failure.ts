/**
 * Tells an outage of the store apart from a bug. Redis answers errors with an upper-case code;
 * a few codes mean "not available right now" (LOADING right after a restart, BUSY, OOM...). Errors
 * without such a code come from the transport: the network, the gateway ("Redis is unreachable",
 * "did not answer within ..."), Upstash itself, or a proxy's error page. Both kinds are outages:
 * the client should retry later (503). Any other Redis error (ERR, WRONGTYPE, NOSCRIPT...) means
 * the worker sent something wrong, which is a bug (500).
 */
const UNAVAILABLE_CODES = new Set(["LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF"]);

export function dependencyFailure(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const name = error.name;
  if (name === "UpstashJSONParseError") return "the store answered something that is not JSON";
  if (name === "TypeError" && /fetch|network|connect/i.test(error.message)) return "the store cannot be reached";
  if (/Network connection lost|ECONNREFUSED|fetch failed/i.test(error.message)) return "the store cannot be reached";
  if (name === "TimeoutError" || name === "AbortError") return "the store did not answer in time";
  if (name !== "UpstashError") return null;
  const reply = error.message.replace(/, command was: [\s\S]*$/, "");
  const code = /^([A-Z]+)[ :]/.exec(reply)?.[1];
  if (code === undefined || UNAVAILABLE_CODES.has(code)) return `the store is unavailable (${reply.slice(0, 120)})`;
  return null;
}
