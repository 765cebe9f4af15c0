import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { TxView } from "../../shared/tx.ts";
import { resolveAgentSettings, UsageError } from "../config-file.ts";
import { workerClientFor } from "../worker-client.ts";

export { UsageError };

export const TX_USAGE = `Usage: groupsync-agent tx <command> [options]

  begin                                   open a transaction; it becomes the current one
  add-event --title T --start TIME [--end TIME] [--id ID] [--calendar NAME] [--description D]
  update-event ID [--title T] [--start TIME] [--end TIME] [--calendar NAME] [--description D]
  delete-event ID
  add-goal --title T [--id ID] [--owner O] [--progress 0-100] [--due TIME] [--description D]
  update-goal ID [--title T] [--progress 0-100] [--completed true|false] [--owner O] [--due TIME]
  delete-goal ID
  commit | abort | show                   act on the current transaction

Every command takes --tx ID to name another transaction, --json for machine-readable output and
--config PATH for another config file. TIME is ISO 8601, e.g. 2026-12-01T14:00:00Z. The worker and
your token come from GROUPSYNC_URL and GROUPSYNC_TOKEN, or url and token in the config file; the
current transaction is kept in $GROUPSYNC_STATE_DIR, or state_dir (default ~/.local/state/groupsync).`;

const OPTIONS = {
  tx: { type: "string" },
  json: { type: "boolean" },
  config: { type: "string" },
  title: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  id: { type: "string" },
  calendar: { type: "string" },
  description: { type: "string" },
  owner: { type: "string" },
  progress: { type: "string" },
  completed: { type: "string" },
  due: { type: "string" },
} as const;

/** Runs one `tx` subcommand against the worker the settings name; returns the lines to print. */
export async function txCommand(args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h") return [TX_USAGE];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
  const { values: v, positionals } = parsed;
  const settings = resolveAgentSettings({ config: v.config }, env);
  const client = workerClientFor(settings);
  const stateFile = join(settings.stateDir, "current-tx");
  const current = () => {
    if (v.tx) return v.tx;
    try {
      return readFileSync(stateFile, "utf8").trim();
    } catch {
      throw new UsageError("no current transaction: run `groupsync-agent tx begin` or pass --tx ID");
    }
  };
  const target = (what: string) => {
    const id = positionals[0];
    if (!id) throw new UsageError(`tx ${sub} needs the ${what}'s id, e.g. groupsync-agent tx ${sub} standup`);
    return id;
  };
  const require = (name: keyof typeof v) => {
    const value = v[name];
    if (value === undefined || value === "") throw new UsageError(`tx ${sub} needs --${name}`);
    return value as string;
  };
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  const addOp = (op: unknown) => client.request<TxView>("POST", `/tx/${encodeURIComponent(current())}/ops`, op);
  let view: TxView;

  switch (sub) {
    case "begin":
      view = await client.request<TxView>("POST", "/tx");
      mkdirSync(join(stateFile, ".."), { recursive: true });
      writeFileSync(stateFile, view.tx_id + "\n", { mode: 0o600 });
      break;
    case "add-event":
      view = await addOp({ type: "calendar.create", ...(v.id ? { id: v.id } : {}), data: defined({ title: require("title"), starts_at: require("start"), ends_at: v.end, calendar: v.calendar, description: v.description }) });
      break;
    case "update-event":
      view = await addOp({ type: "calendar.update", id: target("event"), data: defined({ title: v.title, starts_at: v.start, ends_at: v.end, calendar: v.calendar, description: v.description }) });
      break;
    case "delete-event":
      view = await addOp({ type: "calendar.delete", id: target("event") });
      break;
    case "add-goal":
      view = await addOp({ type: "goal.create", ...(v.id ? { id: v.id } : {}), data: defined({ title: require("title"), owner: v.owner, progress: number(v.progress, "progress"), due: v.due, description: v.description }) });
      break;
    case "update-goal":
      view = await addOp({
        type: "goal.update",
        id: target("goal"),
        data: defined({ title: v.title, owner: v.owner, progress: number(v.progress, "progress"), completed: boolean(v.completed, "completed"), due: v.due, description: v.description }),
      });
      break;
    case "delete-goal":
      view = await addOp({ type: "goal.delete", id: target("goal") });
      break;
    case "commit":
    case "abort":
      view = await client.request<TxView>("POST", `/tx/${encodeURIComponent(current())}/${sub}`, {});
      break;
    case "show":
      view = await client.request<TxView>("GET", `/tx/${encodeURIComponent(current())}`);
      break;
    default:
      throw new UsageError(`unknown tx command '${sub}'; see groupsync-agent tx --help`);
  }
  return v.json ? [JSON.stringify(view)] : describe(view);
}

function describe(view: TxView): string[] {
  const lines = [`transaction ${view.tx_id}: ${view.state}${view.outcome?.reason ? ` (${view.outcome.reason})` : ""}`];
  for (const [i, op] of view.ops.entries()) lines.push(`  ${i + 1}. ${op.type} ${op.id}`);
  if (view.outcome?.pending) lines.push(`  still applying on: ${view.outcome.pending.join(", ")}`);
  if (view.state === "open" && view.expires_at) lines.push(`  aborted if idle until ${view.expires_at}`);
  return lines;
}

function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return value;
}

function boolean(text: string | undefined, name: string): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== "true" && text !== "false") throw new UsageError(`--${name} must be true or false, got "${text}"`);
  return text === "true";
}
