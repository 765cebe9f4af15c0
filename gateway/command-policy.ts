import { createHash } from "node:crypto";

/**
 * Which commands the gateway may send on its shared Redis connection, and how.
 *
 * The shared connection is multiplexed across every HTTP request, so anything that changes the
 * connection's state (SELECT, SUBSCRIBE, MULTI, WATCH, HELLO...) would corrupt other requests and is
 * refused; transactions go through /multi-exec and pub/sub through /subscribe. Blocking commands
 * would stall everyone, so they get a connection of their own.
 *
 * Beyond that, the gateway's token opens only what an application needs: the data commands
 * (ALLOWED below). Server administration (FLUSHALL, CONFIG, SHUTDOWN, DEBUG, CLIENT, KEYS, SAVE…)
 * is refused, so the token is not a key to the whole server. Lua scripts could still call those;
 * under `npm run dev` the gateway's own Redis ACL user forbids them there too (dev/redis-server.ts).
 * And only known scripts run at all (ScriptAllowlist): one endless loop would freeze Redis for all.
 */
export type Command = string[];

/**
 * The Lua scripts EVAL, EVALSHA and SCRIPT LOAD may run, by SHA-1 (lowercase hex), or "any" (only
 * for tests of the Upstash protocol itself, GATEWAY_SCRIPTS=any).
 */
export type ScriptAllowlist = ReadonlySet<string> | "any";

const SCRIPT_BY_SOURCE = new Set(["EVAL", "EVAL_RO"]);
const SCRIPT_BY_SHA = new Set(["EVALSHA", "EVALSHA_RO"]);

/** The commands a token may run, by family; anything else is refused. */
const ALLOWED = new Set(
  [
    // connection and server, read-only and harmless
    "PING ECHO TIME DBSIZE",
    // keys (not KEYS, which walks the whole keyspace: SCAN does that in steps)
    "DEL UNLINK EXISTS TYPE TOUCH EXPIRE PEXPIRE EXPIREAT PEXPIREAT EXPIRETIME PEXPIRETIME TTL PTTL PERSIST RENAME RENAMENX COPY SCAN RANDOMKEY",
    // strings and bitmaps
    "GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX GETRANGE SETRANGE MGET MSET MSETNX APPEND STRLEN INCR INCRBY INCRBYFLOAT DECR DECRBY LCS",
    "SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO",
    // hashes
    "HGET HSET HSETNX HMGET HMSET HDEL HEXISTS HGETALL HKEYS HVALS HLEN HSTRLEN HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN",
    // lists
    "LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE LMPOP RPOPLPUSH BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP",
    // sets
    "SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN",
    // sorted sets
    "ZADD ZREM ZSCORE ZMSCORE ZINCRBY ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX",
    "ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP ZRANDMEMBER ZUNION ZUNIONSTORE ZINTER ZINTERSTORE ZINTERCARD ZDIFF ZDIFFSTORE ZSCAN",
    // streams
    "XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP XGROUP XACK XCLAIM XAUTOCLAIM XPENDING XINFO XSETID",
    // hyperloglog and geo
    "PFADD PFCOUNT PFMERGE GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE",
    // scripting (SCRIPT is limited to LOAD and EXISTS below) and pub/sub publishing
    "EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT PUBLISH WAIT",
  ].flatMap((family) => family.split(" ")),
);

/** Commands allowed only with these subcommands. */
const ALLOWED_SUBCOMMANDS: Record<string, Set<string>> = {
  SCRIPT: new Set(["LOAD", "EXISTS"]),
  XGROUP: new Set(["CREATE", "CREATECONSUMER", "DELCONSUMER", "DESTROY", "SETID"]),
  XINFO: new Set(["STREAM", "GROUPS", "CONSUMERS"]),
};

const CONNECTION_STATE_COMMANDS: Record<string, string> = {
  SUBSCRIBE: "use POST /subscribe/<channel>",
  PSUBSCRIBE: "use POST /psubscribe/<pattern>",
  SSUBSCRIBE: "use POST /subscribe/<channel>",
  UNSUBSCRIBE: "close the /subscribe stream instead",
  PUNSUBSCRIBE: "close the /psubscribe stream instead",
  SUNSUBSCRIBE: "close the /subscribe stream instead",
  MULTI: "use POST /multi-exec",
  EXEC: "use POST /multi-exec",
  DISCARD: "use POST /multi-exec",
  WATCH: "optimistic locking is not available over REST; use a Lua script",
  UNWATCH: "optimistic locking is not available over REST; use a Lua script",
  SELECT: "the gateway serves one database",
  HELLO: "the gateway speaks RESP2 to Redis",
  RESET: "connection state is managed by the gateway",
  QUIT: "connection state is managed by the gateway",
  AUTH: "authenticate to the gateway with its bearer token",
  MONITOR: "not available over REST",
  SYNC: "not available over REST",
  PSYNC: "not available over REST",
};

const BLOCKING_COMMANDS = new Set([
  "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
]);

/** `null` when the command may run; otherwise the Redis-style error text to answer with. */
export function refusalFor(command: Command, scripts: ScriptAllowlist): string | null {
  const name = (command[0] ?? "").toUpperCase();
  const hint = CONNECTION_STATE_COMMANDS[name];
  if (hint !== undefined) return `ERR Command is not available: '${name}' (${hint})`;
  if (name === "CLIENT" && (command[1] ?? "").toUpperCase() === "REPLY") {
    return "ERR Command is not available: 'CLIENT REPLY' (connection state is managed by the gateway)";
  }
  if (!ALLOWED.has(name)) return `ERR Command is not allowed through the gateway: '${name}' (server administration is not available over REST)`;
  const subcommands = ALLOWED_SUBCOMMANDS[name];
  const sub = (command[1] ?? "").toUpperCase();
  if (subcommands !== undefined && !subcommands.has(sub)) {
    return `ERR Command is not allowed through the gateway: '${name} ${sub}' (only ${[...subcommands].join(", ")})`;
  }
  return scriptRefusal(name, sub, command, scripts);
}

/** A script to run or load must be one of the allowlist's; its SHA-1 is computed from the source. */
function scriptRefusal(name: string, sub: string, command: Command, scripts: ScriptAllowlist): string | null {
  if (scripts === "any") return null;
  let sha1: string;
  if (SCRIPT_BY_SOURCE.has(name)) sha1 = sha1Of(command[1] ?? "");
  else if (SCRIPT_BY_SHA.has(name)) sha1 = (command[1] ?? "").toLowerCase();
  else if (name === "SCRIPT" && sub === "LOAD") sha1 = sha1Of(command[2] ?? "");
  else return null;
  if (scripts.has(sha1)) return null;
  // Not NOSCRIPT: that text would send a client's EVALSHA on to EVAL, refused just the same.
  return `ERR Script is not allowed through the gateway: ${name} of script ${sha1} (only the Lua scripts GroupSync ships run here: the worker's and @upstash/ratelimit's)`;
}

function sha1Of(source: string): string {
  return createHash("sha1").update(source).digest("hex");
}

/** Blocking commands, and XREAD/XREADGROUP with a BLOCK option. */
export function isBlocking(command: Command): boolean {
  const name = (command[0] ?? "").toUpperCase();
  if (BLOCKING_COMMANDS.has(name)) return true;
  if (name === "XREAD" || name === "XREADGROUP") {
    return command.some((arg, i) => i > 0 && arg.toUpperCase() === "BLOCK");
  }
  return false;
}

/**
 * Validates one command as received in JSON: a non-empty array whose items are strings, numbers or
 * booleans (the client serialises numbers as JSON numbers). Returns the command as strings or an
 * error text that names the bad argument.
 */
export function parseCommand(value: unknown): Command | string {
  if (!Array.isArray(value)) return "ERR command must be a JSON array of strings, like [\"GET\", \"key\"]";
  if (value.length === 0) return "ERR command is empty";
  const command: Command = [];
  for (const [i, arg] of value.entries()) {
    if (typeof arg === "string") command.push(arg);
    else if (typeof arg === "number" && Number.isFinite(arg)) command.push(String(arg));
    else if (typeof arg === "boolean") command.push(String(arg));
    else {
      const kind = arg === null ? "null" : Array.isArray(arg) ? "array" : typeof arg;
      return `ERR argument ${i} of the command is ${kind}; expected a string or a number`;
    }
  }
  if (command[0] === "") return "ERR command name is empty";
  return command;
}

/** Validates a /pipeline or /multi-exec body: a non-empty array of commands. */
export function parseCommandList(value: unknown): Command[] | string {
  if (!Array.isArray(value)) return "ERR body must be a JSON array of commands, like [[\"GET\", \"a\"], [\"GET\", \"b\"]]";
  if (value.length === 0) return "ERR no commands given";
  const commands: Command[] = [];
  for (const [i, item] of value.entries()) {
    const parsed = parseCommand(item);
    if (typeof parsed === "string") return `${parsed} (command ${i})`;
    commands.push(parsed);
  }
  return commands;
}
