-- The newest entry id of a partition's conversion stream with its sequence number, read in one
-- step so a reader starting "from now" can later prove it missed nothing.
-- KEYS[1] stream kc:{p}:s   KEYS[2] sequence hash kc:{p}:sn (lib_stats.lua append_event)
-- Returns {entry id ('0-0' when empty), sequence ('0' when none)}.
-- KEYS: stream, stream_sequence
-- ARGV:
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = redis.call('HGET', KEYS[2], 'n') or '0'
if #last == 0 then
  return {'0-0', seq}
end
return {last[1][1], seq}
