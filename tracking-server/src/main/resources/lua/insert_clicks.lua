-- Stores new clicks of one partition and counts them in the stats of their hour, in one atomic
-- step: the clicks that reached the server while the partition's previous call was in flight
-- (RedisClickStore), so Redis pays the script call, the group headers' reads and the counters once
-- per batch rather than once per click. A click is never overwritten: when its kcid is taken, the
-- stored record is answered so the caller can tell a replay of the same click (an edge re-sending
-- a spooled, pre-minted kcid) from a collision. lib_stats.lua and lib_clicks.lua are prepended.
-- KEYS[1] a key of the slot that never exists (kc:{p}:r:-): while the slot migrates between
--         Cluster nodes Redis then answers ASK / TRYAGAIN instead of running the script on either
--         side, since the buckets it writes are not among its declared keys
-- KEYS[2] the partition's hot stats hashes kc:{p}:sh (heat in lib_stats.lua)
-- KEYS[3..] the click groups kc:{p}:k:<hour>, stats hashes kc:{p}:st:<account>:<yyyyMMddHH> and
--         dimension hashes kc:{p}:dim:<account>:<yyyyMMddHH> the clicks name (same partition slot)
-- ARGV[1] bucket capacity
-- ARGV[2..] 13 values per click: its group's, stats hash's and dimension hash's index in KEYS;
--   click field (the kcid's random bytes); lifetime, seconds from the issue time; context; its
--   reference (8 bytes of its digest); sub ids (protobuf); group expiry, unix ms; stats counter,
--   k (clicks) or f (flagged clicks); stats hashes' expiry, unix ms; campaign; the click's detail
--   dimensions, <code><value> entries joined by RS ('\30'), s1 under code 1 (layout and bounds:
--   lib_stats.lua)
-- Returns one entry per click, in order: 1 when stored (and counted), the stored record (inline
-- form) when the kcid exists.
-- KEYS: slot_guard, hot_stats, hashes...
-- ARGV: bucket_capacity, clicks...
local capacity = tonumber(ARGV[1])
local groups, group_order = {}, {}
-- Counters to add, one entry per (hash, counter, campaign, dimension value): a batch of clicks of
-- one campaign and placement adds to the placement's counter once.
local counts, count_order = {}, {}
local expiry = {}

local function count(key, kind, campaign, code, value, expire_at)
  local id = key .. RS .. kind .. US .. campaign .. US .. code .. value
  local c = counts[id]
  if c then
    c.clicks = c.clicks + 1
  else
    counts[id] = {key = key, kind = kind, campaign = campaign, code = code, value = value, clicks = 1}
    count_order[#count_order + 1] = id
    expiry[key] = expire_at
  end
end

local replies = {}
for i = 2, #ARGV, 13 do
  local group_key = KEYS[tonumber(ARGV[i])]
  local g = groups[group_key]
  if not g then
    g = click_open(group_key)
    groups[group_key] = g
    group_order[#group_order + 1] = g
  end
  local existing = click_insert(g, ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7],
      tonumber(ARGV[i + 8]), capacity)
  if existing then
    replies[#replies + 1] = existing
  else
    replies[#replies + 1] = 1
    local stats, dimensions = KEYS[tonumber(ARGV[i + 1])], KEYS[tonumber(ARGV[i + 2])]
    local kind, expire_at, campaign = ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
    local s1_counted = false
    for entry in string.gmatch(ARGV[i + 12], '[^' .. RS .. ']+') do
      local code, value = string.sub(entry, 1, 1), string.sub(entry, 2)
      if code == '1' then
        s1_counted = true
        count(stats, kind, campaign, '', value, expire_at)
      else
        count(dimensions, kind, campaign, code, value, expire_at)
      end
    end
    if not s1_counted then
      count(stats, kind, campaign, '', '', expire_at)
    end
  end
end
for _, g in ipairs(group_order) do
  click_close(g)
end
-- An hour's hash is created by a new field: only then is its expiry to be set (once per hash),
-- and only a hash that gained a field can be new to the hot set.
local created = {}
for _, id in ipairs(count_order) do
  local c = counts[id]
  if count_click(c.key, c.kind, c.campaign, c.code, c.value, c.clicks) and not created[c.key] then
    created[c.key] = true
    created[#created + 1] = c.key
  end
end
for _, key in ipairs(created) do
  redis.call('PEXPIREAT', key, expiry[key])
  heat(KEYS[2], key)
end
return replies
