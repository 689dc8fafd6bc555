-- Counts a conversion in the velocity window of its click's network and returns how many distinct
-- conversions the window holds: a sorted set member -> first-seen time, trimmed to the window. The
-- member names the conversion (kcid, goal, transaction), so a retried or duplicate postback adds
-- nothing and keeps its first time.
-- KEYS[1] window  kc:{a:<account>}:vl:<network digest>
-- ARGV[1] member  ARGV[2] now, unix ms  ARGV[3] window length, ms
-- KEYS: window
-- ARGV: member, now_ms, window_ms
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
redis.call('ZADD', KEYS[1], 'NX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('ZCARD', KEYS[1])
