-- Settles or releases a conversion's cap reservation (cap_reserve.lua) once its record is known.
-- Settle: the conversion was recorded with this token; a released reservation is counted again
-- (a concurrent retry of the same conversion released it first). Release: the record refused
-- the conversion or found another one; its counts are given back. Anything else is left as is,
-- so settling and releasing in any order and any number of times leave the counters exact.
-- The counters named in the reservation share its hash tag.
--
-- KEYS[1] reservation  kc:{a:<id>}:cr:<identity digest>
-- ARGV[1] 'S' settle, 'X' release     ARGV[2] the token the caller holds
--
-- Returns the reservation's state afterwards, 'N' when there is none, 'T' when it holds
-- another token (a later reservation of the same identity: not the caller's to change).
-- KEYS: reservation
-- ARGV: operation, token

local v = redis.call('GET', KEYS[1])
if not v then
  return 'N'
end
local state, token, over, charges = string.match(v, '^(%u)|([^|]*)|([^|]*)|(.*)$')
if token ~= ARGV[2] then
  return 'T'
end
local function apply(sign)
  for line in string.gmatch(charges, '[^\n]+') do
    local key, field, by = string.match(line, '^([^\t]*)\t([^\t]*)\t(.*)$')
    redis.call('HINCRBY', key, field, sign * tonumber(by))
  end
end
local target = nil
if ARGV[1] == 'S' then
  if state == 'R' then
    target = 'S'
  elseif state == 'X' then
    apply(1)
    target = 'S'
  end
elseif state == 'R' then
  apply(-1)
  target = 'X'
elseif state == 'O' then
  target = 'X'
end
if not target then
  return state
end
redis.call('SET', KEYS[1], target .. '|' .. token .. '|' .. over .. '|' .. charges, 'KEEPTTL')
return target
