import { parseCommandLine } from "../command-line.ts";
import { resolveAgentSettings, UsageError } from "../config-file.ts";
import { workerClientFor, WorkerError } from "../worker-client.ts";
import { printError } from "../terminal-text.ts";

export const TOKEN_USAGE = `Usage: groupsync-agent token rotate [--config PATH]

  rotate   replace your member token (POST /me/token): prints the new one, once, on stdout; the
           old one stops working at once and your open connections are closed. Put the new one in
           GROUPSYNC_TOKEN or "token" in the config file, e.g. export GROUPSYNC_TOKEN=$(groupsync-agent token rotate)`;

/**
 * `groupsync-agent token rotate`. The request is retried with one Idempotency-Key, sent with the
 * old token: the worker answers a retry after a lost answer with the same new token.
 */
export async function tokenCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    console.log(TOKEN_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "rotate") throw new UsageError(`unknown token command '${sub}'; see groupsync-agent token --help`);
  const config = parseCommandLine(rest, { config: { type: "string" } }, false).values.config;
  const settings = resolveAgentSettings({ config }, env);
  if (settings.token === null) throw new UsageError('token rotate replaces your member token: set GROUPSYNC_TOKEN or "token" in the config file');
  try {
    const answer = await workerClientFor(settings).request<{ team: string; tokens: Record<string, string> }>("POST", "/me/token");
    const [member, token] = Object.entries(answer.tokens)[0]!;
    console.log(token);
    const where = settings.configFile === null ? "GROUPSYNC_TOKEN" : `GROUPSYNC_TOKEN or "token" in ${settings.configFile}`;
    printError(`new token for ${member} of ${answer.team} (shown once); the old one no longer works: put this one in ${where}`);
    return 0;
  } catch (error) {
    if (!(error instanceof WorkerError)) throw error;
    printError(`${error.code}: ${error.message}`);
    return 1;
  }
}
