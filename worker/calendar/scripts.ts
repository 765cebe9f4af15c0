import { IDEM_LUA } from "../idempotency/lua.ts";
import { EMIT_LUA, FEED_LOCALS_LUA, FEED_REPLY_LUA } from "../live/feed.ts";
import { LuaScript } from "../storage/lua-script.ts";
import { LEAVE_LEASE_LUA } from "../tx/lease-scripts.ts";
import { RECORD_FIELD_LUA } from "../storage/record-field-lua.ts";
import { QUOTA_LUA } from "../limits/quota-lua.ts";

/**
 * The overlap rule, in Lua, shared by every script that books time (a plain write and a
 * transaction's hold), so it exists once. Entries on one calendar never overlap, so sorted by
 * start they are also sorted by end: the only entry starting before `s` that can overlap [s, e)
 * is the last one, and every entry starting inside [s, e) overlaps. Two range reads, whatever
 * the calendar's size. `id` (the event being written; or a list of ids, the events a split writes) never conflicts with itself: neither its
 * own entry nor one of its occurrences (members "<id>@<start ms>"; ids never hold '@'). Skipping
 * an own entry before `s` is safe: anything before it ends before it starts. The entries inside
 * are read in pages, as a series being rewritten may have several of its own there.
 * Appends to `conflicts` until it holds `max`.
 */
const FIND_CONFLICTS = `local function is_own(member, id)
  if type(id) == 'table' then
    for _, one in ipairs(id) do
      if is_own(member, one) then return true end
    end
    return false
  end
  return member == id or string.sub(member, 1, #id + 1) == id .. '@'
end
local function find_conflicts_into(conflicts, startsKey, endsKey, id, s_text, e_text, max)
  if #conflicts >= max then return conflicts end
  local before = redis.call('ZREVRANGEBYSCORE', startsKey, '(' .. s_text, '-inf', 'LIMIT', 0, 1)
  if before[1] and not is_own(before[1], id) and tonumber(redis.call('ZSCORE', endsKey, before[1])) > tonumber(s_text) then
    table.insert(conflicts, before[1])
  end
  local offset = 0
  while #conflicts < max do
    local inside = redis.call('ZRANGEBYSCORE', startsKey, s_text, '(' .. e_text, 'LIMIT', offset, max + 1)
    for _, other in ipairs(inside) do
      if not is_own(other, id) and #conflicts < max then table.insert(conflicts, other) end
    end
    if #inside < max + 1 then break end
    offset = offset + #inside
  end
  return conflicts
end
local function find_conflicts(startsKey, endsKey, id, s_text, e_text, max)
  return find_conflicts_into({}, startsKey, endsKey, id, s_text, e_text, max)
end
local function conflict_reply(conflicts)
  local reply = {'conflict'}
  for _, other in ipairs(conflicts) do table.insert(reply, other) end
  return reply
end
`;

/**
 * Series without an end (horizon.ts), for every script that books time on a calendar.
 * horizon_refusal: nil, or the reply refusing the write. An open series' write (`open` '1') carries
 * the horizon its entries reach (`planned`): the calendar's own, else the one it sets, which only
 * the first open series may do, and only if nothing else on the calendar ends after it. Any
 * other write's entries (ARGV[first], step 3: member, start, end) must end by the calendar's horizon.
 * track_open / untrack_open keep the calendar's set of open series; the horizon goes with the last.
 */
const HORIZON_LUA = `local function horizon_refusal(horizonKey, endsKey, ids, open, planned, first)
  local h = redis.call('GET', horizonKey)
  if open == '1' then
    if h then
      if h ~= planned then return {'horizon_moved', h} end
      return nil
    end
    local offset = 0
    while true do
      local later = redis.call('ZRANGEBYSCORE', endsKey, '(' .. planned, '+inf', 'LIMIT', offset, 50)
      for _, member in ipairs(later) do
        if not is_own(member, ids) then return {'beyond_horizon', planned} end
      end
      if #later < 50 then return nil end
      offset = offset + #later
    end
  end
  if not h then return nil end
  for i = first, #ARGV - 1, 3 do
    if tonumber(ARGV[i + 2]) > tonumber(h) then return {'beyond_horizon', h} end
  end
  return nil
end
local function untrack_open(openKey, horizonKey, id)
  if redis.call('SREM', openKey, id) == 1 and redis.call('SCARD', openKey) == 0 then redis.call('DEL', horizonKey) end
end
local function track_open(openKey, horizonKey, id, open, planned)
  if open ~= '1' then return end
  redis.call('SADD', openKey, id)
  if not redis.call('GET', horizonKey) then redis.call('SET', horizonKey, planned) end
end
`;

/** Removes an event's entries (its id, or a series' occurrences listed in its occurrences key) from the sorted sets. */
const REMOVE_ENTRIES = `local function remove_entries(occurrencesKey, id, startsKey, endsKey, teamStartsKey)
  local members = redis.call('ZRANGE', occurrencesKey, 0, -1)
  table.insert(members, id)
  for _, member in ipairs(members) do
    redis.call('ZREM', startsKey, member)
    redis.call('ZREM', endsKey, member)
    redis.call('ZREM', teamStartsKey, member)
  end
  redis.call('DEL', occurrencesKey)
end
`;

/**
 * The overlap check and the write in one atomic step, for a single event or a whole series.
 * KEYS: event, target cal start, target cal end, team start, previous cal start, previous cal end,
 *       team max length, event lock, occurrences, target cal horizon, target cal open series,
 *       previous cal horizon, previous cal open series, idempotency record, feed stream, feed seq
 * ARGV: id, record JSON, mode (create|update), expected version ('' for create),
 *       max conflicts to report, channel, message, idempotency fingerprint ('' for none),
 *       idempotency answer, events quota ('' for none), open ('1' for a series without an end),
 *       the horizon its entries reach ('' for others), then per entry: member, start ms, end ms,
 *       and last feed inline ('1' or ''; where FEED_LOCALS_LUA reads it).
 *       A single event has one entry, its id; a series one per occurrence, "<id>@<start ms>".
 * The occurrences key (sorted set: member -> start) lists a series' entries, so a rewrite or a
 * delete removes every one of them; a single event has none. Every entry is checked before
 * anything is written, so a refused write changes nothing.
 * Returns {'ok', feed...} (see FEED_REPLY_LUA) | {'exists'} | {'missing'} | {'stale', version} | {'locked', tx}
 *       | {'quota_exceeded', 'events', limit} (team start counts the team's entries, so each occurrence
 *         counts: a create needs room for all of them, an update for those it adds; see QUOTA_LUA)
 *       | {'conflict', member, ...} (the first conflicting entries over all occurrences, up to max; a
 *         hold's id is its member: its record is at event:<id> too; the worker reads them)
 *       | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA: checked first, stored with the write)
 *       | {'beyond_horizon', horizon} | {'horizon_moved', horizon} (see HORIZON_LUA)
 * The overlap rule is FIND_CONFLICTS above.
 */
export const putEventScript = new LuaScript(
  "put_event",
  "a478dc4a69b619b964f4aa1469337f776b842b32",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${FIND_CONFLICTS}${REMOVE_ENTRIES}${RECORD_FIELD_LUA}${IDEM_LUA}${QUOTA_LUA}${HORIZON_LUA}local seen = idem_seen(KEYS[14], ARGV[8])
if seen then return seen end
local id = ARGV[1]
local lock = redis.call('GET', KEYS[8])
if lock then return {'locked', lock} end
local current = redis.call('GET', KEYS[1])
local entries = (#ARGV - 13) / 3
if ARGV[3] == 'create' then
  if current then return {'exists'} end
  local full = quota_refusal(KEYS[4], ARGV[10], 'events', tostring(entries - 1))
  if full then return full end
else
  if not current then return {'missing'} end
  local version = tostring(record_field(current, 'version'))
  if version ~= ARGV[4] then return {'stale', version} end
  local added = entries - math.max(1, redis.call('ZCARD', KEYS[9]))
  if added > 0 then
    local full = quota_refusal(KEYS[4], ARGV[10], 'events', tostring(added - 1))
    if full then return full end
  end
end
local beyond = horizon_refusal(KEYS[10], KEYS[3], id, ARGV[11], ARGV[12], 13)
if beyond then return beyond end
local max = tonumber(ARGV[5])
local conflicts = {}
for i = 13, #ARGV - 1, 3 do
  find_conflicts_into(conflicts, KEYS[2], KEYS[3], id, ARGV[i + 1], ARGV[i + 2], max)
  if #conflicts >= max then break end
end
if #conflicts > 0 then return conflict_reply(conflicts) end
remove_entries(KEYS[9], id, KEYS[5], KEYS[6], KEYS[4])
redis.call('SET', KEYS[1], ARGV[2])
untrack_open(KEYS[13], KEYS[12], id)
track_open(KEYS[11], KEYS[10], id, ARGV[11], ARGV[12])
local longest = tonumber(redis.call('GET', KEYS[7]) or '0')
for i = 13, #ARGV - 1, 3 do
  local member, s, e = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  redis.call('ZADD', KEYS[2], s, member)
  redis.call('ZADD', KEYS[3], e, member)
  redis.call('ZADD', KEYS[4], s, member)
  if member ~= id then redis.call('ZADD', KEYS[9], s, member) end
  if e - s > longest then longest = e - s end
end
redis.call('SET', KEYS[7], longest)
idem_remember(KEYS[14], ARGV[8], ARGV[9])
emit(ARGV[6], ARGV[7])
return feed_reply({'ok'})`,
);

/**
 * "This and following": a series split in two in one atomic step, the part before the split
 * rewritten (compare-and-set on its version), the new series created (its id must be free).
 * KEYS: series, new series, series' cal start, cal end, new series' cal start, cal end, team start,
 *       team max length, series lock, new series lock, series occurrences, new series occurrences,
 *       series' cal open series, its horizon, new series' cal open series, its horizon, feed stream, feed seq
 * ARGV: series id, series JSON, expected version, new id, new JSON, max conflicts, channel,
 *       series message, new series message, events quota ('' for none), number of the series' entries,
 *       new series open ('1': it has no end), the horizon it reaches, then the series' entries
 *       (member, start ms, end ms), the new series' entries, and feed inline. The part before always ends.
 * Only the new series' entries are checked (the part before keeps a subset of its old ones); the
 * two series' own entries never count (the worker checked the two do not overlap each other).
 * Returns {'ok', feed...} | {'missing'} | {'stale', version} | {'locked', tx} | {'exists'}
 *       | {'quota_exceeded', 'events', limit} | {'conflict', member, ...} | {'beyond_horizon', h} | {'horizon_moved', h}, as put_event.
 */
export const splitSeriesScript = new LuaScript(
  "split_series",
  "d906e2a40bebd33ef05bbbeeef76a2128db24578",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${FIND_CONFLICTS}${REMOVE_ENTRIES}${RECORD_FIELD_LUA}${QUOTA_LUA}${HORIZON_LUA}local id, newId = ARGV[1], ARGV[4]
for _, lockKey in ipairs({KEYS[9], KEYS[10]}) do
  local lock = redis.call('GET', lockKey)
  if lock then return {'locked', lock} end
end
local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
local version = tostring(record_field(current, 'version'))
if version ~= ARGV[3] then return {'stale', version} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
local oldEntries = tonumber(ARGV[11])
local first = 14
local newFirst = first + oldEntries * 3
local total = (#ARGV - 14) / 3
local added = total - math.max(1, redis.call('ZCARD', KEYS[11]))
if added > 0 then
  local full = quota_refusal(KEYS[7], ARGV[10], 'events', tostring(added - 1))
  if full then return full end
end
local beyond = horizon_refusal(KEYS[16], KEYS[6], {id, newId}, ARGV[12], ARGV[13], newFirst)
if beyond then return beyond end
local max = tonumber(ARGV[6])
local conflicts = {}
for i = newFirst, #ARGV - 1, 3 do
  find_conflicts_into(conflicts, KEYS[5], KEYS[6], {id, newId}, ARGV[i + 1], ARGV[i + 2], max)
  if #conflicts >= max then break end
end
if #conflicts > 0 then return conflict_reply(conflicts) end
remove_entries(KEYS[11], id, KEYS[3], KEYS[4], KEYS[7])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[5])
untrack_open(KEYS[13], KEYS[14], id)
track_open(KEYS[15], KEYS[16], newId, ARGV[12], ARGV[13])
local longest = tonumber(redis.call('GET', KEYS[8]) or '0')
for i = first, #ARGV - 1, 3 do
  local member, s, e = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local startsKey, endsKey, occurrencesKey, own = KEYS[3], KEYS[4], KEYS[11], id
  if i >= newFirst then startsKey, endsKey, occurrencesKey, own = KEYS[5], KEYS[6], KEYS[12], newId end
  redis.call('ZADD', startsKey, s, member)
  redis.call('ZADD', endsKey, e, member)
  redis.call('ZADD', KEYS[7], s, member)
  if member ~= own then redis.call('ZADD', occurrencesKey, s, member) end
  if e - s > longest then longest = e - s end
end
redis.call('SET', KEYS[8], longest)
emit(ARGV[7], ARGV[8])
emit(ARGV[7], ARGV[9])
return feed_reply({'ok'})`,
);

/**
 * Moves a calendar's horizon on (the scheduled sweep; see horizon.ts): adds the entries of its
 * series without an end that start in [horizon, new horizon), in start order, each checked against
 * everything on the calendar (their own series' too). The first that overlaps anything stops it:
 * the horizon becomes that entry's start (all before it are in), so nothing is ever overlapped.
 * KEYS: cal horizon, cal start, cal end, team start, team max length, then per series: event, occurrences.
 * ARGV: expected horizon, new horizon, number of series, per series: id, version; then per entry:
 *       member, start ms, end ms, the series' index (1-based).
 * Returns {'ok', added} | {'moved'} (the horizon or a series changed since the worker read them:
 *       nothing done) | {'blocked', at, member, conflicting member} (the horizon now `at`).
 */
export const extendHorizonScript = new LuaScript(
  "extend_horizon",
  "05441901951a15f64c2df55a314e353c05c1dcee",
  `${FIND_CONFLICTS}${RECORD_FIELD_LUA}local horizon = redis.call('GET', KEYS[1])
if horizon ~= ARGV[1] then return {'moved'} end
local n = tonumber(ARGV[3])
for s = 1, n do
  local raw = redis.call('GET', KEYS[4 + s * 2])
  if not raw or tostring(record_field(raw, 'version')) ~= ARGV[3 + s * 2] then return {'moved'} end
end
local longest = tonumber(redis.call('GET', KEYS[5]) or '0')
local added = 0
for i = 4 + n * 2, #ARGV, 4 do
  local member, s, e, series = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local conflicts = find_conflicts(KEYS[2], KEYS[3], '@', ARGV[i + 1], ARGV[i + 2], 1)
  if #conflicts > 0 then
    redis.call('SET', KEYS[1], math.max(tonumber(horizon), s))
    redis.call('SET', KEYS[5], longest)
    return {'blocked', tostring(s), member, conflicts[1]}
  end
  redis.call('ZADD', KEYS[2], s, member)
  redis.call('ZADD', KEYS[3], e, member)
  redis.call('ZADD', KEYS[4], s, member)
  redis.call('ZADD', KEYS[5 + series * 2], s, member)
  if e - s > longest then longest = e - s end
  added = added + 1
end
redis.call('SET', KEYS[5], longest)
redis.call('SET', KEYS[1], ARGV[2])
return {'ok', added}`,
);

/**
 * Forgets the ids of a calendar's open-series set that are no longer series without an end there
 * (deleted, changed, moved; a transaction's delete leaves its id for this), and the horizon with
 * the last. KEYS: cal open series, cal horizon. ARGV: ids to forget. Returns the ids left.
 */
export const forgetOpenSeriesScript = new LuaScript(
  "forget_open_series",
  "66bab1e75ae29390d2ef85d901d4f2c978143602",
  `for _, id in ipairs(ARGV) do redis.call('SREM', KEYS[1], id) end
local left = redis.call('SCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[2]) end
return left`,
);

/**
 * KEYS: event, cal start, cal end, team start, event lock, occurrences, cal open series, cal horizon,
 *       feed stream, feed seq.
 * ARGV: id, expected version, channel, message, feed inline.
 * Returns {'ok', feed...} | {'missing'} | {'stale', version} | {'locked', tx}. The slot (every
 * occurrence of a series) is free the moment this returns.
 */
export const deleteEventScript = new LuaScript(
  "delete_event",
  "7809974fa28fbce60def26a5e9697d275478e47e",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${REMOVE_ENTRIES}${RECORD_FIELD_LUA}${FIND_CONFLICTS}${HORIZON_LUA}local lock = redis.call('GET', KEYS[5])
if lock then return {'locked', lock} end
local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
local version = tostring(record_field(current, 'version'))
if version ~= ARGV[2] then return {'stale', version} end
redis.call('DEL', KEYS[1])
remove_entries(KEYS[6], ARGV[1], KEYS[2], KEYS[3], KEYS[4])
untrack_open(KEYS[7], KEYS[8], ARGV[1])
emit(ARGV[3], ARGV[4])
return feed_reply({'ok'})`,
);

/**
 * Prepares one calendar op of a transaction: validates it against the store and takes its hold,
 * atomically. A hold is busy time on every entry the op will write (one for a single event, one per
 * occurrence of a series), each a member "hold:<tx>:<slot>" or "hold:<tx>:<slot>@<occurrence start>".
 * KEYS: event, cal start, cal end, hold, event lock, tx holds, leases, team start, cal horizon, occurrences.
 * ARGV: kind (create|update|delete), event id, hold record JSON, tx id, lease end ms, max conflicts,
 *       expected version ('' for create), events quota ('' for none), event entries this transaction's
 *       earlier creates hold, then per entry: hold member, start ms, end ms (none for a delete).
 * Returns {'ok'} | {'locked', tx} | {'exists'} | {'missing'} | {'stale'} | {'conflict', id, ...}
 *       | {'quota_exceeded', 'events', limit} (counted against the entries the team has now and those
 *         the transaction holds for creates; an update for the entries it adds; see QUOTA_LUA)
 *       | {'beyond_horizon', horizon} (an entry ends after the horizon of the calendar's series without an end)
 * Holds of the same transaction count as busy too: two ops for one slot in one transaction conflict.
 */
export const prepareEventScript = new LuaScript(
  "prepare_event",
  "e463ee8f6580b438f68c21071b38c32ad59a122b",
  `${FIND_CONFLICTS}${RECORD_FIELD_LUA}${QUOTA_LUA}local id, tx = ARGV[2], ARGV[4]
local lock = redis.call('GET', KEYS[5])
if lock then return {'locked', lock} end
local current = redis.call('GET', KEYS[1])
local entries = (#ARGV - 9) / 3
if ARGV[1] == 'create' then
  if current then return {'exists'} end
  local full = quota_refusal(KEYS[8], ARGV[8], 'events', tostring(tonumber(ARGV[9]) + entries - 1))
  if full then return full end
else
  if not current then return {'missing'} end
  if tostring(record_field(current, 'version')) ~= ARGV[7] then return {'stale'} end
  local added = entries - math.max(1, redis.call('ZCARD', KEYS[10]))
  if ARGV[1] == 'update' and added > 0 then
    local full = quota_refusal(KEYS[8], ARGV[8], 'events', tostring(tonumber(ARGV[9]) + added - 1))
    if full then return full end
  end
end
local horizon = redis.call('GET', KEYS[9])
local max = tonumber(ARGV[6])
local conflicts = {}
for i = 10, #ARGV, 3 do
  if horizon and tonumber(ARGV[i + 2]) > tonumber(horizon) then return {'beyond_horizon', horizon} end
  find_conflicts_into(conflicts, KEYS[2], KEYS[3], id, ARGV[i + 1], ARGV[i + 2], max)
  if #conflicts >= max then break end
end
if #conflicts > 0 then return conflict_reply(conflicts) end
for i = 10, #ARGV, 3 do
  redis.call('ZADD', KEYS[2], tonumber(ARGV[i + 1]), ARGV[i])
  redis.call('ZADD', KEYS[3], tonumber(ARGV[i + 2]), ARGV[i])
end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('SET', KEYS[5], tx)
redis.call('SADD', KEYS[6], KEYS[4])
redis.call('ZADD', KEYS[7], ARGV[5], tx)
return {'ok'}`,
);

/**
 * The hold record's entries and hold members, in Lua: a hold of this version lists them
 * (`entries`: {member, start, end} the op writes; `holds`: the members busy meanwhile); one of the
 * version before has a single interval (start_ms, end_ms, member).
 */
const HOLD_ENTRIES_LUA = `local function hold_entries(hold)
  if hold.entries then return hold.entries, hold.holds end
  return {{member = hold.event_id, start = hold.start_ms, ['end'] = hold.end_ms}}, {hold.member}
end
`;

/**
 * Applies a committed transaction's calendar holds; idempotent (a hold already applied is gone).
 * The worker reads the holds first (SMEMBERS of tx holds, then each hold) to name every key here.
 * KEYS: tx holds, leases, team start, team max length, then per hold: hold, event, its calendar's
 *       start and end, the previous calendar's start and end (update, delete), event lock, the
 *       event's occurrences (a series' entries are listed there); then feed stream, feed seq.
 * ARGV: tx id, channel, team, member, now, feed inline.
 * Returns {count, remaining, feed...}: `remaining` holds were added after the worker read them
 * (the lease stays until none is left, so the worker reads again or recovery finds them).
 */
export const applyEventHoldsScript = new LuaScript(
  "apply_event_holds",
  "6e11ae4b7f7cbd4796d80c34cabfa6138127607d",
  `${REMOVE_ENTRIES}${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${LEAVE_LEASE_LUA}${HOLD_ENTRIES_LUA}local count = 0
for i = 5, #KEYS - 2, 8 do
  local holdKey, eventKey, startKey, endKey, oldStartKey, oldEndKey, lockKey, occurrencesKey = KEYS[i], KEYS[i + 1], KEYS[i + 2], KEYS[i + 3], KEYS[i + 4], KEYS[i + 5], KEYS[i + 6], KEYS[i + 7]
  local raw = redis.call('GET', holdKey)
  if raw then
    local hold = cjson.decode(raw)
    local id = hold.event_id
    local entries, holds = hold_entries(hold)
    local message
    if hold.kind ~= 'create' then remove_entries(occurrencesKey, id, oldStartKey, oldEndKey, KEYS[3]) end
    if hold.kind == 'delete' then
      redis.call('DEL', eventKey)
      message = '{"type":"event.deleted","team":' .. cjson.encode(ARGV[3]) .. ',"id":' .. cjson.encode(id) .. ',"by":' .. cjson.encode(ARGV[4]) .. ',"at":' .. cjson.encode(ARGV[5]) .. ',"tx":' .. cjson.encode(ARGV[1]) .. '}'
    else
      redis.call('SET', eventKey, hold.event)
      local longest = tonumber(redis.call('GET', KEYS[4]) or '0')
      for _, entry in ipairs(entries) do
        redis.call('ZADD', startKey, entry.start, entry.member)
        redis.call('ZADD', endKey, entry['end'], entry.member)
        redis.call('ZADD', KEYS[3], entry.start, entry.member)
        if entry.member ~= id then redis.call('ZADD', occurrencesKey, entry.start, entry.member) end
        if entry['end'] - entry.start > longest then longest = entry['end'] - entry.start end
      end
      redis.call('SET', KEYS[4], longest)
      local kind = 'event.updated'
      if hold.kind == 'create' then kind = 'event.created' end
      message = '{"type":"' .. kind .. '","team":' .. cjson.encode(ARGV[3]) .. ',"id":' .. cjson.encode(id) .. ',"by":' .. cjson.encode(ARGV[4]) .. ',"at":' .. cjson.encode(ARGV[5]) .. ',"tx":' .. cjson.encode(ARGV[1]) .. ',"event":' .. hold.event .. '}'
    end
    for _, member in ipairs(holds) do
      redis.call('ZREM', startKey, member)
      redis.call('ZREM', endKey, member)
    end
    redis.call('DEL', holdKey)
    redis.call('DEL', lockKey)
    emit(ARGV[2], message)
    count = count + 1
  end
  redis.call('SREM', KEYS[1], holdKey)
end
local remaining = leave_lease(KEYS[1], KEYS[2], ARGV[1])
return feed_reply({count, remaining})`,
);

/**
 * Releases an aborted transaction's calendar holds; idempotent. The worker reads the holds first.
 * KEYS: tx holds, leases, then per hold: hold, its calendar's start and end, event lock.
 * ARGV: tx id. Returns {count, remaining} (see apply_event_holds).
 */
export const releaseEventHoldsScript = new LuaScript(
  "release_event_holds",
  "f7f5f9fe316633459f19bac98efaa78716afe0cb",
  `${LEAVE_LEASE_LUA}${HOLD_ENTRIES_LUA}local count = 0
for i = 3, #KEYS, 4 do
  local raw = redis.call('GET', KEYS[i])
  if raw then
    local hold = cjson.decode(raw)
    local _, holds = hold_entries(hold)
    for _, member in ipairs(holds) do
      redis.call('ZREM', KEYS[i + 1], member)
      redis.call('ZREM', KEYS[i + 2], member)
    end
    if redis.call('GET', KEYS[i + 3]) == ARGV[1] then redis.call('DEL', KEYS[i + 3]) end
    redis.call('DEL', KEYS[i])
    count = count + 1
  end
  redis.call('SREM', KEYS[1], KEYS[i])
end
local remaining = leave_lease(KEYS[1], KEYS[2], ARGV[1])
return {count, remaining}`,
);
