import type { Redis } from "@upstash/redis/cloudflare";

/**
 * A Lua script with its SHA-1 computed ahead of time (test/unit/lua-scripts.test.ts checks it,
 * and test/integration checks that SCRIPT LOAD agrees). EVALSHA first; EVAL once on NOSCRIPT,
 * after which Redis has it cached.
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
      if (error instanceof Error && error.message.includes("NOSCRIPT")) return redis.eval(this.source, keys, argv);
      throw error;
    }
  }
}
