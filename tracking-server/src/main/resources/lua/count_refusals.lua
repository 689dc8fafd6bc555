-- Adds a batch of unauthenticated-refusal counts to an account's (or the unattributed log's)
-- counter hash, fields "<unix hour>:<reason number>", and refreshes its TTL (the log's retention).
-- With ARGV[2] > 0, first drops the fields of hours before ARGV[2] (done about once an hour).
-- KEYS[1] kc:{a:<id>}:log:refused:n or kc:log:unattributed:n
-- ARGV[1] ttl ms   ARGV[2] oldest hour to keep (0: no trim)   ARGV[3..] field, increment, field, ...
-- KEYS: counts
-- ARGV: ttl_ms, oldest_hour, increments...
local oldest = tonumber(ARGV[2])
if oldest > 0 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local hour = tonumber(string.match(field, '^(%d+):'))
    if hour == nil or hour < oldest then
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
