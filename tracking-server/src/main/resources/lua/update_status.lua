-- Moves one conversion to another status (and/or value), appending the change to its history,
-- moving its stats and dimension counts (in the hour it was counted in) and appending an event to the stream.
-- lib_stats.lua and lib_conversions.lua are prepended. The conversion is the fields <n>.* of
-- KEYS[5], or KEYS[1] when an older server recorded it (conversion_at).
-- KEYS[1] its own hash kc:{p}:v:<kcid>:<n>   KEYS[2] history list kc:{p}:h:<kcid>:<n>
-- KEYS[3] request id kc:{p}:r:<kcid>:<request_id> (placeholder when none)   KEYS[4] stream kc:{p}:s
-- ARGV[1] new status number        ARGV[2] statuses it may come from, ',' framed (",1,3,")
-- ARGV[3] reason                   ARGV[4] time ms
-- ARGV[5] new amount ("" = keep)   ARGV[6] new currency ("" = keep)
-- ARGV[7] '1' when KEYS[3] is a real request id   ARGV[8] fingerprint   ARGV[9] request ttl ms
-- ARGV[10] conversion id           ARGV[11] stream max length
-- KEYS[5] click state hash kc:{p}:x:<kcid>   ARGV[12] request id, listed there as r:<request_id>
--         (and the stream entry as e:<entry id>) so that deleting the click finds them
-- KEYS[6] stream sequence kc:{p}:sn          ARGV[13] account id, ARGV[14] goal key (for the event)
-- KEYS[7] delivery outbox kc:{p}:o          ARGV[15] '1' when the account has destinations: a
--         status change (not a value-only adjustment) appends an entry (see append_outbox)
-- ARGV[16] the conversion's sequence number n
-- ARGV[17] the account's stats key prefix kc:{p}:st:<account>:   ARGV[18] and dimension key prefix
--          kc:{p}:dim:<account>: (the hashes of the hour the conversion was counted in, counted_in)
-- Returns {code}: OK, NF (no such conversion), IT (transition not allowed), RR (request id reused)
-- KEYS: legacy_conversion, history, request, stream, click_state, stream_sequence, outbox
-- ARGV: new_status, allowed_sources, reason, time_ms, amount, currency, has_request, fingerprint,
-- ARGV: request_ttl_ms, conversion_id, stream_max_length, request_id, account_id, goal_key, write_outbox,
-- ARGV: sequence, stats_prefix, dimensions_prefix
if ARGV[7] == '1' then
  local previous = redis.call('GET', KEYS[3])
  if previous then
    local fp, code = string.match(previous, '^([^|]*)|(.*)$')
    if fp ~= ARGV[8] then
      return {'RR'}
    end
    return {code}
  end
end
local c = conversion_at(KEYS[5], KEYS[1], ARGV[16])
local fields = conversion_fields(c)
local current = fields.s
if not current then
  return {'NF'}
end
local amount = fields.a or ''
local currency = fields.c or ''
local new_amount = ARGV[5] ~= '' and ARGV[5] or amount
local new_currency = ARGV[6] ~= '' and ARGV[6] or currency
local code
if current == ARGV[1] and new_amount == amount and new_currency == currency then
  code = 'IT'
elseif current ~= ARGV[1] and not string.find(ARGV[2], ',' .. current .. ',', 1, true) then
  code = 'IT'
else
  code = 'OK'
  local stats_key, dims_key = counted_in(fields, ARGV[17], ARGV[18])
  move_conversion(stats_key, fields.sf, current, ARGV[1], amount, currency, new_amount, new_currency)
  move_dimensions(dims_key, fields.dc, fields.sf, current, ARGV[1], amount, currency, new_amount, new_currency)
  redis.call('HSET', c.key, c.f .. 's', ARGV[1], c.f .. 'a', new_amount, c.f .. 'c', new_currency)
  redis.call('RPUSH', KEYS[2], table.concat(
    {current, ARGV[1], ARGV[4], 'api', amount, currency, new_amount, new_currency, ARGV[3]}, '\31'))
  local ttl = redis.call('PTTL', c.key)
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  local entry = append_event(KEYS[4], KEYS[6], ARGV[11], {
    'type', 'status', 'id', ARGV[10], 'a', ARGV[13], 'g', ARGV[14], 's', ARGV[1], 'f', current,
    't', ARGV[4], 'test', fields.x == '1' and '1' or '0', 'v', new_amount, 'c', new_currency})
  if redis.call('EXISTS', KEYS[5]) == 1 then
    redis.call('HSET', KEYS[5], 'e:' .. entry, '1')
  end
  if ARGV[15] == '1' and current ~= ARGV[1] then
    append_outbox(KEYS[7], tostring(tonumber(ARGV[1]) + 1), ARGV[10], ARGV[13], ARGV[14], ARGV[1], ARGV[4])
  end
end
if ARGV[7] == '1' then
  redis.call('SET', KEYS[3], ARGV[8] .. '|' .. code, 'PX', ARGV[9])
  if redis.call('EXISTS', KEYS[5]) == 1 then
    redis.call('HSET', KEYS[5], 'r:' .. ARGV[12], '1')
  end
end
return {code}
