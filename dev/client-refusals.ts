import { STATUS_CODES } from "node:http";
import { CommonErrorCodes, errorBody } from "../shared/errors.ts";
import { CORS_EXPOSED_HEADERS } from "../worker/cors.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "../worker/request-id.ts";

/**
 * The front proxy's own refusals of requests that never reach the worker, in the API's one error
 * shape (README: "Every error has one shape"): Node's HTTP parser would otherwise answer them with
 * an empty body, and wrangler an empty Host with plain text. Pure: the proxy writes the bytes.
 */

/** A whole HTTP/1.1 answer with a JSON error body; the connection is closed after it. */
export function jsonErrorAnswer(status: number, code: string, message: string, extraHeaders: readonly string[] = []): string {
  const body = JSON.stringify(errorBody(code, message));
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`, "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`, ...extraHeaders, "Connection: close"];
  return `${head.join("\r\n")}\r\n\r\n${body}`;
}

/** What the proxy's limits are, for the messages that name them. */
export interface ParserLimits {
  /** Node's maxHeaderSize: the request line and every header together. */
  headerBytes: number;
  /** Headers and body must both have arrived within this long. */
  timeoutMs: number;
}

/**
 * The answer to an error Node's HTTP server reports on a connection (its `clientError` event,
 * `error.code` and llhttp's `error.reason`): a parser refusal or a request timeout.
 */
export function clientErrorAnswer(error: { code?: string; reason?: string }, limits: ParserLimits, headers: readonly string[] = []): string {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return jsonErrorAnswer(431, "header_too_large", `the request line and headers are over ${limits.headerBytes / 1024} KiB together, the most this server reads: a path or a header is too long`, headers);
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return jsonErrorAnswer(413, CommonErrorCodes.payloadTooLarge, "a chunk of the chunked body has extensions too long to read", headers);
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return jsonErrorAnswer(408, "request_timeout", `the request's headers and body did not all arrive within ${limits.timeoutMs / 1000} s; the connection is closed`, headers);
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return jsonErrorAnswer(400, CommonErrorCodes.badRequest, `the Content-Length header is not a length this server reads (${error.reason ?? "invalid"}): send one, in digits, without Transfer-Encoding`, headers);
    default:
      return jsonErrorAnswer(400, CommonErrorCodes.badRequest, `the request is not valid HTTP/1.1 (${error.reason ?? error.code ?? "parse error"})`, headers);
  }
}

/**
 * HTTP/1.1 needs exactly one Host, not empty (RFC 9112 3.2): a message naming the problem, or null
 * when the request's Host is fine. `hosts` are the values of every Host header sent.
 */
export function hostProblem(httpVersion: string, hosts: readonly string[]): string | null {
  if (hosts.length > 1) return "the request has more than one Host header; send exactly one";
  if (hosts.length === 1 && hosts[0]!.trim() === "") return "the Host header is empty; send the server's host and port";
  if (hosts.length === 0 && httpVersion === "1.1") return "the request has no Host header; HTTP/1.1 needs one";
  return null;
}

/**
 * The headers every answer of the proxy's own carries, like the worker's (README: "Every answer
 * carries X-Request-Id"): the request's well-formed id or a new one, Vary: Origin, and for an
 * allowed origin the CORS headers, so a page can read the refusal. `request` is null when the
 * parser refused before any header was read.
 */
export function refusalHeaders(request: { requestId?: string; origin?: string } | null, allowedOrigins: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestIdOf(request?.requestId).id, Vary: "Origin" };
  const origin = request?.origin;
  if (origin !== undefined && allowedOrigins.includes(origin)) {
    headers["Access-Control-Allow-Origin"] = origin;
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS.join(", ");
  }
  return headers;
}

/** The same, as header lines for jsonErrorAnswer. */
export function refusalHeaderLines(request: { requestId?: string; origin?: string } | null, allowedOrigins: readonly string[]): string[] {
  return Object.entries(refusalHeaders(request, allowedOrigins)).map(([name, value]) => `${name}: ${value}`);
}
