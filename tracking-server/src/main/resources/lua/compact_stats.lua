-- Rewrites stats and dimension hashes of past hours, listed in their partition's set of hot
-- hashes, as compact hashes again (heat in lib_stats.lua made them hash tables while their hour
-- was current; Redis never converts a hash table back by itself). A hash is read, deleted and
-- written anew with the same fields and expiry, so Redis picks the encoding its limits allow:
-- a listpack for the few hundred fields of a usual hour. Atomic, so no count is lost to a
-- concurrent write; a key no longer in the set was compacted by another instance and is skipped.
-- KEYS[1] the partition's hot stats hashes kc:{p}:sh
-- KEYS[2..] hashes of that partition listed there (RedisStatsCompactor picks the past hours)
-- Returns the number of hashes rewritten.
-- KEYS: hot_stats, hashes...
-- ARGV:
-- Fields per HSET: far below Lua's limit on unpack's results.
local CHUNK = 256
local rewritten = 0
for i = 2, #KEYS do
  local key = KEYS[i]
  if redis.call('SREM', KEYS[1], key) == 1 then
    if redis.call('TYPE', key).ok == 'hash' and redis.call('OBJECT', 'ENCODING', key) == 'hashtable' then
      local ttl = redis.call('PTTL', key)
      local flat = redis.call('HGETALL', key)
      redis.call('DEL', key)
      for from = 1, #flat, 2 * CHUNK do
        redis.call('HSET', key, unpack(flat, from, math.min(#flat, from + 2 * CHUNK - 1)))
      end
      if ttl > 0 then
        redis.call('PEXPIRE', key, ttl)
      end
      rewritten = rewritten + 1
    end
  end
end
return rewritten
