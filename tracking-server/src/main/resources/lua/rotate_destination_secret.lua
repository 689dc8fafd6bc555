-- Replaces a webhook destination's signing secret, keeping the previous one until a deadline,
-- and stores the destination record (its secret_rotate_time) with it.
-- KEYS[1] kc:{a:<id>}:d or kc:{pt:<id>}:d, KEYS[2] the owner's :ds secrets hash
-- ARGV[1] destination id, ARGV[2] the record, ARGV[3] new secret,
-- ARGV[4] the previous secret's expiry, epoch ms; 0 drops it at once
-- Returns 1 when rotated, 0 when there is no such destination.
-- KEYS: destinations, secrets
-- ARGV: destination_id, record, secret, previous_expire_at_ms
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local old = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if old and tonumber(ARGV[4]) > 0 then
  redis.call('HSET', KEYS[2], ARGV[1] .. ':prev', old, ARGV[1] .. ':prev_exp', ARGV[4])
else
  redis.call('HDEL', KEYS[2], ARGV[1] .. ':prev', ARGV[1] .. ':prev_exp')
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
