-- Stores a new click and counts it in the stats hash of its hour, in one atomic step. A click is
-- never overwritten: when the kcid is taken, the stored record is returned so the caller can tell
-- a replay of the same click (an edge re-sending a spooled, pre-minted kcid) from a collision.
-- lib_stats.lua and lib_clicks.lua are prepended.
-- KEYS[1] click group kc:{p}:k:<hour>
-- KEYS[2] stats hash  kc:{p}:st:<account>:<yyyyMMddHH>   (same partition slot)
-- KEYS[3] a key of the slot that never exists (kc:{p}:r:-): while the slot migrates between
--         Cluster nodes Redis then answers ASK / TRYAGAIN instead of running the script on either
--         side, since the buckets it writes are not among its declared keys
-- ARGV[1] click field (the kcid's random bytes)   ARGV[2] lifetime, seconds from the issue time
-- ARGV[3] context   ARGV[4] its reference (8 bytes of its digest)   ARGV[5] sub ids (protobuf)
-- ARGV[6] group expiry, unix ms   ARGV[7] bucket capacity
-- KEYS[4] dimension hash kc:{p}:dim:<account>:<yyyyMMddHH>  (same partition slot)
-- ARGV[8] stats counter: k (clicks) or f (flagged clicks)   ARGV[9] stats hash expiry, unix ms
-- ARGV[10] campaign   ARGV[11] the click's detail dimensions, <code><value> entries joined by
--          RS ('\30'), s1 under code 1 (layout and bounds: lib_stats.lua)
-- Returns {1} when stored (and counted), {0, <stored record, inline form>} when the kcid exists.
-- KEYS: click_group, stats, slot_guard, dimensions
-- ARGV: click_field, lifetime_s, context, context_ref, sub_ids, group_expire_at_ms,
-- ARGV: bucket_capacity, stats_counter, stats_expire_at_ms, campaign, click_dimensions
local existing = click_insert(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]),
    tonumber(ARGV[7]))
if existing then
  return {0, existing}
end
-- An hour's hash is created by a new field: only then is its expiry to be set (once per hash).
local created = false
local dim_created = false
local s1_counted = false
for entry in string.gmatch(ARGV[11], '[^' .. RS .. ']+') do
  local code, value = string.sub(entry, 1, 1), string.sub(entry, 2)
  if code == '1' then
    s1_counted = true
    created = count_click(KEYS[2], ARGV[8], ARGV[10], '', value) or created
  else
    dim_created = count_click(KEYS[4], ARGV[8], ARGV[10], code, value) or dim_created
  end
end
if not s1_counted then
  created = count_click(KEYS[2], ARGV[8], ARGV[10], '', '') or created
end
if created then
  redis.call('PEXPIREAT', KEYS[2], ARGV[9])
end
if dim_created then
  redis.call('PEXPIREAT', KEYS[4], ARGV[9])
end
return {1}
