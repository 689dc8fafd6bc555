-- Reads stats hashes of one partition (one hash slot) in one round trip: a flat HGETALL reply
-- per key, in KEYS order (empty for hours without counters). Writes nothing.
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('HGETALL', key)
end
return out
