-- Appends entries to a postback log stream, in order, and trims it: by time (MINID ~, the
-- retention) and by length (MAXLEN ~, a safety cap), then refreshes the stream's TTL so a log
-- nobody writes to any more disappears once its newest entry is past the retention. One key, so
-- one slot; the entries of one call are the appends that queued while the last call was answered
-- (RedisPostbackLog), so a busy log pays for the call and the trims once per batch.
-- KEYS[1] kc:{a:<id>}:log or kc:log:unattributed
-- ARGV[1] min id (now - retention, "<ms>-0")   ARGV[2] max length   ARGV[3] ttl ms (the retention)
-- ARGV[4..] the entries (PostbackLogEntry protobufs)
-- Returns the entries' stream ids (their log ids), in order.
-- KEYS: log
-- ARGV: min_id, max_length, ttl_ms, entries...
local ids = {}
for i = 4, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ids
