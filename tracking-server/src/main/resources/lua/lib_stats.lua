-- Helpers of the scripts that keep stats counters and append to a partition's conversion stream;
-- prepended to them when they are loaded (LuaScript.fromClasspath with several resources).
--
-- Stats: one hash per partition x account x UTC hour, kc:{p}:st:<account>:<yyyyMMddHH>
-- (RedisKeys), expiring the stats retention after its hour. Fields (US = '\31', a character
-- campaign ids, sub ids and goal keys cannot contain):
--   k US campaign US s1                                   clicks (written by insert_clicks.lua)
--   n US campaign US s1 US goal US status                 conversions
--   u US campaign US s1 US goal US status US currency     value: signed integer units
--   m US campaign US s1 US goal US status US currency     value: signed micro-units (1e-6)
--   h US campaign US s1 US goal US bucket                 conversions by time-to-convert bucket
-- The s1 slot holds the click's sub id s1 ('' when none).
--
-- Detail dimensions: one more hash per partition x account x UTC hour, kc:{p}:dim:<account>:<hour>
-- (RedisKeys), same expiry, with the same fields as above where the s1 slot holds one detail
-- dimension's code and value, <code><value> (codes: c creative, p placement, 2 ... 9 sub ids s2 ...
-- s9, 0 sub id s10). Each detail dimension is counted on its own per campaign x goal, never
-- crossed with another (that would multiply the fields), and only when the click has it (the
-- clicks without it are the stats hash's count minus the dimension's: the report derives them).
-- Bounding: per dimension and hour, the first DIM_VALUES_MAX distinct (campaign, value) pairs are
-- counted by name (c US <code> counts them; r US campaign US <code><value> names a pair a
-- conversion brought before any click of the hour); every further pair counts as '(other)', so
-- random sub ids cannot grow the hashes without bound. s1 is bounded the same way in the stats
-- hash (c US 1, r US campaign US s1).
-- Money is split into integer units and micro-units so HINCRBY adds it exactly (no floats).
--
-- Hash tables while the hour is current: a stats or dimension hash of a few hundred fields is a
-- compact listpack, where every field a conversion increments or looks up is a scan of the whole
-- hash. The scripts that count turn a hash they add a field to into a hash table (heat), once, and
-- list it in the partition's set of hot hashes kc:{p}:sh; RedisStatsCompactor rewrites the hashes
-- of past hours in that set as listpacks again (compact_stats.lua), so only current hours pay the
-- hash table's memory. A hash that gains a field after it was compacted is heated again and
-- compacted on the compactor's next pass.

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

-- Adds to a counter; a counter back at zero is dropped to keep the hash small. Returns the new
-- count (nil when by is '0').
local function bump(key, field, by)
  if by == '0' then
    return nil
  end
  local count = redis.call('HINCRBY', key, field, by)
  if count == 0 then
    redis.call('HDEL', key, field)
  end
  return count
end

-- Makes key (a stats or dimension hash that has a field) a hash table and lists it in hot, the
-- partition's set of hot hashes, unless it is listed there already. Redis converts a hash whose
-- value is longer than hash-max-listpack-value (64 bytes by default, 256 in kcid's local Redis)
-- and never converts it back, so a marker field written and deleted at once leaves no trace but
-- the encoding. Past 8 KB operators' settings would defeat it; StatsHeatTest checks the encoding.
local function heat(hot, key)
  if redis.call('SADD', hot, key) == 1 then
    redis.call('HSET', key, US .. 'heat', string.rep('h', 8193))
    redis.call('HDEL', key, US .. 'heat')
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

-- Counts a new conversion in its hour's hash. Returns true when the cell's count of the status is
-- new (a field was added): then, once per hash however many cells of it the conversion counts in,
-- the caller sets the hash's expiry (it may have created the hash) and heats it.
-- (The value first: a malformed amount fails the script before anything was written.)
local function count_conversion(key, cell, status, amount, currency, bucket)
  add_value(key, cell, status, amount, currency, false)
  local added = bump(key, 'n' .. US .. cell .. US .. status, '1') == 1
  bump(key, 'h' .. US .. cell .. US .. bucket, '1')
  return added
end

-- Moves a counted conversion's counts in one cell of key from one status and value to another
-- (key exists: move_conversion and move_dimensions check that once).
local function move_counts(key, cell, from, to, old_amount, old_currency, new_amount, new_currency)
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

-- Moves a counted conversion from one status and value to another. A hash past the stats
-- retention is gone and stays gone (HINCRBY would recreate it without expiry).
local function move_conversion(key, cell, from, to, old_amount, old_currency, new_amount, new_currency)
  if not key or not cell or redis.call('EXISTS', key) == 0 then
    return
  end
  move_counts(key, cell, from, to, old_amount, old_currency, new_amount, new_currency)
end

local DIM_VALUES_MAX = 100
local DIM_OTHER = '(other)'
local RS = '\30'
local DIM_CODES = {'c', 'p', '2', '3', '4', '5', '6', '7', '8', '9', '0'}

-- The count of pairs named in an hour, per dimension (code '' is s1, in the stats hash).
local function dim_bound(code)
  return 'c' .. US .. (code == '' and '1' or code)
end

-- Counts clicks (kind k, or f when flagged; a batch stored together counts a pair once, by their
-- number) of campaign and a detail dimension's value in key's hour: field kind US campaign US
-- <code><value>. A new (campaign, value) pair is named only while
-- the hour names fewer than DIM_VALUES_MAX of the dimension (else it counts under '(other)'). The
-- common case, a pair already counted, is one HINCRBY. Returns true when a field was created.
local function count_click(key, kind, campaign, code, value, clicks)
  local pair = campaign .. US .. code .. value
  local field = kind .. US .. pair
  if redis.call('HINCRBY', key, field, clicks) > clicks then
    return false
  end
  if value == '' then
    return true
  end
  -- Named already: by clicks of the other kind, or by a conversion (r). A missing field is false.
  local named = redis.call('HMGET', key, (kind == 'k' and 'f' or 'k') .. US .. pair, 'r' .. US .. pair)
  if named[1] or named[2] or redis.call('HINCRBY', key, dim_bound(code), 1) <= DIM_VALUES_MAX then
    return true
  end
  redis.call('HDEL', key, field)
  redis.call('HINCRBY', key, kind .. US .. campaign .. US .. code .. DIM_OTHER, clicks)
  return true
end

-- The value of a pair whose clicks' field k is missing: named by flagged clicks or a conversion,
-- or named now while the hour has room, else '(other)'.
local function unclicked_value(key, campaign, code, value)
  local pair = campaign .. US .. code .. value
  local named = redis.call('HMGET', key, 'f' .. US .. pair, 'r' .. US .. pair)
  if named[1] or named[2] then
    return value
  end
  local bound = dim_bound(code)
  if (tonumber(redis.call('HGET', key, bound)) or 0) >= DIM_VALUES_MAX then
    return DIM_OTHER
  end
  redis.call('HINCRBY', key, bound, 1)
  redis.call('HSET', key, 'r' .. US .. pair, '1')
  return value
end

-- The value a conversion of campaign counts under in key's hour: itself when the hour names the
-- pair (its clicks there, or an earlier conversion: field r US campaign US <code><value>) or has
-- room for it, else '(other)'. '' stays ''.
-- The clicks' field is looked up alone first: it is there for most conversions, and each field
-- looked up in a compact (listpack) hash is a scan of the whole hash, which an hour's stats hash
-- of a few hundred fields makes the dearest part of recording a conversion.
local function conversion_value(key, campaign, code, value)
  if value == '' then
    return value
  end
  if redis.call('HEXISTS', key, 'k' .. US .. campaign .. US .. code .. value) == 1 then
    return value
  end
  return unclicked_value(key, campaign, code, value)
end

-- A conversion's s1 in the stats hash and its <code><value> entries in the dimension hash (of
-- its hour), bounded: dims = {code -> value} of its click (click_dimensions_and_flag).
-- The clicks' fields of all its detail dimensions are looked up in one call first: they are there
-- for most conversions, and a call from Lua costs more than the lookup in a hash table.
local function conversion_dimensions(stats_key, dim_key, campaign, dims)
  local s1 = conversion_value(stats_key, campaign, '', dims['1'] or '')
  local codes, fields = {}, {}
  for _, code in ipairs(DIM_CODES) do
    local value = dims[code]
    if value and value ~= '' then
      codes[#codes + 1] = code
      fields[#fields + 1] = 'k' .. US .. campaign .. US .. code .. value
    end
  end
  local entries = {}
  if #fields > 0 then
    local clicked = redis.call('HMGET', dim_key, unpack(fields))
    for i, code in ipairs(codes) do
      local value = dims[code]
      if not clicked[i] then
        value = unclicked_value(dim_key, campaign, code, value)
      end
      entries[i] = code .. value
    end
  end
  return s1, entries
end

-- The dimension cell of one entry: campaign US <code><value> [US goal].
local function dim_cell(campaign, entry, goal)
  if goal then
    return campaign .. US .. entry .. US .. goal
  end
  return campaign .. US .. entry
end

-- Moves a conversion's counts in its dimension hash dim_key: its entries dc (RS-joined), in cells
-- of the campaign and goal of its stats cell sf. A hash past the retention stays gone.
local function move_dimensions(dim_key, dc, sf, from, to, old_amount, old_currency, new_amount, new_currency)
  if not dim_key or not dc or not sf or redis.call('EXISTS', dim_key) == 0 then
    return
  end
  local campaign, goal = string.match(sf, '^([^' .. US .. ']*)' .. US .. '[^' .. US .. ']*' .. US .. '(.*)$')
  for entry in string.gmatch(dc, '[^' .. RS .. ']+') do
    move_counts(dim_key, dim_cell(campaign, entry, goal), from, to, old_amount, old_currency,
      new_amount, new_currency)
  end
end

-- string.byte and string.sub as upvalues: the wire-format reading below calls them for every
-- field of a click, where a global table lookup per call costs about as much as the call. With
-- them and one-byte varints read inline, click_dimensions_and_flag on the probe's click went from
-- 15 to 8 µs of Redis CPU (ConversionRecordCostProbe's click, the call repeated in the script).
local byte, sub = string.byte, string.sub

-- Protobuf varint at byte i of s: value, next index (values here are small: tags, lengths).
local function varint(s, i)
  local b = byte(s, i)
  if not b then
    error('truncated varint')
  end
  local value, scale = 0, 1
  while b >= 128 do
    value = value + (b - 128) * scale
    scale = scale * 128
    i = i + 1
    b = byte(s, i)
    if not b then
      error('truncated varint')
    end
  end
  return value + b * scale, i + 1
end

local SUB_ID_CODES = {s1 = '1', s2 = '2', s3 = '3', s4 = '4', s5 = '5', s6 = '6', s7 = '7', s8 = '8',
  s9 = '9', s10 = '0'}

-- The detail dimensions of a serialized Click, {code -> value}: creative_id (field 4),
-- placement_id (5), sub_ids s1 ... s10 (field 6, map<string, string>: entries {1: key, 2: value}),
-- and its flag (field 11, ClickFlag; 0 when clean), read straight from the wire format so the
-- click keeps a single stored copy. Tags and lengths under 128 (one byte: nearly all of them)
-- are read inline, without the call to varint; varint reads every other case.
local function click_dimensions_and_flag(pb, from)
  local i, n = from, #pb
  local dims, flag = {}, 0
  while i <= n do
    -- Only the one-byte case is inline; varint reads the rest and reports a truncated one.
    local tag = byte(pb, i)
    if tag < 128 then
      i = i + 1
    else
      tag, i = varint(pb, i)
    end
    local wire = tag % 8
    local field = (tag - wire) / 8
    if wire == 2 then
      local len = byte(pb, i)
      if len and len < 128 then
        i = i + 1
      else
        len, i = varint(pb, i)
      end
      if field == 4 then
        dims['c'] = sub(pb, i, i + len - 1)
      elseif field == 5 then
        dims['p'] = sub(pb, i, i + len - 1)
      elseif field == 6 then
        local j, stop, key, value = i, i + len, nil, ''
        while j < stop do
          local t, l
          t, j = varint(pb, j)
          l, j = varint(pb, j)
          if t == 10 then
            key = sub(pb, j, j + l - 1)
          elseif t == 18 then
            value = sub(pb, j, j + l - 1)
          end
          j = j + l
        end
        local code = key and SUB_ID_CODES[key]
        if code then
          dims[code] = value
        end
      end
      i = i + len
    elseif wire == 0 then
      local v
      v, i = varint(pb, i)
      if field == 11 then
        flag = v
      end
    elseif wire == 1 then
      i = i + 8
    elseif wire == 5 then
      i = i + 4
    else
      error('unexpected protobuf wire type ' .. wire)
    end
  end
  return dims, flag
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
