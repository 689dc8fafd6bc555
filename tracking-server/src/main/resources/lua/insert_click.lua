-- Inserts a click under a kcid the caller chose (pre-minted by an edge), once.
-- KEYS[1] = kc:{p}:c:<kcid>
-- ARGV[1] = the encoded click, ARGV[2] = TTL in milliseconds
-- Returns {1} when inserted, or {0, <stored value>} when the kcid is already
-- stored, so the caller can tell a replay of the same click from a collision.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1}
end
return {0, redis.call('GET', KEYS[1])}
