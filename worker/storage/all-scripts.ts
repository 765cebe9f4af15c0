import { addMemberScript, createTeamScript } from "../auth/scripts.ts";
import { deleteEventScript, putEventScript } from "../calendar/scripts.ts";
import { deleteGoalScript, putGoalScript } from "../goals/scripts.ts";
import type { LuaScript } from "./lua-script.ts";

/** Every Lua script the worker runs, for the tests that check their precomputed SHA-1s. */
export const ALL_SCRIPTS: LuaScript[] = [createTeamScript, addMemberScript, putEventScript, deleteEventScript, putGoalScript, deleteGoalScript];
