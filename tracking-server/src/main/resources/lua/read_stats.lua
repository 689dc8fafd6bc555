-- Sums the stats hashes of one partition (one hash slot) over some hours, reduced to the
-- dimensions a report groups by: a long report moves sums, not every hour's fields.
-- KEYS[i]        stats hash of hour i (kc:{p}:st:<account>:<yyyyMMddHH>)
-- ARGV[i]        the report period (an index) hour i belongs to
-- ARGV[#KEYS+1]  dimensions kept, three characters '1' or '0': campaign, s1 slot, goal
-- ARGV[#KEYS+2]  campaign filter   ARGV[#KEYS+3] s1-slot filter   ARGV[#KEYS+4] goal filter:
--                '' none, '=' .. value: only fields whose part is value, '^' .. prefix: only
--                fields whose part starts with prefix (a dimension hash's code). A goal filter
--                leaves click fields (no goal) alone: clicks are those of the other dimensions.
-- Returns a flat list {period US field, sum, ...} with the fields' dropped dimensions emptied
-- (field layout: lib_stats.lua). A key may come more than once with partial sums, which the
-- caller adds up: Lua numbers are doubles, so sums are flushed before they could lose a digit,
-- and counters too long to be exact doubles pass through unsummed.
-- KEYS: stats...
-- ARGV: period..., dimensions, campaign_filter, detail_filter, goal_filter
local US = '\31'
local keep = ARGV[#KEYS + 1]
local keep_campaign = string.sub(keep, 1, 1) == '1'
local keep_s1 = string.sub(keep, 2, 2) == '1'
local keep_goal = string.sub(keep, 3, 3) == '1'
local LIMIT = 1e15

local function matcher(filter)
  if filter == nil or filter == '' then
    return nil
  end
  local mode, text = string.sub(filter, 1, 1), string.sub(filter, 2)
  if mode == '^' then
    return function(part)
      return part ~= nil and string.sub(part, 1, #text) == text
    end
  end
  return function(part)
    return part == text
  end
end
local campaign_filter = matcher(ARGV[#KEYS + 2])
local detail_filter = matcher(ARGV[#KEYS + 3])
local goal_filter = matcher(ARGV[#KEYS + 4])

local reduced = {}
local function reduce(field)
  local r = reduced[field]
  if r ~= nil then
    return r
  end
  local parts = {}
  for part in string.gmatch(field .. US, '([^' .. US .. ']*)' .. US) do
    parts[#parts + 1] = part
  end
  -- Fields of fewer than three parts (c: pairs named) and r fields (a pair named) are no counters.
  if #parts < 3 or parts[1] == 'r' or (campaign_filter and not campaign_filter(parts[2]))
      or (detail_filter and not detail_filter(parts[3]))
      or (goal_filter and parts[4] and not goal_filter(parts[4])) then
    reduced[field] = false
    return false
  end
  if not keep_campaign then
    parts[2] = ''
  end
  if not keep_s1 then
    parts[3] = ''
  end
  if parts[4] and not keep_goal then
    parts[4] = ''
  end
  r = table.concat(parts, US)
  reduced[field] = r
  return r
end

local out, sums, order = {}, {}, {}
local function emit(key, value)
  out[#out + 1] = key
  out[#out + 1] = value
end

for i, key in ipairs(KEYS) do
  local flat = redis.call('HGETALL', key)
  local prefix = ARGV[i] .. US
  for j = 1, #flat, 2 do
    local r = reduce(flat[j])
    local k = r and prefix .. r
    local value = flat[j + 1]
    if not r then
      -- filtered out
    elseif #value > 15 then
      emit(k, value)
    else
      local sum = sums[k]
      if sum == nil then
        order[#order + 1] = k
        sum = 0
      end
      sum = sum + tonumber(value)
      if sum > LIMIT or sum < -LIMIT then
        emit(k, string.format('%.0f', sum))
        sum = 0
      end
      sums[k] = sum
    end
  end
end
for _, k in ipairs(order) do
  if sums[k] ~= 0 then
    emit(k, string.format('%.0f', sums[k]))
  end
end
return out
