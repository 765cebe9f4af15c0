#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm install` runs it): bundles groupsync-agent into one
 * JavaScript file, dist/groupsync-agent.mjs, which agent/bin.mjs runs when it is up to date.
 * Loading the TypeScript sources through Node's type stripping costs an agent about 40 MB more
 * memory for as long as it runs; the bundle is the same code, already stripped.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  entryPoints: [`${root}agent/cli.ts`],
  outfile: `${root}dist/groupsync-agent.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  // ws's optional native helpers: it runs without them.
  external: ["bufferutil", "utf-8-validate"],
  // Bundled CommonJS (ws) calls require(); give the ES module one.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});
