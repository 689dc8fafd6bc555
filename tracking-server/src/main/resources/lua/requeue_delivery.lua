-- Queues a finished delivery job again (Redeliver), under its delivery id, with its attempts
-- kept: pending, due now, no longer expiring. Only a job in one of the given states is queued.
-- KEYS[1] job hash kc:{p}:dj:<id>   KEYS[2] attempts kc:{p}:da:<id>   KEYS[3] queue kc:{p}:dq
-- ARGV[1] delivery id   ARGV[2] states it may be in, ',' framed (",3," or ",2,3,")   ARGV[3] now ms
-- Returns 1 when queued, 0 when not (no such job, or in another state).
-- KEYS: job, attempts, queue
-- ARGV: delivery_id, states, now_ms
local state = redis.call('HGET', KEYS[1], 'st')
if not state or not string.find(ARGV[2], ',' .. state .. ',', 1, true) then
  return 0
end
redis.call('HSET', KEYS[1], 'st', '1', 'q', ARGV[3], 'na', ARGV[3])
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
