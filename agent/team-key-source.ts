/**
 * Where an agent's team key comes from, in this order, and nowhere else:
 *   1. the explicit key: GROUPSYNC_TEAM_KEY or team_key in the config file (or an invite's key);
 *   2. the key the worker hands out to the team's members (GET /team/agent-key), when the agent has
 *      a worker URL and a member token (teamKeyFromWorker below);
 *   3. the key file in the state directory, `<state dir>/team-key`: `start` creates it when there
 *      is none (32 random bytes), so every agent of the same user on this machine finds it there.
 *
 * The file is treated like an ssh private key: its directory is made 0700, the file 0600, written
 * atomically (a temporary file opened with O_EXCL, then linked into place, so two agents starting
 * at once end up with one key), and a file that others may read is refused with one line.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./config-file.ts";
import { weakTeamKeyReason } from "./net/team-key-strength.ts";
import { AgentKeyBody } from "../shared/team-key.ts";
import { WorkerClient, WorkerError } from "./worker-client.ts";

export const TEAM_KEY_FILE = "team-key";
const GENERATED_KEY_BYTES = 32;

export type TeamKeyOrigin = "setting" | "worker" | "file" | "created";

export interface TeamKey {
  readonly key: string;
  readonly origin: TeamKeyOrigin;
  /** The key file, when the key came from (or went into) one. */
  readonly file: string | null;
}

export interface TeamKeyRequest {
  /** From GROUPSYNC_TEAM_KEY, team_key in the config file or an invite; null when none is set. */
  readonly explicit: string | null;
  readonly stateDir: string;
  /** `start` creates the key file when there is none; every other command only reads it. */
  readonly create: boolean;
  /**
   * The worker to ask for the team's key (GET /team/agent-key) when none is explicit; skipped when
   * null or without a member token. Failing to get it is an error, never a silent fall back to the
   * file: a machine on its own key would be refused by the team's other agents.
   */
  readonly worker?: WorkerAccess | null;
}

/** The team key by the order above; a UsageError naming what to do when there is none. */
export async function resolveTeamKey(request: TeamKeyRequest): Promise<TeamKey> {
  if (request.explicit !== null) {
    const weak = weakTeamKeyReason(request.explicit);
    if (weak !== null) throw new UsageError(`GROUPSYNC_TEAM_KEY ${weak}`);
    return { key: request.explicit, origin: "setting", file: null };
  }
  const worker = request.worker ?? null;
  if (worker !== null && worker.token !== null) return { key: await teamKeyFromWorker(worker), origin: "worker", file: null };
  const file = teamKeyFile(request.stateDir);
  const stored = readTeamKeyFile(file);
  if (stored !== null) return { key: stored, origin: "file", file };
  if (!request.create) {
    throw new UsageError(
      `no team key: none is set (GROUPSYNC_TEAM_KEY or team_key in the config file) and ${file} does not exist; ` +
        "run `groupsync-agent start` on this machine first, or join with the invite a running agent printed (groupsync-agent join --invite gsi_…)",
    );
  }
  return { key: createTeamKeyFile(file), origin: "created", file };
}

export function teamKeyFile(stateDir: string): string {
  return join(stateDir, TEAM_KEY_FILE);
}

/** The key in `file`; null when there is no such file. Refuses a file others may read, or a weak key. */
export function readTeamKeyFile(file: string): string | null {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UsageError(`team key file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  // As ssh does with private keys: a secret others could read is no longer the team's alone.
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`team key file ${file} may be read by others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); run chmod 600 ${file}, or delete it to make a new key`);
  }
  const key = readFileSync(file, "utf8").trim();
  const weak = weakTeamKeyReason(key);
  if (weak !== null) throw new UsageError(`team key file ${file}: the key ${weak}`);
  return key;
}

/** Makes a new random key in `file` (none may be there yet); if another agent just made one, that one wins. */
function createTeamKeyFile(file: string): string {
  let key = randomBytes(GENERATED_KEY_BYTES).toString("base64url");
  while (weakTeamKeyReason(key) !== null) key = randomBytes(GENERATED_KEY_BYTES).toString("base64url");
  const temp = writeTemp(file, key);
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readTeamKeyFile(file) ?? key;
  } finally {
    unlinkSync(temp);
  }
  return key;
}

/** Puts `key` (an invite's) into `file`, replacing what was there. Returns whether the file changed. */
export function storeTeamKey(stateDir: string, key: string): boolean {
  const file = teamKeyFile(stateDir);
  let old: string | null = null;
  try {
    old = readFileSync(file, "utf8").trim();
  } catch {
    // No file yet.
  }
  if (old === key && (statSync(file).mode & 0o077) === 0) return false;
  writePrivateFile(file, key);
  return true;
}

/** Replaces `file` with `text` atomically (a 0600 temporary file renamed into place; its directory made 0700 if missing). */
export function writePrivateFile(file: string, text: string): void {
  renameSync(writeTemp(file, text), file);
}

/** `key` in a new 0600 file beside `file` (its directory made 0700 if missing). */
function writeTemp(file: string, key: string): string {
  mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/** The worker's client for the key routes: short timeouts, the agent is starting. */
function keyClient(worker: WorkerAccess): WorkerClient {
  return new WorkerClient({ url: worker.url, token: worker.token ?? undefined, timeoutMs: 5000 });
}

export interface WorkerAccess {
  readonly url: string;
  readonly token: string | null;
}

/** The team's key from the worker, or a UsageError naming what failed (the worker unreachable, the token refused). */
export async function teamKeyFromWorker(worker: WorkerAccess): Promise<string> {
  let answer: unknown;
  try {
    answer = await keyClient(worker).request("GET", "/team/agent-key");
  } catch (error) {
    if (!(error instanceof WorkerError)) throw error;
    if (error.status === 0) throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and ${error.message}`);
    if (error.status === 401 || error.status === 403) {
      throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and the worker at ${worker.url} refused the token (HTTP ${error.status}: ${error.message}); check GROUPSYNC_TOKEN`);
    }
    throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and the worker at ${worker.url} answered GET /team/agent-key with HTTP ${error.status}: ${error.message}`);
  }
  const parsed = AgentKeyBody.safeParse(answer);
  if (!parsed.success) throw new UsageError(`the worker at ${worker.url} gave a team key that will not do: ${parsed.error.issues[0]?.message ?? "not { team_key }"}`);
  return parsed.data.team_key;
}

/**
 * An agent with its own key offers it to the worker, which keeps it only if the team has none yet
 * (PUT If-None-Match: *). Answers whether the worker now checks agents under this key; null when
 * the worker could not be asked (the link warns about that itself).
 */
export async function offerTeamKey(worker: WorkerAccess, teamKey: string): Promise<boolean | null> {
  const client = keyClient(worker);
  try {
    await client.request("PUT", "/team/agent-key", { team_key: teamKey } satisfies AgentKeyBody, { "if-none-match": "*" });
    return true;
  } catch (error) {
    if (!(error instanceof WorkerError) || error.status !== 412) return null;
  }
  try {
    return AgentKeyBody.parse(await client.request("GET", "/team/agent-key")).team_key === teamKey;
  } catch {
    return null;
  }
}
