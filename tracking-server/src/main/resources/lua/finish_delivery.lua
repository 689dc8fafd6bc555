-- Records one attempt of a delivery job and moves the job on, atomically: retry at a later time,
-- or finish it (delivered, dead-lettered, cancelled), which drops it from the queue and lets the
-- job and its attempts expire after the log retention. A job another worker finished meanwhile
-- (its lease expired and the job was sent twice) keeps its state; the attempt is recorded anyway.
-- KEYS[1] job hash kc:{p}:dj:<id>   KEYS[2] attempts kc:{p}:da:<id>   KEYS[3] queue kc:{p}:dq
-- ARGV[1] delivery id   ARGV[2] outcome: R retry, 2 delivered, 3 dead-lettered, 4 cancelled
-- ARGV[3] attempt (DeliveryAttempt protobuf, "" = none)   ARGV[4] next attempt ms (retry)
-- ARGV[5] log retention ms   ARGV[6] attempts kept
-- Returns the job's state number afterwards (0 = no such job).
-- KEYS: job, attempts, queue
-- ARGV: delivery_id, outcome, attempt, next_ms, retention_ms, attempts_kept
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[6]), -1)
  redis.call('HINCRBY', KEYS[1], 'n', 1)
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
local state = redis.call('HGET', KEYS[1], 'st')
if state ~= '1' then
  return tonumber(state)
end
if ARGV[2] == 'R' then
  redis.call('HSET', KEYS[1], 'na', ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], 'st', ARGV[2], 'na', '0')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return tonumber(ARGV[2])
