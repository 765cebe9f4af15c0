/**
 * One logical request as a history records it: sent once or retried, and classified by what the
 * client can know. ok (2xx); refused (a 4xx with a definite meaning: nothing was done); or
 * indeterminate (a 5xx, a timeout, a connection lost after sending): it may have been done, now or
 * later. A connection refused means nothing was sent, so it is retried like a 503.
 */
export type Answer =
  | { kind: "answered"; status: number; code?: string; json: any; at: number }
  | { kind: "not_sent"; at: number }
  | { kind: "lost"; reason: string; at: number };

export type Classified =
  | { outcome: "ok"; status: number; json: any; invokedAt: number; answeredAt: number }
  | { outcome: "refused"; status: number; code?: string; json: any; invokedAt: number; answeredAt: number }
  | { outcome: "indeterminate"; why: string; invokedAt: number };

export interface Sender {
  (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

/** A JSON client that never throws: every request ends answered, not sent, or lost (after `timeoutMs`). */
export function sender(base: string, token: string, timeoutMs: number): Sender {
  return async (method, path, body, headers = {}) => {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      const at = performance.now();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = { unparsed: text.slice(0, 200) };
      }
      return { kind: "answered", status: res.status, code: json?.error?.code, json, at };
    } catch (error) {
      const at = performance.now();
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === "ECONNREFUSED") return { kind: "not_sent", at };
      return { kind: "lost", reason: (error as Error).name === "TimeoutError" ? "timeout" : (code ?? (error as Error).message), at };
    }
  };
}

/** Answers a client may retry: the server said nothing was done, or may not know. */
function retryable(answer: Answer): boolean {
  if (answer.kind !== "answered") return true;
  return answer.status >= 500 || answer.code === "idempotency_key_in_use";
}

function indeterminate(answer: Answer): boolean {
  if (answer.kind === "not_sent") return false;
  if (answer.kind === "lost") return true;
  return answer.status >= 500 || answer.code === "idempotency_key_in_use";
}

/**
 * Sends a request, and retries it up to `retries` times while the answer invites it (only safe
 * with an Idempotency-Key, or when nothing was sent). Ok if any attempt was; otherwise
 * indeterminate if any attempt may have been done; otherwise the last refusal.
 */
export async function attempt(send: Sender, request: Parameters<Sender>, options: { retries: number; backoffMs: number; keyed: boolean }): Promise<Classified> {
  const invokedAt = performance.now();
  let anyIndeterminate: string | null = null;
  let last: Answer | undefined;
  for (let i = 0; i <= options.retries; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.backoffMs * i));
    last = await send(...request);
    if (last.kind === "answered" && last.status < 300) return { outcome: "ok", status: last.status, json: last.json, invokedAt, answeredAt: last.at };
    if (indeterminate(last)) anyIndeterminate ??= last.kind === "answered" ? `${last.status} ${last.code ?? ""}` : last.kind === "lost" ? last.reason : "not sent";
    if (!retryable(last)) break;
    // Without a key only a request that was never sent may go again.
    if (!options.keyed && anyIndeterminate !== null) break;
  }
  if (anyIndeterminate !== null) return { outcome: "indeterminate", why: anyIndeterminate, invokedAt };
  if (last!.kind !== "answered") return { outcome: "refused", status: 0, code: "not_sent", json: undefined, invokedAt, answeredAt: last!.at };
  return { outcome: "refused", status: last!.status, code: last!.code, json: last!.json, invokedAt, answeredAt: last!.at };
}
