-- Records one conversion atomically: check the click, replay a known request_id,
-- apply the goal's counting rule, claim the dedupe key, write the conversion and
-- append it to the partition's stream. Every key shares the partition hash tag, so
-- this runs on one node, standalone or Cluster.
--
-- KEYS[1] click            kc:{p}:c:<kcid>
-- KEYS[2] click state hash kc:{p}:x:<kcid>   (n = conversion sequence, g:<goal>, t:<goal>:<txid>)
-- KEYS[3] request id       kc:{p}:r:<kcid>:<request_id>   (a same-slot placeholder when none:
--                          an empty key would hash to another slot on a Cluster)
-- KEYS[4] stream           kc:{p}:s
-- ARGV[1] account id the caller is entitled to ("" = any)
-- ARGV[2] goal key
-- ARGV[3] counting mode: 1 once per click, 2 every postback, 3 unique txid per click
-- ARGV[4] transaction id ("" = none)
-- ARGV[5] request fingerprint (to detect a reused request_id with another payload)
-- ARGV[6] conversion payload (serialized Conversion without its id)
-- ARGV[7] conversion ttl ms (minimum)
-- ARGV[8] request-id ttl ms (minimum)
-- ARGV[9] stream max length (approximate)
-- ARGV[10] record time ms (stream field)
-- ARGV[11] conversion key prefix kc:{p}:v:<kcid>:
-- ARGV[12] conversion id prefix <kcid>-
-- ARGV[13] '1' when KEYS[3] is a real request id, '0' otherwise
--
-- Returns {code, conversion_id}:
--   A  accepted          D1 duplicate for the goal      D3 duplicate transaction
--   NF click not found   AM click of another account    RR request_id reused
--   and for a replayed request_id the stored answer of the first call.

local has_request = ARGV[13] == '1'
local click = redis.call('GET', KEYS[1])
if not click then
  return {'NF', ''}
end
local account = ARGV[1]
local sep = string.find(click, '\0', 1, true)
if not sep then
  return redis.error_reply('ERR corrupt click record')
end
local owner = string.sub(click, 1, sep - 1)
if account ~= '' and owner ~= account then
  return {'AM', ''}
end

if has_request then
  local previous = redis.call('GET', KEYS[3])
  if previous then
    local fp, code, id = string.match(previous, '^([^|]*)|([^|]*)|(.*)$')
    if fp ~= ARGV[5] then
      return {'RR', id}
    end
    return {code, id}
  end
end

local mode = ARGV[3]
local dedupe_field = nil
if mode == '1' then
  dedupe_field = 'g:' .. ARGV[2]
elseif mode == '3' then
  dedupe_field = 't:' .. ARGV[2] .. ':' .. ARGV[4]
end

local code = 'A'
local id
if dedupe_field then
  id = redis.call('HGET', KEYS[2], dedupe_field)
  if id then
    code = (mode == '1') and 'D1' or 'D3'
  end
end

local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[7]) end

if code == 'A' then
  local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
  id = ARGV[12] .. n
  if dedupe_field then
    redis.call('HSET', KEYS[2], dedupe_field, id)
  end
  redis.call('PEXPIRE', KEYS[2], math.max(ttl, tonumber(ARGV[7])))
  redis.call('SET', ARGV[11] .. n, ARGV[6], 'PX', math.max(ttl, tonumber(ARGV[7])))
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*',
    'id', id, 'a', owner, 'g', ARGV[2], 't', ARGV[10])
end

if has_request then
  redis.call('SET', KEYS[3], ARGV[5] .. '|' .. code .. '|' .. id, 'PX', math.max(ttl, tonumber(ARGV[8])))
end
return {code, id}
