-- Sums the stats hashes of one partition (one hash slot) over some hours, reduced to the
-- dimensions a report groups by: a long report moves sums, not every hour's fields.
-- KEYS[i]        stats hash of hour i (kc:{p}:st:<account>:<yyyyMMddHH>)
-- ARGV[i]        the report period (an index) hour i belongs to
-- ARGV[#KEYS+1]  dimensions kept, three characters '1' or '0': campaign, sub id s1, goal
-- Returns a flat list {period US field, sum, ...} with the fields' dropped dimensions emptied
-- (field layout: lib_stats.lua). A key may come more than once with partial sums, which the
-- caller adds up: Lua numbers are doubles, so sums are flushed before they could lose a digit,
-- and counters too long to be exact doubles pass through unsummed.
-- KEYS: stats...
-- ARGV: period..., dimensions
local US = '\31'
local keep = ARGV[#KEYS + 1]
local keep_campaign = string.sub(keep, 1, 1) == '1'
local keep_s1 = string.sub(keep, 2, 2) == '1'
local keep_goal = string.sub(keep, 3, 3) == '1'
local LIMIT = 1e15

local reduced = {}
local function reduce(field)
  local r = reduced[field]
  if r then
    return r
  end
  local parts = {}
  for part in string.gmatch(field .. US, '([^' .. US .. ']*)' .. US) do
    parts[#parts + 1] = part
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
    local k = prefix .. reduce(flat[j])
    local value = flat[j + 1]
    if #value > 15 then
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
