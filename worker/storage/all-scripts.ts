import { addMemberScript, agentKeyScript, createTeamScript, deleteTeamScript, reissueTokenScript, revokeMemberScript } from "../auth/scripts.ts";
import { applyEventHoldsScript, deleteEventScript, prepareEventScript, putEventScript, releaseEventHoldsScript, splitSeriesScript, extendHorizonScript, forgetOpenSeriesScript } from "../calendar/scripts.ts";
import { applyGoalLocksScript, checkInGoalScript, deleteGoalScript, prepareGoalScript, putGoalScript, releaseGoalLocksScript } from "../goals/scripts.ts";
import { extendLeaseScript, forgetHoldingTeamScript, voteScript } from "../tx/lease-scripts.ts";
import { decideScript, putRecordScript } from "../tx/scripts.ts";
import { appendFeedScript } from "../live/feed.ts";
import { putTimerScript } from "../live/timer-scripts.ts";
import { putTimerAndRoundsScript } from "../focus/focus-store.ts";
import { putFocusDaysScript, readFocusDaysScript } from "../focus/focus-days-store.ts";
import type { LuaScript } from "./lua-script.ts";

/** Every Lua script the worker runs, for the tests that check their precomputed SHA-1s. */
export const ALL_SCRIPTS: LuaScript[] = [
  createTeamScript,
  addMemberScript,
  agentKeyScript,
  reissueTokenScript,
  revokeMemberScript,
  deleteTeamScript,
  putEventScript,
  deleteEventScript,
  prepareEventScript,
  applyEventHoldsScript,
  releaseEventHoldsScript,
  splitSeriesScript,
  extendHorizonScript,
  forgetOpenSeriesScript,
  putGoalScript,
  deleteGoalScript,
  prepareGoalScript,
  applyGoalLocksScript,
  releaseGoalLocksScript,
  checkInGoalScript,
  voteScript,
  extendLeaseScript,
  forgetHoldingTeamScript,
  putRecordScript,
  decideScript,
  appendFeedScript,
  putTimerScript,
  putTimerAndRoundsScript,
  putFocusDaysScript,
  readFocusDaysScript,
];
