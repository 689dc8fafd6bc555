-- Prepends postback attempts to clicks' attempts (newest first), keeps the latest ARGV[2] of each,
-- and keeps each click state hash for at least ARGV[3] ms. A click's attempts are one field of its
-- state hash (l = "<account>|<log id>" pointers, newest first, ' '-separated: account ids and
-- stream ids have no spaces) rather than a list of their own: a list key costs ~190 bytes of
-- Redis for a ~25-byte pointer, a field of a hash the click already has costs the pointer. The
-- clicks of one call share a partition, so one slot; a click may come more than once, its
-- attempts in the order they were logged.
-- KEYS[i] click state hash kc:{p}:x:<kcid> of pointer i
-- ARGV[1] entries kept   ARGV[2] ttl ms
-- ARGV[2 + i] pointer i: "<account>|<log id>" ("|<log id>" for the unattributed log)
-- KEYS: click_states...
-- ARGV: kept, ttl_ms, pointers...
local kept = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
for i = 1, #KEYS do
  local state = KEYS[i]
  local attempts = ARGV[2 + i]
  local previous = redis.call('HGET', state, 'l')
  if previous and kept > 1 then
    -- The first kept - 1 earlier pointers: the text before the (kept - 1)th space, or all of it.
    local at, spaces = 0, 0
    repeat
      at = string.find(previous, ' ', at + 1, true)
      if at then
        spaces = spaces + 1
      end
    until not at or spaces == kept - 1
    if at then
      previous = string.sub(previous, 1, at - 1)
    end
    attempts = attempts .. ' ' .. previous
  end
  redis.call('HSET', state, 'l', attempts)
  -- Never shorten: the state hash also holds the click's conversions and their dedupe state.
  if redis.call('PTTL', state) < ttl then
    redis.call('PEXPIRE', state, ttl)
  end
end
return #KEYS
