-- Reads conversions of one partition in one call: the reads that reached the server while the
-- partition's previous read was in flight (RedisConversionStore), so a busy server pays Redis'
-- per-call cost once per batch rather than twice per conversion. Conversion n is the fields
-- '<n>.<name>' of its click's state hash when '<n>.s' is there, else (recorded by an older server)
-- its own hash with the names unprefixed, as lib_conversions.lua reads them; its history is a list.
-- KEYS[1..] the keys the conversions name: state hashes kc:{p}:x:<kcid>, older servers' hashes
--           kc:{p}:v:<kcid>:<n> and history lists kc:{p}:h:<kcid>:<n> (same partition slot)
-- ARGV[1..] four values per conversion: its state hash's, older hash's and history list's index in
--           KEYS; its number n
-- Returns one entry per conversion, in order: {{name, value, ...}, {history entry, ...}}; no
-- names when there is no such conversion.
-- KEYS: read_keys...
-- ARGV: conversions...
local NAMES = {'s', 'p', 'a', 'c', 'fx'}
local found = {}
for i = 1, #ARGV, 4 do
  local f = ARGV[i + 3] .. '.'
  local prefixed = {}
  for j, name in ipairs(NAMES) do
    prefixed[j] = f .. name
  end
  local values = redis.call('HMGET', KEYS[tonumber(ARGV[i])], unpack(prefixed))
  local fields = {}
  if values[1] then
    for j, name in ipairs(NAMES) do
      if values[j] then
        fields[#fields + 1] = name
        fields[#fields + 1] = values[j]
      end
    end
  else
    fields = redis.call('HGETALL', KEYS[tonumber(ARGV[i + 1])])
  end
  found[#found + 1] = {fields, redis.call('LRANGE', KEYS[tonumber(ARGV[i + 2])], 0, -1)}
end
return found
