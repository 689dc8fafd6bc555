-- Drops a used-signature claim if it still holds the value we wrote (see RedisSignatureReplayCache).
-- KEYS[1] kc:{a:<id>}:sg:<digest>    ARGV[1] the value written by our claim
-- -> 1 when dropped, 0 when absent or another claim's
-- KEYS: signature
-- ARGV: value
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
