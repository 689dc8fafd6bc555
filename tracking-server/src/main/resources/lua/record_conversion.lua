-- Records one conversion atomically: check the click, replay a known request_id, apply a status
-- change to a known transaction, apply the goal's counting rule, claim the dedupe key, write the
-- conversion and append it to the partition's stream. Every key shares the partition hash tag,
-- so this runs on one node, standalone or Cluster. (Redis runs Lua 5.1: no goto.)
-- The conversion and history keys are built from ARGV[11] / ARGV[19] (their number is assigned
-- here) and share the tag too. While the partition's slot migrates between Cluster nodes, KEYS[3]
-- is missing whenever this script would write (a request id not yet answered, or the placeholder,
-- which is never written), so Redis answers ASK / TRYAGAIN rather than run it on either side.
--
-- KEYS[1] click            kc:{p}:c:<kcid>     "<account>\0<campaign>\0<Click protobuf>"
-- KEYS[2] click state hash kc:{p}:x:<kcid>     n, g:<goal>, t:<goal>:<txid>, x:<goal>:<txid> -> seq
-- KEYS[3] request id       kc:{p}:r:<kcid>:<request_id>  (a same-slot placeholder when none:
--                          an empty key would hash to another slot on a Cluster)
-- KEYS[4] stream           kc:{p}:s
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
-- ARGV[11] conversion key prefix  kc:{p}:v:<kcid>:
-- ARGV[12] conversion id prefix   <kcid>-
-- ARGV[13] '1' when KEYS[3] is a real request id, '0' otherwise
-- ARGV[14] campaigns the goal is restricted to, '\n'-joined ("" = any)
-- ARGV[15] status the postback asked for ("" = none), as the ConversionStatus number
-- ARGV[16] status of a new conversion
-- ARGV[17] amount ("" = none)     ARGV[18] currency
-- ARGV[19] history key prefix     kc:{p}:h:<kcid>:
-- ARGV[20] statuses a known transaction may move from to ARGV[15], ',' framed (",1,3,")
-- ARGV[21] '1' for a test conversion
--
-- Returns {code, conversion_id}:
--   A  accepted          D1 duplicate for the goal      D3 duplicate transaction
--   U  status of a known transaction changed            IT transition not allowed
--   NF click not found   AM click of another account    CM campaign not counted by the goal
--   RR request_id reused, and for a replayed request_id the stored answer of the first call.

local has_request = ARGV[13] == '1'
local click = redis.call('GET', KEYS[1])
if not click then
  return {'NF', ''}
end
local sep1 = string.find(click, '\0', 1, true)
local sep2 = sep1 and string.find(click, '\0', sep1 + 1, true)
if not sep2 then
  return redis.error_reply('ERR corrupt click record')
end
local owner = string.sub(click, 1, sep1 - 1)
local campaign = string.sub(click, sep1 + 1, sep2 - 1)
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
    return {code, id}
  end
end

if ARGV[14] ~= '' and not string.find('\n' .. ARGV[14] .. '\n', '\n' .. campaign .. '\n', 1, true) then
  return {'CM', ''}
end

local goal, txid, now = ARGV[2], ARGV[4], ARGV[10]
local ttl = redis.call('PTTL', KEYS[1])
local keep = math.max(ttl, tonumber(ARGV[7]))
local code, id = nil, ''

-- A postback with a status for a transaction already recorded on this click moves that
-- conversion's status (pending -> approved, approved -> rejected …) instead of counting anew.
if txid ~= '' and ARGV[15] ~= '' then
  local seq = redis.call('HGET', KEYS[2], 'x:' .. goal .. ':' .. txid)
  if seq then
    local key = ARGV[11] .. seq
    local current = redis.call('HGET', key, 's')
    if current and current ~= ARGV[15] then
      id = ARGV[12] .. seq
      if string.find(ARGV[20], ',' .. current .. ',', 1, true) then
        local amount = redis.call('HGET', key, 'a') or ''
        local currency = redis.call('HGET', key, 'c') or ''
        redis.call('HSET', key, 's', ARGV[15])
        redis.call('RPUSH', ARGV[19] .. seq, table.concat(
          {current, ARGV[15], now, 'postback', amount, currency, amount, currency, 'postback status'}, '\31'))
        redis.call('PEXPIRE', ARGV[19] .. seq, keep)
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*',
          'type', 'status', 'id', id, 'a', owner, 'g', goal, 's', ARGV[15], 't', now)
        code = 'U'
      else
        code = 'IT'
      end
    end
  end
end

if not code then
  local mode = ARGV[3]
  local dedupe_field = nil
  if mode == '1' then
    dedupe_field = 'g:' .. goal
  elseif mode == '3' or mode == '4' then
    dedupe_field = 't:' .. goal .. ':' .. txid
  end
  if dedupe_field then
    id = redis.call('HGET', KEYS[2], dedupe_field)
    if id then
      code = (mode == '1') and 'D1' or 'D3'
    end
  end
  if not code then
    code = 'A'
    local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
    id = ARGV[12] .. n
    if dedupe_field then
      redis.call('HSET', KEYS[2], dedupe_field, id)
    end
    if txid ~= '' then
      redis.call('HSET', KEYS[2], 'x:' .. goal .. ':' .. txid, n)
    end
    redis.call('PEXPIRE', KEYS[2], keep)
    local key = ARGV[11] .. n
    redis.call('HSET', key, 'p', ARGV[6], 's', ARGV[16], 'a', ARGV[17], 'c', ARGV[18])
    redis.call('PEXPIRE', key, keep)
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*',
      'type', 'conversion', 'id', id, 'a', owner, 'g', goal, 's', ARGV[16], 't', now, 'test', ARGV[21])
  end
end

if has_request then
  redis.call('SET', KEYS[3], ARGV[5] .. '|' .. code .. '|' .. id, 'PX', math.max(ttl, tonumber(ARGV[8])))
end
return {code, id}
