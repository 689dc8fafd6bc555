-- Prepends one postback attempt to a click's attempts (newest first), keeps the latest ARGV[2],
-- and keeps the click state hash for at least ARGV[3] ms. The attempts are one field of the click
-- state hash (l = "<account>|<log id>" pointers, newest first, ' '-separated: account ids and
-- stream ids have no spaces) rather than a list of their own: a list key costs ~190 bytes of
-- Redis for a ~25-byte pointer, a field of a hash the click already has costs the pointer. One
-- key, in the click's partition slot.
-- KEYS[1] click state hash kc:{p}:x:<kcid>
-- ARGV[1] "<account>|<log id>" ("|<log id>" for the unattributed log)   ARGV[2] entries kept
-- ARGV[3] ttl ms
-- KEYS: click_state
-- ARGV: pointer, kept, ttl_ms
local kept = tonumber(ARGV[2])
local attempts = ARGV[1]
local previous = redis.call('HGET', KEYS[1], 'l')
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
redis.call('HSET', KEYS[1], 'l', attempts)
-- Never shorten: the state hash also holds the click's conversions' dedupe state.
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
