/**
 * The system tools the stack and the tests need and npm cannot provide: redis-server (dev and
 * tests), chromium, faketime and khal (tests). When one is missing, it is installed from Debian's
 * packages if we can (root, or sudo without a password), saying so in one line; otherwise we stop
 * with one line naming the command to run. Nothing is installed when the tool is already there.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface SystemTool {
  /** What the user knows it as, and the Debian package that provides it. */
  name: string;
  debianPackage: string;
  /** The Homebrew command for the macOS hint. */
  brew: string;
  isPresent: (env: NodeJS.ProcessEnv) => boolean;
}

export const REDIS_SERVER: SystemTool = {
  name: "redis-server",
  debianPackage: "redis-server",
  brew: "brew install redis",
  isPresent: (env) => onPath("redis-server", env),
};

/** The tests drive Debian's chromium through playwright-core (test/browser/browser.ts). */
export const CHROMIUM: SystemTool = {
  name: "chromium",
  debianPackage: "chromium",
  brew: "brew install --cask chromium",
  isPresent: (env) => isExecutable(env.GROUPSYNC_CHROMIUM ?? "/usr/bin/chromium"),
};

/** The clock-skew tests preload libfaketimeMT directly (test/helpers/agents.ts). */
export const FAKETIME: SystemTool = {
  name: "faketime",
  debianPackage: "faketime",
  brew: "brew install libfaketime",
  isPresent: () => hasLibfaketime(),
};

/** A third, independent ICS reader (Python's icalendar and dateutil) for the feed's series (test/unit/ics-series.test.ts). */
export const KHAL: SystemTool = {
  name: "khal",
  debianPackage: "khal",
  brew: "brew install khal",
  isPresent: (env) => onPath("khal", env),
};

export type Installer = "root" | "sudo" | "none";

export type InstallPlan =
  | { kind: "nothing" }
  | { kind: "install"; packages: string[]; announce: string }
  | { kind: "refuse"; message: string };

/** Pure: what to do about the tools that are missing, given who we are. */
export function planInstall(missing: readonly SystemTool[], installer: Installer, hasAptGet: boolean): InstallPlan {
  if (missing.length === 0) return { kind: "nothing" };
  const packages = missing.map((tool) => tool.debianPackage);
  const names = missing.map((tool) => tool.name).join(", ");
  if (installer !== "none" && hasAptGet) {
    return { kind: "install", packages, announce: `installing ${names} from Debian's packages (apt-get install -y ${packages.join(" ")})` };
  }
  const brew = missing.map((tool) => tool.brew).join(" && ");
  return {
    kind: "refuse",
    message: `${names} ${missing.length === 1 ? "is" : "are"} not installed; install with: sudo apt-get install -y ${packages.join(" ")} (macOS: ${brew})`,
  };
}

/**
 * Makes sure every tool in `tools` is present, installing what is missing when allowed. Returns
 * null when all is well, else the one line to print before exiting non-zero.
 */
export function ensureSystemTools(tools: readonly SystemTool[], say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string | null {
  const missing = tools.filter((tool) => !tool.isPresent(env));
  const plan = planInstall(missing, installerOf(env), onPath("apt-get", env));
  switch (plan.kind) {
    case "nothing":
      return null;
    case "refuse":
      return plan.message;
    case "install": {
      say(plan.announce);
      const failure = aptInstall(plan.packages, installerOf(env) === "sudo", env);
      if (failure !== null) return `could not install ${plan.packages.join(" ")}: ${failure}`;
      const stillMissing = missing.filter((tool) => !tool.isPresent(env));
      if (stillMissing.length > 0) return `apt-get installed ${plan.packages.join(" ")}, but ${stillMissing.map((t) => t.name).join(", ")} still cannot be found`;
      return null;
    }
    default:
      return plan satisfies never;
  }
}

function installerOf(env: NodeJS.ProcessEnv): Installer {
  if (process.getuid?.() === 0) return "root";
  if (onPath("sudo", env) && spawnSync("sudo", ["-n", "true"], { stdio: "ignore", env }).status === 0) return "sudo";
  return "none";
}

/**
 * `apt-get install`, and `apt-get update` first only if the package lists are missing or stale
 * (the install fails). apt's chatter is kept unless it fails. Returns null or a short reason.
 */
function aptInstall(packages: string[], viaSudo: boolean, env: NodeJS.ProcessEnv): string | null {
  const run = (args: string[]) => {
    const command = viaSudo ? "sudo" : "apt-get";
    const fullArgs = viaSudo ? ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args] : args;
    return spawnSync(command, fullArgs, { encoding: "utf8", env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
  };
  const install = () => run(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
  let result = install();
  if (result.status !== 0) {
    const update = run(["update", "-qq"]);
    if (update.status !== 0) return lastLine(update.stderr) ?? `apt-get update exited with ${update.status}`;
    result = install();
  }
  return result.status === 0 ? null : (lastLine(result.stderr) ?? `apt-get install exited with ${result.status}`);
}

function lastLine(text: string | null | undefined): string | null {
  const lines = (text ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? null;
}

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && isExecutable(join(dir, command)));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a distribution puts libfaketimeMT.so.1: /usr/lib/<arch>/faketime on Debian. */
export function libfaketimePath(): string | null {
  const candidates = ["/usr/lib", "/usr/local/lib", "/usr/lib64"].flatMap((root) => {
    if (!existsSync(root)) return [];
    const archDirs = readdirSync(root).map((entry) => `${root}/${entry}/faketime`);
    return [`${root}/faketime`, ...archDirs].map((dir) => `${dir}/libfaketimeMT.so.1`);
  });
  return candidates.find((path) => existsSync(path)) ?? null;
}

function hasLibfaketime(): boolean {
  return libfaketimePath() !== null;
}
