/**
 * Which commands the gateway may send on its shared Redis connection, and how.
 *
 * The shared connection is multiplexed across every HTTP request, so anything that changes the
 * connection's state (SELECT, SUBSCRIBE, MULTI, WATCH, HELLO...) would corrupt other requests and is
 * refused; transactions go through /multi-exec and pub/sub through /subscribe. Blocking commands
 * would stall everyone, so they get a connection of their own.
 */
export type Command = string[];

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
export function refusalFor(command: Command): string | null {
  const name = (command[0] ?? "").toUpperCase();
  const hint = CONNECTION_STATE_COMMANDS[name];
  if (hint !== undefined) return `ERR Command is not available: '${name}' (${hint})`;
  if (name === "CLIENT" && (command[1] ?? "").toUpperCase() === "REPLY") {
    return "ERR Command is not available: 'CLIENT REPLY' (connection state is managed by the gateway)";
  }
  return null;
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
