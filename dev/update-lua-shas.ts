#!/usr/bin/env node
/** `npm run lua:sha`: rewrites each LuaScript's precomputed SHA-1 after its source changed. */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_SCRIPTS } from "../worker/storage/all-scripts.ts";

const files = ["auth/scripts.ts", "calendar/scripts.ts", "goals/scripts.ts", "tx/lease-scripts.ts", "tx/scripts.ts", "live/feed.ts", "live/timer-scripts.ts"].map((f) => fileURLToPath(new URL(`../worker/${f}`, import.meta.url)));
for (const script of ALL_SCRIPTS) {
  const sha = createHash("sha1").update(script.source).digest("hex");
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const pattern = new RegExp(`("${script.name}",\\s*")[0-9a-f]{40}(")`);
    if (pattern.test(text)) {
      writeFileSync(file, text.replace(pattern, `$1${sha}$2`));
      console.log(`${script.name}: ${sha}`);
    }
  }
}
