-- Stores a new click and counts it in the stats hash of its hour, in one atomic step. A click is
-- never overwritten: when the kcid is taken, the stored value is returned so the caller can tell
-- a replay of the same click (an edge re-sending a spooled, pre-minted kcid) from a collision.
-- KEYS[1] click       kc:{p}:c:<kcid>
-- KEYS[2] stats hash  kc:{p}:st:<account>:<yyyyMMddHH>   (same partition slot)
-- ARGV[1] click value   ARGV[2] click ttl ms   ARGV[3] stats field (k US campaign US s1)
-- ARGV[4] stats hash expiry, unix ms
-- Returns {1} when stored (and counted), {0, <stored value>} when the kcid exists.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('GET', KEYS[1])}
end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('PEXPIREAT', KEYS[2], ARGV[4])
return {1}
