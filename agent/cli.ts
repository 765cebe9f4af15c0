#!/usr/bin/env node
/**
 * groupsync-agent: the CLI each team member runs. Transactions against the worker (`tx`), the
 * group Pomodoro timer, peer to peer (`start`, `join`, `status`, `pause`...; see commands/timer.ts),
 * and, run bare on a terminal, an interactive menu over both (menu/).
 */
import { GROUPSYNC_VERSION } from "../shared/version.ts";
import { TIMER_COMMANDS, timerCommand } from "./commands/timer.ts";
import { TIMER_ENV_USAGE, TIMER_USAGE } from "./commands/timer-options.ts";
import { tokenCommand } from "./commands/token.ts";
import { statsCommand } from "./commands/stats.ts";
import { TX_USAGE, txCommand, UsageError } from "./commands/tx.ts";
import { CONFIG_USAGE } from "./config-file.ts";
import { runMenu } from "./menu/terminal-menu.ts";
import { WorkerError } from "./worker-client.ts";
import { printError } from "./terminal-text.ts";

const USAGE = `groupsync-agent ${GROUPSYNC_VERSION}: the GroupSync member agent

Usage: groupsync-agent <command> [options]
       groupsync-agent            on a terminal: the interactive menu (elsewhere: this help)

Commands:
  menu [options]  the interactive menu: start, stop, join, transactions, list, with a live countdown
                  and a bell at each phase change; takes the options of start and join (and --config)
  tx              transactions across calendar and goals (groupsync-agent tx --help)
  token rotate    replace your member token; prints the new one (groupsync-agent token --help)
  stats           this week's focus figures from the worker: rounds, time focused, streak, per day and member

${TIMER_USAGE}

Settings (environment; an empty variable counts as unset):
  GROUPSYNC_URL        the worker, default http://127.0.0.1:8787
  GROUPSYNC_TOKEN      your member token (not needed for the open team of \`npm run dev\`)
  GROUPSYNC_STATE_DIR  where the current transaction, the team key file and the records of running
                       agents are kept (default $XDG_STATE_HOME/groupsync, else ~/.local/state/groupsync)
${TIMER_ENV_USAGE}

${CONFIG_USAGE}

Options:
  -h, --help       show this help
  -v, --version    print the version`;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    if (process.stdin.isTTY && process.stdout.isTTY) return runMenuCommand([], env);
    console.log(USAGE);
    return 0;
  }
  if (command === "-h" || command === "--help" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "-v" || command === "--version") {
    console.log(GROUPSYNC_VERSION);
    return 0;
  }
  if (command === "menu") return runMenuCommand(rest, env);
  if (command === "token") return withExitCodes(() => tokenCommand(rest, env));
  if (command === "stats") return withExitCodes(() => statsCommand(rest, env));
  if (TIMER_COMMANDS.has(command)) return runTimerCommand(command, rest, env);
  if (command !== "tx") {
    printError(`unknown command '${command}'; see groupsync-agent --help`);
    return 2;
  }
  try {
    for (const line of await txCommand(rest, env)) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      printError(error.message);
      if (rest.length === 0) console.error(TX_USAGE);
      return 2;
    }
    if (error instanceof WorkerError) {
      printError(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function runMenuCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  return withExitCodes(async () => {
    const code = await runMenu(args, env);
    // The agent's sockets are closed by now; should a handle linger, do not hang around for it.
    setTimeout(() => process.exit(code), 1000).unref();
    return code;
  });
}

function runTimerCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return withExitCodes(() => timerCommand(command, args, env));
}

/** Bad input is exit code 2 with its one-line reason; a bug is still one line (exit 1), never a stack trace. */
async function withExitCodes(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) {
      printError(error.message);
      return 2;
    }
    printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
