/**
 * The agent's client for the worker's REST API. Errors come back in the API's one shape and are
 * raised as WorkerError, whose message is the server's own (it names the field or the reason).
 */
export class WorkerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** The answer's Retry-After, when it had one. */
  retryAfterMs: number | undefined;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = undefined;
  }
}

export interface WorkerClientOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
  /** How many times a POST is sent at most (its own retries included; default 4). */
  attempts?: number;
  /** Wait before retry n (1-based) when the answer names no Retry-After, in ms (default 250·2^(n-1)). */
  retryDelayMs?: (retry: number) => number;
}

/** What may be retried with the same Idempotency-Key: the first attempt may or may not have landed, or changed nothing. */
const RETRYABLE_CODES = new Set(["unreachable", "outcome_unknown", "dependency_unavailable", "worker_restarting", "idempotency_key_in_use"]);

export class WorkerClient {
  readonly #options: WorkerClientOptions;

  constructor(options: WorkerClientOptions) {
    this.#options = options;
  }

  /**
   * One logical operation. A POST carries an Idempotency-Key, random per call, and is retried with
   * the same key when its outcome is unknown (no answer, timeout, 503 outcome_unknown), when it
   * changed nothing (503 dependency_unavailable, worker_restarting) or while its first attempt
   * still runs (409 idempotency_key_in_use): the worker answers a retry of work it already did
   * with that work's first answer, so nothing is done twice.
   */
  async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const key = method === "POST" ? crypto.randomUUID() : undefined;
    const attempts = key === undefined ? 1 : Math.max(1, this.#options.attempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#send<T>(method, path, body, key, extraHeaders);
      } catch (error) {
        if (!(error instanceof WorkerError) || !RETRYABLE_CODES.has(error.code) || attempt >= attempts) throw error;
        const delay = error.retryAfterMs ?? this.#options.retryDelayMs?.(attempt) ?? 250 * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #send<T>(method: string, path: string, body: unknown, idempotencyKey: string | undefined, extraHeaders: Record<string, string>): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...extraHeaders };
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.#options.url), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === "TimeoutError" ? "did not answer in time" : "cannot be reached";
      throw new WorkerError(0, "unreachable", `the GroupSync worker at ${this.#options.url} ${reason} (is \`npm run dev\` running? set GROUPSYNC_URL, or url in the config file)`);
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new WorkerError(res.status, "bad_response", `the worker answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const error = json?.error ?? {};
      const failure = new WorkerError(res.status, error.code ?? "error", error.message ?? `HTTP ${res.status}`, error.details);
      const retryAfter = Number(res.headers.get("retry-after") ?? "");
      if (res.headers.has("retry-after") && Number.isFinite(retryAfter)) failure.retryAfterMs = Math.min(retryAfter, 10) * 1000;
      throw failure;
    }
    return json as T;
  }
}

/** The client for the worker that the agent's settings name (url and token, see config-file.ts). */
export function workerClientFor(settings: { readonly url: string; readonly token: string | null }): WorkerClient {
  return new WorkerClient({ url: settings.url, token: settings.token ?? undefined });
}
