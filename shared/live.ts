import { z } from "zod";
import { Event } from "./calendar.ts";
import { FocusRound } from "./focus.ts";
import { Goal } from "./goals.ts";
import { MAX_AGENT_TERM } from "./agent-term.ts";
import { GOAL_ID_PATTERN } from "./pomodoro.ts";

/**
 * The live feed: what the realtime hub (one Durable Object per team) sends over `GET /ws`, and what
 * agents send back. Agreed between the worker, the agents and the dashboard.
 *
 * Every change carries `seq`, the team feed's event id: 1, 2, 3... with no gaps, in the order the
 * changes were made. A client that reconnects with `?last_seq=N` gets every change after N, in order,
 * exactly once (from a capped Redis Stream), or a `reload` message if N is too old to replay.
 */

const NodeId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, { error: "must be letters, digits, . _ : -" });
export const Phase = z.enum(["idle", "focus", "short_break", "long_break"]);

/**
 * The team timer as `GET /pomo/state` shows it and `timer.state` carries it. Instants are epoch ms
 * in the worker's clock; durations are given in seconds (as the original did) and in ms.
 */
export const TeamTimer = z.object({
  running: z.boolean(),
  paused: z.boolean(),
  phase: Phase,
  /** Focus rounds completed in this session (a long break follows every `long_break_every`). */
  round: z.number().int().min(0),
  start_time: z.string().nullable().meta({ description: "When the current phase started (ISO 8601), null when idle." }),
  duration: z.number().meta({ description: "Length of the current phase in seconds." }),
  duration_ms: z.number().int(),
  remaining_time: z.number().meta({ description: "Seconds left in the current phase." }),
  remaining_ms: z.number().int(),
  ends_at: z.number().int().nullable().meta({ description: "Epoch ms when the phase ends (worker clock); null when idle or paused." }),
  settings: z.object({ focus_ms: z.number().int(), short_break_ms: z.number().int(), long_break_ms: z.number().int(), long_break_every: z.number().int() }),
  master: z.string().nullable().meta({ description: "Node id of the agent that drives the timer, null when the worker keeps it." }),
  goal: z.string().nullable().optional().meta({ description: "Id of the goal the session is for (start --goal, POST /pomo/start's goal), null for none; recorded on each focus round. Absent from a worker older than it." }),
  members: z.array(z.string()),
  term: z.number().int().min(0),
  updated_at: z.string(),
});
export type TeamTimer = z.infer<typeof TeamTimer>;

export const AgentInfo = z.object({
  node_id: NodeId,
  member: z.string(),
  role: z.enum(["master", "peer"]),
  term: z.number().int().min(0),
  master: z.string().nullable(),
  tcp: z.string().nullable().meta({ description: "host:port other agents join (null when unknown)." }),
  connected: z.boolean(),
  last_seen: z.string(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

const changeBase = { seq: z.number().int().min(1), team: z.string(), at: z.string(), by: z.string() };

/** A change, as stored in the team feed and sent to every socket of the team. */
export const Change = z.discriminatedUnion("type", [
  z.object({ ...changeBase, type: z.enum(["event.created", "event.updated"]), id: z.string(), event: Event, tx: z.string().optional() }),
  z.object({ ...changeBase, type: z.literal("event.deleted"), id: z.string(), tx: z.string().optional() }),
  z.object({ ...changeBase, type: z.enum(["goal.created", "goal.updated"]), id: z.string(), goal: Goal, tx: z.string().optional() }),
  z.object({ ...changeBase, type: z.literal("goal.deleted"), id: z.string(), tx: z.string().optional() }),
  z.object({ ...changeBase, type: z.enum(["tx.committed", "tx.aborted"]), tx: z.string() }),
  z.object({ ...changeBase, type: z.literal("timer.state"), timer: TeamTimer }),
  z.object({ ...changeBase, type: z.enum(["member.joined", "member.left"]), node_id: z.string().optional(), member: z.string(), kind: z.enum(["agent", "browser"]) }),
  /** A focus round ended and was recorded (shared/focus.ts); sent once per round. */
  z.object({ ...changeBase, type: z.literal("focus.completed"), round: FocusRound }),
]);
export type Change = z.infer<typeof Change>;
export type ChangeType = Change["type"];

/** Hub → client messages that are not changes (no `seq`). */
export const HubNotice = z.discriminatedUnion("type", [
  /** First message on every socket: where the feed stands and who you are; agents sign for `nonce` (shared/agent-proof.ts). */
  z.object({ type: z.literal("hello"), team: z.string(), member: z.string(), seq: z.number().int().min(0), server_time: z.number(), timer: TeamTimer, nonce: z.string() }),
  /** `last_seq` is older than the feed keeps: fetch the state again over REST, then follow from `seq`. */
  z.object({ type: z.literal("reload"), reason: z.string(), seq: z.number().int().min(0) }),
  /** Catch-up after `last_seq` is complete; live changes follow. */
  z.object({ type: z.literal("caught_up"), seq: z.number().int().min(0) }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
  /** To the master agent: a REST caller's timer command; answer with `command.result`. */
  z.object({ type: z.literal("command"), request_id: z.string(), command: z.record(z.string(), z.unknown()), by: z.string() }),
  /** Members with the dashboard open (browser sockets): the whole list, once to each browser socket after it went live. Not part of the feed. */
  z.object({ type: z.literal("presence"), people: z.array(z.string()) }),
  /** Who opened or closed the dashboard since the last presence message, batched (at most every PRESENCE_EVERY_MS). */
  z.object({ type: z.literal("presence.diff"), joined: z.array(z.string()), left: z.array(z.string()) }),
  /** To an agent: its report was refused (a stale term never overwrites the state). */
  z.object({ type: z.literal("report.refused"), code: z.enum(["stale_term", "term_jump"]), term: z.number().int(), current_term: z.number().int() }),
  /** To an agent calling itself master that may hold the timer now (the last holder left or went silent): report it. */
  z.object({ type: z.literal("report.wanted"), term: z.number().int() }),
]);
export type HubNotice = z.infer<typeof HubNotice>;
export type HubMessage = Change | HubNotice;

/** The timer as an agent reports it: times relative to now, so clocks need not agree. */
export const AgentTimerReport = z.object({
  phase: Phase,
  paused: z.boolean(),
  round: z.number().int().min(0),
  remaining_ms: z.number().int().min(0).max(86_400_000),
  duration_ms: z.number().int().min(0).max(86_400_000),
  settings: z.object({
    focus_ms: z.number().int().min(1).max(86_400_000),
    short_break_ms: z.number().int().min(1).max(86_400_000),
    long_break_ms: z.number().int().min(1).max(86_400_000),
    long_break_every: z.number().int().min(1).max(100),
  }),
  /** Absent from agents older than it: no goal. */
  goal: z.string().regex(GOAL_ID_PATTERN).nullable().optional(),
});
export type AgentTimerReport = z.infer<typeof AgentTimerReport>;

export { MAX_AGENT_TERM };
const Term = z.number().int().min(0).max(MAX_AGENT_TERM);

/** What proves an agent message (shared/agent-proof.ts): the worker's time as the agent estimates it, and the MAC. */
const proof = { at: z.number().int().min(0), mac: z.string().max(100) };

/** Agent → hub. Browsers send nothing but may send `ping`; everything else must be signed under the team key. */
export const AgentMessage = z.discriminatedUnion("type", [
  /** Registration and heartbeat: who the agent is and what it believes about the session. */
  z.object({
    type: z.literal("agent.heartbeat"),
    node_id: NodeId,
    role: z.enum(["master", "peer"]),
    term: Term,
    master: NodeId.nullable(),
    members: z.array(NodeId).max(64),
    tcp: z.string().max(300).nullable(),
    ...proof,
  }),
  /** From the master only, fenced by term: the timer as it now stands. */
  z.object({ type: z.literal("timer.report"), node_id: NodeId, term: Term, timer: AgentTimerReport, ...proof }),
  z.object({
    type: z.literal("command.result"),
    request_id: z.string().max(100),
    ok: z.boolean(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    timer: AgentTimerReport.optional(),
    term: Term.optional(),
    ...proof,
  }),
  z.object({ type: z.literal("ping") }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** Largest message a client may send over /ws; a larger one closes the socket (LIVE_CLOSE.messageTooBig). */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

/**
 * How many messages one socket may send: a bucket of MESSAGE_BURST that refills MESSAGES_PER_SECOND.
 * An agent sends a heartbeat every 2 s and a report on change, a browser a ping every 25 s; a socket
 * that empties the bucket is told so and closed (LIVE_CLOSE.rateLimited).
 */
export const MESSAGE_BURST = 40;
export const MESSAGES_PER_SECOND = 10;

/** Presence messages go out at most this often, carrying every join and leave since the last. */
export const PRESENCE_EVERY_MS = 200;

/** Close codes the hub uses (each after an `error` message saying why); a revoked token's sockets get 4401 (worker/auth). */
export const LIVE_CLOSE = {
  /** The socket sent more than MESSAGE_BURST messages faster than MESSAGES_PER_SECOND. */
  rateLimited: 1008,
  /** A text message that is not valid UTF-8 (RFC 6455 7.4.1; a literal U+FFFD counts, see worker/live/socket-limits.ts). */
  invalidUtf8: 1007,
  /** A message over MAX_CLIENT_MESSAGE_BYTES. */
  messageTooBig: 1009,
  /** The team or the member already has as many sockets open as the hub takes; retry later. */
  tooManySockets: 1013,
} as const;
