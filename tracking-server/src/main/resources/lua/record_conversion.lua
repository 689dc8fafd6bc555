-- Records one conversion atomically: check the click, replay a known request_id, apply a status
-- change to a known transaction, apply the goal's counting rule, claim the dedupe key, write the
-- conversion, count it in the stats hash of its hour and append it to the partition's stream.
-- Every key shares the partition hash tag, so this runs on one node, standalone or Cluster.
-- (Redis runs Lua 5.1: no goto.) lib_stats.lua, lib_clicks.lua and lib_conversions.lua are
-- prepended. A new conversion n is the fields n.* of the state hash KEYS[2] (lib_conversions.lua);
-- the history key, and the own hash of a conversion an older server recorded, are built from
-- ARGV[19] / ARGV[11] (their number is assigned here) and share the tag too. While the partition's slot migrates between Cluster nodes, KEYS[3]
-- is missing whenever this script would write (a request id not yet answered, or the placeholder,
-- which is never written), so Redis answers ASK / TRYAGAIN rather than run it on either side.
--
-- KEYS[1] click group      kc:{p}:k:<hour>     (the click is a field of one of its buckets)
-- KEYS[2] click state hash kc:{p}:x:<kcid>     n, g:<goal>, x:<goal>:<txid> -> seq (t:<goal>:<txid>, read),
--                                              r:<request_id>, e:<stream entry id> (for DeleteClick),
--                                              l (postback attempts, push_click_attempts.lua),
--                                              <n>.* (conversion n, lib_conversions.lua)
-- KEYS[3] request id       kc:{p}:r:<kcid>:<request_id>  (a same-slot placeholder when none:
--                          an empty key would hash to another slot on a Cluster)
-- KEYS[4] stream           kc:{p}:s
-- KEYS[5] stats hash       kc:{p}:st:<account>:<yyyyMMddHH of the event time>
-- KEYS[6] stream sequence  kc:{p}:sn
-- KEYS[7] delivery outbox  kc:{p}:o (see append_outbox in lib_stats.lua)
-- KEYS[8] dimension hash   kc:{p}:dim:<account>:<yyyyMMddHH of the event time> (lib_stats.lua)
-- KEYS[9] hot stats hashes kc:{p}:sh (heat in lib_stats.lua)
-- ARGV[1]  account id the caller is entitled to ("" = any)
-- ARGV[2]  goal key
-- ARGV[3]  counting mode: 1 once per click, 2 every postback, 3 unique txid per click,
--          4 unique txid per account (the account-wide claim was taken before this script)
-- ARGV[4]  transaction id ("" = none)
-- ARGV[5]  request fingerprint (to detect a reused request_id with another payload)
-- ARGV[6]  conversion payload (serialized Conversion without id, status and value)
-- ARGV[7]  conversion ttl ms (minimum)
-- ARGV[8]  request-id ttl ms (minimum)
-- ARGV[9]  stream max length (approximate)
-- ARGV[10] record time ms
-- ARGV[11] legacy conversion key prefix  kc:{p}:v:<kcid>: (conversions an older server recorded)
-- ARGV[12] conversion id prefix   <kcid>-
-- ARGV[13] '1' when KEYS[3] is a real request id, '0' otherwise
-- ARGV[14] campaigns the goal is restricted to, '\n'-joined ("" = any)
-- ARGV[15] status the postback asked for ("" = none), as the ConversionStatus number
-- ARGV[16] status of a new conversion
-- ARGV[17] amount ("" = none)     ARGV[18] currency
-- ARGV[19] history key prefix     kc:{p}:h:<kcid>:
-- ARGV[20] statuses a known transaction may move from to ARGV[15], ',' framed (",1,3,")
-- ARGV[21] '1' for a test conversion (kept out of stats)
-- ARGV[22] the request id ("" = none), listed in the state hash as r:<request_id> so that deleting
--          the click finds its request-id keys without a SCAN
-- ARGV[23] '1' for a dry run: decide the outcome and return it without writing anything
--          (ReplayPostbacks' preview). A new conversion's id is then the one it would get.
-- ARGV[24] time-to-convert bucket (0-based)   ARGV[25] stats hash expiry, unix ms
-- ARGV[26] click field (the kcid's random bytes)   ARGV[27] the kcid's issue time, unix seconds
-- ARGV[28] status of a new conversion on a flagged click ("" = ARGV[16]); such a conversion gets
--          status_reason CLICK_FLAGGED_BOT (171) or _DATACENTER (172) appended to its payload and
--          is counted in the stats field g (conversions on flagged clicks)
-- ARGV[29] '1' when the account has destinations: a new conversion ('A') and a status change ('U')
--          append an entry to the outbox KEYS[7] (never a dry run, a replay or a duplicate)
-- ARGV[30] cap token ("" = no cap reservation): kept on a new conversion as field ct, so a
--          retry that finds the conversion knows whether its reservation counted it (cap_fence.lua)
-- ARGV[31] '1' when the conversion is over a conversion cap: counted in the stats field q
--
-- A counted conversion keeps the hour it was counted in (st: the stats and dimension hashes are
-- its account's of that hour, counted_in in lib_conversions.lua), its cell (sf) and its entries in
-- the dimension hash (dc, see move_dimensions), so a later status change moves its counts in the
-- hour it was counted in; a test conversion is marked x=1.
--
-- Returns {code, conversion_id}:
--   A  accepted          D1 duplicate for the goal      D3 duplicate transaction
--   U  status of a known transaction changed            IT transition not allowed
--   NF click not found   AM click of another account    CM campaign not counted by the goal
--   RR request_id reused, and for a replayed request_id the stored answer of the first call
--   with a third element 'R' (nothing was written this time). An accepted conversion on a flagged
--   click: {'A', id, '', status, reason number}. An accepted conversion that appended an outbox
--   entry also answers the click record it read, sixth: {'A', id, '', status or '', reason or '',
--   click}, so the recorder can hand the event to its local delivery workers without a read back.
-- KEYS: click_group, click_state, request, stream, stats, stream_sequence, outbox, dimensions,
-- KEYS: hot_stats
-- ARGV: account_id, goal_key, counting_mode, transaction_id, fingerprint, payload,
-- ARGV: conversion_ttl_ms, request_ttl_ms, stream_max_length, record_time_ms, legacy_conversion_prefix,
-- ARGV: conversion_id_prefix, has_request, campaigns, requested_status, new_status, amount,
-- ARGV: currency, history_prefix, transition_sources, test, request_id, dry_run, ttc_bucket,
-- ARGV: stats_expire_at_ms, click_field, issue_time_s, flagged_status, write_outbox, cap_token,
-- ARGV: capped

local has_request = ARGV[13] == '1'
local dry_run = ARGV[23] == '1'
local outbox = ARGV[29] == '1'
local click = click_get(KEYS[1], ARGV[26])
if not click then
  return {'NF', ''}
end
local owner, campaign, lifetime, rest = click_parse(click)
if not owner then
  return redis.error_reply('ERR corrupt click record')
end
-- The click's own expiry, exact to the second (its bucket may outlive it by up to an hour).
local click_expires_ms = (tonumber(ARGV[27]) + lifetime) * 1000
if click_expires_ms <= tonumber(ARGV[10]) then
  return {'NF', ''}
end
local test = ARGV[21] == '1'

if ARGV[1] ~= '' and owner ~= ARGV[1] then
  return {'AM', ''}
end

if has_request then
  local previous = redis.call('GET', KEYS[3])
  if previous then
    local fp, code, id = string.match(previous, '^([^|]*)|([^|]*)|(.*)$')
    if fp ~= ARGV[5] then
      return {'RR', id}
    end
    return {code, id, 'R'}
  end
end

if ARGV[14] ~= '' and not string.find('\n' .. ARGV[14] .. '\n', '\n' .. campaign .. '\n', 1, true) then
  return {'CM', ''}
end

local goal, txid, now = ARGV[2], ARGV[4], ARGV[10]
local ttl = click_expires_ms - tonumber(ARGV[10])
local keep = math.max(ttl, tonumber(ARGV[7]))
local code, id = nil, ''
local flagged = nil -- {reason number} once a new conversion on a flagged click is written
local flagged_status = ''

-- A postback with a status for a transaction already recorded on this click moves that
-- conversion's status (pending -> approved, approved -> rejected …) instead of counting anew.
if txid ~= '' and ARGV[15] ~= '' then
  local seq = redis.call('HGET', KEYS[2], 'x:' .. goal .. ':' .. txid)
  if seq then
    local conversion = conversion_at(KEYS[2], ARGV[11] .. seq, seq)
    local key, f = conversion.key, conversion.f
    local fields = conversion_fields(conversion)
    local current = fields.s
    if current and current ~= ARGV[15] then
      id = ARGV[12] .. seq
      if dry_run then
        code = string.find(ARGV[20], ',' .. current .. ',', 1, true) and 'U' or 'IT'
      elseif string.find(ARGV[20], ',' .. current .. ',', 1, true) then
        local amount, currency = fields.a or '', fields.c or ''
        local stats_prefix = hour_key_parts(KEYS[5])
        local dims_prefix = hour_key_parts(KEYS[8])
        local stats_key, dims_key = counted_in(fields, stats_prefix, dims_prefix)
        move_conversion(stats_key, fields.sf, current, ARGV[15], amount, currency, amount, currency)
        move_dimensions(dims_key, fields.dc, fields.sf, current, ARGV[15], amount, currency, amount, currency)
        redis.call('HSET', key, f .. 's', ARGV[15])
        redis.call('RPUSH', ARGV[19] .. seq, table.concat(
          {current, ARGV[15], now, 'postback', amount, currency, amount, currency, 'postback status'}, '\31'))
        redis.call('PEXPIRE', ARGV[19] .. seq, keep)
        local entry = append_event(KEYS[4], KEYS[6], ARGV[9], {
          'type', 'status', 'id', id, 'a', owner, 'g', goal, 's', ARGV[15], 'f', current, 't', now,
          'test', fields.x == '1' and '1' or '0', 'v', amount, 'c', currency, 'cp', campaign})
        redis.call('HSET', KEYS[2], 'e:' .. entry, '1')
        if outbox then
          append_outbox(KEYS[7], tostring(tonumber(ARGV[15]) + 1), id, owner, goal, ARGV[15], now)
        end
        code = 'U'
      else
        code = 'IT'
      end
    end
  end
end

if not code then
  local mode = ARGV[3]
  local dedupe_field = nil -- written with a new conversion: g:<goal> (once per click)
  local existing = false
  if mode == '1' then
    dedupe_field = 'g:' .. goal
    existing = redis.call('HGET', KEYS[2], dedupe_field)
  elseif mode == '3' or mode == '4' then
    -- A transaction already on the click is its field x:<goal>:<txid> (every conversion with a
    -- txid has one, whatever its goal's mode); servers before kept t:<goal>:<txid> too.
    local found = redis.call('HMGET', KEYS[2], 'x:' .. goal .. ':' .. txid, 't:' .. goal .. ':' .. txid)
    existing = found[1] or found[2]
  end
  if existing then
    -- The field holds the conversion's sequence number; an older server stored its whole id
    -- (which has a '-', a sequence number has none).
    id = string.find(existing, '-', 1, true) and existing or ARGV[12] .. existing
    code = (mode == '1') and 'D1' or 'D3'
  end
  if not code and dry_run then
    return {'A', ARGV[12] .. ((tonumber(redis.call('HGET', KEYS[2], 'n')) or 0) + 1)}
  end
  if not code then
    code = 'A'
    local dims, flag = click_dimensions_and_flag(click, rest)
    local status, payload = ARGV[16], ARGV[6]
    if flag ~= 0 then
      -- Conversion.status_reason (field 15, varint; 171 and 172 are the bytes r, 1): 171 bot, 172 data centre.
      flagged = {flag == 3 and 172 or 171}
      payload = payload .. string.char(120, flagged[1], 1) -- varint: 0x80 | (r % 128), r // 128
      if ARGV[28] ~= '' then
        status = ARGV[28]
      end
      flagged_status = status
    end
    -- Stats first: a value the counters refuse fails the script before anything was written.
    local cell, entries = nil, nil
    if not test then
      if ARGV[17] ~= '' and not split_amount(ARGV[17]) then
        error('not a decimal amount: ' .. ARGV[17])
      end
      local s1
      s1, entries = conversion_dimensions(KEYS[5], KEYS[8], campaign, dims)
      cell = stats_cell(campaign, s1, goal)
      -- A hash gains a field when this script creates it, and only then needs its expiry (as in
      -- insert_clicks.lua): a hash that had the field has had its expiry since it was created.
      if count_conversion(KEYS[5], cell, status, ARGV[17], ARGV[18], ARGV[24]) then
        redis.call('PEXPIREAT', KEYS[5], ARGV[25])
        heat(KEYS[9], KEYS[5])
      end
      if flag ~= 0 then
        bump(KEYS[5], 'g' .. US .. cell, '1')
      end
      if ARGV[31] == '1' then
        bump(KEYS[5], 'q' .. US .. cell, '1')
      end
      local dims_added = false
      for _, entry in ipairs(entries) do
        local dcell = dim_cell(campaign, entry, goal)
        if count_conversion(KEYS[8], dcell, status, ARGV[17], ARGV[18], ARGV[24]) then
          dims_added = true
        end
        if flag ~= 0 then
          bump(KEYS[8], 'g' .. US .. dcell, '1')
        end
        if ARGV[31] == '1' then
          bump(KEYS[8], 'q' .. US .. dcell, '1')
        end
      end
      if dims_added then
        redis.call('PEXPIREAT', KEYS[8], ARGV[25])
        heat(KEYS[9], KEYS[8])
      end
    end
    local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
    id = ARGV[12] .. n
    -- Never shorten: the state hash may hold the click's postback attempts (push_click_attempts.lua).
    if redis.call('PTTL', KEYS[2]) < keep then
      redis.call('PEXPIRE', KEYS[2], keep)
    end
    local entry = append_event(KEYS[4], KEYS[6], ARGV[9], {
      'type', 'conversion', 'id', id, 'a', owner, 'g', goal, 's', status, 't', now,
      'test', test and '1' or '0', 'v', ARGV[17], 'c', ARGV[18], 'cp', campaign})
    -- Everything the conversion adds to the state hash, in one HSET: its own fields n.*
    -- (lib_conversions.lua), its dedupe and transaction fields, its stream entry and request id.
    local f = n .. '.'
    local fields = {f .. 'p', payload, f .. 's', status, f .. 'a', ARGV[17], f .. 'c', ARGV[18],
      'e:' .. entry, '1'}
    if ARGV[30] ~= '' then
      table.insert(fields, f .. 'ct')
      table.insert(fields, ARGV[30])
    end
    if cell then
      -- The hour only: the stats and dimension hashes are the account's of that hour (counted_in).
      local _, hour = hour_key_parts(KEYS[5])
      table.insert(fields, f .. 'st')
      table.insert(fields, hour)
      table.insert(fields, f .. 'sf')
      table.insert(fields, cell)
      if #entries > 0 then
        table.insert(fields, f .. 'dc')
        table.insert(fields, table.concat(entries, RS))
      end
    else
      table.insert(fields, f .. 'x')
      table.insert(fields, '1')
    end
    if dedupe_field then
      table.insert(fields, dedupe_field)
      table.insert(fields, n)
    end
    if txid ~= '' then
      table.insert(fields, 'x:' .. goal .. ':' .. txid)
      table.insert(fields, n)
    end
    if has_request then
      table.insert(fields, 'r:' .. ARGV[22])
      table.insert(fields, '1')
    end
    redis.call('HSET', KEYS[2], unpack(fields))
    if outbox then
      append_outbox(KEYS[7], '1', id, owner, goal, status, now)
    end
  end
end

if dry_run then
  return {code, id}
end
if has_request then
  local request_ttl = math.max(ttl, tonumber(ARGV[8]))
  redis.call('SET', KEYS[3], ARGV[5] .. '|' .. code .. '|' .. id, 'PX', request_ttl)
  if code ~= 'A' then -- a new conversion listed its request id with its fields
    redis.call('HSET', KEYS[2], 'r:' .. ARGV[22], '1')
    if redis.call('PTTL', KEYS[2]) < 0 then
      redis.call('PEXPIRE', KEYS[2], math.max(keep, request_ttl))
    end
  end
end
local handoff = outbox and code == 'A'
if flagged or handoff then
  return {code, id, '', flagged and flagged_status or '', flagged and flagged[1] or '', handoff and click or ''}
end
return {code, id}
