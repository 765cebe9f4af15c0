import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseCommandLine } from "../command-line.ts";
import type { TxView } from "../../shared/tx.ts";
import { resolveAgentSettings, UsageError } from "../config-file.ts";
import { workerClientFor, WorkerError, type WorkerClient } from "../worker-client.ts";

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
  const { values: v, positionals } = parseCommandLine(rest, OPTIONS);
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
  const titles = new TitleNotes(join(settings.stateDir, TITLES_FILE));
  const addOp = async (op: unknown, title?: string) => {
    const added = await withConflictTitles(client, () => client.request<TxView>("POST", `/tx/${encodeURIComponent(current())}/ops`, op));
    const last = added.ops.at(-1);
    if (title !== undefined && last !== undefined) titles.remember(added.tx_id, last.id, title);
    return added;
  };
  let view: TxView;

  switch (sub) {
    case "begin":
      view = await client.request<TxView>("POST", "/tx");
      mkdirSync(join(stateFile, ".."), { recursive: true });
      writeFileSync(stateFile, view.tx_id + "\n", { mode: 0o600 });
      titles.begin(view.tx_id);
      break;
    case "add-event":
      view = await addOp({ type: "calendar.create", ...(v.id ? { id: v.id } : {}), data: defined({ title: require("title"), starts_at: require("start"), ends_at: v.end, calendar: v.calendar, description: v.description }) }, v.title);
      break;
    case "update-event":
      view = await addOp({ type: "calendar.update", id: target("event"), data: defined({ title: v.title, starts_at: v.start, ends_at: v.end, calendar: v.calendar, description: v.description }) });
      break;
    case "delete-event":
      view = await addOp({ type: "calendar.delete", id: target("event") });
      break;
    case "add-goal":
      view = await addOp({ type: "goal.create", ...(v.id ? { id: v.id } : {}), data: defined({ title: require("title"), owner: v.owner, progress: number(v.progress, "progress"), due: v.due, description: v.description }) }, v.title);
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
      view = await withConflictTitles(client, () => client.request<TxView>("POST", `/tx/${encodeURIComponent(current())}/${sub}`, {}));
      break;
    case "show":
      view = await client.request<TxView>("GET", `/tx/${encodeURIComponent(current())}`);
      break;
    default:
      throw new UsageError(`unknown tx command '${sub}'; see groupsync-agent tx --help`);
  }
  return v.json ? [JSON.stringify(view)] : describe(view, await opTitles(client, view, titles));
}

const TITLES_FILE = "current-tx-titles.json";

/**
 * The titles of what this machine added to the current transaction, so `show` can name ops by
 * title (the worker lists a transaction's ops by id only, and a created event exists only once committed).
 */
class TitleNotes {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }

  begin(txId: string): void {
    this.#write({ tx_id: txId, titles: {} });
  }

  remember(txId: string, id: string, title: string): void {
    const notes = this.read(txId);
    this.#write({ tx_id: txId, titles: { ...notes, [id]: title } });
  }

  /** The titles noted for `txId`; none when the notes are of another transaction (or unreadable). */
  read(txId: string): Record<string, string> {
    try {
      const notes = JSON.parse(readFileSync(this.#file, "utf8")) as { tx_id?: unknown; titles?: unknown };
      return notes.tx_id === txId && typeof notes.titles === "object" && notes.titles !== null ? (notes.titles as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  #write(notes: { tx_id: string; titles: Record<string, string> }): void {
    mkdirSync(join(this.#file, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(this.#file, JSON.stringify(notes), { mode: 0o600 });
  }
}

/** Each op's title: as noted when added here, else the record's own (updates, deletes, others' ops); best effort. */
async function opTitles(client: WorkerClient, view: TxView, notes: TitleNotes): Promise<Map<string, string>> {
  const noted = notes.read(view.tx_id);
  const titles = new Map<string, string>();
  await Promise.all(
    view.ops.map(async (op) => {
      const title = noted[op.id] ?? (await recordTitle(client, op.type.startsWith("calendar.") ? "events" : "goals", op.id));
      if (title !== null) titles.set(op.id, title);
    }),
  );
  return titles;
}

async function recordTitle(client: WorkerClient, collection: "events" | "goals", id: string): Promise<string | null> {
  try {
    const record = await client.request<{ title?: unknown }>("GET", `/${collection}/${encodeURIComponent(id)}`);
    return typeof record.title === "string" ? record.title : null;
  } catch {
    return null;
  }
}

/** A time_slot_taken names the events in the way by id; people know them by title, so add those. */
async function withConflictTitles<T>(client: WorkerClient, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof WorkerError) || error.code !== "time_slot_taken") throw error;
    const conflicts = (error.details as { conflicts?: Array<{ id?: unknown; starts_at?: unknown; ends_at?: unknown }> } | undefined)?.conflicts ?? [];
    const named = await Promise.all(
      conflicts
        .filter((conflict) => typeof conflict.id === "string" && !conflict.id.startsWith("("))
        .map(async (conflict) => {
          const title = await recordTitle(client, "events", conflict.id as string);
          const when = typeof conflict.starts_at === "string" && typeof conflict.ends_at === "string" ? `, ${conflict.starts_at} to ${conflict.ends_at}` : "";
          return title === null ? null : `"${title}" (${conflict.id as string}${when})`;
        }),
    );
    const known = named.filter((text) => text !== null);
    if (known.length === 0) throw error;
    const better = new WorkerError(error.status, error.code, `${error.message} (in the way: ${known.join(", ")})`, error.details);
    better.retryAfterMs = error.retryAfterMs;
    throw better;
  }
}

function describe(view: TxView, titles: ReadonlyMap<string, string>): string[] {
  const lines = [`transaction ${view.tx_id}: ${view.state}${view.outcome?.reason ? ` (${view.outcome.reason})` : ""}`];
  for (const [i, op] of view.ops.entries()) {
    const title = titles.get(op.id);
    lines.push(`  ${i + 1}. ${op.type} ${op.id}${title === undefined ? "" : ` "${title}"`}`);
  }
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
