-- Prepends one postback attempt to a click's attempts (newest first), keeps the latest ARGV[2],
-- and refreshes the list's TTL. One key, in the click's partition slot.
-- KEYS[1] kc:{p}:pl:<kcid>
-- ARGV[1] "<account>|<log id>" ("|<log id>" for the unattributed log)   ARGV[2] entries kept
-- ARGV[3] ttl ms
-- KEYS: attempts
-- ARGV: pointer, kept, ttl_ms
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
