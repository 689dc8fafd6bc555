-- Replaces one secret of an account, keeping the previous value valid until a deadline.
-- KEYS[1] kc:{a:<id>}:s
-- ARGV[1] field (token_sha256 | click_secret | signing_secret)
-- ARGV[2] new value
-- ARGV[3] previous value's expiry, epoch ms; 0 revokes it at once
-- Returns the previous value (nil when there was none).
-- KEYS: secrets
-- ARGV: field, value, previous_expire_at_ms
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if old and tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[1], ARGV[1] .. '_prev', old, ARGV[1] .. '_prev_exp', ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1] .. '_prev', ARGV[1] .. '_prev_exp')
end
return old
