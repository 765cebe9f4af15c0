/**
 * The interactive menu's terminal side: raw keystrokes in (node:readline), a full screen redrawn
 * about every 250 ms out, and the actions of menu-model.ts carried out through the same code the
 * CLI commands run: `start`/`join` open a NodeRunner in this process (commands/timer.ts startAgent),
 * timer commands and status go to it over its control port (the control client, like
 * `groupsync-agent pause`), transactions run commands/tx.ts.
 */
import { emitKeypressEvents } from "node:readline";
import type { AgentEvent } from "../agent-events.ts";
import { DEFAULT_AGENT_PORT, resolveAgentSettings, UsageError, type AgentFlags } from "../config-file.ts";
import { ControlError } from "../control/client.ts";
import type { NodeRunner } from "../node-runner.ts";
import type { HostPort } from "../net/peer-address.ts";
import type { Event } from "../../shared/calendar.ts";
import type { Goal } from "../../shared/goals.ts";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";
import { applyCommand, describeApplied, fetchStatus, RequestRefused, restartStoppedTimer, startAgent } from "../commands/timer.ts";
import { parsePhaseDuration, parseRunOptions, readRunFlags } from "../commands/timer-options.ts";
import { checkGoal } from "../commands/goal-check.ts";
import { txCommand } from "../commands/tx.ts";
import { workerClientFor, WorkerError } from "../worker-client.ts";
import { BELL, describeLists, fitToScreen, initialMenuState, joinTarget, onAgentEvent, onKey, onStatus, renderMenu, withBusy, withOutput, type Key, type MenuAction, type MenuState } from "./menu-model.ts";

export const REDRAW_INTERVAL_MS = 250;
const STATUS_INTERVAL_MS = 1000;
const LIST_LIMIT = 10;

const ENTER_SCREEN = "\x1b[?1049h\x1b[?25l"; // the alternate screen, cursor hidden
const LEAVE_SCREEN = "\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const CLEAR_LINE_END = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";

interface Session {
  readonly runner: NodeRunner;
  readonly control: HostPort;
  readonly teamKey: string;
}

/**
 * Runs the menu until the user quits; returns the exit code. `args` are the options of start/join
 * (and --config), used whenever the menu starts or joins a session. Bad settings throw UsageError
 * before the screen is taken over.
 */
export async function runMenu(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { flags, json, positionals } = readRunFlags(args);
  if (positionals.length > 0) throw new UsageError(`the menu takes only options, got '${positionals.join(" ")}'`);
  if (json) throw new UsageError("--json is for start and join, not the menu");
  // Check the config file, the environment and the flags now, while errors can still be read.
  resolveAgentSettings(flags, env);
  const input = process.stdin;
  const output = process.stdout;
  if (!input.isTTY || !output.isTTY) throw new UsageError("the menu needs a terminal (stdin and stdout must be TTYs); see groupsync-agent --help for the commands");
  return new TerminalMenu(args, flags, env, input, output).run();
}

class TerminalMenu {
  readonly #args: string[];
  readonly #flags: AgentFlags;
  readonly #env: NodeJS.ProcessEnv;
  readonly #input: NodeJS.ReadStream;
  readonly #output: NodeJS.WriteStream;
  #state: MenuState = initialMenuState();
  #session: Session | null = null;
  #statusInFlight = false;
  #quitStarted = false;
  #finished: (code: number) => void = () => {};

  constructor(args: string[], flags: AgentFlags, env: NodeJS.ProcessEnv, input: NodeJS.ReadStream, output: NodeJS.WriteStream) {
    this.#args = args;
    this.#flags = flags;
    this.#env = env;
    this.#input = input;
    this.#output = output;
  }

  async run(): Promise<number> {
    const restore = () => this.#restoreTerminal();
    // Whatever ends the process, the terminal gets its normal screen and cursor back.
    process.once("exit", restore);
    const onSignal = () => this.#dispatch({ kind: "quit" });
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, onSignal);
    const onKeypress = (_text: string | undefined, key: Key | undefined) => this.#onKey(key ?? { sequence: _text });
    const onResize = () => this.#draw();
    // A terminal that went away (EIO) cannot show anything more: leave the session and end.
    const onOutputError = () => this.#dispatch({ kind: "quit" });

    emitKeypressEvents(this.#input);
    this.#input.setRawMode(true);
    this.#input.on("keypress", onKeypress);
    this.#input.resume();
    this.#output.on("resize", onResize);
    this.#output.on("error", onOutputError);
    this.#output.write(ENTER_SCREEN);
    this.#draw();
    const redraw = setInterval(() => this.#draw(), REDRAW_INTERVAL_MS);
    const poll = setInterval(() => void this.#pollStatus(), STATUS_INTERVAL_MS);

    const code = await new Promise<number>((resolve) => (this.#finished = resolve));

    clearInterval(redraw);
    clearInterval(poll);
    this.#input.off("keypress", onKeypress);
    this.#output.off("resize", onResize);
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.off(signal, onSignal);
    this.#restoreTerminal();
    process.off("exit", restore);
    this.#input.pause();
    this.#output.off("error", onOutputError);
    return code;
  }

  #restoreTerminal(): void {
    if (this.#input.isTTY) this.#input.setRawMode(false);
    if (!this.#output.destroyed) this.#output.write(LEAVE_SCREEN);
  }

  #onKey(key: Key): void {
    const { state, action } = onKey(this.#state, key);
    this.#state = state;
    if (action !== null) this.#dispatch(action);
    this.#draw();
  }

  #dispatch(action: MenuAction): void {
    if (action.kind === "quit") {
      // A second Ctrl-C or signal while leaving means "now", as with `groupsync-agent start`.
      if (this.#quitStarted) process.exit(1);
      this.#quitStarted = true;
      if (!this.#state.quitting) this.#state = onKey(this.#state, { name: "q", sequence: "q" }).state;
      void this.#quit();
      return;
    }
    this.#state = withBusy(this.#state, busyText(action));
    this.#draw();
    void this.#perform(action)
      .then((lines) => (this.#state = withOutput(this.#state, lines, false)))
      .catch((error: unknown) => (this.#state = withOutput(this.#state, [describeFailure(error)], true)))
      .finally(() => {
        if (!this.#state.quitting) this.#state = withBusy(this.#state, null);
        this.#draw();
      });
  }

  /** Carries out one action; returns the lines to show, throws what went wrong. */
  async #perform(action: Exclude<MenuAction, { kind: "quit" }>): Promise<readonly string[]> {
    switch (action.kind) {
      case "start":
      case "join": {
        if (action.kind === "start" && action.goal !== undefined && this.#session !== null) {
          // g in a session: the stopped timer starts again, for that goal (as `start --goal` beside a running agent).
          const session = this.#session;
          const check = await checkGoal(parseRunOptions("start", this.#args, this.#env).goalWorker, action.goal);
          if (check.kind === "missing") throw new UsageError(check.message);
          const applied = await applyCommand(session.control, session.teamKey, { kind: "start", goal: action.goal });
          void this.#pollStatus();
          return [`${describeApplied("start", applied)}, for goal ${action.goal}`];
        }
        // Exactly what `groupsync-agent start|join [target] <the menu's options>` would run.
        const goalArgs = action.kind === "start" && action.goal !== undefined ? ["--goal", action.goal] : [];
        const options = action.kind === "start" ? parseRunOptions("start", [...this.#args, ...goalArgs], this.#env) : parseRunOptions("join", [...this.#args, ...this.#joinArgs(action.target)], this.#env);
        const started = await startAgent(options, (event) => this.#onAgentEvent(event));
        if (!started.ok) {
          // An agent of the team already runs here (a `groupsync-agent start` in another terminal).
          const restarted = started.existing === null ? null : await restartStoppedTimer(started.existing, options);
          if (restarted !== null) return [restarted];
          throw new UsageError(started.message);
        }
        this.#session = { runner: started.runner, control: started.control, teamKey: started.teamKey };
        if (this.#state.quitting) await this.#leave();
        return [action.kind === "start" ? `session started; this agent is its master (port ${started.runner.tcpPort})` : `joining through ${action.target || "the worker's session"}`];
      }
      case "timer":
      case "set": {
        const session = this.#requireSession();
        const command = action.kind === "set" ? { kind: "set" as const, durationMs: parsePhaseDuration("set", action.duration) } : { kind: action.command };
        const applied = await applyCommand(session.control, session.teamKey, command);
        void this.#pollStatus();
        return [describeApplied(command.kind, applied)];
      }
      case "leave":
        await this.#leave();
        return ["left the session"];
      case "tx":
        return txCommand([...action.args, ...this.#configArgs()], this.#env);
      case "list":
        return this.#list();
    }
  }

  async #list(): Promise<readonly string[]> {
    const client = workerClientFor(resolveAgentSettings({ config: this.#flags.config }, this.#env));
    const now = Date.now();
    const [events, goals] = await Promise.all([
      client.request<{ events: Event[] }>("GET", `/events?from=${encodeURIComponent(new Date(now).toISOString())}&limit=${LIST_LIMIT}`),
      client.request<{ goals: Goal[] }>("GET", `/goals?limit=${LIST_LIMIT}`),
    ]);
    return describeLists(events.events, goals.goals, now);
  }

  /** The join answer as CLI arguments: host:port (a host alone: the agent port), or none (ask the worker). */
  #joinArgs(answer: string): string[] {
    const target = joinTarget(answer, resolveAgentSettings(this.#flags, this.#env).port || DEFAULT_AGENT_PORT);
    if (target === undefined) throw new UsageError(`'${answer}' is not host:port or a host (e.g. 192.168.1.20:7420, localhost)`);
    return target === null ? [] : [target];
  }

  /** tx takes --config itself: pass on the menu's, so both read the same file. */
  #configArgs(): string[] {
    return this.#flags.config === undefined ? [] : ["--config", this.#flags.config];
  }

  #requireSession(): Session {
    if (this.#session === null) throw new UsageError("not in a session: press 1 to start one or 3 to join one");
    return this.#session;
  }

  async #leave(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    // A master hands over to a successor first, as on SIGTERM of `groupsync-agent start`.
    if (session !== null) await session.runner.stop();
  }

  async #quit(): Promise<void> {
    this.#draw();
    const force = setTimeout(() => this.#finished(1), 10_000);
    try {
      await this.#leave();
    } finally {
      clearTimeout(force);
      this.#finished(0);
    }
  }

  #onAgentEvent(event: AgentEvent): void {
    const { state, bell } = onAgentEvent(this.#state, event, Date.now());
    this.#state = state;
    if (bell) this.#write(BELL);
    this.#draw();
  }

  async #pollStatus(): Promise<void> {
    const session = this.#session;
    if (session === null || this.#statusInFlight) return;
    this.#statusInFlight = true;
    try {
      const status = await fetchStatus(session.control, session.teamKey);
      if (this.#session !== session) return;
      const { state, bell } = onStatus(this.#state, status);
      this.#state = state;
      if (bell) this.#write(BELL);
    } catch {
      // The next poll tries again; the screen keeps counting down from the last deadline meanwhile.
    } finally {
      this.#statusInFlight = false;
    }
  }

  #draw(): void {
    // One column spare: writing into the last one makes some terminals wrap early.
    const width = Math.max(20, (this.#output.columns || 80) - 1);
    const height = Math.max(5, (this.#output.rows || 40) - 1);
    const lines = fitToScreen(renderMenu(this.#state, Date.now(), `groupsync-agent ${GROUPSYNC_VERSION}`), width, height);
    this.#write(HOME + lines.map((line) => line + CLEAR_LINE_END).join("\r\n") + CLEAR_BELOW);
  }

  #write(text: string): void {
    if (!this.#output.destroyed && this.#output.writable) this.#output.write(text);
  }
}

function busyText(action: MenuAction): string {
  switch (action.kind) {
    case "start":
      return "starting a session";
    case "join":
      return action.target === "" ? "asking the worker where the session is" : `joining through ${action.target}`;
    case "timer":
      return `${action.command}: waiting for the master`;
    case "set":
      return "set: waiting for the master";
    case "leave":
      return "leaving the session";
    case "tx":
      return `tx ${action.args[0] ?? ""}`;
    case "list":
      return "asking the worker";
    case "quit":
      return "quitting";
  }
}

/** One line, as the CLI would print it after "groupsync-agent: ". */
function describeFailure(error: unknown): string {
  if (error instanceof RequestRefused) return `refused: ${error.message} (${error.code})`;
  if (error instanceof WorkerError) return `${error.code}: ${error.message}`;
  if (error instanceof UsageError || error instanceof ControlError) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}
