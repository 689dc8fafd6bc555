-- Takes a conversion's place under the account's conversion caps, or finds it over one of them.
-- Every key shares the account's hash tag {a:<id>}, so this runs on one node, standalone or
-- Cluster; the check and the count are one step, so concurrent postbacks never pass a cap.
-- Idempotent: the reservation is keyed by the conversion's identity (its click, goal and
-- transaction or request id), so a retried postback finds its first decision (and token) and
-- counts nothing again. A released reservation ('X') is taken again with the same token.
--
-- KEYS[1]   reservation   kc:{a:<id>}:cr:<identity digest>
--           value: state|token|cap over|charges (state R reserved, S settled, O over a cap,
--           X released; charges: counter \t field \t increment, '\n'-joined)
-- KEYS[2..] counter hash  kc:{a:<id>}:cc:<cap id>   field: period (d20261204, m202612, l) -> used
-- ARGV[1]   token for a new reservation      ARGV[2] reservation ttl ms
-- ARGV[3..] per counter, 4 values: field, limit, increment, cap id (integers: conversions, or
--           micro-units of value)
--
-- Returns {state, token, cap id}: state R (within every cap; counted) or O (over cap id; not
-- counted); S when this identity's conversion was already settled.
-- KEYS: reservation, counters...
-- ARGV: token, ttl_ms, charges...

local existing = redis.call('GET', KEYS[1])
local token = ARGV[1]
if existing then
  local state, kept, over = string.match(existing, '^(%u)|([^|]*)|([^|]*)|')
  if state ~= 'X' then
    return {state, kept, over}
  end
  token = kept
end
local n = #KEYS - 1
for i = 1, n do
  local a = 2 + 4 * (i - 1)
  local used = tonumber(redis.call('HGET', KEYS[1 + i], ARGV[a + 1]) or '0')
  if used + tonumber(ARGV[a + 3]) > tonumber(ARGV[a + 2]) then
    redis.call('SET', KEYS[1], 'O|' .. token .. '|' .. ARGV[a + 4] .. '|', 'PX', ARGV[2])
    return {'O', token, ARGV[a + 4]}
  end
end
local charges = {}
for i = 1, n do
  local a = 2 + 4 * (i - 1)
  local field = ARGV[a + 1]
  redis.call('HINCRBY', KEYS[1 + i], field, ARGV[a + 3])
  -- Old periods are dropped now and then; a cap's hash keeps at most ~40 of them.
  if redis.call('HLEN', KEYS[1 + i]) > 40 then
    for _, f in ipairs(redis.call('HKEYS', KEYS[1 + i])) do
      if f ~= field and f ~= 'l' then
        redis.call('HDEL', KEYS[1 + i], f)
      end
    end
  end
  charges[i] = KEYS[1 + i] .. '\t' .. field .. '\t' .. ARGV[a + 3]
end
redis.call('SET', KEYS[1], 'R|' .. token .. '||' .. table.concat(charges, '\n'), 'PX', ARGV[2])
return {'R', token, ''}
