import { errors, type Pipeline, type Redis } from "@upstash/redis/cloudflare";
import { dependencyOutage, WriteOutcomeUnknown } from "./dependency-failure.ts";

/**
 * A Lua script with its SHA-1 computed ahead of time (test/unit/lua-scripts.test.ts checks it,
 * and test/integration checks that SCRIPT LOAD agrees). EVALSHA first; EVAL once on NOSCRIPT,
 * after which Redis has it cached. Every write is a script, so a script that fails in a way that
 * does not say whether Redis ran it (a timeout, a lost connection) throws WriteOutcomeUnknown.
 */
export class LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;

  constructor(name: string, sha1: string, source: string) {
    this.name = name;
    this.sha1 = sha1;
    this.source = source;
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    const argv = args.map(String);
    try {
      return await redis.evalsha(this.sha1, keys, argv);
    } catch (error) {
      if (error instanceof Error && error.message.includes("NOSCRIPT")) return this.#unknownIfUnsure(() => redis.eval(this.source, keys, argv));
      throw this.#asOutcome(error);
    }
  }

  /**
   * Sends `first`'s commands and then this script in one round trip: a pipeline, run in order but
   * not atomically. For a command that must land before the script yet cannot be inside it, because
   * its key lives outside the script's hash slot. A failed slot throws as a lone command would.
   */
  async runAfter(redis: Redis, first: (pipeline: Pipeline) => void, keys: string[], args: (string | number)[]): Promise<unknown> {
    const argv = args.map(String);
    const pipeline = redis.pipeline();
    first(pipeline);
    pipeline.evalsha(this.sha1, keys, argv);
    const replies = await this.#unknownIfUnsure(() => pipeline.exec({ keepErrors: true }));
    for (const reply of replies.slice(0, -1)) if (reply.error) throw new errors.UpstashError(reply.error);
    const script = replies[replies.length - 1]!;
    if (script.error?.includes("NOSCRIPT")) return this.#unknownIfUnsure(() => redis.eval(this.source, keys, argv));
    if (script.error) throw new errors.UpstashError(`${script.error}, command was: evalsha ${this.name}`);
    return script.result;
  }

  async #unknownIfUnsure<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.#asOutcome(error);
    }
  }

  /** An outage that may have let the script run becomes WriteOutcomeUnknown; anything else as it was. */
  #asOutcome(error: unknown): unknown {
    return dependencyOutage(error)?.ran === "maybe" ? new WriteOutcomeUnknown(this.name, error) : error;
  }
}
