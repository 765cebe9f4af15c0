/**
 * Where an agent's team key comes from, in this order, and nowhere else:
 *   1. the explicit key: GROUPSYNC_TEAM_KEY or team_key in the config file (or an invite's key);
 *   2. the key the worker hands out to the team's members (the `fromWorker` seam, see below);
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
   * The worker's key for the team's agents, or null when there is no worker to ask (no URL or no
   * token). Seam for the worker-provided key (GET /team/agent-key); left out, it is skipped.
   */
  readonly fromWorker?: () => Promise<string | null>;
}

/** The team key by the order above; a UsageError naming what to do when there is none. */
export async function resolveTeamKey(request: TeamKeyRequest): Promise<TeamKey> {
  if (request.explicit !== null) {
    const weak = weakTeamKeyReason(request.explicit);
    if (weak !== null) throw new UsageError(`GROUPSYNC_TEAM_KEY ${weak}`);
    return { key: request.explicit, origin: "setting", file: null };
  }
  const fromWorker = request.fromWorker === undefined ? null : await request.fromWorker();
  if (fromWorker !== null) return { key: fromWorker, origin: "worker", file: null };
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
  renameSync(writeTemp(file, key), file);
  return true;
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
