-- Where conversion n of a click keeps its fields. A conversion is the fields '<n>.<name>' of its
-- click's state hash kc:{p}:x:<kcid> (p payload, s status, a and c its value, ct cap token, st the
-- hour it was counted in, sf its stats cell, dc its dimension entries, x test, fx the rate it was
-- settled at): one key per converted click instead of one more per conversion. A conversion an
-- older server recorded is its own hash kc:{p}:v:<kcid>:<n> with the same names unprefixed; it is
-- read and changed in place until it expires. Every conversion has a status: s tells them apart.
local function conversion_at(state, legacy, n)
  local f = n .. '.'
  if redis.call('HEXISTS', state, f .. 's') == 1 then
    return {key = state, f = f}
  end
  return {key = legacy, f = ''}
end

-- The names a conversion's fields are read by in one HMGET (conversion_fields).
local CONVERSION_FIELDS = {'s', 'a', 'c', 'st', 'sf', 'x', 'dk', 'dc'}

-- The fields of the conversion at c (conversion_at) by name; s is nil when there is none.
local function conversion_fields(c)
  local names = {}
  for i, name in ipairs(CONVERSION_FIELDS) do
    names[i] = c.f .. name
  end
  local values = redis.call('HMGET', c.key, unpack(names))
  local fields = {}
  for i, name in ipairs(CONVERSION_FIELDS) do
    fields[name] = values[i] or nil
  end
  return fields
end

-- The stats and dimension hashes a conversion was counted in: the account's key prefixes
-- (kc:{p}:st:<account>:, kc:{p}:dim:<account>:) and the hour label its field st keeps. An older
-- server kept both whole keys in st and dk (they have a ':', an hour label has none): those are
-- used as they are. nil, nil when it was not counted (a test conversion).
local function counted_in(fields, stats_prefix, dims_prefix)
  local st = fields.st
  if not st then
    return nil, nil
  end
  if string.find(st, ':', 1, true) then
    return st, fields.dk
  end
  return stats_prefix .. st, dims_prefix .. st
end

-- A key of an hour's hash split into its prefix (through the last ':') and its hour label.
local function hour_key_parts(key)
  return string.match(key, '^(.*:)([^:]*)$')
end
