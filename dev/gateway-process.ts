import { fileURLToPath } from "node:url";
import { ManagedProcess } from "./managed-process.ts";

const GATEWAY_MAIN = fileURLToPath(new URL("../gateway/main.ts", import.meta.url));

export interface RunningGateway {
  process: ManagedProcess;
  url: string;
  token: string;
}

/** Runs gateway/main.ts as a child process; resolves once it listens. */
export async function startGatewayProcess(options: {
  port: number;
  redisUrl: string;
  token: string;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}): Promise<RunningGateway> {
  const process_ = await ManagedProcess.start({
    name: "gateway",
    command: process.execPath,
    args: [GATEWAY_MAIN],
    env: {
      ...process.env,
      ...options.env,
      GATEWAY_PORT: String(options.port),
      GATEWAY_TOKEN: options.token,
      REDIS_URL: options.redisUrl,
      GATEWAY_EXIT_WITH_PARENT: "1",
    },
    isReady: (line) => line.includes('"event":"listening"'),
    onLine: options.onLine,
  });
  return { process: process_, url: `http://127.0.0.1:${options.port}`, token: options.token };
}
