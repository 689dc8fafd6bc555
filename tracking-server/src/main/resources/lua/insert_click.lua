-- Stores a new click and counts it in the stats hash of its hour, in one atomic step. A click is
-- never overwritten: when the kcid is taken, the stored record is returned so the caller can tell
-- a replay of the same click (an edge re-sending a spooled, pre-minted kcid) from a collision.
-- lib_clicks.lua is prepended.
-- KEYS[1] click group kc:{p}:k:<hour>
-- KEYS[2] stats hash  kc:{p}:st:<account>:<yyyyMMddHH>   (same partition slot)
-- KEYS[3] a key of the slot that never exists (kc:{p}:r:-): while the slot migrates between
--         Cluster nodes Redis then answers ASK / TRYAGAIN instead of running the script on either
--         side, since the buckets it writes are not among its declared keys
-- ARGV[1] click field (the kcid's random bytes)   ARGV[2] click record
-- ARGV[3] group expiry, unix ms   ARGV[4] bucket capacity
-- ARGV[5] stats field (k US campaign US s1)   ARGV[6] stats hash expiry, unix ms
-- Returns {1} when stored (and counted), {0, <stored record>} when the kcid exists.
local existing = click_insert(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
if existing then
  return {0, existing}
end
redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
redis.call('PEXPIREAT', KEYS[2], ARGV[6])
return {1}
