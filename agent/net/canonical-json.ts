/** The MAC's serialisation lives in shared/: the worker verifies agents' messages with the same one. */
export { canonicalJson } from "../../shared/canonical-json.ts";
