/**
 * The agent's client for the worker's REST API. Errors come back in the API's one shape and are
 * raised as WorkerError, whose message is the server's own (it names the field or the reason).
 */
export class WorkerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface WorkerClientOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
}

export class WorkerClient {
  readonly #options: WorkerClientOptions;

  constructor(options: WorkerClientOptions) {
    this.#options = options;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
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
      throw new WorkerError(res.status, error.code ?? "error", error.message ?? `HTTP ${res.status}`, error.details);
    }
    return json as T;
  }
}

/** The client for the worker that the agent's settings name (url and token, see config-file.ts). */
export function workerClientFor(settings: { readonly url: string; readonly token: string | null }): WorkerClient {
  return new WorkerClient({ url: settings.url, token: settings.token ?? undefined });
}
