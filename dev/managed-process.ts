import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface ManagedProcessOptions {
  /** Short name used in log prefixes and error messages: "redis", "gateway", "worker". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves start() once a line of output satisfies this. */
  isReady: (line: string) => boolean;
  readyTimeoutMs?: number;
  /** Called with every output line (stdout and stderr), e.g. to forward it with a prefix. */
  onLine?: (line: string) => void;
}

/**
 * Every process group started here and not yet gone, from the moment it is spawned (not only once
 * it is ready): a supervisor stopping half-way through a start must stop what is starting too, and
 * must record it at once in case it is itself SIGKILLed.
 */
const living = new Set<ManagedProcess>();
const changeListeners = new Set<() => void>();

export function livingProcesses(): ManagedProcess[] {
  return [...living];
}

/** Called whenever a process is spawned or exits. */
export function onLivingProcessesChange(listener: () => void): void {
  changeListeners.add(listener);
}

function livingChanged(): void {
  for (const listener of changeListeners) listener();
}

/**
 * A child process in its own process group, so that stopping it also stops whatever it spawned
 * (wrangler starts workerd) and so a terminal's Ctrl-C reaches only the parent, which then stops
 * its children in order.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: string[] = [];
  #exitedFlag = false;

  private constructor(name: string, pid: number, exited: ManagedProcess["exited"]) {
    this.name = name;
    this.pid = pid;
    this.exited = exited;
    void exited.then(() => (this.#exitedFlag = true));
  }

  get hasExited(): boolean {
    return this.#exitedFlag;
  }

  static async start(options: ManagedProcessOptions): Promise<ManagedProcess> {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const spawned = await Promise.race([
      once(child, "spawn").then(() => null),
      once(child, "error").then(([error]) => error as Error),
    ]);
    if (spawned !== null || child.pid === undefined) {
      throw new Error(`cannot start ${options.name} (${options.command}): ${spawned?.message ?? "no pid"}`);
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const managed = new ManagedProcess(options.name, child.pid, exited);
    living.add(managed);
    livingChanged();
    void exited.then(() => {
      living.delete(managed);
      livingChanged();
    });

    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        managed.output.push(line);
        if (managed.output.length > 500) managed.output.shift();
        options.onLine?.(line);
        if (options.isReady(line)) markReady();
      });
    }

    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      exited.then(() => "exited" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome !== "ready") {
      await managed.stop();
      const tail = managed.output.slice(-15).join("\n");
      const why = outcome === "exited" ? "exited before it was ready" : `was not ready within ${timeoutMs} ms`;
      throw new Error(`${options.name} ${why}. Its last output:\n${tail}`);
    }
    return managed;
  }

  /** Sends a signal to the whole process group (SIGSTOP/SIGCONT/SIGKILL in fault tests). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }

  /** SIGKILL to the whole group (a crashed leader's children included), until the group is gone. */
  async killGroup(): Promise<void> {
    this.signal("SIGKILL");
    for (let i = 0; i < 100 && isGroupAlive(this.pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** SIGTERM to the group, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.hasExited) return this.#reapGroup();
    this.signal("SIGCONT"); // a frozen process cannot act on SIGTERM
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.signal("SIGKILL");
      await this.exited;
    }
    await this.#reapGroup();
  }

  /** Children of the leader (workerd under wrangler) may outlive it by a moment; make sure they go. */
  async #reapGroup(): Promise<void> {
    for (let i = 0; i < 50 && isGroupAlive(this.pid); i++) {
      if (i === 20) this.signal("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
