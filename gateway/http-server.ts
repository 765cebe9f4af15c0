import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isBlocking, parseCommand, parseCommandList, type Command } from "./command-policy.ts";
import { BackendUnavailable, type RedisBackend } from "./redis-backend.ts";
import { encodeReply, toEntry } from "./reply-encoding.ts";

/**
 * The Upstash REST protocol, as @upstash/redis 1.39 speaks it, in front of a real Redis:
 *   POST /                 one command as a JSON array          -> {"result": ...} | 400 {"error": ...}
 *   POST /pipeline         an array of commands, run in order   -> [{"result"} | {"error"}, ...]
 *   POST /multi-exec       the same, atomically (MULTI/EXEC)    -> [...] | 400 {"error": "EXECABORT ..."}
 *   POST /subscribe/<ch>   server-sent events: "subscribe,<ch>,1", then "message,<ch>,<payload>"
 *   POST /psubscribe/<p>   the same for patterns: "pmessage,<p>,<ch>,<payload>"
 *   GET  /<cmd>/<arg>...   the path form, for curl
 * Every request needs `Authorization: Bearer <token>`.
 */
export interface GatewayOptions {
  token: string;
  maxBodyBytes: number;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function createGatewayServer(backend: RedisBackend, options: GatewayOptions): Server {
  const expectedToken = digest(options.token);
  // Upstash hands out a sync token for read-your-writes across replicas. One Redis is always
  // consistent with itself, so a counter that only grows is a faithful token.
  let syncToken = 0;

  // Headers and body must arrive within 10 s (408 and a closed socket otherwise), checked every
  // second: a client that declares a body and never sends it would hold a connection for good.
  // This counts only the request: a subscription's stream may stay open as long as it likes.
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    res.setHeader("upstash-sync-token", String(++syncToken));
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
      if (error instanceof BackendUnavailable) return sendJson(res, error.status, { error: error.message });
      console.error(JSON.stringify({ event: "gateway_error", error: String(error) }));
      sendJson(res, 500, { error: "ERR internal gateway error" });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAuthorized(req.headers.authorization, expectedToken)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="groupsync-gateway"');
      throw new HttpError(401, "Unauthorized");
    }
    // "/" is nearly every request (@upstash/redis without pipelining); skip URL parsing for it.
    const segments = req.url === "/" ? [] : new URL(req.url ?? "/", "http://gateway").pathname.split("/").filter((s) => s !== "").map(decodePathSegment);
    const base64 = (req.headers["upstash-encoding"] ?? "").toString().toLowerCase() === "base64";
    const route = segments[0]?.toLowerCase();

    if (req.method === "GET" && segments.length > 0 && route !== "pipeline" && route !== "multi-exec") {
      return runOne(res, segments, base64);
    }
    if (req.method !== "POST") {
      res.setHeader("Allow", segments.length === 0 ? "POST" : "GET, POST");
      throw new HttpError(405, `ERR method ${req.method} not allowed; send commands with POST`);
    }
    const body = await readJsonBody(req, options.maxBodyBytes);

    if (segments.length === 0) {
      const command = parseCommand(body);
      if (typeof command === "string") throw new HttpError(400, command);
      return runOne(res, command, base64, req);
    }
    if (route === "pipeline" && segments.length === 1) {
      const commands = parseCommandList(body);
      if (typeof commands === "string") throw new HttpError(400, commands);
      const replies = await backend.pipeline(commands);
      return sendJson(res, 200, replies.map((r) => toEntry(r, base64)));
    }
    if (route === "multi-exec" && segments.length === 1) {
      const commands = parseCommandList(body);
      if (typeof commands === "string") throw new HttpError(400, commands);
      const replies = await backend.multiExec(commands);
      if (replies instanceof Error) throw new HttpError(400, replies.message);
      return sendJson(res, 200, replies.map((r) => toEntry(r, base64)));
    }
    if ((route === "subscribe" || route === "psubscribe") && segments.length >= 2) {
      return stream(req, res, route === "subscribe" ? "channel" : "pattern", segments.slice(1));
    }
    // Anything else is the path form with a POST, e.g. POST /set/key/value.
    return runOne(res, segments, base64, req);
  }

  async function runOne(res: ServerResponse, command: Command, base64: boolean, req?: IncomingMessage): Promise<void> {
    // Only a blocking command holds a connection of its own that a client hanging up should free.
    let signal: AbortSignal | undefined;
    if (req !== undefined && isBlocking(command)) {
      const abort = new AbortController();
      req.once("close", () => abort.abort());
      signal = abort.signal;
    }
    const reply = await backend.run(command, signal);
    if (reply instanceof Error) return sendJson(res, 400, { error: reply.message });
    sendJson(res, 200, { result: encodeReply(reply, base64) });
  }

  async function stream(req: IncomingMessage, res: ServerResponse, kind: "channel" | "pattern", names: string[]) {
    const write = (fields: string[]) => res.write(sseEvent(fields.join(",")));
    const subscription = await backend.subscribe(
      kind,
      names,
      (message, channel, pattern) => {
        const text = message.toString("utf8");
        if (pattern === undefined) write(["message", channel.toString("utf8"), text]);
        else write(["pmessage", pattern, channel.toString("utf8"), text]);
      },
      // Redis went away: end the stream so the subscriber notices and can resubscribe.
      () => res.end(),
    );
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    names.forEach((name, i) => write([kind === "channel" ? "subscribe" : "psubscribe", name, String(i + 1)]));
    // A comment line every 15 s keeps proxies from closing an idle stream; clients ignore it.
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    const stop = () => {
      clearInterval(keepAlive);
      void subscription.stop();
    };
    res.once("close", stop);
    req.once("close", stop);
  }

  return server;
}

/** SSE framing: a payload with newlines becomes several `data:` lines, as the spec says. */
export function sseEvent(payload: string): string {
  return payload.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join("") + "\n";
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Compares digests so the comparison takes the same time whatever the token's length or content. */
function isAuthorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const presented = digest(match?.[1] ?? "");
  return timingSafeEqual(presented, expected) && match !== null;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `ERR path segment is not valid percent-encoding: ${segment.slice(0, 50)}`);
  }
}

async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/json") {
    throw new HttpError(415, `ERR Content-Type must be application/json, got ${type}`);
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw new HttpError(413, `ERR request body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  const raw = await readRaw(req, maxBytes);
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new HttpError(400, "ERR request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `ERR failed to parse command: ${(error as Error).message}`);
  }
}

/** The body as one Buffer, by events rather than an async iterator (cheaper per request). */
function readRaw(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.resume();
        reject(new HttpError(413, `ERR request body exceeds the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
    // A client that hangs up mid-body ends the request without "end" (or an "error" on every Node).
    req.once("close", () => {
      if (!req.complete) reject(new HttpError(400, "ERR the request body was cut off"));
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
