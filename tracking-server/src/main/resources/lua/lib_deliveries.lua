-- Helpers of the delivery queue scripts; prepended to claim_deliveries.lua and
-- finish_deliveries.lua when they are loaded (LuaScript.fromClasspath with several resources).

-- Files dest in the partition's index (ZSET dest -> earliest due ms) under its queue's earliest
-- job, or takes it out when the queue is empty; returns that earliest due time, or nil.
local function reindex(index, queue, dest)
  local first = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
  if first[1] then
    redis.call('ZADD', index, first[2], dest)
    return first[2]
  end
  redis.call('ZREM', index, dest)
  return nil
end

