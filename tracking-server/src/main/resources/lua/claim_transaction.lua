-- Account-wide claim of a transaction id (COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT).
-- The claim names the kcid that may record the transaction; the record itself happens in the
-- click's partition and is deduplicated there, so a retry of the same postback (same kcid) after
-- an unknown outcome passes the claim again and is counted once.
-- KEYS[1] kc:{a:<id>}:tx:<goal>:<txid>
-- ARGV[1] op: claim | release | settle | drop
-- ARGV[2] kcid    ARGV[3] ttl ms (claim)    ARGV[4] conversion id (settle)
-- claim   -> {holder kcid, conversion id or ''}; the caller owns it when holder == ARGV[2]
-- release -> 1 when our claim was dropped (only a claim without a conversion is released)
-- settle  -> 1 when our claim now names its conversion
-- drop    -> 1 when our claim was deleted, conversion or not (the click was deleted)
-- KEYS: claim
-- ARGV: op, kcid, ttl_ms, conversion_id
local value = redis.call('GET', KEYS[1])
local holder, conversion = '', ''
if value then
  holder, conversion = string.match(value, '^([^|]*)|(.*)$')
end
if ARGV[1] == 'claim' then
  if not value then
    redis.call('SET', KEYS[1], ARGV[2] .. '|', 'PX', ARGV[3])
    return {ARGV[2], ''}
  end
  return {holder, conversion}
elseif ARGV[1] == 'drop' then
  if value and holder == ARGV[2] then
    redis.call('DEL', KEYS[1])
    return 1
  end
  return 0
elseif ARGV[1] == 'release' then
  if holder == ARGV[2] and conversion == '' then
    redis.call('DEL', KEYS[1])
    return 1
  end
  return 0
else
  if holder == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[4], 'KEEPTTL')
    return 1
  end
  return 0
end
