// @ts-check
/**
 * Types the dashboard shares with the worker, taken from the zod schemas in shared/ (JSDoc only:
 * nothing here exists at run time, the browser never loads shared/).
 *
 * @typedef {import("../../../shared/calendar.ts").Event} CalendarEvent
 * @typedef {import("../../../shared/goals.ts").Goal} Goal
 * @typedef {import("../../../shared/live.ts").TeamTimer} TeamTimer
 * @typedef {import("../../../shared/live.ts").AgentInfo} AgentInfo
 * @typedef {import("../../../shared/live.ts").Change} Change
 * @typedef {import("../../../shared/live.ts").HubMessage} HubMessage
 * @typedef {import("../../../shared/errors.ts").ErrorBody["error"]} ApiErrorInfo
 */
export {};
