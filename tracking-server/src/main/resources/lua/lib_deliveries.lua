-- Helpers of the delivery queue scripts; prepended to claim_deliveries.lua,
-- enqueue_deliveries.lua and finish_deliveries.lua when they are loaded (LuaScript.fromClasspath
-- with several resources).

-- A new job's hash fields, pending and due at its creation, from ten values ARGV[i..i + 9]:
-- account, owner ("a:<id>" / "p:<id>"), destination id, conversion id, kcid, goal, trigger
-- number, status number, created ms, outbox entry id. Its attempts will be its own fields (ah).
local function new_job(i)
  local created = ARGV[i + 8]
  return {'a', ARGV[i], 'o', ARGV[i + 1], 'd', ARGV[i + 2], 'c', ARGV[i + 3], 'k', ARGV[i + 4],
    'g', ARGV[i + 5], 't', ARGV[i + 6], 's', ARGV[i + 7], 'ct', created, 'q', created, 'st', '1',
    'n', '0', 'na', created, 'e', ARGV[i + 9], 'ah', '1'}
end

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

