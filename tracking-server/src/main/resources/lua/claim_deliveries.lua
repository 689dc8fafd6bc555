-- Claims the due delivery jobs of one partition: each is re-scored to the end of its lease, so no
-- other worker takes it until the lease expires (then one does: at-least-once, same delivery id).
-- A queue member without a pending job (finished or expired meanwhile) is dropped from the queue.
-- KEYS[1] pending jobs kc:{p}:dq
-- ARGV[1] now ms   ARGV[2] lease end ms   ARGV[3] at most this many   ARGV[4] job prefix kc:{p}:dj:
-- Returns {delivery id, {field, value, ...}} per claimed job.
-- KEYS: queue
-- ARGV: now_ms, lease_until_ms, limit, job_prefix
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(ids) do
  local key = ARGV[4] .. id
  if redis.call('HGET', key, 'st') == '1' then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(claimed, {id, redis.call('HGETALL', key)})
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed
