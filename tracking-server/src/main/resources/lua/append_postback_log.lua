-- Appends one entry to a postback log stream and trims it: by time (MINID ~, the retention) and
-- by length (MAXLEN ~, a safety cap), then refreshes the stream's TTL so a log nobody writes to
-- any more disappears once its newest entry is past the retention. One key, so one slot.
-- KEYS[1] kc:{a:<id>}:log or kc:log:unattributed
-- ARGV[1] entry (PostbackLogEntry protobuf)   ARGV[2] min id (now - retention, "<ms>-0")
-- ARGV[3] max length                          ARGV[4] ttl ms (the retention)
-- Returns the entry's stream id (its log id).
-- KEYS: log
-- ARGV: entry, min_id, max_length, ttl_ms
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[2], '*', 'e', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return id
