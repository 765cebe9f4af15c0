/**
 * Lua: `record_field(raw, name)` reads one top-level field of a stored record (an event, a goal, a
 * transaction record): `version`, or an event's `calendar`. cjson cannot decode every string
 * JSON.stringify writes (the escape of a lone UTF-16 surrogate, stored before such text was
 * refused), and a record it cannot read must still be updatable and deletable, not a 500 forever.
 * So when decoding fails, the field is found in the text itself: outside strings, `,"name":` can
 * only be that member (inside a JSON string every quote is escaped), and the values read this way
 * (a number, a calendar name) contain no quote, comma or brace. Returns a number or a string; wrap
 * it in tostring() to compare.
 */
export const RECORD_FIELD_LUA = `local function record_field(raw, name)
  local ok, record = pcall(cjson.decode, raw)
  if ok then return record[name] end
  return string.match(raw, ',"' .. name .. '":"?([^",}]*)')
end
`;
