-- Stores a new click and counts it in the stats hash of its hour, in one atomic step. A click is
-- never overwritten: when the kcid is taken, the stored record is returned so the caller can tell
-- a replay of the same click (an edge re-sending a spooled, pre-minted kcid) from a collision.
-- lib_clicks.lua is prepended.
-- KEYS[1] click group kc:{p}:k:<hour>
-- KEYS[2] stats hash  kc:{p}:st:<account>:<yyyyMMddHH>   (same partition slot)
-- KEYS[3] a key of the slot that never exists (kc:{p}:r:-): while the slot migrates between
--         Cluster nodes Redis then answers ASK / TRYAGAIN instead of running the script on either
--         side, since the buckets it writes are not among its declared keys
-- ARGV[1] click field (the kcid's random bytes)   ARGV[2] lifetime, seconds from the issue time
-- ARGV[3] context   ARGV[4] its reference (8 bytes of its digest)   ARGV[5] sub ids (protobuf)
-- ARGV[6] group expiry, unix ms   ARGV[7] bucket capacity
-- ARGV[8] stats field (k US campaign US s1)   ARGV[9] stats hash expiry, unix ms
-- Returns {1} when stored (and counted), {0, <stored record, inline form>} when the kcid exists.
-- KEYS: click_group, stats, slot_guard
-- ARGV: click_field, lifetime_s, context, context_ref, sub_ids, group_expire_at_ms,
-- ARGV: bucket_capacity, stats_field, stats_expire_at_ms
local existing = click_insert(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]),
    tonumber(ARGV[7]))
if existing then
  return {0, existing}
end
redis.call('HINCRBY', KEYS[2], ARGV[8], 1)
redis.call('PEXPIREAT', KEYS[2], ARGV[9])
return {1}
