#!/usr/bin/env node
/**
 * groupsync-agent: the CLI each team member runs. This is its shell; the P2P timer, the worker
 * client and the interactive menu arrive with their issues, and until then each command says so.
 */
import { GROUPSYNC_VERSION } from "../shared/version.ts";

const USAGE = `groupsync-agent ${GROUPSYNC_VERSION}: the GroupSync member agent

Usage: groupsync-agent <command> [options]

Commands (coming with the P2P timer and transaction issues):
  start      start a Pomodoro session and become its master
  join       join a running session
  status     show a running agent's timer
  pause | resume | skip | stop | set
  tx         transactions across calendar and goals

Options:
  -h, --help       show this help
  -v, --version    print the version`;

const PLANNED = new Set(["start", "join", "status", "pause", "resume", "skip", "stop", "set", "tx"]);

export function main(argv: string[]): number {
  const [command] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "-v" || command === "--version") {
    console.log(GROUPSYNC_VERSION);
    return 0;
  }
  if (PLANNED.has(command)) {
    console.error(`groupsync-agent: '${command}' is not available in this version yet`);
    return 2;
  }
  console.error(`groupsync-agent: unknown command '${command}'; see groupsync-agent --help`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
