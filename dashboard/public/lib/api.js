// @ts-check
/**
 * The worker's REST API as the dashboard calls it. Never throws for an HTTP error: every answer is
 * `{ ok, status, data }` or `{ ok: false, status, error }` in the API's one error shape, with a
 * `network` error when the worker cannot be reached, so callers handle one thing.
 *
 * Each answer also carries a reading of the worker's clock (its Date header, and when the request
 * left and the answer came back), which the countdown uses to estimate the clock offset.
 *
 * @typedef {import("./types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {{ dateHeader: string | null, sentAtMs: number, receivedAtMs: number }} ClockReading
 * @typedef {{ version: number, created_at: string }} ReadRecord the record a change was made from: its ETag is version@created_at
 */

/**
 * @template T
 * @typedef {({ ok: true, status: number, data: T, etag: string | null } | { ok: false, status: number, error: ApiErrorInfo }) & { clock: ClockReading }} ApiResult
 */

/** Answers after which a POST may be sent again with the same Idempotency-Key (it may or may not have landed, changed nothing, or still runs). */
const RETRYABLE = new Set(["network", "outcome_unknown", "dependency_unavailable", "worker_restarting", "idempotency_key_in_use"]);

/** A random Idempotency-Key. crypto.randomUUID exists only in secure contexts; getRandomValues everywhere. */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Api {
  #baseUrl;
  #getToken;
  #fetch;

  /**
   * @param {{ baseUrl: string, getToken: () => string | null, fetch?: typeof fetch }} options
   */
  constructor({ baseUrl, getToken, fetch: fetchImpl }) {
    this.#baseUrl = baseUrl;
    this.#getToken = getToken;
    this.#fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * One logical operation. `retry` (for POSTs to routes that honour Idempotency-Key: /events,
   * /goals, /tx) sends a random key and, when the answer leaves the outcome open (no answer, 503
   * outcome_unknown) or says nothing changed (503 dependency_unavailable, worker_restarting) or
   * the first attempt still runs (409 idempotency_key_in_use), sends it again with the same key,
   * up to `attempts` times: the worker answers a retry of done work with its first answer.
   * @template [T=unknown]
   * @param {string} method
   * @param {string} path with its query, e.g. "/events?from=…"
   * @param {{ body?: unknown, ifMatch?: ReadRecord, retry?: boolean, attempts?: number, retryDelayMs?: number }} [options] `ifMatch`: the record the change was made from
   * @returns {Promise<ApiResult<T>>}
   */
  async request(method, path, options = {}) {
    const key = options.retry && method === "POST" ? newIdempotencyKey() : undefined;
    const attempts = key === undefined ? 1 : Math.max(1, options.attempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      /** @type {ApiResult<T>} */
      const result = await this.#send(method, path, options, key);
      if (result.ok || !RETRYABLE.has(result.error.code) || attempt >= attempts) return result;
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 250) * 2 ** (attempt - 1)));
    }
  }

  /**
   * @template [T=unknown]
   * @param {string} method @param {string} path
   * @param {{ body?: unknown, ifMatch?: ReadRecord }} options
   * @param {string | undefined} idempotencyKey
   * @returns {Promise<ApiResult<T>>}
   */
  async #send(method, path, options, idempotencyKey) {
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    const token = this.#getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    // The record's ETag (README): its version alone would also match the record created again under its id.
    if (options.ifMatch !== undefined) headers["if-match"] = `"${options.ifMatch.version}@${options.ifMatch.created_at}"`;
    const sentAtMs = Date.now();
    /** @type {Response} */
    let response;
    let text;
    try {
      response = await this.#fetch(new URL(path, this.#baseUrl), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: "no-store",
      });
      text = await response.text();
    } catch {
      const clock = { dateHeader: null, sentAtMs, receivedAtMs: Date.now() };
      return { ok: false, status: 0, error: { code: "network", message: "The server cannot be reached." }, clock };
    }
    const clock = { dateHeader: response.headers.get("date"), sentAtMs, receivedAtMs: Date.now() };
    /** @type {any} */
    let json = null;
    try {
      json = text === "" ? null : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): described below by status.
    }
    if (response.ok) return { ok: true, status: response.status, data: /** @type {T} */ (json), etag: response.headers.get("etag"), clock };
    const error = json?.error && typeof json.error.code === "string"
      ? /** @type {ApiErrorInfo} */ (json.error)
      : { code: response.status === 404 ? "not_found" : "http_error", message: `The server answered ${response.status}.` };
    return { ok: false, status: response.status, error, clock };
  }

  /**
   * Every page of a paged list (`next_cursor`), up to `maxPages` pages.
   * @template T
   * @param {string} path
   * @param {string} key the list's field, "events" or "goals"
   * @returns {Promise<ApiResult<T[]>>}
   */
  async listAll(path, key, maxPages = 20) {
    /** @type {T[]} */
    const items = [];
    let cursor = null;
    for (let page = 0; page < maxPages; page++) {
      const separator = path.includes("?") ? "&" : "?";
      const pagePath = cursor === null ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`;
      /** @type {ApiResult<Record<string, unknown>>} */
      const result = await this.request("GET", pagePath);
      if (!result.ok) return result;
      items.push(.../** @type {T[]} */ (result.data[key] ?? []));
      cursor = /** @type {string | null} */ (result.data.next_cursor ?? null);
      if (cursor === null) return { ...result, data: items };
    }
    const clock = { dateHeader: null, sentAtMs: Date.now(), receivedAtMs: Date.now() };
    return { ok: true, status: 200, data: items, etag: null, clock };
  }
}
