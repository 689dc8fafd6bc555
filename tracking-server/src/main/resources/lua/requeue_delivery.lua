-- Queues a finished delivery job again (Redeliver), under its delivery id, with its attempts
-- kept: pending, due now, no longer expiring, in its destination's queue (and the destination in
-- the index). Only a job in one of the given states is queued.
-- KEYS[1] job hash kc:{p}:dj:<id>   KEYS[2] attempts kc:{p}:da:<id>   KEYS[3] index kc:{p}:dq
-- ARGV[1] delivery id   ARGV[2] states it may be in, ',' framed (",3," or ",2,3,")   ARGV[3] now ms
-- ARGV[4] queue prefix kc:{p}:dq:
-- Returns 1 when queued, 0 when not (no such job, or in another state).
-- KEYS: job, attempts, index
-- ARGV: delivery_id, states, now_ms, queue_prefix
local f = redis.call('HMGET', KEYS[1], 'st', 'o', 'd')
local state = f[1]
if not state or not string.find(ARGV[2], ',' .. state .. ',', 1, true) then
  return 0
end
redis.call('HSET', KEYS[1], 'st', '1', 'q', ARGV[3], 'na', ARGV[3])
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
local dest = f[2] .. '/' .. f[3]
redis.call('ZADD', ARGV[4] .. dest, ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], 'LT', ARGV[3], dest)
return 1
