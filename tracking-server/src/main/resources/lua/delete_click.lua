-- Deletes a click and every key derived from it in its partition, atomically: the click (a field
-- of its group's bucket), its state hash (with its conversions and the postback attempts on it),
-- the conversions 1..n an older server kept as keys of their own, their histories, the request-id
-- replies whose ids the state hash lists (field r:<request_id>) and its entries in the partition's
-- conversion stream (field e:<entry id>).
-- Key names are deterministic: no SCAN.
-- The stats counters of the click and its conversions are kept on purpose (aggregates identify no
-- click; past reports stay as they were exported): see ClickStore.delete.
-- lib_clicks.lua is prepended.
-- KEYS[1] click group kc:{p}:k:<hour>
-- KEYS[2] state hash  kc:{p}:x:<kcid>
-- KEYS[3] stream      kc:{p}:s
-- KEYS[4] attempts    kc:{p}:pl:<kcid>  (pointers into the postback log, as kept before they
--                     became the state hash's field l; gone once those clicks' logs expired)
-- KEYS[5] a key of the slot that never exists (see insert_clicks.lua)
-- ARGV[1] legacy conversion key prefix kc:{p}:v:<kcid>: (conversions an older server recorded as
--         keys of their own; the others are fields of the state hash, see lib_conversions.lua)
-- ARGV[2] history key prefix    kc:{p}:h:<kcid>:
-- ARGV[3] request key prefix    kc:{p}:r:<kcid>:
-- ARGV[4] click field (the kcid's random bytes)
-- Returns {found 0|1, conversions deleted, owner account ('' when unknown), goal1, txid1, goal2, …}:
-- the transactions recorded on the click, so the caller can drop the account-wide claims that name
-- this kcid (they live under the account's hash tag, in another slot).
-- KEYS: click_group, click_state, stream, legacy_attempts, slot_guard
-- ARGV: legacy_conversion_prefix, history_prefix, request_prefix, click_field
local click = click_delete(KEYS[1], ARGV[4])
if not click and redis.call('EXISTS', KEYS[2]) == 0 then
  return {0, 0, ''}
end
local owner = ''
if click then
  owner = click_parse(click) or ''
end
local n = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
local result = {1, n, owner}
for i = 1, n do
  redis.call('DEL', ARGV[1] .. i, ARGV[2] .. i)
end
for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
  local kind = string.sub(field, 1, 2)
  if kind == 'r:' then
    redis.call('DEL', ARGV[3] .. string.sub(field, 3))
  elseif kind == 'e:' then
    redis.call('XDEL', KEYS[3], string.sub(field, 3))
  elseif kind == 'x:' then
    -- x:<goal>:<txid>; goal keys never contain ':'.
    local rest = string.sub(field, 3)
    local colon = string.find(rest, ':', 1, true)
    if colon then
      table.insert(result, string.sub(rest, 1, colon - 1))
      table.insert(result, string.sub(rest, colon + 1))
    end
  end
end
redis.call('DEL', KEYS[2], KEYS[4])
return result
