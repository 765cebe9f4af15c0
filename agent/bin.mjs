#!/usr/bin/env node
// groupsync-agent's entry point. Runs the bundle (dist/groupsync-agent.mjs, made by `npm run build`
// and by `npm install`) when it is newer than every source file, else the TypeScript sources. The
// bundle is the same code; it saves about 40 MB of memory that type stripping keeps for good.
//
// Plain JavaScript, so any Node can start it: on a Node older than 22.12 (a system Node 20 when
// the bin is called by its path) it re-runs itself on the Node 24 that `npm install` provides.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  runOnProvidedNode();
} else {
  const bundle = new URL("../dist/groupsync-agent.mjs", import.meta.url);
  await import(bundleIsFresh(bundle) ? bundle.href : new URL("./cli.ts", import.meta.url).href);
}

function runOnProvidedNode() {
  const provided = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(provided)) {
    console.error(`groupsync-agent: needs Node >= 22.12, but this is Node ${process.version}; run \`npm install\` in ${fileURLToPath(new URL("..", import.meta.url))} (it provides Node 24) or install Node 24`);
    process.exit(1);
  }
  const child = spawn(provided, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the whole foreground group, the child included: let the child decide.
  for (const signal of ["SIGINT", "SIGQUIT"]) process.on(signal, () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`groupsync-agent: cannot start ${provided}: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

function newestSource() {
  let newest = 0;
  for (const dir of ["../agent", "../shared"]) {
    const root = fileURLToPath(new URL(dir, import.meta.url));
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh(bundle) {
  try {
    return statSync(bundle).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}
