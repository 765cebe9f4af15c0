import { createClient, ErrorReply, RESP_TYPES } from "redis";
import { isBlocking, refusalFor, type Command, type ScriptAllowlist } from "./command-policy.ts";

/** Redis could not be reached or did not answer in time: the gateway answers 5xx, never hangs. */
export class BackendUnavailable extends Error {
  readonly status: 503 | 504;
  constructor(message: string, status: 503 | 504 = 503) {
    super(message);
    this.name = "BackendUnavailable";
    this.status = status;
  }
}

// Bulk strings as Buffers so binary values survive; status replies ("OK", "PONG") as strings.
const TYPE_MAPPING = { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: String } as const;

export interface RedisBackendOptions {
  url: string;
  /** How long one request may wait for Redis before the gateway answers 504. */
  commandTimeoutMs: number;
  /** The Lua scripts that may run (see command-policy.ts). */
  scripts: ScriptAllowlist;
}

type RedisClient = ReturnType<typeof createClient>;

/**
 * One shared, auto-pipelined connection for ordinary commands (node-redis writes concurrent
 * commands in order on one socket), plus short-lived dedicated connections for blocking commands
 * and subscriptions. The offline queue is off: while Redis is down, commands fail at once with
 * BackendUnavailable instead of piling up.
 */
export class RedisBackend {
  readonly #options: RedisBackendOptions;
  readonly #client: RedisClient;
  #closed = false;

  constructor(options: RedisBackendOptions) {
    this.#options = options;
    this.#client = createClient({
      url: options.url,
      RESP: 2,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000), connectTimeout: 2000 },
    });
    // Connection errors are reported per request (503); the client keeps reconnecting.
    this.#client.on("error", () => {});
  }

  /**
   * Starts connecting and resolves with the first outcome (connected, or the first error, or
   * `waitMs` elapsed), so the gateway does not announce itself before it can serve. If Redis is
   * down it keeps reconnecting in the background and requests get 503 meanwhile.
   */
  async start(waitMs = 3000): Promise<boolean> {
    const outcome = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      const settle = (ready: boolean) => {
        clearTimeout(timer);
        resolve(ready);
      };
      this.#client.once("ready", () => settle(true));
      this.#client.once("error", () => settle(false));
    });
    this.#client.connect().catch(() => {});
    return outcome;
  }

  get isReady(): boolean {
    return this.#client.isReady;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.isOpen) await this.#client.close().catch(() => this.#client.destroy());
    else this.#client.destroy();
  }

  /** Runs one command. Redis errors come back as Error values (not thrown); outages throw. */
  async run(command: Command, signal?: AbortSignal): Promise<unknown> {
    if (isBlocking(command)) return this.#runBlocking(command, signal);
    const [reply] = await this.#withTimeout(Promise.allSettled([this.#send(command)]));
    return settledValue(reply!);
  }

  /** Runs commands in order, not atomically; each slot gets its own reply or Redis error. */
  async pipeline(commands: Command[]): Promise<unknown[]> {
    const settled = await this.#withTimeout(Promise.allSettled(commands.map((c) => this.#send(c))));
    return settled.map(settledValue);
  }

  /**
   * Runs commands as one MULTI/EXEC transaction. All of MULTI, the commands and EXEC are queued
   * synchronously, so node-redis writes them back to back and no other request can interleave.
   * A command refused while queueing makes Redis discard the whole transaction (EXECABORT).
   */
  async multiExec(commands: Command[]): Promise<unknown[] | Error> {
    for (const command of commands) {
      const refusal = refusalFor(command, this.#options.scripts);
      if (refusal !== null) return new Error(`EXECABORT Transaction discarded: ${refusal}`);
    }
    const client = this.#client;
    const sends = [
      client.sendCommand(["MULTI"]),
      ...commands.map((c) => client.sendCommand(c)),
      client.sendCommand(["EXEC"], { typeMapping: TYPE_MAPPING }),
    ];
    const settled = await this.#withTimeout(Promise.allSettled(sends));
    const exec = settledValue(settled[settled.length - 1]!);
    if (exec instanceof Error) {
      const queueError = settled.slice(1, -1).map(settledValue).find((r) => r instanceof Error);
      return queueError instanceof Error ? new Error(`${exec.message} (${queueError.message})`) : exec;
    }
    if (exec === null) return new Error("EXECABORT Transaction aborted");
    return exec as unknown[];
  }

  /**
   * Subscribes on a dedicated connection. Resolves once Redis confirmed the subscription;
   * `stop()` unsubscribes and closes that connection. If the connection is lost (Redis died),
   * `onLost` is called so the stream can end instead of staying open and silent.
   */
  async subscribe(
    kind: "channel" | "pattern",
    names: string[],
    onMessage: (message: Buffer, channel: Buffer, pattern?: string) => void,
    onLost: () => void,
  ): Promise<{ stop: () => Promise<void> }> {
    const subscriber = this.#dedicatedClient();
    await this.#connectDedicated(subscriber);
    let stopped = false;
    const lost = () => {
      if (!stopped) {
        stopped = true;
        onLost();
      }
    };
    subscriber.on("error", lost);
    subscriber.on("end", lost);
    try {
      if (kind === "channel") {
        await subscriber.subscribe(names, (message, channel) => onMessage(message, channel), true);
      } else {
        for (const pattern of names) {
          await subscriber.pSubscribe(pattern, (message, channel) => onMessage(message, channel, pattern), true);
        }
      }
    } catch (error) {
      subscriber.destroy();
      throw asUnavailable(error);
    }
    return {
      stop: async () => {
        stopped = true;
        if (subscriber.isOpen) await subscriber.close().catch(() => subscriber.destroy());
      },
    };
  }

  #send(command: Command): Promise<unknown> {
    const refusal = refusalFor(command, this.#options.scripts);
    if (refusal !== null) return Promise.resolve(new Error(refusal));
    return this.#client.sendCommand(command, { typeMapping: TYPE_MAPPING });
  }

  async #runBlocking(command: Command, signal?: AbortSignal): Promise<unknown> {
    const client = this.#dedicatedClient();
    await this.#connectDedicated(client);
    const abort = () => client.destroy();
    signal?.addEventListener("abort", abort, { once: true });
    try {
      const [reply] = await Promise.allSettled([client.sendCommand(command, { typeMapping: TYPE_MAPPING })]);
      return settledValue(reply!);
    } finally {
      signal?.removeEventListener("abort", abort);
      if (client.isOpen) await client.close().catch(() => client.destroy());
    }
  }

  #dedicatedClient(): RedisClient {
    // Fail fast on the first connection error instead of retrying: the HTTP caller is waiting.
    const client = createClient({
      url: this.#options.url,
      RESP: 2,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false, connectTimeout: 2000 },
    });
    client.on("error", () => {});
    return client;
  }

  async #connectDedicated(client: RedisClient): Promise<void> {
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw asUnavailable(error);
    }
  }

  async #withTimeout<T extends PromiseSettledResult<unknown>[]>(work: Promise<T>): Promise<T> {
    if (!this.#client.isReady) throw new BackendUnavailable(`Redis at ${redact(this.#options.url)} is unreachable`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BackendUnavailable(`Redis did not answer within ${this.#options.commandTimeoutMs} ms`, 504)),
        this.#options.commandTimeoutMs,
      );
    });
    try {
      const settled = await Promise.race([work, timeout]);
      // A rejection that is not a Redis error reply means the connection failed mid-request.
      for (const s of settled) {
        if (s.status === "rejected" && !isRedisErrorReply(s.reason)) throw asUnavailable(s.reason);
      }
      return settled;
    } finally {
      clearTimeout(timer);
    }
  }
}

function settledValue(result: PromiseSettledResult<unknown>): unknown {
  return result.status === "fulfilled" ? result.value : result.reason;
}

/** Redis's own error replies (node-redis raises them as ErrorReply), as opposed to I/O failures. */
function isRedisErrorReply(error: unknown): boolean {
  return error instanceof ErrorReply;
}

function asUnavailable(error: unknown): BackendUnavailable {
  if (error instanceof BackendUnavailable) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new BackendUnavailable(`Redis is unreachable: ${reason}`);
}

/** Never print a password that may be embedded in a redis:// URL. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}
