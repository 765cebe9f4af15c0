/**
 * `npm test` runs this first (the "pretest" script): the system tools the tests need are
 * installed from Debian's packages if missing and we may (see system-packages.ts), or we stop with
 * the one command to run.
 */
import { CHROMIUM, ensureSystemTools, FAKETIME, KHAL, REDIS_SERVER } from "./system-packages.ts";

const problem = ensureSystemTools([REDIS_SERVER, CHROMIUM, FAKETIME, KHAL], (line) => console.log(`groupsync test: ${line}`));
if (problem !== null) {
  console.error(`groupsync test: ${problem}`);
  process.exit(1);
}
