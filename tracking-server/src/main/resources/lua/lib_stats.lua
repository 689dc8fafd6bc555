-- Helpers of the scripts that keep stats counters and append to a partition's conversion stream;
-- prepended to them when they are loaded (LuaScript.fromClasspath with several resources).
--
-- Stats: one hash per partition x account x UTC hour, kc:{p}:st:<account>:<yyyyMMddHH>
-- (RedisKeys), expiring the stats retention after its hour. Fields (US = '\31', a character
-- campaign ids, sub ids and goal keys cannot contain):
--   k US campaign US s1                                   clicks (written by insert_click.lua)
--   n US campaign US s1 US goal US status                 conversions
--   u US campaign US s1 US goal US status US currency     value: signed integer units
--   m US campaign US s1 US goal US status US currency     value: signed micro-units (1e-6)
--   h US campaign US s1 US goal US bucket                 conversions by time-to-convert bucket
-- Only s1 of the ten sub ids is kept: it is the one publishers use for their own source, and
-- every further dimension multiplies the number of fields.
-- Money is split into integer units and micro-units so HINCRBY adds it exactly (no floats).

local US = '\31'

-- Lua 5.1 numbers are doubles: amounts stay strings; only small integers are arithmetic.
local function split_amount(amount)
  local sign = ''
  if string.sub(amount, 1, 1) == '-' then
    sign = '-'
    amount = string.sub(amount, 2)
  end
  local units, fraction = string.match(amount, '^(%d+)%.?(%d*)$')
  if not units then
    return nil
  end
  fraction = string.sub(fraction .. '000000', 1, 6)
  units = string.gsub(units, '^0+', '')
  fraction = string.gsub(fraction, '^0+', '')
  -- HINCRBY refuses leading zeros and '-0'.
  return (units == '' and '0' or sign .. units), (fraction == '' and '0' or sign .. fraction)
end

local function negate(n)
  if n == '0' then
    return n
  end
  if string.sub(n, 1, 1) == '-' then
    return string.sub(n, 2)
  end
  return '-' .. n
end

-- Adds to a counter; a counter back at zero is dropped to keep the hash small.
local function bump(key, field, by)
  if by == '0' then
    return
  end
  if redis.call('HINCRBY', key, field, by) == 0 then
    redis.call('HDEL', key, field)
  end
end

local function add_value(key, cell, status, amount, currency, negative)
  if amount == nil or amount == '' then
    return
  end
  local units, micros = split_amount(amount)
  if not units then
    error('not a decimal amount: ' .. amount)
  end
  if negative then
    units, micros = negate(units), negate(micros)
  end
  local suffix = US .. status .. US .. currency
  bump(key, 'u' .. US .. cell .. suffix, units)
  bump(key, 'm' .. US .. cell .. suffix, micros)
end

-- cell = campaign US s1 US goal
local function stats_cell(campaign, s1, goal)
  return campaign .. US .. s1 .. US .. goal
end

-- Counts a new conversion in its hour's hash.
-- (The value first: a malformed amount fails the script before anything was written.)
local function count_conversion(key, cell, status, amount, currency, bucket, expire_at_ms)
  add_value(key, cell, status, amount, currency, false)
  bump(key, 'n' .. US .. cell .. US .. status, '1')
  bump(key, 'h' .. US .. cell .. US .. bucket, '1')
  redis.call('PEXPIREAT', key, expire_at_ms)
end

-- Moves a counted conversion from one status and value to another. A hash past the stats
-- retention is gone and stays gone (HINCRBY would recreate it without expiry).
local function move_conversion(key, cell, from, to, old_amount, old_currency, new_amount, new_currency)
  if not key or not cell or redis.call('EXISTS', key) == 0 then
    return
  end
  for _, amount in ipairs({old_amount or '', new_amount or ''}) do
    if amount ~= '' and not split_amount(amount) then
      error('not a decimal amount: ' .. amount)
    end
  end
  if from ~= to then
    bump(key, 'n' .. US .. cell .. US .. from, '-1')
    bump(key, 'n' .. US .. cell .. US .. to, '1')
  end
  add_value(key, cell, from, old_amount, old_currency, true)
  add_value(key, cell, to, new_amount, new_currency, false)
end

-- Protobuf varint at byte i of s: value, next index (values here are small: tags, lengths).
local function varint(s, i)
  local value, scale, b = 0, 1, 128
  while b >= 128 do
    b = string.byte(s, i)
    if not b then
      error('truncated varint')
    end
    value = value + (b % 128) * scale
    scale = scale * 128
    i = i + 1
  end
  return value, i
end

-- sub_ids["s1"] of a serialized Click (field 6, map<string, string>: entries {1: key, 2: value})
-- and its flag (field 11, ClickFlag; 0 when clean), read straight from the wire format so the
-- click keeps a single stored copy.
local function click_sub_id_1_and_flag(pb, from)
  local i, n = from, #pb
  local s1, flag = '', 0
  while i <= n do
    local tag
    tag, i = varint(pb, i)
    local field, wire = math.floor(tag / 8), tag % 8
    if wire == 0 then
      local v
      v, i = varint(pb, i)
      if field == 11 then
        flag = v
      end
    elseif wire == 1 then
      i = i + 8
    elseif wire == 5 then
      i = i + 4
    elseif wire == 2 then
      local len
      len, i = varint(pb, i)
      if field == 6 then
        local j, stop, key, value = i, i + len, nil, ''
        while j < stop do
          local t, l
          t, j = varint(pb, j)
          l, j = varint(pb, j)
          local text = string.sub(pb, j, j + l - 1)
          if t == 10 then
            key = text
          elseif t == 18 then
            value = text
          end
          j = j + l
        end
        if key == 's1' then
          s1 = value
        end
      end
      i = i + len
    else
      error('unexpected protobuf wire type ' .. wire)
    end
  end
  return s1, flag
end

local function click_sub_id_1(pb, from)
  return (click_sub_id_1_and_flag(pb, from))
end

-- Appends an event to the partition's stream with the next per-partition sequence number
-- (field n), and trims the stream to about max_len entries. The sequence hash keeps the last
-- number (n) and, whenever trimming removed entries, the number of the oldest entry left (h):
-- a reader resuming at sequence k has lost events exactly when k + 1 < h. Entries deleted one by
-- one (XDEL) leave holes in the numbers but never move h.
local function append_event(stream, seq_key, max_len, fields)
  local n = redis.call('HINCRBY', seq_key, 'n', 1)
  table.insert(fields, 'n')
  table.insert(fields, tostring(n))
  local entry = redis.call('XADD', stream, '*', unpack(fields))
  if redis.call('XTRIM', stream, 'MAXLEN', '~', max_len) > 0 then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if oldest then
      local f = oldest[2]
      for i = 1, #f, 2 do
        if f[i] == 'n' then
          redis.call('HSET', seq_key, 'h', f[i + 1])
        end
      end
    end
  end
  return entry
end

-- The delivery outbox (kc:{p}:o): one entry per conversion event of an account with destinations,
-- written by the same script as the event itself, so an acknowledged event always has its entry.
-- Trigger 1 = recorded; a status change to status s (1 pending, 2 approved, 3 rejected) is s + 1.
local function append_outbox(outbox, trigger, conversion_id, account, goal, status, time_ms)
  redis.call('XADD', outbox, '*', 't', trigger, 'c', conversion_id, 'a', account, 'g', goal,
    's', status, 'tm', time_ms)
end
